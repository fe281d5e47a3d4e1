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
import * as l10n from '@vscode/l10n';
import { SailError } from '../sail/errors';
import { SailResponseSchema, type CreateResponseRequest, type SailResponse } from '../sail/schemas';
import { isTerminal } from '../sail/status';
import type { Clock } from './clock';
import { blocked, bindTo, currentDestination, sentWithOtherKey, type Here } from './destination';
import { canTransition, isAnswered, isFinished, isWaiting, type JobRecord, type JobSource, type JobState, type WaitingReason } from './job';
import type { JobStore } from './jobStore';
import { isCompletionWindow } from '../sail/windows';
import { DEFAULT_POLL_POLICY, type PollPolicy } from './pollPolicy';
import { PollScheduler, type PollOutcome, type PollTarget } from './pollScheduler';

/** The part of SailClient the tracker needs. */
export interface ResponsesApi {
  createResponse(body: CreateResponseRequest, options: { idempotencyKey: string; apiKey?: string }): Promise<{ response: SailResponse }>;
  getResponse(id: string, options?: { apiKey?: string }): Promise<SailResponse>;
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
}

/** What Send Again did: sent; nothing to do; an attempt already on the wire; the request is on another host. */
export type RetryResult = 'sent' | 'not_needed' | 'busy' | 'elsewhere';

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
const DEFINITIVE = new Set(['auth', 'forbidden', 'invalid_request', 'not_found']);
const RESEND_BASE_MS = 5_000;
const RESEND_MAX_MS = 5 * 60_000;
/** The longest a re-send waits, whatever Retry-After says. */
const RESEND_CAP_MS = 30 * 60_000;
/** Unanswered requests re-sent at once on start; the rest follow as these finish. */
const RESUME_CONCURRENCY = 4;
/** From this age on a 404 means Sail's retention (48 h) is over: the job is gone at the first one. */
const NEAR_RETENTION_MS = 46 * 60 * 60_000;
/**
 * An unanswered request older than this is not re-sent on its own: Sail forgets idempotency keys with
 * its results (48 h), so a late re-send could run — and bill — the job a second time.
 */
const RESEND_HORIZON_MS = 24 * 60 * 60_000;

export class JobTracker {
  private readonly scheduler: PollScheduler;
  private readonly listeners = new Set<Listener>();
  private readonly sending = new Set<string>();
  /** Finished jobs whose missing answer Sail gave, or no longer has (not asked for again). */
  private readonly fetchedAgain = new Set<string>();
  private readonly fetching = new Map<string, Promise<SailResponse | undefined>>();
  /** Jobs to send once more when their current attempt ends (the key or base URL changed meanwhile). */
  private readonly sendAgain = new Set<string>();
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
      window: isCompletionWindow(window) ? window : undefined,
      background: request.background ?? false,
      source: input.source,
      createdAt: this.options.clock.now(),
      baseUrl: this.options.baseUrl?.(),
      storageId: this.options.store.storageId,
      updatedAt: 0,
      seen: false,
      sendAttempts: 0,
      attempt: 1,
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
      if (job.state === 'submitting') {
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
    // A bounded number at a time: a window that kept many unanswered requests must not fire them all at once.
    const queue = [...toSend];
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined && !this.disposed; id = queue.shift()) {
        await this.send(id).catch((error: unknown) => this.options.log.warn(`Job ${id}: could not be re-sent (${describe(error)})`));
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESUME_CONCURRENCY, queue.length) }, worker));
  }

  /**
   * Sends a job Sail never accepted again, at the user's request, with its original idempotency key;
   * it goes to the base URL, and with the API key, set now (it is bound to them before the POST).
   */
  async retry(id: string): Promise<RetryResult> {
    await this.ready();
    const job = this.options.store.get(id);
    if (!job || job.responseId || (job.state !== 'failed' && job.state !== 'submitting')) {
      return 'not_needed';
    }
    if (this.sending.has(id)) {
      // An attempt is on the wire: its answer decides; a second one would race it.
      return 'busy';
    }
    if (job.storageId !== this.options.store.storageId && !(await this.hasRequest(job))) {
      return 'elsewhere';
    }
    // A new attempt (it wins over older copies in other windows). The one-day limit on sending it
    // again on its own still counts from when it was first written down: Sail forgets keys after 48 h.
    const again = {
      ...job,
      state: 'submitting' as const,
      error: undefined,
      waiting: undefined,
      sendAttempts: 0,
      attempt: job.attempt + 1,
      baseUrl: undefined,
      keyId: undefined,
    };
    await this.update(again, job.state);
    await this.send(id, true);
    return 'sent';
  }

  /**
   * The base URL or API key changed: jobs that were waiting for theirs go on (a job sent elsewhere
   * is only ever asked about, or re-sent, where and with the key it was sent).
   */
  async reconsider(): Promise<void> {
    await this.ready();
    for (const job of this.options.store.all()) {
      if (!isWaiting(job)) {
        continue;
      }
      if (job.state === 'submitting') {
        if (this.sending.has(job.id)) {
          // That attempt may have read the old key: look again once it is done.
          this.sendAgain.add(job.id);
        } else {
          this.sendInBackground(job.id);
        }
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

  /**
   * The answer kept locally for a finished job, validated; undefined when missing or damaged. A
   * missing one (stored by a window on another host, say) is fetched from Sail again, once, while
   * Sail still has it: a GET costs nothing.
   */
  async response(id: string): Promise<SailResponse | undefined> {
    const stored = await this.options.store.readPayload(id, 'response');
    if (stored === undefined) {
      return this.fetchAgain(id);
    }
    const parsed = SailResponseSchema.safeParse(stored);
    if (!parsed.success) {
      this.options.log.warn(`Stored result of job ${id} is damaged; not showing it.`);
      return undefined;
    }
    return parsed.data;
  }

  /** One GET per job at a time; a job is asked for again only until Sail gives a final answer. */
  private fetchAgain(id: string): Promise<SailResponse | undefined> {
    let fetching = this.fetching.get(id);
    if (!fetching) {
      fetching = this.fetchOnce(id).finally(() => this.fetching.delete(id));
      this.fetching.set(id, fetching);
    }
    return fetching;
  }

  private async fetchOnce(id: string): Promise<SailResponse | undefined> {
    const job = this.options.store.get(id);
    if (!job?.responseId || !isAnswered(job.state) || this.fetchedAgain.has(id)) {
      return undefined;
    }
    const here = await this.here();
    // Only where, and with the key, Sail would show it: otherwise wait for them (see reconsider).
    if (blocked(job, here, 'poll') || sentWithOtherKey(job, here)) {
      return undefined;
    }
    try {
      const response = await this.options.api().getResponse(job.responseId, { apiKey: here.apiKey });
      if (!isTerminal(response.status)) {
        return undefined;
      }
      this.fetchedAgain.add(id);
      await this.options.store.writePayload(id, 'response', response);
      this.options.log.info(`Fetched the answer of job ${id} from Sail again (it was not stored here)`);
      return response;
    } catch (error) {
      if (error instanceof SailError && error.kind === 'not_found') {
        // Gone (48 h): asking again cannot help.
        this.fetchedAgain.add(id);
      }
      this.options.log.debug(`Could not fetch the answer of job ${id} again (${error instanceof SailError ? error.kind : 'error'})`);
      return undefined;
    }
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

  /** POSTs a job that is `submitting`. `byUser`: Send Again, or a new job (not an automatic re-send). */
  private async send(id: string, byUser = false): Promise<void> {
    if (this.sending.has(id) || this.disposed) {
      return;
    }
    this.sending.add(id);
    this.cancelResend(id);
    try {
      await this.sendOnce(id, byUser);
    } catch (error) {
      // SecretStorage, the disk or the store failed around the POST: the job must not be left
      // `submitting` with nothing scheduled. Try again later, with the same idempotency key.
      this.options.log.warn(`Job ${id}: sending was interrupted (${describe(error)})`);
      const job = this.options.store.get(id);
      if (job) {
        await this.sendFailed(job, error).catch((again: unknown) => this.options.log.warn(`Job ${id}: could not record the failure (${describe(again)})`));
      }
    } finally {
      this.sending.delete(id);
      if (this.sendAgain.delete(id)) {
        this.sendInBackground(id);
      }
    }
  }

  private async sendOnce(id: string, byUser: boolean): Promise<void> {
    const found = this.options.store.get(id);
    if (!found || found.state !== 'submitting') {
      return;
    }
    const stale = !byUser && this.options.clock.now() - found.createdAt > RESEND_HORIZON_MS;
    const request = (await this.options.store.readPayload(id, 'request')) as CreateResponseRequest | undefined;
    if (!request && found.storageId !== this.options.store.storageId && !stale) {
      // Written down by a window whose files live elsewhere (a VS Code Remote host): that one sends it.
      this.options.log.debug(`Job ${id} was written down by another host; leaving it to that host`);
      return;
    }
    if (stale) {
      await this.update({ ...found, state: 'failed', error: { kind: 'stale', message: staleMessage() } }, found.state);
      return;
    }
    if (!request) {
      await this.update(
        { ...found, state: 'failed', error: { kind: 'lost', message: l10n.t('The stored request is missing, so it cannot be sent.') } },
        found.state,
      );
      return;
    }
    const here = await this.here();
    const waiting = blocked(found, here, 'send');
    if (waiting) {
      await this.markWaiting(found, waiting);
      return;
    }
    // Bound before the POST: if its answer is lost, it is re-sent only there and with this key.
    const job = await this.bind(found, here);
    if (!job) {
      return;
    }
    let response: SailResponse;
    try {
      ({ response } = await this.options.api().createResponse(request, { idempotencyKey: job.idempotencyKey, apiKey: here.apiKey }));
    } catch (error) {
      await this.sendFailed(job, error);
      return;
    }
    const accepted: JobRecord = {
      ...job,
      responseId: response.id,
      submittedAt: this.options.clock.now(),
      serverCreatedAt: response.created_at,
      sendAttempts: 0,
      error: undefined,
    };
    this.options.log.info(`Job ${id} accepted by Sail as ${response.id} (${response.rawStatus})`);
    await this.apply(accepted, response);
  }

  /** A send nobody awaits: a failure to write the job down is logged, never left unhandled. */
  private sendInBackground(id: string): void {
    if (this.sending.has(id)) {
      // An attempt is still finishing (recording its own failure, say): go once it is done.
      this.sendAgain.add(id);
      return;
    }
    this.send(id).catch((error: unknown) => {
      this.options.log.warn(`Job ${id}: could not be sent or recorded (${error instanceof Error ? error.message : String(error)})`);
    });
  }

  private async sendFailed(sent: JobRecord, error: unknown): Promise<void> {
    const sailError = error instanceof SailError ? error : undefined;
    // The user may have stopped or removed the job while the POST was out: that choice stands.
    const job = this.options.store.get(sent.id);
    if (sailError?.kind === 'aborted' || this.disposed || !job || job.state !== 'submitting') {
      return;
    }
    // A 409 is no refusal: another window's POST under the same idempotency key may be on the wire.
    if (sailError && DEFINITIVE.has(sailError.kind) && sailError.status !== 409) {
      this.options.log.warn(`Job ${job.id} was refused by Sail (${sailError.kind}${sailError.status ? ` ${sailError.status}` : ''})`);
      await this.update({ ...job, state: 'failed', error: { kind: sailError.kind, message: sailError.userMessage } }, job.state);
      return;
    }
    // Ambiguous (network, timeout, 5xx, garbage): Sail may or may not have the job. Re-send later with
    // the same key: if it has it, it replays the record instead of running the job again.
    const attempts = job.sendAttempts + 1;
    const message = sailError?.userMessage ?? describe(error);
    // Jittered (between half and all of the backoff), so windows and jobs that failed together do not
    // come back in lock-step; Retry-After is honoured up to a cap.
    const backoff = Math.min(RESEND_MAX_MS, (this.options.resendBaseMs ?? RESEND_BASE_MS) * 2 ** (attempts - 1));
    const jittered = backoff * (0.5 + 0.5 * (this.options.random ?? Math.random)());
    const delay = Math.min(RESEND_CAP_MS, Math.max(sailError?.retryAfterMs ?? 0, jittered));
    this.options.log.warn(`Job ${job.id}: sending failed (${sailError?.kind ?? 'error'}); trying again in ${Math.round(delay / 1000)} s`);
    // Scheduled before the write, so a failing store cannot leave the job with nothing scheduled.
    this.cancelResend(job.id);
    this.resendTimers.set(
      job.id,
      this.options.clock.setTimer(() => {
        this.resendTimers.delete(job.id);
        this.sendInBackground(job.id);
      }, delay),
    );
    await this.update({ ...job, sendAttempts: attempts, error: { kind: sailError?.kind ?? 'error', message } }, job.state);
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
    const here = await this.here();
    const waiting = blocked(job, here, 'poll');
    if (waiting) {
      // Sail at another URL would answer 404 and the job would look expired.
      await this.markWaiting(job, waiting);
      return { kind: 'failed' };
    }
    // Another key may belong to the same account (a rotated key): a GET costs nothing, so ask.
    const otherKey = sentWithOtherKey(job, here);
    try {
      const response = await this.options.api().getResponse(job.responseId, { apiKey: here.apiKey });
      // The key that could read it is the job's key from now on.
      const seen = here.keyId !== undefined && job.keyId !== here.keyId ? { ...job, keyId: here.keyId } : job;
      const finished = await this.apply(seen, response);
      return finished ? { kind: 'done' } : { kind: 'pending' };
    } catch (error) {
      if (error instanceof SailError && error.kind === 'not_found') {
        const now = await this.here();
        if (now.keyId !== here.keyId || now.baseUrl !== here.baseUrl) {
          // The key or URL changed while the request was out: the 404 may not be about this job's account.
          return { kind: 'failed' };
        }
        if (otherKey) {
          await this.markWaiting(job, 'otherKey');
          return { kind: 'failed' };
        }
        const latest = this.options.store.get(job.id);
        if (!latest || isFinished(latest.state)) {
          return { kind: 'done' };
        }
        if (!this.isGone(latest)) {
          if (latest.missingSince === undefined) {
            await this.update({ ...latest, missingSince: this.options.clock.now() }, latest.state);
          }
          this.options.log.info(`Job ${job.id}: Sail answered 404; asking again before treating it as gone`);
          return { kind: 'failed' };
        }
        await this.update(
          {
            ...latest,
            state: 'expired',
            finishedAt: this.options.clock.now(),
            error: { kind: 'not_found', message: error.userMessage },
          },
          latest.state,
        );
        return { kind: 'done' };
      }
      const kind = error instanceof SailError ? error.kind : 'error';
      this.options.log.debug(`Poll of job ${job.id} failed (${kind}); the job keeps running`);
      if (!otherKey && job.waiting) {
        // It no longer waits for its key or URL, whatever this failure was.
        await this.clearWaiting(job);
      }
      return { kind: 'failed', retryAfterMs: error instanceof SailError ? error.retryAfterMs : undefined };
    }
  }

  /** Records what Sail said about a job; returns true when the job is finished. */
  private async apply(job: JobRecord, response: SailResponse): Promise<boolean> {
    const latest = this.options.store.get(job.id);
    if (!latest || isFinished(latest.state) || latest.attempt !== job.attempt) {
      // Stopped, removed or sent again meanwhile: the user's choice wins.
      return true;
    }
    const status = response.status;
    if (!isTerminal(status)) {
      const state: JobState = status === 'in_progress' ? 'in_progress' : 'queued';
      const changed =
        state !== job.state ||
        response.rawStatus !== job.serverStatus ||
        job !== latest ||
        job.error !== undefined ||
        job.waiting !== undefined ||
        job.missingSince !== undefined;
      if (changed) {
        await this.update({ ...job, state, serverStatus: response.rawStatus, error: undefined, waiting: undefined, missingSince: undefined }, latest?.state);
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
      waiting: undefined,
      missingSince: undefined,
      incompleteReason: response.incomplete_details?.reason,
    };
    this.scheduler.untrack(job.id);
    this.options.log.info(`Job ${job.id} ${status} (${usage.total_tokens} tokens)`);
    await this.update(finished, latest?.state);
    return true;
  }

  /**
   * Whether Sail's 404 means the job is gone: near or past Sail's 48 h retention at once, otherwise
   * only once Sail has kept answering 404 for `goneAfterMs` (one 404 can be a replica lagging behind).
   */
  private isGone(job: JobRecord): boolean {
    const now = this.options.clock.now();
    if (now - (job.submittedAt ?? job.createdAt) >= NEAR_RETENTION_MS) {
      return true;
    }
    return job.missingSince !== undefined && now - job.missingSince >= (this.options.policy ?? DEFAULT_POLL_POLICY).goneAfterMs;
  }

  /** Whether this window can send the job: its request is stored here (not on another host). */
  private async hasRequest(job: JobRecord): Promise<boolean> {
    return (await this.options.store.readPayload(job.id, 'request')) !== undefined;
  }

  /** Where, and with which key, requests go now (the key read once, for the request about to go). */
  private here(): Promise<Here> {
    return currentDestination(this.options);
  }

  /** Says, once, why the job waits; it stays unfinished. Leaves a job that changed meanwhile alone. */
  private async markWaiting(job: JobRecord, reason: WaitingReason): Promise<void> {
    const latest = this.options.store.get(job.id);
    if (!latest || isFinished(latest.state) || latest.state !== job.state || latest.attempt !== job.attempt || latest.waiting === reason) {
      return;
    }
    this.options.log.info(`Job ${job.id} waits for its base URL or API key (${reason})`);
    await this.update({ ...latest, waiting: reason }, latest.state);
  }

  private async clearWaiting(job: JobRecord): Promise<void> {
    const latest = this.options.store.get(job.id);
    if (latest && isWaiting(latest)) {
      await this.update({ ...latest, waiting: undefined }, latest.state);
    }
  }

  /**
   * Records the base URL and key a job is about to be sent with (if it has none yet) and clears a
   * "waiting" mark; undefined when the job changed meanwhile (stopped, removed).
   */
  private async bind(job: JobRecord, here: Here): Promise<JobRecord | undefined> {
    const bound: JobRecord = { ...job, ...bindTo(job, here), waiting: undefined };
    if (bound.baseUrl === job.baseUrl && bound.keyId === job.keyId && job.waiting === undefined) {
      return job;
    }
    const latest = this.options.store.get(job.id);
    if (!latest || latest.state !== 'submitting' || latest.attempt !== job.attempt) {
      return undefined;
    }
    await this.update(bound, job.state);
    return bound;
  }

  private target(job: JobRecord): PollTarget {
    return { jobId: job.id, window: job.window, submittedAt: job.submittedAt ?? job.createdAt };
  }

  private async update(job: JobRecord, previous: JobState | undefined): Promise<void> {
    if (this.disposed) {
      // A request that was out when this tracker stopped: the next one will ask Sail again.
      return;
    }
    if (!canTransition(previous, job.state)) {
      // A bug, not a user error: keep the stored job as it was rather than corrupt its history.
      this.options.log.warn(`Job ${job.id}: refused an impossible change ${previous ?? 'new'} → ${job.state}`);
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

function staleMessage(): string {
  return l10n.t('This request was never confirmed by Sail and is over a day old, so it was not sent again on its own. Use Send Again if you still need it.');
}

function describe(error: unknown): string {
  return error instanceof SailError ? error.kind : error instanceof Error ? error.message : String(error);
}
