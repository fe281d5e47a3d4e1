/**
 * Sending: the POST of a job that is written down, its automatic re-sends (same idempotency key, so
 * Sail replays instead of running it twice), and the rules that decide when a failure is final.
 * A send always ends in one of: accepted (handed to the poller), failed for good, waiting for its
 * base URL or key, or a re-send scheduled. Never "submitting" with nothing scheduled.
 */
import { SailError } from '../sail/errors';
import { bindTo, blocked, currentDestination, type DestinationSources, type Here } from './destination';
import { jobErrorOf, type JobRecord } from './job';
import { kindOf, type Accepted, type JobKinds, type RemoteStatus } from './kinds';
import { describeError, type JobLedger } from './ledger';
import { SEND_LEASE_MS } from './sendLease';

export interface SenderOptions extends DestinationSources {
  /** How each kind of job is sent (see kinds.ts). */
  readonly kinds: JobKinds;
  /** Uniform in [0, 1), for re-send jitter. */
  readonly random?: () => number;
  /** The first automatic re-send's delay (doubled per failure); tests shorten it. */
  readonly resendBaseMs?: number;
  /** How soon to look again at a job another window is sending; tests shorten it. */
  readonly leaseRecheckMs?: number;
}

/** Errors after which re-sending the same request cannot help until the user changes something. */
const DEFINITIVE = new Set(['auth', 'forbidden', 'invalid_request', 'not_found']);
const RESEND_BASE_MS = 5_000;
const RESEND_MAX_MS = 5 * 60_000;
/** The longest a re-send waits, whatever Retry-After says. */
const RESEND_CAP_MS = 30 * 60_000;
/** Unanswered requests re-sent at once on start; the rest follow as these finish. */
const RESUME_CONCURRENCY = 4;
/**
 * An unanswered request older than this is not re-sent on its own: Sail forgets idempotency keys with
 * its results (48 h), so a late re-send could run — and bill — the job a second time.
 */
const RESEND_HORIZON_MS = 24 * 60 * 60_000;
/** How soon a window looks again at a job another window is sending. */
const LEASE_RECHECK_MS = 15_000;

export class JobSender {
  private readonly sending = new Set<string>();
  /** Jobs to send once more when their current attempt ends (the key or base URL changed meanwhile). */
  private readonly sendAgain = new Set<string>();
  private readonly resendTimers = new Map<string, unknown>();
  /** Wall and steady time when this window started: see steadyNow. */
  private readonly startedAt: number;
  private readonly startedSteady: number | undefined;

  constructor(
    private readonly ledger: JobLedger,
    private readonly options: SenderOptions,
    /** Sail accepted (or, in the foreground, answered) the job: record what it said. */
    private readonly accepted: (job: JobRecord, status: RemoteStatus) => Promise<unknown>,
    /** Another window sent (or ended) the job meanwhile: follow it from here too. */
    private readonly adopted: (job: JobRecord, before: JobRecord | undefined) => void = () => undefined,
  ) {
    this.startedAt = ledger.clock.now();
    this.startedSteady = ledger.clock.monotonic?.();
  }

  /** An attempt is on the wire. */
  isSending(id: string): boolean {
    return this.sending.has(id);
  }

  /** POSTs a job that is `submitting`. `byUser`: Send Again, or a new job (not an automatic re-send). */
  async send(id: string, byUser = false): Promise<void> {
    if (this.sending.has(id) || this.ledger.disposed) {
      return;
    }
    this.sending.add(id);
    this.cancelResend(id);
    try {
      await this.sendOnce(id, byUser);
    } catch (error) {
      // SecretStorage, the disk or the store failed around the POST: the job must not be left
      // `submitting` with nothing scheduled. Try again later, with the same idempotency key.
      this.ledger.log.warn(`Job ${id}: sending was interrupted (${describeError(error)})`);
      const job = this.ledger.get(id);
      if (job) {
        await this.failed(job, error).catch((again: unknown) => this.ledger.log.warn(`Job ${id}: could not record the failure (${describeError(again)})`));
      }
    } finally {
      this.sending.delete(id);
      if (this.sendAgain.delete(id)) {
        this.sendInBackground(id);
      }
    }
  }

  /** Re-sends unanswered requests a bounded number at a time: many must not fire at once. */
  async sendAll(ids: readonly string[]): Promise<void> {
    const queue = [...ids];
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined && !this.ledger.disposed; id = queue.shift()) {
        await this.send(id).catch((error: unknown) => this.ledger.log.warn(`Job ${id}: could not be re-sent (${describeError(error)})`));
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESUME_CONCURRENCY, queue.length) }, worker));
  }

  /** A send nobody awaits: a failure to write the job down is logged, never left unhandled. */
  sendInBackground(id: string): void {
    if (this.sending.has(id)) {
      // An attempt is still finishing (recording its own failure, say): go once it is done.
      this.sendAgain.add(id);
      return;
    }
    this.send(id).catch((error: unknown) => {
      this.ledger.log.warn(`Job ${id}: could not be sent or recorded (${describeError(error)})`);
    });
  }

  cancelResend(id: string): void {
    const timer = this.resendTimers.get(id);
    if (timer !== undefined) {
      this.ledger.clock.clearTimer(timer);
      this.resendTimers.delete(id);
    }
  }

  dispose(): void {
    for (const id of [...this.resendTimers.keys()]) {
      this.cancelResend(id);
    }
    this.ledger.store.leases.releaseAllNow();
  }

  private async sendOnce(id: string, byUser: boolean): Promise<void> {
    const { ledger } = this;
    const found = this.latest(id);
    if (!found || found.state !== 'submitting') {
      return;
    }
    const stale = !byUser && this.steadyNow() - found.createdAt > RESEND_HORIZON_MS;
    const request = await ledger.store.readPayload(id, 'request');
    if (!request && found.storageId !== ledger.store.storageId && !stale) {
      // Written down by a window whose files live elsewhere (a VS Code Remote host): that one sends it.
      ledger.log.debug(`Job ${id} was written down by another host; leaving it to that host`);
      return;
    }
    if (stale) {
      await ledger.update({ ...found, state: 'failed', error: { kind: 'stale' } }, found.state);
      return;
    }
    if (!request) {
      await ledger.update({ ...found, state: 'failed', error: { kind: 'lost' } }, found.state);
      return;
    }
    const here = await currentDestination(this.options);
    const waiting = blocked(found, here, 'send');
    if (waiting) {
      await ledger.markWaiting(found, waiting);
      return;
    }
    // One window sends a job at a time (every window resumes every unanswered job).
    const { leases } = ledger.store;
    if (!(await leases.acquire(id))) {
      // Looked at again soon: by then the other window has usually had it accepted, and this one
      // follows it (see latest); otherwise, once that window's lease lapses, this one sends it.
      const until = (await leases.heldElsewhereUntil(id)) ?? ledger.clock.now() + SEND_LEASE_MS;
      ledger.log.debug(`Job ${id} is being sent by another window; looking again shortly`);
      this.schedule(id, Math.min(this.options.leaseRecheckMs ?? LEASE_RECHECK_MS, until - ledger.clock.now() + 1_000));
      return;
    }
    try {
      // The window that held the lease may have had the job accepted meanwhile.
      const current = this.latest(id);
      if (!current || current.state !== 'submitting' || current.attempt !== found.attempt) {
        return;
      }
      // Bound before the POST: if its answer is lost, it is re-sent only there and with this key.
      const job = await this.bind(current, here);
      if (!job) {
        return;
      }
      await this.post(job, request, here);
    } finally {
      await leases.release(id).catch((error: unknown) => ledger.log.warn(`Job ${id}: could not release its send lease (${describeError(error)})`));
    }
  }

  private async post(job: JobRecord, request: unknown, here: Here): Promise<void> {
    const { ledger } = this;
    let accepted: Accepted;
    try {
      accepted = await kindOf(this.options.kinds, job).send(request, { idempotencyKey: job.idempotencyKey, apiKey: here.apiKey, jobId: job.id });
    } catch (error) {
      await this.failed(job, error);
      return;
    }
    ledger.log.info(`Job ${job.id} accepted by Sail as ${accepted.remoteId} (${accepted.status.serverStatus})`);
    await this.accepted(
      { ...job, responseId: accepted.remoteId, submittedAt: ledger.clock.now(), serverCreatedAt: accepted.serverCreatedAt, sendAttempts: 0, error: undefined },
      accepted.status,
    );
  }

  /** A POST that failed: final (refused), or ambiguous (re-sent later with the same key). */
  private async failed(sent: JobRecord, error: unknown): Promise<void> {
    const { ledger } = this;
    const sailError = error instanceof SailError ? error : undefined;
    // The user may have stopped or removed the job while the POST was out: that choice stands.
    const job = ledger.get(sent.id);
    if (sailError?.kind === 'aborted' || ledger.disposed || !job || job.state !== 'submitting') {
      return;
    }
    // A 409 is no refusal: another window's POST under the same idempotency key may be on the wire.
    if (sailError && DEFINITIVE.has(sailError.kind) && sailError.status !== 409) {
      ledger.log.warn(`Job ${job.id} was refused by Sail (${sailError.kind}${sailError.status ? ` ${sailError.status}` : ''})`);
      await ledger.update({ ...job, state: 'failed', error: jobErrorOf(sailError) }, job.state);
      return;
    }
    // Ambiguous (network, timeout, 5xx, garbage): Sail may or may not have the job. Re-send later with
    // the same key: if it has it, it replays the record instead of running the job again.
    const attempts = job.sendAttempts + 1;
    // Jittered (between half and all of the backoff), so windows and jobs that failed together do not
    // come back in lock-step; Retry-After is honoured up to a cap.
    const backoff = Math.min(RESEND_MAX_MS, (this.options.resendBaseMs ?? RESEND_BASE_MS) * 2 ** (attempts - 1));
    const jittered = backoff * (0.5 + 0.5 * (this.options.random ?? Math.random)());
    const delay = Math.min(RESEND_CAP_MS, Math.max(sailError?.retryAfterMs ?? 0, jittered));
    ledger.log.warn(`Job ${job.id}: sending failed (${sailError?.kind ?? 'error'}); trying again in ${Math.round(delay / 1000)} s`);
    // Scheduled before the write, so a failing store cannot leave the job with nothing scheduled.
    this.schedule(job.id, delay);
    await ledger.update({ ...job, sendAttempts: attempts, error: jobErrorOf(sailError) }, job.state);
  }

  private schedule(id: string, delay: number): void {
    this.cancelResend(id);
    this.resendTimers.set(
      id,
      this.ledger.clock.setTimer(() => {
        this.resendTimers.delete(id);
        this.sendInBackground(id);
      }, delay),
    );
  }

  /**
   * The job as the shared list has it now (another window may have sent it); a job another window
   * had accepted meanwhile is handed on to be followed here too.
   */
  private latest(id: string): JobRecord | undefined {
    const before = this.ledger.get(id);
    this.ledger.store.refresh();
    const latest = this.ledger.get(id);
    if (latest && latest.state !== 'submitting' && (latest.responseId || before?.state !== latest.state)) {
      this.adopted(latest, before);
    }
    return latest;
  }

  /**
   * Wall-clock time that a jump of the system clock during this session cannot move: the wall time
   * at start plus the steady time since. The re-send horizon is measured on it, so setting the clock
   * a day ahead does not fail every unsent job as stale.
   */
  private steadyNow(): number {
    const steady = this.ledger.clock.monotonic?.();
    return steady === undefined || this.startedSteady === undefined ? this.ledger.clock.now() : this.startedAt + (steady - this.startedSteady);
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
    const latest = this.ledger.get(job.id);
    if (!latest || latest.state !== 'submitting' || latest.attempt !== job.attempt) {
      return undefined;
    }
    await this.ledger.update(bound, job.state);
    return bound;
  }
}
