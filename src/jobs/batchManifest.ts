/**
 * What a batch job keeps beside its request: which file each item is about (Sail knows items only by
 * custom_id), and which files were left out and why. Written before the POST, never changed after.
 */
import { z } from 'zod';

/** Sail's pattern for custom_id, 1..64 characters; it also names the item's answer file. */
export const CUSTOM_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const BatchItemSourceSchema = z.object({
  /** Sail's custom_id for the item (derived from the path: see src/batch/customIds.ts). */
  customId: z.string().regex(CUSTOM_ID),
  /** The file's URI as a string. */
  uri: z.string(),
  /** Its path as shown to people (workspace-relative where it can be). */
  path: z.string(),
  languageId: z.string(),
  /** SHA-256 of the text sent, to warn when the file changed before a change is applied. */
  textHash: z.string().optional(),
});
export type BatchItemSource = z.infer<typeof BatchItemSourceSchema>;

export const SkippedFileSchema = z.object({
  path: z.string(),
  uri: z.string().optional(),
  /** Why it was not sent: binary, empty, tooLarge, unreadable, overLimit, duplicate (localized when shown). */
  reason: z.string(),
});
export type SkippedFile = z.infer<typeof SkippedFileSchema>;

export const BatchManifestSchema = z.object({
  items: z.array(BatchItemSourceSchema),
  skipped: z.array(SkippedFileSchema).default([]),
});
export type BatchManifest = z.infer<typeof BatchManifestSchema>;

/** The stored manifest, or undefined when missing or damaged. */
export function parseManifest(value: unknown): BatchManifest | undefined {
  const parsed = BatchManifestSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
