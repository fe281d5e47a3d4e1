/**
 * A batch's answers, one per item: fetched from Sail once the batch is done (Sail deletes them after
 * 48 h; a GET costs nothing), a few at a time, and kept as the job's `item.<custom_id>` files. The
 * record then carries the summed usage and how many answers are here. An item opened before that is
 * fetched at once. Only where, and with the key, the batch was sent (destination.ts).
 */
import { SailError } from '../sail/errors';
import { SailResponseSchema, type SailResponse } from '../sail/schemas';
import type { BatchesApi } from './batchKind';
import { parseManifest, type BatchManifest } from './batchManifest';
import { blocked, currentDestination, sentWithOtherKey, type DestinationSources } from './destination';
import { isAnswered, isBatch, type JobRecord, type JobUsage } from './job';
import { responseStatus, type ResponsesApi } from './kinds';
import type { JobLedger } from './ledger';

export interface BatchItemsOptions extends DestinationSources {
  readonly batches: () => BatchesApi;
  /** For the files kind: each item is a response of its own. */
  readonly responses: () => ResponsesApi;
  /** Items fetched at once per batch. */
  readonly concurrency?: number;
}

/** How often (in answers fetched) the record's usage and count are written while fetching. */
const RECORD_EVERY = 25;

export class BatchItems {
  /** One fetch-all per batch at a time. */
  private readonly fetchingAll = new Map<string, Promise<void>>();
  /** One GET per item at a time. */
  private readonly fetchingOne = new Map<string, Promise<SailResponse | undefined>>();
  private disposed = false;

  constructor(
    private readonly ledger: JobLedger,
    private readonly options: BatchItemsOptions,
  ) {}

  /** The batch's manifest (which file each item is about), as stored here. */
  async manifest(id: string): Promise<BatchManifest | undefined> {
    return parseManifest(await this.ledger.store.readPayload(id, 'items'));
  }

  /** The item's answer if it is kept here. */
  async stored(id: string, customId: string): Promise<SailResponse | undefined> {
    return parse(await this.ledger.store.readPayload(id, `item.${customId}`));
  }

  /** The item's answer: stored here, or fetched from Sail now (and kept). */
  async item(id: string, customId: string): Promise<SailResponse | undefined> {
    const stored = await this.stored(id, customId);
    if (stored) {
      return stored;
    }
    const key = `${id}\n${customId}`;
    let fetching = this.fetchingOne.get(key);
    if (!fetching) {
      fetching = this.fetchOne(id, customId).finally(() => this.fetchingOne.delete(key));
      this.fetchingOne.set(key, fetching);
    }
    return fetching;
  }

  /** Fetches every answer of a finished batch not stored yet, then records the summed usage. */
  fetchAll(id: string): Promise<void> {
    let fetching = this.fetchingAll.get(id);
    if (!fetching) {
      fetching = this.fetchAllOnce(id).finally(() => this.fetchingAll.delete(id));
      this.fetchingAll.set(id, fetching);
    }
    return fetching;
  }

  /** A finished batch with answers still to fetch. */
  static needsAnswers(job: JobRecord): boolean {
    return isBatch(job) && isAnswered(job.state) && job.responseId !== undefined && (job.progress?.answered ?? 0) < (job.progress?.total ?? 0);
  }

  dispose(): void {
    this.disposed = true;
  }

  private async fetchOne(id: string, customId: string): Promise<SailResponse | undefined> {
    const job = await this.ledger.find(id);
    if (!job?.responseId || !isBatch(job)) {
      return undefined;
    }
    const here = await currentDestination(this.options);
    if (blocked(job, here, 'poll') || sentWithOtherKey(job, here)) {
      return undefined;
    }
    try {
      const response = await this.fetchItem(job, customId, here.apiKey);
      if (!response) {
        return undefined;
      }
      if (!isAnswered(responseStatus(response).state)) {
        return undefined;
      }
      await this.ledger.store.writePayload(id, `item.${customId}`, response);
      return response;
    } catch (error) {
      this.ledger.log.debug(`Could not fetch item ${customId} of batch job ${id} (${error instanceof SailError ? error.kind : 'error'})`);
      return undefined;
    }
  }

  /** A batch's item from Sail's batch; a files job's from its own response (undefined if it never got one). */
  private async fetchItem(job: JobRecord, customId: string, apiKey: string | undefined): Promise<SailResponse | undefined> {
    if (job.kind !== 'files') {
      return this.options.batches().getBatchItem(job.responseId ?? '', customId, { apiKey });
    }
    const remote = (await this.ledger.store.readPayload(job.id, 'remote')) as Record<string, string> | undefined;
    const responseId = remote?.[customId];
    return responseId === undefined ? undefined : this.options.responses().getResponse(responseId, { apiKey });
  }

  private async fetchAllOnce(id: string): Promise<void> {
    const manifest = await this.manifest(id);
    if (!manifest) {
      return;
    }
    const queue = [...manifest.items];
    const usage: JobUsage = { input: 0, cached: 0, output: 0, reasoning: 0, total: 0 };
    let answered = 0;
    let sinceRecord = 0;
    const worker = async (): Promise<void> => {
      for (let item = queue.shift(); item && !this.disposed; item = queue.shift()) {
        const response = await this.item(id, item.customId);
        if (!response) {
          continue;
        }
        answered++;
        const status = responseStatus(response);
        for (const field of Object.keys(usage) as (keyof JobUsage)[]) {
          usage[field] += status.usage?.[field] ?? 0;
        }
        if (++sinceRecord >= RECORD_EVERY) {
          sinceRecord = 0;
          await this.record(id, answered);
        }
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency ?? 4 }, worker));
    if (!this.disposed) {
      await this.record(id, answered, usage);
    }
  }

  /**
   * Writes the answers' count into the record, and at the end their summed usage (only growing:
   * another window may be ahead). The usage is set once, so the usage ledger counts the whole batch.
   */
  private async record(id: string, answered: number, usage?: JobUsage): Promise<void> {
    const job = await this.ledger.find(id);
    if (!job?.progress || answered < job.progress.answered || (answered === job.progress.answered && (usage === undefined || job.usage !== undefined))) {
      return;
    }
    await this.ledger.update({ ...job, progress: { ...job.progress, answered }, ...(usage && { usage: { ...usage } }) }, job.state);
    this.ledger.log.info(`Batch job ${id}: ${answered} of ${job.progress.total} answers stored${usage ? ` (${usage.total} tokens)` : ''}`);
  }
}

function parse(value: unknown): SailResponse | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = SailResponseSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
