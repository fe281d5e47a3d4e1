/**
 * Job kinds: what differs between kinds of Sail job is small — how the stored request is sent, how
 * Sail is asked about the job, and what its answers mean — and everything else (writing down,
 * leases, re-sends, polling, storage, history, notifications, views of the state) is the job core's,
 * shared. A kind is a plug-in of those three parts: a single response (`POST /v1/responses`, in the
 * background or the foreground) here, a batch (`POST /v1/batches`) in batchKind.ts, and the same
 * files as one background response each where an endpoint takes no batches (filesKind.ts).
 */
import type { CreateResponseRequest, SailResponse } from '../sail/schemas';
import { isTerminal } from '../sail/status';
import type { BatchProgress, JobError, JobKindName, JobState, JobUsage } from './job';

/** What Sail said about a job, in the job core's words, whatever its kind. */
export interface RemoteStatus {
  /** `queued` or `in_progress` while it runs; a finished state once Sail is done with it. */
  readonly state: JobState;
  /** Sail's own status word, as sent. */
  readonly serverStatus: string;
  /** Set once finished: */
  readonly usage?: JobUsage;
  readonly error?: JobError;
  readonly incompleteReason?: string;
  /**
   * What to keep as the job's answer file (Sail deletes it after 48 h). A batch's is its items'
   * statuses, kept while it runs too.
   */
  readonly answer?: unknown;
  /** A batch's items, counted. */
  readonly progress?: BatchProgress;
}

export interface Accepted {
  /** Sail's id for the job (`resp_…`, `batch_…`). */
  readonly remoteId: string;
  /** Sail's created_at (unix seconds), when it says. */
  readonly serverCreatedAt?: number;
  readonly status: RemoteStatus;
}

export interface JobKind {
  readonly name: JobKindName;
  /** POSTs the stored request; a retry with the same idempotency key is replayed, never run twice. */
  send(request: unknown, options: { idempotencyKey: string; apiKey?: string; jobId: string }): Promise<Accepted>;
  /** Asks Sail about an accepted job. Throws a SailError (404 and all) when Sail does not answer it. */
  fetch(remoteId: string, options: { apiKey?: string; jobId: string }): Promise<RemoteStatus>;
}

/** Every tracker sends single responses; batches only where it was given a batch API. */
export type JobKinds = Readonly<{ response: JobKind } & Partial<Record<JobKindName, JobKind>>>;

/** The plug-in that sends and follows the job. */
export function kindOf(kinds: JobKinds, job: { kind?: JobKindName }): JobKind {
  const kind = kinds[job.kind ?? 'response'];
  if (!kind) {
    throw new Error(`This tracker cannot follow ${job.kind} jobs`);
  }
  return kind;
}

/** The part of SailClient a single response needs. */
export interface ResponsesApi {
  createResponse(body: CreateResponseRequest, options: { idempotencyKey: string; apiKey?: string }): Promise<{ response: SailResponse }>;
  getResponse(id: string, options?: { apiKey?: string }): Promise<SailResponse>;
}

/** A single response: the background job of today (or a foreground one, answered by its POST). */
export function responseKind(api: () => ResponsesApi): JobKind {
  return {
    name: 'response',
    async send(request, { idempotencyKey, apiKey }) {
      const { response } = await api().createResponse(request as CreateResponseRequest, { idempotencyKey, apiKey });
      return { remoteId: response.id, serverCreatedAt: response.created_at, status: responseStatus(response) };
    },
    async fetch(remoteId, { apiKey }) {
      return responseStatus(await api().getResponse(remoteId, { apiKey }));
    },
  };
}

/** Sail's response, in the job core's words. */
export function responseStatus(response: SailResponse): RemoteStatus {
  const { status } = response;
  if (!isTerminal(status)) {
    return { state: status === 'in_progress' ? 'in_progress' : 'queued', serverStatus: response.rawStatus };
  }
  const { usage } = response;
  return {
    state: status as JobState,
    serverStatus: response.rawStatus,
    usage: {
      input: usage.input_tokens,
      cached: usage.input_tokens_details.cached_tokens,
      output: usage.output_tokens,
      reasoning: usage.output_tokens_details.reasoning_tokens,
      total: usage.total_tokens,
    },
    error: response.error
      ? { kind: 'failed', ...(response.error.code !== undefined && { code: response.error.code }), detail: response.error.message }
      : undefined,
    incompleteReason: response.incomplete_details?.reason,
    answer: response,
  };
}
