/**
 * Which of the selected files go into a batch, and which stay out and why: every file the person
 * chose ends up in exactly one of the two lists, so nothing is dropped without a word. The order is
 * by path, so the same selection gives the same plan and the same cut at a limit.
 */
import * as l10n from '@vscode/l10n';
import { notTextReason, tooLargeReason } from '../jobs/prompt';
import type { CreateBatchRequest, CreateResponseRequest } from '../sail/schemas';
import { parseWindow } from '../sail/windows';
import { comparePaths, customIdsFor, type CustomIds } from './customIds';

/** Sail's limits for `POST /v1/batches`. */
export const SAIL_BATCH_LIMITS = { maxRequests: 100_000, maxBodyBytes: 256 * 1024 * 1024 } as const;

export const BATCH_LABEL_PATTERN = /^[a-zA-Z0-9_-]+$/;
export const BATCH_LABEL_MAX_LENGTH = 128;

export interface CandidateFile {
  /** Workspace-relative, '/'-separated. */
  readonly path: string;
  readonly uri: string;
  readonly size: number;
  /** The file's contents; absent when they could not be read (or were not read, being too large). */
  readonly bytes?: Uint8Array;
}

export interface PlanLimits {
  /** sail.maxFileSizeKB in bytes. */
  readonly maxFileBytes: number;
  readonly maxRequests?: number;
  readonly maxBodyBytes?: number;
}

export type SkipKind = 'binary' | 'empty' | 'tooLarge' | 'unreadable' | 'overLimit' | 'duplicate';

export interface SkippedFile {
  readonly file: CandidateFile;
  readonly kind: SkipKind;
  /** A sentence for people, naming the file. */
  readonly reason: string;
}

export interface PlannedFile extends CandidateFile {
  readonly bytes: Uint8Array;
  readonly text: string;
  readonly customId: string;
}

export interface BatchPlan {
  /** In path order. */
  readonly send: readonly PlannedFile[];
  /** In path order. */
  readonly skipped: readonly SkippedFile[];
  /** The custom ids of the files in `send`, both ways. */
  readonly ids: CustomIds;
  readonly limits: Required<PlanLimits>;
}

export function planBatch(candidates: readonly CandidateFile[], limits: PlanLimits): BatchPlan {
  const full: Required<PlanLimits> = { ...SAIL_BATCH_LIMITS, ...limits };
  const sorted = [...candidates].sort((a, b) => comparePaths(a.path, b.path) || comparePaths(a.uri, b.uri));
  const skipped: SkippedFile[] = [];
  const sendable: { file: CandidateFile; bytes: Uint8Array; text: string }[] = [];
  const seen = new Set<string>();
  for (const file of sorted) {
    if (seen.has(file.path)) {
      skipped.push({ file, kind: 'duplicate', reason: l10n.t('{0} is selected more than once; it is sent once.', file.path) });
      continue;
    }
    seen.add(file.path);
    const problem = checkFile(file, full.maxFileBytes);
    if ('kind' in problem) {
      skipped.push({ file, ...problem });
    } else if (sendable.length >= full.maxRequests) {
      skipped.push({ file, kind: 'overLimit', reason: overCountReason(file.path, full.maxRequests) });
    } else {
      sendable.push({ file, ...problem });
    }
  }
  const ids = customIdsFor(sendable.map((s) => s.file.path));
  const send = sendable.map(({ file, bytes, text }): PlannedFile => ({ ...file, bytes, text, customId: ids.idOf.get(file.path) ?? '' }));
  return { send, skipped: skipped.sort((a, b) => comparePaths(a.file.path, b.file.path)), ids, limits: full };
}

function checkFile(file: CandidateFile, maxFileBytes: number): { kind: SkipKind; reason: string } | { bytes: Uint8Array; text: string } {
  const tooLarge = tooLargeReason(file.bytes?.byteLength ?? file.size, maxFileBytes, file.path);
  if (tooLarge) {
    return { kind: 'tooLarge', reason: tooLarge };
  }
  if (!file.bytes) {
    return { kind: 'unreadable', reason: l10n.t('{0} could not be read.', file.path) };
  }
  if (file.bytes.byteLength === 0) {
    return { kind: 'empty', reason: l10n.t('{0} is empty.', file.path) };
  }
  const notText = notTextReason(file.bytes, file.path);
  if (notText) {
    return { kind: 'binary', reason: notText };
  }
  return { bytes: file.bytes, text: new TextDecoder('utf-8').decode(file.bytes) };
}

function overCountReason(path: string, maxRequests: number): string {
  return l10n.t('{0} is past the {1} requests one Sail batch can hold; send it in another batch.', path, maxRequests);
}

export interface BuiltBatch {
  /** Undefined when no file is left to send (Sail refuses an empty batch). */
  readonly request: CreateBatchRequest | undefined;
  /** The size of `JSON.stringify(request)` in UTF-8 bytes, as it will go on the wire. */
  readonly bodyBytes: number;
  /** The plan as sent: the files past the body limit moved from `send` to `skipped`. */
  readonly plan: BatchPlan;
}

/**
 * The `POST /v1/batches` body for a plan. Each item is serialized once to measure it, so the body's
 * size is known without building the whole string (up to 256 MB) before the client does. Files are
 * kept in path order up to the body limit; the first that does not fit and all after it move to
 * `skipped`, so the cut is the same every time and the rest can go in a next batch.
 *
 * `makeParams` builds each item's request (its window must be one `batchWindow` allows).
 */
export function buildBatchRequest(plan: BatchPlan, makeParams: (file: PlannedFile) => CreateResponseRequest, label?: string): BuiltBatch {
  if (label !== undefined && !isBatchLabel(label)) {
    throw new RangeError(`Invalid batch label ${JSON.stringify(label)}: make one with batchLabel().`);
  }
  const head = Buffer.byteLength('{"endpoint":"/v1/responses","requests":[');
  const tail = Buffer.byteLength(`]${label === undefined ? '' : `,"label":${JSON.stringify(label)}`}}`);
  let bodyBytes = head + tail;
  const requests: CreateBatchRequest['requests'] = [];
  const kept: PlannedFile[] = [];
  const overflow: SkippedFile[] = [];
  for (const file of plan.send) {
    if (overflow.length) {
      overflow.push(overBodyReason(file, plan.limits.maxBodyBytes));
      continue;
    }
    const item = { custom_id: file.customId, params: makeParams(file) };
    const itemBytes = Buffer.byteLength(JSON.stringify(item)) + (requests.length ? 1 : 0); // the comma before it
    if (bodyBytes + itemBytes > plan.limits.maxBodyBytes) {
      overflow.push(overBodyReason(file, plan.limits.maxBodyBytes));
      continue;
    }
    bodyBytes += itemBytes;
    requests.push(item);
    kept.push(file);
  }
  if (!requests.length) {
    bodyBytes = 0;
  }
  const request: CreateBatchRequest | undefined = requests.length ? { endpoint: '/v1/responses', requests, ...(label !== undefined && { label }) } : undefined;
  // The kept files keep the ids they were planned with, even where a collision was resolved.
  const ids = overflow.length ? { idOf: new Map(kept.map((f) => [f.path, f.customId])), pathOf: new Map(kept.map((f) => [f.customId, f.path])) } : plan.ids;
  const skipped = [...plan.skipped, ...overflow].sort((a, b) => comparePaths(a.file.path, b.file.path));
  return { request, bodyBytes, plan: { ...plan, send: kept, skipped, ids } };
}

function overBodyReason(file: PlannedFile, maxBodyBytes: number): SkippedFile {
  return {
    file,
    kind: 'overLimit',
    reason: l10n.t(
      "{0} would take the batch past Sail's {1} MB request size limit; send it in another batch.",
      file.path,
      Math.floor(maxBodyBytes / (1024 * 1024)),
    ),
  };
}

export function isBatchLabel(label: string): boolean {
  return label.length <= BATCH_LABEL_MAX_LENGTH && BATCH_LABEL_PATTERN.test(label);
}

/** A label Sail accepts, made from any text (an instruction's first words, a folder's name); undefined when nothing is left. */
export function batchLabel(text: string): string | undefined {
  const label = text
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .slice(0, BATCH_LABEL_MAX_LENGTH)
    .replace(/^-+|-+$/g, '');
  return label || undefined;
}

/** The window each item of a batch runs in. */
export type BatchWindow = 'standard' | 'flex';

/**
 * The chosen window as a batch item's window: Sail runs batch items only in `standard` (shown as
 * balanced) and `flex`. For asap, priority or auto the answer is a refusal in words for the UI.
 */
export function batchWindow(window: string): { readonly window: BatchWindow } | { readonly refusal: string } {
  const parsed = parseWindow(window);
  if (parsed === 'standard' || parsed === 'flex') {
    return { window: parsed };
  }
  return {
    refusal: l10n.t('A Sail batch runs only in the balanced or flex window, not {0}. Choose one of those to send these files as a batch.', window),
  };
}
