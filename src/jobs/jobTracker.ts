/**
 * The job core's façade for commands and views. The life of every job, from "written down" to
 * "result stored", across reloads:
 *
 *   submit  → write the request body and the record first, then POST with the job's idempotency key
 *             (sender.ts);
 *   resume  → on activation, poll every job Sail has accepted, and re-send (same key, same body)
 *             every job whose POST never got an answer — Sail replays instead of running it twice;
 *   poll    → one PollScheduler for all jobs; a failed poll never fails a job, only a terminal
 *             status from Sail does, or Sail no longer having it (poller.ts);
 *   finish  → store the response as a file (Sail deletes it), the usage in the record.
 *
 * Which base URL and key a job may use is destination.ts; states and their groupings are job.ts;
 * every change of a job goes through the ledger (ledger.ts); what is particular to a batch (sent
 * again, its items kept) is batchJobs.ts.
 */
import { randomUUID } from 'node:crypto';
import { SailResponseSchema, type SailResponse, type CreateBatchRequest, type CreateResponseRequest } from '../sail/schemas';
import { parseWindow } from '../sail/windows';
import type { Clock } from './clock';
import type { CompletionWindow } from '../sail/windows';
import { BatchItems } from './batchItems';
import { BatchJobs, filesKindStore, type SubmitBatchInput } from './batchJobs';
import { batchKind, type BatchAnswer, type BatchesApi } from './batchKind';
import { filesKind } from './filesKind';
import type { BatchManifest } from './batchManifest';
import { isBatch, isFinished, isTroubled, isWaiting, type JobKindName, type JobRecord, type JobSource } from './job';
import { JobLedger, type JobChange, type TrackerLogger } from './ledger';
import type { Retention } from './history';
import type { JobStore } from './jobStore';
import { JobPoller } from './poller';
import type { PollPolicy } from './pollPolicy';
import type { PollScheduler } from './pollScheduler';
import { responseKind, type JobKinds, type ResponsesApi } from './kinds';
import { JobSender } from './sender';

export type { JobChange, TrackerLogger } from './ledger';
export type { ResponsesApi, JobKind, JobKinds } from './kinds';
export type { Retention } from './history';
export type { SubmitBatchInput } from './batchJobs';

export interface JobTrackerOptions {
  readonly store: JobStore;
  /** The current client; throws a SailError when it cannot be built (no key, bad base URL). */
  readonly api: () => ResponsesApi;
  readonly clock: Clock;
  readonly log: TrackerLogger;
  readonly maxInFlight?: number;
  readonly policy?: PollPolicy;
  readonly newId?: () => string;
  /** The base URL requests go to now; jobs sent to another one are not looked up there. */
  readonly baseUrl?: () => string | undefined;
  /**
   * Reads the current API key. When given, each request reads it once and sends exactly that key, and
   * jobs remember its keyId: a job is re-sent only with its own key, and a 404 under another key
   * means "another account", not "expired".
   */
  readonly apiKey?: () => Promise<string | undefined>;
  /** Uniform in [0, 1), for re-send jitter. */
  readonly random?: () => number;
  /** The first automatic re-send's delay (doubled per failure); tests shorten it. */
  readonly resendBaseMs?: number;
  /** How soon to look again at a job another window is sending; tests shorten it. */
  readonly leaseRecheckMs?: number;
  /** Batches: sent, polled and their answers fetched through this (the same client as `api`). */
  readonly batches?: () => BatchesApi;
  /** The job kinds (see kinds.ts); by default a single response through `api`, and a batch through `batches`. */
  readonly kinds?: JobKinds;
}

/** What Send Again did: sent; nothing to do; an attempt already on the wire; the request is on another host. */
export type RetryResult = 'sent' | 'not_needed' | 'busy' | 'elsewhere';

export interface SubmitInput {
  readonly request: CreateResponseRequest;
  readonly title: string;
  readonly instruction: string;
  readonly source?: JobSource;
  /** The prompt file's URI, when the instruction came from one. */
  readonly prompt?: string;
}

export class JobTracker {
  private readonly ledger: JobLedger;
  private readonly sender: JobSender;
  private readonly poller: JobPoller;
  private readonly batches: BatchJobs;
  private readonly newId: () => string;

  constructor(private readonly options: JobTrackerOptions) {
    this.newId = options.newId ?? randomUUID;
    this.ledger = new JobLedger(options.store, options.clock, options.log);
    const { batches } = options;
    const kinds: JobKinds = options.kinds ?? {
      response: responseKind(options.api),
      ...(batches && { batch: batchKind(batches), files: filesKind(options.api, filesKindStore(options.store)) }),
    };
    const parts = { ...options, kinds };
    const items = batches && new BatchItems(this.ledger, { ...options, batches, responses: options.api });
    this.batches = new BatchJobs(this.ledger, items, options.log, (input) => this.submitBatch(input));
    this.poller = new JobPoller(this.ledger, parts);
    this.sender = new JobSender(
      this.ledger,
      parts,
      (job, status) => this.poller.apply(job, status),
      (job, before) => {
        if (before?.state !== job.state) {
          this.options.log.info(`Job ${job.id} was sent by another window (${job.state})`);
          this.ledger.emit({ job, previous: before?.state, before });
        }
        if (job.responseId && !isFinished(job.state) && !this.poller.has(job.id)) {
          this.poller.track(job, options.clock.now());
        }
      },
    );
  }

  /** Settles once every stored copy of the job list has been read. */
  ready(): Promise<void> {
    return this.options.store.ready;
  }

  get pollStats(): PollScheduler['stats'] {
    return this.poller.stats;
  }

  /** Subscribes to every change of any job. */
  onDidChange(listener: (change: JobChange) => void): { dispose(): void } {
    return this.ledger.onDidChange(listener);
  }

  /** Every job: those in play and the history, as far as it was read (see loadHistory). */
  jobs(): JobRecord[] {
    return this.ledger.all();
  }

  /** The jobs in play: being sent, running, or finished and not seen yet. Never reads the history. */
  currentJobs(): JobRecord[] {
    return this.ledger.current();
  }

  /** Reads the history of settled jobs (what was added since, after the first time). */
  async loadHistory(): Promise<void> {
    await this.options.store.loadHistory();
  }

  /** Applies the history's retention (pinned jobs stay); returns how many jobs were removed. */
  async prune(retention: Retention): Promise<number> {
    const removed = await this.options.store.prune(retention);
    if (removed > 0) {
      this.options.log.info(`Removed ${removed} job(s) past the history's retention`);
    }
    return removed;
  }

  /** Pins a job (the history's retention keeps it) or unpins it. */
  async setPinned(id: string, pinned: boolean): Promise<void> {
    await this.ready();
    const job = await this.ledger.find(id);
    if (job && (job.pinned === true) !== pinned) {
      await this.ledger.update({ ...job, pinned: pinned || undefined }, job.state);
    }
  }

  get(id: string): JobRecord | undefined {
    return this.ledger.get(id);
  }

  /** A job in play or in the history (reading the history first if needed). */
  async find(id: string): Promise<JobRecord | undefined> {
    await this.ready();
    return this.ledger.find(id);
  }

  /** When the scheduler will next ask Sail about the job (epoch ms), if it is being polled. */
  nextPollAt(id: string): number | undefined {
    return this.poller.nextPollAt(id);
  }

  /** Writes the job down, then sends it. Resolves once the POST was answered or set aside for re-sending. */
  async submit(input: SubmitInput): Promise<JobRecord> {
    const { request } = input;
    return this.create('response', request, {
      title: input.title,
      instruction: input.instruction,
      model: request.model,
      window: request.metadata?.completion_window,
      background: request.background ?? false,
      source: input.source,
      ...(input.prompt !== undefined && { prompt: input.prompt }),
    });
  }

  /** Writes a batch down (its request and manifest first), then sends it, like submit. */
  async submitBatch(input: SubmitBatchInput): Promise<JobRecord> {
    const params = input.request.requests[0]?.params;
    if (!params || !this.batches.canSend) {
      throw new Error(params ? 'This tracker cannot send batches' : 'A batch needs at least one request');
    }
    const total = input.request.requests.length;
    return this.create(
      input.kind ?? 'batch',
      input.request,
      {
        title: input.title,
        instruction: input.instruction,
        model: params.model,
        window: params.metadata?.completion_window,
        background: true,
        progress: { total, done: 0, failed: 0, answered: 0 },
        ...(input.prompt !== undefined && { prompt: input.prompt }),
      },
      input.manifest,
    );
  }

  private async create(
    kind: JobKindName,
    request: unknown,
    fields: Pick<JobRecord, 'title' | 'instruction' | 'model' | 'background' | 'source' | 'progress' | 'prompt'> & { window?: CompletionWindow | string },
    manifest?: BatchManifest,
  ): Promise<JobRecord> {
    await this.ready();
    const record: JobRecord = {
      id: this.newId(),
      ...(kind !== 'response' && { kind }),
      idempotencyKey: this.newId(),
      state: 'submitting',
      ...fields,
      window: parseWindow(fields.window),
      createdAt: this.options.clock.now(),
      baseUrl: this.options.baseUrl?.(),
      storageId: this.options.store.storageId,
      updatedAt: 0,
      seen: false,
      sendAttempts: 0,
      attempt: 1,
    };
    // Request (and manifest) first: a record in the index always has the body it will be re-sent with.
    await this.options.store.writePayload(record.id, 'request', request);
    if (manifest) {
      await this.options.store.writePayload(record.id, 'items', manifest);
    }
    await this.ledger.update(record, undefined);
    this.options.log.info(`Job ${record.id} created (${kind === 'response' ? '' : `${kind}, `}${record.model}, window ${record.window ?? 'auto'})`);
    await this.sender.send(record.id, true);
    return this.ledger.get(record.id) ?? record;
  }

  /** Picks every unfinished job back up, e.g. after a window reload. */
  async resume(): Promise<void> {
    await this.ready();
    const now = this.options.clock.now();
    const toSend: string[] = [];
    for (const job of this.ledger.current()) {
      if (job.state === 'submitting') {
        toSend.push(job.id);
      } else if (!isFinished(job.state) && job.responseId) {
        this.poller.track(job, now);
      }
    }
    if (toSend.length || this.poller.size) {
      this.options.log.info(`Resuming ${this.poller.size} running job(s); re-sending ${toSend.length} unanswered request(s)`);
    }
    for (const job of this.ledger.current()) {
      this.batches.fetchAnswers(job);
    }
    const [newest] = this.ledger.current();
    if (newest) {
      // The list may have come from the file copy: let the views catch up.
      this.ledger.emit({ job: newest, previous: newest.state });
    }
    await this.sender.sendAll(toSend);
  }

  /**
   * Sends a job Sail never accepted again, at the user's request, with its original idempotency key;
   * it goes to the base URL, and with the API key, set now (it is bound to them before the POST).
   */
  async retry(id: string): Promise<RetryResult> {
    await this.ready();
    const job = await this.ledger.find(id);
    if (!job || job.responseId || (job.state !== 'failed' && job.state !== 'submitting')) {
      return 'not_needed';
    }
    if (this.sender.isSending(id)) {
      // An attempt is on the wire: its answer decides; a second one would race it.
      return 'busy';
    }
    if (job.storageId !== this.options.store.storageId && (await this.options.store.readPayload(id, 'request')) === undefined) {
      return 'elsewhere';
    }
    // A new attempt (it wins over older copies in other windows). The one-day limit on sending it
    // again on its own still counts from when it was first written down: Sail forgets keys after 48 h.
    const again: JobRecord = {
      ...job,
      state: 'submitting',
      error: undefined,
      waiting: undefined,
      sendAttempts: 0,
      attempt: job.attempt + 1,
      baseUrl: undefined,
      keyId: undefined,
    };
    await this.ledger.update(again, job.state);
    await this.sender.send(id, true);
    return 'sent';
  }

  /**
   * Sends a job's request again as a *new* job (a new idempotency key), rebuilt by `rebuild` — e.g.
   * with the settings the user has just fixed; a batch's items are rebuilt one by one, and it goes
   * as a batch again with the same files. The old job stays as it was. Undefined when its request
   * (or a batch's manifest) is not stored here.
   */
  async sendAsNew(id: string, rebuild: (request: CreateResponseRequest) => CreateResponseRequest): Promise<JobRecord | undefined> {
    await this.ready();
    const job = await this.ledger.find(id);
    const stored = await this.options.store.readPayload(id, 'request');
    if (!job || !stored) {
      return undefined;
    }
    const { title, instruction, prompt } = job;
    if (!isBatch(job)) {
      return this.submit({ request: rebuild(stored as CreateResponseRequest), title, instruction, source: job.source, prompt });
    }
    return this.batches.sendRebuilt(job, stored as CreateBatchRequest, rebuild);
  }

  /**
   * The base URL or API key changed: jobs that were waiting for theirs go on (a job sent elsewhere
   * is only ever asked about, or re-sent, where and with the key it was sent).
   */
  async reconsider(): Promise<void> {
    await this.ready();
    for (const job of this.ledger.current()) {
      if (isTroubled(job) && this.poller.has(job.id)) {
        // Polls kept failing (a revoked key, a proxy): the change may have fixed it.
        this.poller.pollSoon(job.id);
        continue;
      }
      if (!isWaiting(job)) {
        continue;
      }
      if (job.state === 'submitting') {
        // An attempt on the wire may have read the old key: then it goes again once that one is done.
        this.sender.sendInBackground(job.id);
      } else if (this.poller.has(job.id)) {
        this.poller.pollSoon(job.id);
      }
    }
  }

  /** Asks Sail about the job as soon as possible (the user is looking at it). */
  refresh(id: string): void {
    this.poller.pollSoon(id);
  }

  /**
   * Stops polling; false when there was nothing to stop. Sail has no cancel endpoint: the job goes
   * on, and is still billed, on Sail's side.
   */
  async stopTracking(id: string): Promise<boolean> {
    await this.ready();
    const job = this.ledger.get(id);
    if (!job || isFinished(job.state)) {
      return false;
    }
    this.poller.untrack(id);
    this.sender.cancelResend(id);
    await this.ledger.update({ ...job, state: 'untracked', finishedAt: this.options.clock.now() }, job.state);
    return true;
  }

  /** The user has seen the finished result. */
  async markSeen(id: string): Promise<void> {
    await this.ready();
    const job = await this.ledger.find(id);
    if (job && isFinished(job.state) && !job.seen) {
      await this.ledger.update({ ...job, seen: true }, job.state);
    }
  }

  async remove(id: string): Promise<void> {
    await this.ready();
    const job = await this.ledger.find(id);
    this.poller.untrack(id);
    this.sender.cancelResend(id);
    await this.options.store.remove(id);
    if (job) {
      this.ledger.emit({ job, previous: job.state, removed: true });
    }
  }

  /** The request body a job was sent with, as stored here; undefined when this machine does not hold it. */
  async request(id: string): Promise<CreateResponseRequest | undefined> {
    await this.ready();
    return (await this.options.store.readPayload(id, 'request')) as CreateResponseRequest | undefined;
  }

  /**
   * The answer kept locally for a finished job, validated; undefined when missing or damaged. A
   * missing one (stored by a window on another host, say) is fetched from Sail again, once, while
   * Sail still has it.
   */
  async response(id: string): Promise<SailResponse | undefined> {
    if (isBatch(this.ledger.get(id) ?? (await this.find(id)))) {
      // A batch's answers are its items' (batchItem).
      return undefined;
    }
    let stored = await this.options.store.readPayload(id, 'response');
    if (stored === undefined) {
      await this.find(id);
      stored = await this.poller.fetchAgain(id);
      if (stored === undefined) {
        return undefined;
      }
    }
    const parsed = SailResponseSchema.safeParse(stored);
    if (!parsed.success) {
      this.options.log.warn(`Stored result of job ${id} is damaged; not showing it.`);
      return undefined;
    }
    return parsed.data;
  }

  /** A batch's manifest: which file each item is about, and the files left out. */
  batchManifest(id: string): Promise<BatchManifest | undefined> {
    return this.batches.manifest(id);
  }

  /** A batch's items as Sail last reported them (kept while it runs). */
  batchStatus(id: string): Promise<BatchAnswer | undefined> {
    return this.batches.status(id);
  }

  /** One item's answer: kept here, or fetched from Sail now (while Sail has it). */
  batchItem(id: string, customId: string): Promise<SailResponse | undefined> {
    return this.batches.item(id, customId);
  }

  /** One item's answer if it is kept here; never asks Sail (for views drawing many items). */
  storedBatchItem(id: string, customId: string): Promise<SailResponse | undefined> {
    return this.batches.stored(id, customId);
  }

  /** A finished batch's failed items, sent again as a new batch (see BatchJobs.resendFailed). */
  async resendFailedItems(id: string): Promise<JobRecord | undefined> {
    await this.ready();
    return this.batches.resendFailed(id);
  }

  setFocused(focused: boolean): void {
    this.poller.setFocused(focused);
    if (focused) {
      // The user is back (perhaps the network too): jobs whose polls kept failing are asked at once.
      for (const job of this.ledger.current()) {
        if (isTroubled(job)) {
          this.poller.pollSoon(job.id);
        }
      }
    }
  }

  dispose(): void {
    this.ledger.dispose();
    this.batches.dispose();
    this.poller.dispose();
    this.sender.dispose();
  }
}
