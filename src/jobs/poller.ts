/**
 * Polling and answers: one PollScheduler for every accepted job, what Sail's answer means for the job
 * (queued, running, finished: the response is stored as a file, since Sail deletes it), when a 404
 * means "gone", and fetching a missing answer again. A failed poll never fails a job.
 */
import { SailError } from '../sail/errors';
import { blocked, currentDestination, sentWithOtherKey, type DestinationSources } from './destination';
import { isAnswered, isFinished, type BatchProgress, type JobRecord } from './job';
import type { JobLedger } from './ledger';
import { DEFAULT_POLL_POLICY, type PollPolicy } from './pollPolicy';
import { PollScheduler, type PollOutcome, type PollTarget } from './pollScheduler';
import { kindOf, type JobKinds, type RemoteStatus } from './kinds';

export interface PollerOptions extends DestinationSources {
  /** How each kind of job is asked about (see kinds.ts). */
  readonly kinds: JobKinds;
  readonly maxInFlight?: number;
  readonly policy?: PollPolicy;
}

/** From this age on a 404 means Sail's retention (48 h) is over: the job is gone at the first one. */
const NEAR_RETENTION_MS = 46 * 60 * 60_000;

export class JobPoller {
  private readonly scheduler: PollScheduler;
  private readonly policy: PollPolicy;
  /** Finished jobs whose missing answer Sail gave, or no longer has (not asked for again). */
  private readonly fetchedAgain = new Set<string>();
  private readonly fetching = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ledger: JobLedger,
    private readonly options: PollerOptions,
  ) {
    this.policy = options.policy ?? DEFAULT_POLL_POLICY;
    this.scheduler = new PollScheduler({ clock: ledger.clock, poll: (target) => this.poll(target), maxInFlight: options.maxInFlight, policy: this.policy });
  }

  get stats(): PollScheduler['stats'] {
    return this.scheduler.stats;
  }

  get size(): number {
    return this.scheduler.size;
  }

  has(id: string): boolean {
    return this.scheduler.has(id);
  }

  nextPollAt(id: string): number | undefined {
    return this.scheduler.nextPollAt(id);
  }

  /** Starts polling an accepted job; `dueAt` e.g. now, after a reload. */
  track(job: JobRecord, dueAt?: number): void {
    this.scheduler.track(target(job), dueAt);
  }

  untrack(id: string): void {
    this.scheduler.untrack(id);
  }

  pollSoon(id: string): void {
    this.scheduler.pollSoon(id);
  }

  setFocused(focused: boolean): void {
    this.scheduler.setFocused(focused);
  }

  dispose(): void {
    this.scheduler.dispose();
  }

  /** Records what Sail said about a job; returns true when the job is finished. */
  async apply(job: JobRecord, status: RemoteStatus): Promise<boolean> {
    const { ledger } = this;
    const latest = ledger.get(job.id);
    if (!latest || isFinished(latest.state) || latest.attempt !== job.attempt) {
      // Stopped, removed or sent again meanwhile: the user's choice wins.
      return true;
    }
    if (!isFinished(status.state)) {
      const changed =
        status.state !== job.state ||
        status.serverStatus !== job.serverStatus ||
        job !== latest ||
        job.error !== undefined ||
        job.waiting !== undefined ||
        job.missingSince !== undefined ||
        job.pollTrouble !== undefined ||
        progressChanged(job.progress, status.progress);
      if (changed) {
        if (status.answer !== undefined) {
          // A batch's item statuses, for the views, kept as they go.
          await ledger.store.writePayload(job.id, 'response', status.answer);
        }
        await ledger.update(
          {
            ...job,
            state: status.state,
            serverStatus: status.serverStatus,
            progress: withAnswered(status.progress, job.progress),
            error: undefined,
            waiting: undefined,
            missingSince: undefined,
            pollTrouble: undefined,
          },
          latest.state,
        );
      }
      if (!this.scheduler.has(job.id)) {
        this.track({ ...job, submittedAt: job.submittedAt ?? ledger.clock.now() });
      }
      return false;
    }
    await ledger.store.writePayload(job.id, 'response', status.answer);
    const finished: JobRecord = {
      ...job,
      state: status.state,
      serverStatus: status.serverStatus,
      progress: withAnswered(status.progress, job.progress),
      finishedAt: ledger.clock.now(),
      usage: status.usage,
      error: status.error,
      waiting: undefined,
      missingSince: undefined,
      pollTrouble: undefined,
      incompleteReason: status.incompleteReason,
    };
    ledger.log.info(`Job ${job.id} ${status.state} (${status.usage?.total ?? 0} tokens)`);
    await ledger.update(finished, latest.state);
    // Only once the record says so: if it could not be written, the job stays polled and is asked again.
    this.scheduler.untrack(job.id);
    return true;
  }

  /**
   * The answer of a finished job that is not stored here (a window on another host stored it), from
   * Sail, once, while Sail still has it: a GET costs nothing. One GET per job at a time.
   */
  fetchAgain(id: string): Promise<unknown> {
    let fetching = this.fetching.get(id);
    if (!fetching) {
      fetching = this.fetchOnce(id).finally(() => this.fetching.delete(id));
      this.fetching.set(id, fetching);
    }
    return fetching;
  }

  private async fetchOnce(id: string): Promise<unknown> {
    const { ledger } = this;
    const job = ledger.get(id);
    if (!job?.responseId || !isAnswered(job.state) || this.fetchedAgain.has(id)) {
      return undefined;
    }
    const here = await currentDestination(this.options);
    // Only where, and with the key, Sail would show it: otherwise wait for them (see reconsider).
    if (blocked(job, here, 'poll') || sentWithOtherKey(job, here)) {
      return undefined;
    }
    try {
      const status = await kindOf(this.options.kinds, job).fetch(job.responseId, { apiKey: here.apiKey, jobId: job.id });
      if (!isFinished(status.state)) {
        return undefined;
      }
      this.fetchedAgain.add(id);
      await ledger.store.writePayload(id, 'response', status.answer);
      ledger.log.info(`Fetched the answer of job ${id} from Sail again (it was not stored here)`);
      return status.answer;
    } catch (error) {
      if (error instanceof SailError && error.kind === 'not_found') {
        // Gone (48 h): asking again cannot help.
        this.fetchedAgain.add(id);
      }
      ledger.log.debug(`Could not fetch the answer of job ${id} again (${error instanceof SailError ? error.kind : 'error'})`);
      return undefined;
    }
  }

  private async poll(pollTarget: PollTarget): Promise<PollOutcome> {
    const { ledger } = this;
    const job = ledger.get(pollTarget.jobId);
    if (!job?.responseId || isFinished(job.state)) {
      return { kind: 'done' };
    }
    const here = await currentDestination(this.options);
    const waiting = blocked(job, here, 'poll');
    if (waiting) {
      // Sail at another URL would answer 404 and the job would look expired.
      await ledger.markWaiting(job, waiting);
      return { kind: 'failed' };
    }
    // Another key may belong to the same account (a rotated key): a GET costs nothing, so ask.
    const otherKey = sentWithOtherKey(job, here);
    try {
      const status = await kindOf(this.options.kinds, job).fetch(job.responseId, { apiKey: here.apiKey, jobId: job.id });
      // The key that could read it is the job's key from now on.
      const seen = here.keyId !== undefined && job.keyId !== here.keyId ? { ...job, keyId: here.keyId } : job;
      const finished = await this.apply(seen, status);
      return finished ? { kind: 'done' } : { kind: 'pending' };
    } catch (error) {
      if (error instanceof SailError && error.kind === 'not_found') {
        const now = await currentDestination(this.options);
        if (now.keyId !== here.keyId || now.baseUrl !== here.baseUrl) {
          // The key or URL changed while the request was out: the 404 may not be about this job's account.
          return { kind: 'failed' };
        }
        if (otherKey) {
          await ledger.markWaiting(job, 'otherKey');
          return { kind: 'failed' };
        }
        return this.notFound(job.id);
      }
      const kind = error instanceof SailError ? error.kind : 'error';
      ledger.log.debug(`Poll of job ${job.id} failed (${kind}); the job keeps running`);
      if (!otherKey && job.waiting) {
        // It no longer waits for its key or URL, whatever this failure was.
        await ledger.clearWaiting(job);
      }
      await this.countTrouble(job.id, kind);
      return { kind: 'failed', retryAfterMs: error instanceof SailError ? error.retryAfterMs : undefined };
    }
  }

  /**
   * Counts a failed poll, so a failure that never clears (a revoked key, a proxy, garbage) is shown
   * instead of "next check in 30 min" until the job expires. A change of key, settings or focus
   * asks again at once (see JobTracker.reconsider and setFocused).
   */
  private async countTrouble(id: string, kind: string): Promise<void> {
    const latest = this.ledger.get(id);
    if (!latest || isFinished(latest.state)) {
      return;
    }
    const previous = latest.pollTrouble;
    const pollTrouble = { kind, count: (previous?.count ?? 0) + 1, since: previous?.since ?? this.ledger.clock.now() };
    // A poll that got no answer breaks a run of 404s: two stray 404s with an outage between them
    // are not Sail "keeping" to answer 404 (see isGone).
    await this.ledger.update({ ...latest, pollTrouble, missingSince: undefined }, latest.state);
  }

  /** Sail answered 404 for a job this key may read: gone, or (for a young job) asked again later. */
  private async notFound(id: string): Promise<PollOutcome> {
    const { ledger } = this;
    const latest = ledger.get(id);
    if (!latest || isFinished(latest.state)) {
      return { kind: 'done' };
    }
    if (!this.isGone(latest)) {
      if (latest.missingSince === undefined) {
        await ledger.update({ ...latest, missingSince: ledger.clock.now() }, latest.state);
      }
      ledger.log.info(`Job ${id}: Sail answered 404; asking again before treating it as gone`);
      return { kind: 'failed' };
    }
    await ledger.update({ ...latest, state: 'expired', finishedAt: ledger.clock.now(), error: { kind: 'gone' } }, latest.state);
    return { kind: 'done' };
  }

  /**
   * Whether Sail's 404 means the job is gone: near or past Sail's 48 h retention at once, otherwise
   * only once Sail has kept answering 404 for `goneAfterMs` (one 404 can be a replica lagging behind).
   */
  private isGone(job: JobRecord): boolean {
    const now = this.ledger.clock.now();
    if (now - (job.submittedAt ?? job.createdAt) >= NEAR_RETENTION_MS) {
      return true;
    }
    return job.missingSince !== undefined && now - job.missingSince >= this.policy.goneAfterMs;
  }
}

function target(job: JobRecord): PollTarget {
  return { jobId: job.id, window: job.window, submittedAt: job.submittedAt ?? job.createdAt };
}

function progressChanged(before: BatchProgress | undefined, after: BatchProgress | undefined): boolean {
  return after !== undefined && (before?.total !== after.total || before.done !== after.done || before.failed !== after.failed);
}

/** Sail's counts, with how many answers this machine has fetched (Sail does not know). */
function withAnswered(progress: BatchProgress | undefined, before: BatchProgress | undefined): BatchProgress | undefined {
  return progress && { ...progress, answered: before?.answered ?? 0 };
}
