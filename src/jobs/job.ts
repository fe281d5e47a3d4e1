/**
 * A job: one request to Sail that the user is waiting for, from the moment it is written down
 * (before the POST) until its result is stored locally. The record is small and lives in the job
 * index; the request body and the response live in files beside it.
 */
import { z } from 'zod';
import type { SailError } from '../sail/errors';
import { COMPLETION_WINDOWS } from '../sail/windows';

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

// ------------------------------------------------------------ groupings: every other file asks these

/** Sail's own final answers: the response is what was paid for, and it is kept. */
const ANSWERED: ReadonlySet<JobState> = new Set(['completed', 'incomplete', 'failed', 'cancelled']);
/** Ended without an answer: Sail dropped it (48 h) or the user stopped tracking it. */
const GIVEN_UP: ReadonlySet<JobState> = new Set(['expired', 'untracked']);

/** Nothing more will happen to the job on its own: answered or given up. */
export function isFinished(state: JobState): boolean {
  return ANSWERED.has(state) || GIVEN_UP.has(state);
}

/** Still on its way: being sent, or accepted and not answered yet. */
export function isLive(state: JobState): boolean {
  return !isFinished(state);
}

/**
 * Sail gave its final word: completed, incomplete, failed or cancelled. (A job refused at the POST is
 * `failed` too, without a response id: check `responseId` where the answer itself matters.)
 */
export function isAnswered(state: JobState): boolean {
  return ANSWERED.has(state);
}

export function isGivenUp(state: JobState): boolean {
  return GIVEN_UP.has(state);
}

/** A finished job the user has not looked at yet (the status bar counts it; it was notified once). */
export function isUnseenNews(job: Pick<JobRecord, 'state' | 'seen'>): boolean {
  return isFinished(job.state) && !job.seen && job.state !== 'untracked';
}

/**
 * Nothing about the job is left to do or to tell: finished, and seen (or stopped by the user). Such
 * jobs move to the history (history.ts), out of the index every change rewrites.
 */
export function isSettled(job: Pick<JobRecord, 'state' | 'seen'>): boolean {
  return isFinished(job.state) && !isUnseenNews(job);
}

/** The user asked to keep the job: the history's retention never removes it. */
export function isPinned(job: Pick<JobRecord, 'pinned'>): boolean {
  return job.pinned === true;
}

/** An ending that deserves a warning rather than a tick: cut off, dropped or cancelled. */
export function endedShort(state: JobState): boolean {
  return state === 'incomplete' || state === 'expired' || state === 'cancelled';
}

/**
 * Before Send Again: an earlier attempt may have reached Sail without being confirmed, so sending it
 * now — with another key, or after Sail forgot its idempotency key (48 h) — could run, and bill, it
 * a second time. The user is asked first.
 */
export function mayHaveReachedSail(job: Pick<JobRecord, 'state' | 'responseId' | 'error'>): boolean {
  return job.responseId === undefined && (job.state === 'submitting' || job.error?.kind === 'stale');
}

/** Sail refused the request as it was: sending the same body again cannot help until it changes. */
export function refusedAsSent(job: Pick<JobRecord, 'state' | 'error'>): boolean {
  return job.state === 'failed' && job.error?.kind === 'invalid_request';
}

/**
 * Sail refused the completion window (the model does not run in it, or it cannot run that way):
 * Sail's message names the windows it does support, and Re-run offers them.
 */
export function refusedTheWindow(job: Pick<JobRecord, 'state' | 'error'>): boolean {
  return refusedAsSent(job) && /completion[ _]window/i.test(job.error?.detail ?? '');
}

/**
 * The endpoint refused the batch as such (404 or 400 for `/batches`, never accepted): its files can
 * go as one response each instead (the `files` kind).
 */
export function refusedBatches(job: Pick<JobRecord, 'kind' | 'state' | 'responseId' | 'error'>): boolean {
  return (
    job.kind === 'batch' &&
    job.state === 'failed' &&
    job.responseId === undefined &&
    (job.error?.kind === 'not_found' || (job.error?.kind === 'invalid_request' && job.error.status === 400))
  );
}

// ------------------------------------------------------------ transitions

const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  // Accepted (queued, running or, in the foreground, answered at once), refused, or stopped by the user.
  submitting: ['submitting', 'queued', 'in_progress', 'completed', 'incomplete', 'failed', 'cancelled', 'untracked'],
  queued: ['queued', 'in_progress', 'completed', 'incomplete', 'failed', 'cancelled', 'expired', 'untracked'],
  in_progress: ['queued', 'in_progress', 'completed', 'incomplete', 'failed', 'cancelled', 'expired', 'untracked'],
  completed: ['completed'],
  incomplete: ['incomplete'],
  // Send Again: a refused or unconfirmed request goes out again.
  failed: ['failed', 'submitting'],
  cancelled: ['cancelled'],
  expired: ['expired'],
  untracked: ['untracked'],
};

/** Whether a job may move from one state to another (the same state: a change of its details). */
export function canTransition(from: JobState | undefined, to: JobState): boolean {
  return from === undefined ? to === 'submitting' : TRANSITIONS[from].includes(to);
}

// ------------------------------------------------------------ waiting

/**
 * Why a live job waits instead of being sent or polled: Sail at another address would answer 404 for
 * it, and a request re-sent with another account's key would run, and be billed, a second time. The
 * view layer turns the reason into words (render/jobView); the record holds only the code.
 */
export const WaitingReasonSchema = z.enum([
  /** sail.baseUrl is invalid now. */
  'invalidBaseUrl',
  /** It was sent to another base URL than the one set now. */
  'otherBaseUrl',
  /** No API key is set. */
  'noKey',
  /** It was sent with another account's key (send), or Sail does not show it to this key (poll). */
  'otherKey',
]);
export type WaitingReason = z.infer<typeof WaitingReasonSchema>;

export function isWaiting(job: Pick<JobRecord, 'state' | 'waiting'>): boolean {
  return job.waiting !== undefined && isLive(job.state);
}

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
  /**
   * SHA-256 of the text sent (the selection, or the whole file), to tell whether it is still there before
   * replacing it. Absent in whole-file jobs of earlier versions.
   */
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

/**
 * A batch's items as Sail last reported them (a batch has no status of its own: it is done when
 * every item is). `answered` counts the items whose answers are stored here (fetched after the end).
 */
export const BatchProgressSchema = z.object({
  total: z.number().int().min(0),
  /** Items Sail has finished (completed, incomplete, failed or cancelled). */
  done: z.number().int().min(0),
  /** Of those, failed or cancelled. */
  failed: z.number().int().min(0),
  answered: z.number().int().min(0).default(0),
});
export type BatchProgress = z.infer<typeof BatchProgressSchema>;

// ------------------------------------------------------------ polls that keep failing

/**
 * Why Sail cannot be asked about an accepted job, when the same kind of failure keeps coming back
 * (a revoked key, a proxy or certificate problem, garbage answers). The view turns it into words.
 */
export const PollTroubleSchema = z.object({
  /** The SailError kind of the last failure, e.g. 'auth', 'network', 'unexpected_response'. */
  kind: z.string(),
  /** Consecutive failed polls. */
  count: z.number().int().min(1),
  since: z.number(),
});
export type PollTrouble = z.infer<typeof PollTroubleSchema>;

/** Failed polls in a row after which the user is told the job cannot be checked. */
export const POLL_TROUBLE_THRESHOLD = 3;

export function isTroubled(job: Pick<JobRecord, 'state' | 'pollTrouble'> | undefined): boolean {
  return job !== undefined && isLive(job.state) && (job.pollTrouble?.count ?? 0) >= POLL_TROUBLE_THRESHOLD;
}

// ------------------------------------------------------------ errors

/**
 * What went wrong with a job, as a code: the view layer turns it into words (render/jobErrors), so a
 * change of display language reaches stored jobs. The SailError kinds a send can end with, and the
 * job core's own.
 */
export const JobErrorKindSchema = z.enum([
  'auth',
  'forbidden',
  'invalid_request',
  /** The POST was answered 404: Sail's API is not at this base URL. */
  'not_found',
  'rate_limited',
  'server',
  'timeout',
  'network',
  'unexpected_response',
  'aborted',
  /** Sail no longer has the accepted job (see the poller's 404 rule). */
  'gone',
  /** Sail answered the job as failed; `detail` holds Sail's own message. */
  'failed',
  /** Never confirmed by Sail and over a day old: not re-sent on its own (see RESEND_HORIZON_MS). */
  'stale',
  /** The stored request body is missing, so it cannot be sent. */
  'lost',
  /** Anything else (the disk, the key store), and any kind this version does not know. */
  'error',
]);
export type JobErrorKind = z.infer<typeof JobErrorKindSchema>;

export const JobErrorSchema = z.object({
  // A kind from a newer (or older) version must not make the record unreadable.
  kind: JobErrorKindSchema.catch('error'),
  /** The HTTP status (of Sail, or of a proxy that refused the connection). */
  status: z.number().optional(),
  /** SailError's code: the API's error code or the connection's (e.g. 'idempotency_error', 'UND_ERR_CONNECT_TIMEOUT'). */
  code: z.string().optional(),
  /** Only text from the server (a refusal's message, a failed job's message): untrusted, never our words. */
  detail: z.string().optional(),
});
export type JobError = z.infer<typeof JobErrorSchema>;

/** A failed send or poll as a job error: a SailError's kind and what the server said, nothing localized. */
export function jobErrorOf(error: SailError | undefined): JobError {
  if (!error) {
    return { kind: 'error' };
  }
  return {
    kind: error.kind,
    ...(error.status !== undefined && { status: error.status }),
    ...(error.code !== undefined && { code: error.code }),
    ...(error.serverMessage !== undefined && { detail: error.serverMessage }),
  };
}

/** Records written before `waiting` existed marked it as an error of this kind, holding a sentence. */
const LEGACY_WAITING_KIND = 'elsewhere';

/**
 * An error stored before kinds were typed: `{ kind, message }`, the message a sentence in the
 * language of its day. Only a failed job's message came from Sail and is kept (as `detail`); the
 * others are our words, made again by the view.
 */
function migrateError(error: { kind?: unknown; message?: unknown }, record: { responseId?: unknown; state?: unknown }): unknown {
  const kind = typeof error.kind === 'string' ? error.kind : 'error';
  if (record.responseId !== undefined) {
    // Accepted by Sail: the poller wrote either a 404 (expired) or the failed answer's code and message.
    if (kind === 'not_found' && record.state === 'expired') {
      return { kind: 'gone' };
    }
    return {
      kind: 'failed',
      ...(kind !== 'failed' && { code: kind }),
      ...(typeof error.message === 'string' && error.message !== '' && { detail: error.message }),
    };
  }
  return { kind };
}

function migrate(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) {
    return raw;
  }
  const record = raw as { error?: { kind?: unknown; message?: unknown }; responseId?: unknown; state?: unknown };
  if (record.error?.kind === LEGACY_WAITING_KIND) {
    // The reason is not known: drop the mark, and the next send or poll finds out again.
    return { ...record, error: undefined };
  }
  if (typeof record.error === 'object' && record.error !== null && 'message' in record.error) {
    return { ...record, error: migrateError(record.error, record) };
  }
  return raw;
}

/** Which plug-in sends and follows the job (see kinds.ts). */
/** `files`: a batch's files as one background response each, where an endpoint takes no batches. */
export const JobKindNameSchema = z.enum(['response', 'batch', 'files']);
export type JobKindName = z.infer<typeof JobKindNameSchema>;

/** A job over many files, one answer each: a Sail batch, or its fallback of one response per file. */
export function isBatch(job: Pick<JobRecord, 'kind'> | undefined): boolean {
  return job?.kind === 'batch' || job?.kind === 'files';
}

const JobRecordObject = z.object({
  /** Our id (a UUID); stable across reloads. */
  id: z.string().min(1),
  /** Absent: a single response (every job before batches). */
  kind: JobKindNameSchema.optional(),
  /** A batch's items as last reported (batches only). */
  progress: BatchProgressSchema.optional(),
  /** Generated once, before the first POST; every re-send of this job uses it. */
  idempotencyKey: z.string().min(1).max(255),
  /** Sail's id (`resp_…`, or `batch_…` for a batch), once the POST was answered. */
  responseId: z.string().optional(),
  state: JobStateSchema,
  /** The server's last status word, as sent. */
  serverStatus: z.string().optional(),
  title: z.string(),
  instruction: z.string(),
  model: z.string(),
  window: z.enum(COMPLETION_WINDOWS).optional(),
  background: z.boolean(),
  source: JobSourceSchema.optional(),
  /** The prompt file it was made from (its URI): Send with Current Settings reads it again. */
  prompt: z.string().optional(),
  createdAt: z.number(),
  submittedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  /** Sail's created_at (unix seconds), when known. */
  serverCreatedAt: z.number().optional(),
  usage: JobUsageSchema.optional(),
  error: JobErrorSchema.optional(),
  /** When Sail first answered 404 for this (accepted) job; cleared by any other answer. See PollPolicy.goneAfterMs. */
  missingSince: z.number().optional(),
  /** Polls that failed in a row without an answer; cleared by any answer from Sail. */
  pollTrouble: PollTroubleSchema.optional(),
  /** Set while the job waits for its base URL or API key (see WaitingReason); cleared when it goes on. */
  waiting: WaitingReasonSchema.optional(),
  incompleteReason: z.string().optional(),
  /** The user has looked at the finished result (it no longer counts as news in the status bar). */
  seen: z.boolean().default(false),
  /** Kept in the history whatever its retention settings say. */
  pinned: z.boolean().optional(),
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
export const JobRecordSchema = z.preprocess(migrate, JobRecordObject);
export type JobRecord = z.infer<typeof JobRecordObject>;
