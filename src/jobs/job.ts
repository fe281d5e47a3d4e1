/**
 * A job: one request to Sail that the user is waiting for, from the moment it is written down
 * (before the POST) until its result is stored locally. The record is small and lives in the job
 * index; the request body and the response live in files beside it.
 */
import { z } from 'zod';

export const JobStateSchema = z.enum([
  /** Written down; the POST has not been answered yet (or its answer was lost). Re-sent with the same key. */
  'submitting',
  'queued',
  'in_progress',
  'completed',
  'incomplete',
  'failed',
  'cancelled',
  /** Sail no longer has it (404: results are kept at most 48 h). */
  'expired',
  /** The user stopped tracking it; Sail's job may still run (Sail has no cancel). */
  'untracked',
]);
export type JobState = z.infer<typeof JobStateSchema>;

const TERMINAL: ReadonlySet<JobState> = new Set(['completed', 'incomplete', 'failed', 'cancelled', 'expired', 'untracked']);

export function isFinished(state: JobState): boolean {
  return TERMINAL.has(state);
}

/** The error kind of an unfinished job that waits for the base URL or API key it was sent with. */
export const WAITING_FOR_ACCOUNT = 'elsewhere';

const PositionSchema = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });

export const JobSourceSchema = z.object({
  /** The document's URI as a string. */
  uri: z.string(),
  /** A short name for people: the file's base name. */
  fileName: z.string(),
  languageId: z.string(),
  /** The document version when the request was made, to notice edits before replacing. */
  version: z.number().int(),
  /** The selection sent; absent when the whole file was sent. */
  range: z.object({ start: PositionSchema, end: PositionSchema }).optional(),
  /** SHA-256 of the text sent, to tell whether the range still holds it before replacing. */
  textHash: z.string().optional(),
});
export type JobSource = z.infer<typeof JobSourceSchema>;

export const JobUsageSchema = z.object({
  input: z.number(),
  cached: z.number(),
  output: z.number(),
  reasoning: z.number(),
  total: z.number(),
});
export type JobUsage = z.infer<typeof JobUsageSchema>;

export const JobRecordSchema = z.object({
  /** Our id (a UUID); stable across reloads. */
  id: z.string().min(1),
  /** Generated once, before the first POST; every re-send of this job uses it. */
  idempotencyKey: z.string().min(1).max(255),
  /** Sail's `resp_…` id, once the POST was answered. */
  responseId: z.string().optional(),
  state: JobStateSchema,
  /** The server's last status word, as sent. */
  serverStatus: z.string().optional(),
  title: z.string(),
  instruction: z.string(),
  model: z.string(),
  window: z.enum(['asap', 'priority', 'standard', 'flex']).optional(),
  background: z.boolean(),
  source: JobSourceSchema.optional(),
  createdAt: z.number(),
  submittedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  /** Sail's created_at (unix seconds), when known. */
  serverCreatedAt: z.number().optional(),
  usage: JobUsageSchema.optional(),
  error: z.object({ kind: z.string(), message: z.string() }).optional(),
  incompleteReason: z.string().optional(),
  /** The user has looked at the finished result (it no longer counts as news in the status bar). */
  seen: z.boolean().default(false),
  /** The Sail base URL the job was sent to: after a change of URL it is not looked up elsewhere. */
  baseUrl: z.string().optional(),
  /** The JobStore folder that holds its request and answer files (see JobStore.storageId). */
  storageId: z.string().optional(),
  /** Which API key sent it (see keyId): it is polled and re-sent only with that key. */
  keyId: z.string().optional(),
  /** When this record last changed (ms); the newer copy wins when windows share the job list. */
  updatedAt: z.number().default(0),
  /** Which Send Again this record belongs to (1 = the first send): a later attempt wins merges. */
  attempt: z.number().int().min(1).default(1),
  /** Consecutive failed attempts to send the POST (network gone, server down). */
  sendAttempts: z.number().int().min(0).default(0),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;
