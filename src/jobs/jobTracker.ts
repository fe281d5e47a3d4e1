/**
 * The life of every job, from "written down" to "result stored", across reloads:
 *
 *   submit  → write the record and request body first, then POST with the job's idempotency key;
 *   resume  → on activation, poll every job Sail has accepted, and re-send (same key, same body)
 *             every job whose POST never got an answer — Sail replays instead of running it twice;
 *   poll    → one PollScheduler for all jobs; a failed poll never fails a job, only a terminal
 *             status from Sail does (or 404: Sail keeps results at most 48 h);
 *   finish  → store the response as a file (Sail deletes it), the usage in the record.
 */
import { randomUUID } from 'node:crypto';
import { SailError } from '../sail/errors';
import { SailResponseSchema, type CreateResponseRequest, type SailResponse } from '../sail/schemas';
import { isTerminal } from '../sail/status';
import type { Clock } from './clock';
import { isFinished, WAITING_FOR_ACCOUNT, type JobRecord, type JobSource, type JobState } from './job';
import type { JobStore } from './jobStore';
import type { CompletionWindow, PollPolicy } from './pollPolicy';
import { PollScheduler, type PollOutcome, type PollTarget } from './pollScheduler';

/** The part of SailClient the tracker needs. */
export interface ResponsesApi {
  createResponse(body: CreateResponseRequest, options: { idempotencyKey: string }): Promise<{ response: SailResponse }>;
  getResponse(id: string): Promise<SailResponse>;
}

export interface TrackerLogger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

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
  /** The current API key's keyId; jobs sent with another key are neither polled nor re-sent with this one. */
  readonly keyId?: () => Promise<string | undefined>;
}

export interface SubmitInput {
  readonly request: CreateResponseRequest;
  readonly title: string;
  readonly instruction: string;
  readonly source?: JobSource;
}

export interface JobChange {
  readonly job: JobRecord;
  readonly previous: JobState | undefined;
  /** The job was deleted from the list. */
  readonly removed?: boolean;
}

type Listener = (change: JobChange) => void;

/** Errors after which re-sending the same request cannot help until the user changes something. */
const DEFINITIVE = new Set(['auth', 'invalid_request', 'not_found']);
const RESEND_BASE_MS = 5_000;
const RESEND_MAX_MS = 5 * 60_000;
/**
 * An unanswered request older than this is not re-sent on its own: Sail forgets idempotency keys with
 * its results (48 h), so a late re-send could run — and bill — the job a second time.
 */
const RESEND_HORIZON_MS = 24 * 60 * 60_000;

export class JobTracker {
  private readonly scheduler: PollScheduler;
  private readonly listeners = new Set<Listener>();
  private readonly sending = new Set<string>();
  private readonly resendTimers = new Map<string, unknown>();
  private readonly newId: () => string;
  private disposed = false;

  constructor(private readonly options: JobTrackerOptions) {
    this.newId = options.newId ?? randomUUID;
    this.scheduler = new PollScheduler({
      clock: options.clock,
      poll: (target) => this.poll(target),
      maxInFlight: options.maxInFlight,
      policy: options.policy,
    });
  }

  /** Settles once every stored copy of the job list has been read. */
  ready(): Promise<void> {
    return this.options.store.ready;
  }

  get pollStats(): PollScheduler['stats'] {
    return this.scheduler.stats;
  }

  /** Subscribes to every change of any job. */
  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  jobs(): JobRecord[] {
    return this.options.store.all();
  }

  get(id: string): JobRecord | undefined {
    return this.options.store.get(id);
  }

  /** When the scheduler will next ask Sail about the job (epoch ms), if it is being polled. */
  nextPollAt(id: string): number | undefined {
    return this.scheduler.nextPollAt(id);
  }

  /** Writes the job down, then sends it. Resolves once the POST was answered or set aside for re-sending. */
  async submit(input: SubmitInput): Promise<JobRecord> {
    await this.ready();
    const { request } = input;
    const window = request.metadata?.completion_window;
    const record: JobRecord = {
      id: this.newId(),
      idempotencyKey: this.newId(),
      state: 'submitting',
      title: input.title,
      instruction: input.instruction,
      model: request.model,
      window: isKnownWindow(window) ? window : undefined,
      background: request.background ?? false,
      source: input.source,
      createdAt: this.options.clock.now(),
      baseUrl: this.options.baseUrl?.(),
      keyId: await this.options.keyId?.(),
      updatedAt: 0,
      seen: false,
      sendAttempts: 0,
    };
    // Request first: a record in the index always has the body it will be re-sent with.
    await this.options.store.writePayload(record.id, 'request', request);
    await this.update(record, undefined);
    this.options.log.info(`Job ${record.id} created (${record.model}, window ${record.window ?? 'auto'})`);
    await this.send(record.id);
    return this.options.store.get(record.id) ?? record;
  }

  /** Picks every unfinished job back up, e.g. after a window reload. */
  async resume(): Promise<void> {
    await this.ready();
    const now = this.options.clock.now();
    const toSend: string[] = [];
    for (const job of this.options.store.all()) {
      if (job.state === 'submitting' && now - job.createdAt > RESEND_HORIZON_MS) {
        await this.update(
          {
            ...job,
            state: 'failed',
            error: {
              kind: 'stale',
              message: 'This request was never confirmed by Sail and is over a day old, so it was not sent again on its own. Use Send Again if you still need it.',
            },
          },
          job.state,
        );
      } else if (job.state === 'submitting') {
        toSend.push(job.id);
      } else if (!isFinished(job.state) && job.responseId) {
        this.scheduler.track(this.target(job), now);
      }
    }
    if (toSend.length || this.scheduler.size) {
      this.options.log.info(`Resuming ${this.scheduler.size} running job(s); re-sending ${toSend.length} unanswered request(s)`);
    }
    const [newest] = this.options.store.all();
    if (newest) {
      // The list may have come from the file copy: let the views catch up.
      this.emit({ job: newest, previous: newest.state });
    }
    await Promise.all(toSend.map((id) => this.send(id)));
  }

  /** Sends a failed-before-accepted job again, with its original key (Sail did not consume it). */
  async retry(id: string): Promise<void> {
    await this.ready();
    const job = this.options.store.get(id);
    if (!job || job.responseId || (job.state !== 'failed' && job.state !== 'submitting')) {
      return;
    }
    // Sail never accepted it: it goes where, and with the key, the user has now.
    await this.update({ ...job, state: 'submitting', error: undefined, sendAttempts: 0, baseUrl: undefined, keyId: undefined }, job.state);
    await this.send(id);
  }

  /**
   * The base URL or API key changed: jobs that were waiting for theirs go on (a job sent elsewhere
   * is only ever asked about, or re-sent, where and with the key it was sent).
   */
  async reconsider(): Promise<void> {
    await this.ready();
    for (const job of this.options.store.all()) {
      if (job.error?.kind !== WAITING_FOR_ACCOUNT) {
        continue;
      }
      if (job.state === 'submitting') {
        void this.send(job.id);
      } else if (this.scheduler.has(job.id)) {
        this.scheduler.pollSoon(job.id);
      }
    }
  }

  /** Asks Sail about the job as soon as possible (the user is looking at it). */
  refresh(id: string): void {
    this.scheduler.pollSoon(id);
  }

  /**
   * Stops polling; false when there was nothing to stop. Sail has no cancel endpoint: the job goes
   * on, and is still billed, on Sail's side.
   */
  async stopTracking(id: string): Promise<boolean> {
    await this.ready();
    const job = this.options.store.get(id);
    if (!job || isFinished(job.state)) {
      return false;
    }
    this.scheduler.untrack(id);
    this.cancelResend(id);
    await this.update({ ...job, state: 'untracked', finishedAt: this.options.clock.now() }, job.state);
    return true;
  }

  /** The user has seen the finished result. */
  async markSeen(id: string): Promise<void> {
    await this.ready();
    const job = this.options.store.get(id);
    if (job && isFinished(job.state) && !job.seen) {
      await this.update({ ...job, seen: true }, job.state);
    }
  }

  async remove(id: string): Promise<void> {
    await this.ready();
    const job = this.options.store.get(id);
    this.scheduler.untrack(id);
    this.cancelResend(id);
    await this.options.store.remove(id);
    if (job) {
      this.emit({ job, previous: job.state, removed: true });
    }
  }

  /** The answer kept locally for a finished job, validated; undefined when missing or damaged. */
  async response(id: string): Promise<SailResponse | undefined> {
    const stored = await this.options.store.readPayload(id, 'response');
    if (stored === undefined) {
      return undefined;
    }
    const parsed = SailResponseSchema.safeParse(stored);
    if (!parsed.success) {
      this.options.log.warn(`Stored result of job ${id} is damaged; not showing it.`);
      return undefined;
    }
    return parsed.data;
  }

  setFocused(focused: boolean): void {
    this.scheduler.setFocused(focused);
  }

  dispose(): void {
    this.disposed = true;
    this.scheduler.dispose();
    for (const id of [...this.resendTimers.keys()]) {
      this.cancelResend(id);
    }
    this.listeners.clear();
  }

  private async send(id: string): Promise<void> {
    if (this.sending.has(id) || this.disposed) {
      return;
    }
    this.sending.add(id);
    this.cancelResend(id);
    try {
      const job = this.options.store.get(id);
      if (!job || job.state !== 'submitting') {
        return;
      }
      const here = await this.here();
      const waiting = elsewhere(job, here, 'send');
      if (waiting) {
        await this.markWaiting(job, waiting);
        return;
      }
      const request = (await this.options.store.readPayload(id, 'request')) as CreateResponseRequest | undefined;
      if (!request) {
        await this.update({ ...job, state: 'failed', error: { kind: 'lost', message: 'The stored request is missing, so it cannot be sent.' } }, job.state);
        return;
      }
      try {
        const { response } = await this.options.api().createResponse(request, { idempotencyKey: job.idempotencyKey });
        const accepted: JobRecord = {
          ...job,
          responseId: response.id,
          submittedAt: this.options.clock.now(),
          serverCreatedAt: response.created_at,
          baseUrl: job.baseUrl ?? here.baseUrl,
          keyId: job.keyId ?? here.keyId,
          sendAttempts: 0,
          error: undefined,
        };
        this.options.log.info(`Job ${id} accepted by Sail as ${response.id} (${response.rawStatus})`);
        await this.apply(accepted, response);
      } catch (error) {
        await this.sendFailed(job, error);
      }
    } finally {
      this.sending.delete(id);
    }
  }

  private async sendFailed(sent: JobRecord, error: unknown): Promise<void> {
    const sailError = error instanceof SailError ? error : undefined;
    // The user may have stopped or removed the job while the POST was out: that choice stands.
    const job = this.options.store.get(sent.id);
    if (sailError?.kind === 'aborted' || this.disposed || !job || job.state !== 'submitting') {
      return;
    }
    if (sailError && DEFINITIVE.has(sailError.kind)) {
      this.options.log.warn(`Job ${job.id} was refused by Sail (${sailError.kind}${sailError.status ? ` ${sailError.status}` : ''})`);
      await this.update({ ...job, state: 'failed', error: { kind: sailError.kind, message: sailError.userMessage } }, job.state);
      return;
    }
    // Ambiguous (network, timeout, 5xx, garbage): Sail may or may not have the job. Re-send later with
    // the same key: if it has it, it replays the record instead of running the job again.
    const attempts = job.sendAttempts + 1;
    const message = sailError?.userMessage ?? (error instanceof Error ? error.message : String(error));
    const delay = Math.max(sailError?.retryAfterMs ?? 0, Math.min(RESEND_MAX_MS, RESEND_BASE_MS * 2 ** (attempts - 1)));
    this.options.log.warn(`Job ${job.id}: sending failed (${sailError?.kind ?? 'error'}); trying again in ${Math.round(delay / 1000)} s`);
    await this.update({ ...job, sendAttempts: attempts, error: { kind: sailError?.kind ?? 'error', message } }, job.state);
    this.resendTimers.set(
      job.id,
      this.options.clock.setTimer(() => {
        this.resendTimers.delete(job.id);
        void this.send(job.id);
      }, delay),
    );
  }

  private cancelResend(id: string): void {
    const timer = this.resendTimers.get(id);
    if (timer !== undefined) {
      this.options.clock.clearTimer(timer);
      this.resendTimers.delete(id);
    }
  }

  private async poll(target: PollTarget): Promise<PollOutcome> {
    const job = this.options.store.get(target.jobId);
    if (!job?.responseId || isFinished(job.state)) {
      return { kind: 'done' };
    }
    const waiting = elsewhere(job, await this.here(), 'poll');
    if (waiting) {
      // Sail at another URL, or another account, would answer 404 and the job would look expired.
      await this.markWaiting(job, waiting);
      return { kind: 'failed' };
    }
    try {
      const response = await this.options.api().getResponse(job.responseId);
      const finished = await this.apply(job, response);
      return finished ? { kind: 'done' } : { kind: 'pending' };
    } catch (error) {
      if (error instanceof SailError && error.kind === 'not_found') {
        await this.update(
          {
            ...job,
            state: 'expired',
            finishedAt: this.options.clock.now(),
            error: { kind: 'not_found', message: error.userMessage },
          },
          job.state,
        );
        return { kind: 'done' };
      }
      const kind = error instanceof SailError ? error.kind : 'error';
      this.options.log.debug(`Poll of job ${job.id} failed (${kind}); the job keeps running`);
      return { kind: 'failed', retryAfterMs: error instanceof SailError ? error.retryAfterMs : undefined };
    }
  }

  /** Records what Sail said about a job; returns true when the job is finished. */
  private async apply(job: JobRecord, response: SailResponse): Promise<boolean> {
    const latest = this.options.store.get(job.id);
    if (!latest || isFinished(latest.state)) {
      // Stopped or removed meanwhile: the user's choice wins.
      return true;
    }
    const status = response.status;
    if (!isTerminal(status)) {
      const state: JobState = status === 'in_progress' ? 'in_progress' : 'queued';
      const changed = state !== job.state || response.rawStatus !== job.serverStatus || job !== latest || job.error !== undefined;
      if (changed) {
        await this.update({ ...job, state, serverStatus: response.rawStatus, error: undefined }, latest?.state);
      }
      if (!this.scheduler.has(job.id)) {
        this.scheduler.track(this.target({ ...job, submittedAt: job.submittedAt ?? this.options.clock.now() }));
      }
      return false;
    }
    await this.options.store.writePayload(job.id, 'response', response);
    const usage = response.usage;
    const finished: JobRecord = {
      ...job,
      state: status as JobState,
      serverStatus: response.rawStatus,
      finishedAt: this.options.clock.now(),
      usage: {
        input: usage.input_tokens,
        cached: usage.input_tokens_details.cached_tokens,
        output: usage.output_tokens,
        reasoning: usage.output_tokens_details.reasoning_tokens,
        total: usage.total_tokens,
      },
      error: response.error ? { kind: response.error.code ?? 'failed', message: response.error.message } : undefined,
      incompleteReason: response.incomplete_details?.reason,
    };
    this.scheduler.untrack(job.id);
    this.options.log.info(`Job ${job.id} ${status} (${usage.total_tokens} tokens)`);
    await this.update(finished, latest?.state);
    return true;
  }

  /** Where, and with which key, requests go now. */
  private async here(): Promise<Here> {
    return { baseUrl: this.options.baseUrl?.(), keyId: await this.options.keyId?.() };
  }

  /** Says, once, why the job waits; it stays unfinished. */
  private async markWaiting(job: JobRecord, message: string): Promise<void> {
    if (job.error?.kind === WAITING_FOR_ACCOUNT && job.error.message === message) {
      return;
    }
    this.options.log.info(`Job ${job.id} waits: ${message}`);
    await this.update({ ...job, error: { kind: WAITING_FOR_ACCOUNT, message } }, job.state);
  }

  private target(job: JobRecord): PollTarget {
    return { jobId: job.id, window: job.window, submittedAt: job.submittedAt ?? job.createdAt };
  }

  private async update(job: JobRecord, previous: JobState | undefined): Promise<void> {
    if (this.disposed) {
      // A request that was out when this tracker stopped: the next one will ask Sail again.
      return;
    }
    await this.options.store.save(job);
    if (previous !== job.state) {
      this.options.log.debug(`Job ${job.id}: ${previous ?? 'new'} → ${job.state}`);
    }
    this.emit({ job, previous });
  }

  private emit(change: JobChange): void {
    for (const listener of this.listeners) {
      listener(change);
    }
  }
}

interface Here {
  readonly baseUrl?: string;
  readonly keyId?: string;
}

/**
 * Why the job must not be asked about (poll) or sent (send) from here, if it must not: Sail at another
 * URL, or another account, answers 404 for it, and runs a re-sent request again — billing it twice.
 */
function elsewhere(job: JobRecord, here: Here, purpose: 'poll' | 'send'): string | undefined {
  const then = purpose === 'poll' ? 'to fetch its answer' : 'to send it (sending it elsewhere could run, and bill, it twice)';
  if (job.baseUrl && here.baseUrl && job.baseUrl !== here.baseUrl) {
    return `It was sent to ${job.baseUrl}, but sail.baseUrl is now ${here.baseUrl}. Set the base URL back ${then}.`;
  }
  if (job.keyId && here.keyId && job.keyId !== here.keyId) {
    return `It was sent with a different API key. Set that key again (Sail: Set API Key) ${then}.`;
  }
  return undefined;
}

function isKnownWindow(window: string | undefined): window is CompletionWindow {
  return window === 'asap' || window === 'priority' || window === 'standard' || window === 'flex';
}
