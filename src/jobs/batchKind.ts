/**
 * A batch (`POST /v1/batches`): one request per file, each a background response on Sail's side
 * under one batch id. Sail has no batch-level status: the batch is done when every item is terminal
 * (item statuses come UPPERCASE; normalizeStatus folds them). Items' answers are fetched once the
 * batch is done (batchItems.ts), not by the poll.
 */
import type { CreateBatchRequest, SailBatch, SailBatchDetail, SailResponse } from '../sail/schemas';
import type { SailStatus } from '../sail/status';
import { isFinished, type BatchProgress, type JobState } from './job';
import type { JobKind, RemoteStatus } from './kinds';

/** The part of SailClient a batch needs. */
export interface BatchesApi {
  createBatch(body: CreateBatchRequest, options: { idempotencyKey: string; apiKey?: string }): Promise<SailBatch>;
  getBatch(id: string, options?: { apiKey?: string }): Promise<SailBatchDetail>;
  getBatchItem(batchId: string, customId: string, options?: { apiKey?: string }): Promise<SailResponse>;
}

/** One item as Sail last reported it. */
export interface BatchItemStatus {
  readonly state: JobState;
  /** Sail's word, as sent (e.g. `RUNNING`). */
  readonly status: string;
}

/** A batch job's answer file: each item's status, by custom_id. Kept while the batch runs too. */
export interface BatchAnswer {
  readonly items: Readonly<Record<string, BatchItemStatus>>;
}

export function batchKind(api: () => BatchesApi): JobKind {
  return {
    name: 'batch',
    async send(request, { idempotencyKey, apiKey }) {
      const body = request as CreateBatchRequest;
      const batch = await api().createBatch(body, { idempotencyKey, apiKey });
      // Sail's answer has no item statuses: every item starts queued.
      const queued = { status: 'queued', rawStatus: 'QUEUED' } as const;
      const status = batchStatus({ ...batch, request_status: Object.fromEntries(body.requests.map((r) => [r.custom_id, queued])) });
      return { remoteId: batch.id, serverCreatedAt: batch.created_at, status };
    },
    async fetch(remoteId, { apiKey }) {
      return batchStatus(await api().getBatch(remoteId, { apiKey }));
    },
  };
}

/** An item's status in the job core's words; a word this version does not know counts as running. */
function itemState(status: SailStatus): JobState {
  return status === 'unknown' ? 'in_progress' : status;
}

/** Sail's batch, in the job core's words: done once every item is, failed only when every item failed. */
export function batchStatus(detail: SailBatchDetail): RemoteStatus {
  const items: Record<string, BatchItemStatus> = {};
  let done = 0;
  let failed = 0;
  let cancelled = 0;
  let started = 0;
  for (const [customId, item] of Object.entries(detail.request_status)) {
    const state = itemState(item.status);
    items[customId] = { state, status: item.rawStatus };
    if (state !== 'queued') {
      started++;
    }
    if (isFinished(state)) {
      done++;
      failed += state === 'failed' || state === 'cancelled' ? 1 : 0;
      cancelled += state === 'cancelled' ? 1 : 0;
    }
  }
  // An item Sail does not list yet is not done.
  const total = Math.max(detail.request_counts, Object.keys(items).length);
  const progress: BatchProgress = { total, done, failed, answered: 0 };
  const answer: BatchAnswer = { items };
  const serverStatus = `${done}/${total}`;
  if (done < total || total === 0) {
    return { state: started > 0 ? 'in_progress' : 'queued', serverStatus, progress, answer };
  }
  if (failed < total) {
    return { state: 'completed', serverStatus, progress, answer };
  }
  return {
    state: cancelled === total ? 'cancelled' : 'failed',
    serverStatus,
    progress,
    answer,
    // Each item's own error is in its answer.
    error: { kind: 'failed' },
  };
}
