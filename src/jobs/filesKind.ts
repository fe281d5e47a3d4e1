/**
 * A batch's files as one background response each: the fallback where an endpoint takes no
 * batches (it answers 404 or 400 for `/batches`, or is not Sail). The stored request is the same
 * batch body; each item goes as its own `POST /v1/responses`, a few at a time, under an idempotency
 * key derived from the job's (`<key>.<custom_id>`), so a re-sent job replays every item instead of
 * running it again. Which response id each item got is kept beside the job (payload `remote`); each
 * poll asks about the items not done yet, and keeps every answer as it arrives. To the rest of the
 * job core it looks like a batch: the same progress, item statuses and item answers.
 */
import type { CreateBatchRequest, SailResponse } from '../sail/schemas';
import type { BatchAnswer } from './batchKind';
import { batchStatus } from './batchKind';
import { isFinished } from './job';
import type { JobKind, ResponsesApi } from './kinds';
import type { SailStatus } from '../sail/status';
import { responseStatus } from './kinds';

/** Requests in flight at once, per job. */
const CONCURRENCY = 4;

/** Where the kind keeps what it learns about a job (the job store's payloads). */
export interface FilesKindStore {
  /** Each item's response id, by custom_id. */
  readRemote(jobId: string): Promise<Record<string, string> | undefined>;
  writeRemote(jobId: string, remote: Record<string, string>): Promise<void>;
  /** The item statuses the last poll found (the job's answer file). */
  readStatus(jobId: string): Promise<BatchAnswer | undefined>;
  writeItem(jobId: string, customId: string, response: SailResponse): Promise<void>;
}

/** The idempotency key of one item: the job's key and its custom_id (Sail allows 255 characters). */
export function itemKey(jobKey: string, customId: string): string {
  return `${jobKey}.${customId}`;
}

/** Runs `work` over `items`, at most `limit` at a time; the first failure rejects after the others settle. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) {
    throw failure;
  }
}

export function filesKind(api: () => ResponsesApi, store: FilesKindStore): JobKind {
  const statusOf = (items: Record<string, { status: SailStatus; rawStatus: string }>) =>
    batchStatus({ id: 'files', request_counts: Object.keys(items).length, request_status: items });

  return {
    name: 'files',
    async send(request, { idempotencyKey, apiKey, jobId }) {
      const body = request as CreateBatchRequest;
      const remote: Record<string, string> = { ...(await store.readRemote(jobId)) };
      const items: Record<string, { status: SailStatus; rawStatus: string }> = {};
      try {
        await eachLimited(body.requests, CONCURRENCY, async ({ custom_id: customId, params }) => {
          const { response } = await api().createResponse({ ...params, background: true }, { idempotencyKey: itemKey(idempotencyKey, customId), apiKey });
          remote[customId] = response.id;
          items[customId] = { status: response.status, rawStatus: response.rawStatus };
        });
      } finally {
        // What was accepted is remembered even when another item failed: the re-send replays it.
        await store.writeRemote(jobId, remote);
      }
      return { remoteId: `files_${jobId}`, status: statusOf(items) };
    },
    async fetch(_remoteId, { apiKey, jobId }) {
      const remote = (await store.readRemote(jobId)) ?? {};
      const last = await store.readStatus(jobId);
      const items: Record<string, { status: SailStatus; rawStatus: string }> = {};
      const pending: string[] = [];
      for (const customId of Object.keys(remote)) {
        const known = last?.items[customId];
        if (known && isFinished(known.state)) {
          items[customId] = { status: known.state as SailStatus, rawStatus: known.status };
        } else {
          pending.push(customId);
        }
      }
      await eachLimited(pending, CONCURRENCY, async (customId) => {
        const response = await api().getResponse(remote[customId], { apiKey });
        if (isFinished(responseStatus(response).state)) {
          // Kept as it arrives: the batch's answers are then already here when it is done.
          await store.writeItem(jobId, customId, response);
        }
        items[customId] = { status: response.status, rawStatus: response.rawStatus };
      });
      return statusOf(items);
    },
  };
}
