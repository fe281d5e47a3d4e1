/**
 * A batch as a job, the part the tracker hands on: what a batch is sent again as (its failed items,
 * or every item rebuilt with the settings as they are now), what is kept of it here (its manifest,
 * its items' last statuses, each item's answer), and where the files kind keeps its items' response
 * ids. Fetching a finished batch's answers is batchItems.ts.
 */
import type { SailResponse, CreateBatchRequest, CreateResponseRequest } from '../sail/schemas';
import { BatchItems } from './batchItems';
import type { BatchAnswer } from './batchKind';
import type { BatchManifest } from './batchManifest';
import type { FilesKindStore } from './filesKind';
import { isBatch, type JobRecord } from './job';
import type { JobStore } from './jobStore';
import type { JobLedger, TrackerLogger } from './ledger';

export interface SubmitBatchInput {
  /** Every item's params carry the same model and window. */
  readonly request: CreateBatchRequest;
  /** Which file each item is about, and what was left out. */
  readonly manifest: BatchManifest;
  readonly title: string;
  readonly instruction: string;
  /** `files`: one background response per file, where the endpoint takes no batches. */
  readonly kind?: 'batch' | 'files';
  /** The prompt file's URI, when the instruction came from one. */
  readonly prompt?: string;
}

/** A batch's items as Sail last reported them (kept while it runs, as the job's answer file). */
export async function batchStatus(store: JobStore, id: string): Promise<BatchAnswer | undefined> {
  const stored = (await store.readPayload(id, 'response')) as BatchAnswer | undefined;
  return stored && typeof stored.items === 'object' && stored.items !== null ? stored : undefined;
}

/** Where the files kind keeps each item's response id, and finds the last statuses. */
export function filesKindStore(store: JobStore): FilesKindStore {
  return {
    readRemote: async (jobId) => (await store.readPayload(jobId, 'remote')) as Record<string, string> | undefined,
    writeRemote: (jobId, remote) => store.writePayload(jobId, 'remote', remote),
    readStatus: (jobId) => batchStatus(store, jobId),
    writeItem: (jobId, customId, response) => store.writePayload(jobId, `item.${customId}`, response),
  };
}

export class BatchJobs {
  constructor(
    private readonly ledger: JobLedger,
    /** Undefined when this tracker cannot send batches. */
    private readonly items: BatchItems | undefined,
    private readonly log: TrackerLogger,
    /** Writes a batch down and sends it (the tracker's submitBatch). */
    private readonly submit: (input: SubmitBatchInput) => Promise<JobRecord>,
  ) {
    // A batch's answers are fetched once it is done (the poll only counts its items).
    ledger.onDidChange(({ job }) => this.fetchAnswers(job));
  }

  get canSend(): boolean {
    return this.items !== undefined;
  }

  /** A batch's manifest: which file each item is about, and the files left out. */
  manifest(id: string): Promise<BatchManifest | undefined> {
    return this.items?.manifest(id) ?? Promise.resolve(undefined);
  }

  status(id: string): Promise<BatchAnswer | undefined> {
    return batchStatus(this.ledger.store, id);
  }

  /** One item's answer: kept here, or fetched from Sail now (while Sail has it). */
  item(id: string, customId: string): Promise<SailResponse | undefined> {
    return this.items?.item(id, customId) ?? Promise.resolve(undefined);
  }

  /** One item's answer if it is kept here; never asks Sail (for views drawing many items). */
  stored(id: string, customId: string): Promise<SailResponse | undefined> {
    return this.items?.stored(id, customId) ?? Promise.resolve(undefined);
  }

  /**
   * Sends a finished batch's failed items again as a new batch (new idempotency key), with the same
   * params; the old batch stays as it was. Undefined when nothing failed or its request is not here.
   */
  async resendFailed(id: string): Promise<JobRecord | undefined> {
    const job = await this.ledger.find(id);
    const [request, manifest, status] = await Promise.all([
      this.ledger.store.readPayload(id, 'request') as Promise<CreateBatchRequest | undefined>,
      this.manifest(id),
      this.status(id),
    ]);
    if (!job || !isBatch(job) || !request || !manifest || !status) {
      return undefined;
    }
    const failed = new Set(
      Object.entries(status.items).flatMap(([customId, item]) => (item.state === 'failed' || item.state === 'cancelled' ? [customId] : [])),
    );
    if (failed.size === 0) {
      return undefined;
    }
    return this.submit({ ...again(job), ...only(request, manifest, (customId) => failed.has(customId)) });
  }

  /**
   * Sends a batch again as a new batch of the same files, each item's params rebuilt by `rebuild`
   * (Send with Current Settings). A files job Sail never accepted as a whole (one of its files was
   * refused) leaves out the files Sail took: under a new key they would run, and be billed, a second
   * time. Undefined when its manifest is not stored here, or when nothing is left to send.
   */
  async sendRebuilt(
    job: JobRecord,
    request: CreateBatchRequest,
    rebuild: (params: CreateResponseRequest) => CreateResponseRequest,
  ): Promise<JobRecord | undefined> {
    const manifest = await this.manifest(job.id);
    if (!manifest) {
      return undefined;
    }
    const refusedPart = job.kind === 'files' && job.responseId === undefined;
    const accepted = new Set(refusedPart ? Object.keys((await filesKindStore(this.ledger.store).readRemote(job.id)) ?? {}) : []);
    const left = accepted.size ? only(request, manifest, (customId) => !accepted.has(customId)) : { request, manifest };
    if (left.request.requests.length === 0) {
      return undefined;
    }
    const requests = left.request.requests.map((item) => ({ ...item, params: rebuild(item.params) }));
    return this.submit({ ...again(job), request: { ...left.request, requests }, manifest: left.manifest });
  }

  dispose(): void {
    this.items?.dispose();
  }

  /** Fetches a finished batch's answers, unless they are all here (or it is no batch). */
  fetchAnswers(job: JobRecord): void {
    if (this.items && BatchItems.needsAnswers(job)) {
      this.items.fetchAll(job.id).catch((error: unknown) => {
        this.log.warn(`Could not fetch the answers of batch job ${job.id}: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  }
}

/** The items `keep` names, in the request and in the manifest (a part sent again lists no skipped files). */
function only(
  request: CreateBatchRequest,
  manifest: BatchManifest,
  keep: (customId: string) => boolean,
): { request: CreateBatchRequest; manifest: BatchManifest } {
  return {
    request: { ...request, requests: request.requests.filter((r) => keep(r.custom_id)) },
    manifest: { items: manifest.items.filter((i) => keep(i.customId)), skipped: [] },
  };
}

/** What a batch sent again keeps of the one before: its title, instruction, kind and prompt file. */
function again(job: JobRecord): Pick<SubmitBatchInput, 'title' | 'instruction' | 'kind' | 'prompt'> {
  return { title: job.title, instruction: job.instruction, kind: job.kind === 'files' ? 'files' : 'batch', prompt: job.prompt };
}
