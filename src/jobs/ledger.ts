/**
 * The job list as the job core changes it: every change goes through `update`, which checks it
 * against the lifecycle, persists it, logs the transition and tells the listeners. The sender, the
 * poller and the façade share one ledger.
 */
import { SailError } from '../sail/errors';
import type { Clock } from './clock';
import { canTransition, isFinished, isWaiting, type JobRecord, type JobState, type WaitingReason } from './job';
import type { JobStore } from './jobStore';

export interface TrackerLogger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface JobChange {
  readonly job: JobRecord;
  readonly previous: JobState | undefined;
  /** The job as it was before this change, when it existed. */
  readonly before?: JobRecord;
  /** The job was deleted from the list. */
  readonly removed?: boolean;
}

type Listener = (change: JobChange) => void;

export class JobLedger {
  private readonly listeners = new Set<Listener>();
  private stopped = false;

  constructor(
    readonly store: JobStore,
    readonly clock: Clock,
    readonly log: TrackerLogger,
  ) {}

  /** Once disposed, answers still on the wire are not recorded: the next window asks Sail again. */
  get disposed(): boolean {
    return this.stopped;
  }

  get(id: string): JobRecord | undefined {
    return this.store.get(id);
  }

  /** Every job known here, the history as far as it was read. */
  all(): JobRecord[] {
    return this.store.all();
  }

  /** The jobs in play: live, or finished and not yet seen. */
  current(): JobRecord[] {
    return this.store.current();
  }

  /** A job in play or in the history (read first if needed). */
  find(id: string): Promise<JobRecord | undefined> {
    return this.store.find(id);
  }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit(change: JobChange): void {
    for (const listener of this.listeners) {
      listener(change);
    }
  }

  /** Persists a new version of a job and tells the listeners; refuses a change the lifecycle does not allow. */
  async update(job: JobRecord, previous: JobState | undefined): Promise<void> {
    if (this.stopped) {
      return;
    }
    if (!canTransition(previous, job.state)) {
      // A bug, not a user error: keep the stored job as it was rather than corrupt its history.
      this.log.warn(`Job ${job.id}: refused an impossible change ${previous ?? 'new'} → ${job.state}`);
      return;
    }
    const before = this.store.get(job.id);
    await this.store.save(job);
    if (previous !== job.state) {
      this.log.debug(`Job ${job.id}: ${previous ?? 'new'} → ${job.state}`);
    }
    this.emit({ job, previous, before });
  }

  /** Says, once, why the job waits; it stays unfinished. Leaves a job that changed meanwhile alone. */
  async markWaiting(job: JobRecord, reason: WaitingReason): Promise<void> {
    const latest = this.store.get(job.id);
    if (!latest || isFinished(latest.state) || latest.state !== job.state || latest.attempt !== job.attempt || latest.waiting === reason) {
      return;
    }
    this.log.info(`Job ${job.id} waits for its base URL or API key (${reason})`);
    await this.update({ ...latest, waiting: reason }, latest.state);
  }

  async clearWaiting(job: JobRecord): Promise<void> {
    const latest = this.store.get(job.id);
    if (latest && isWaiting(latest)) {
      await this.update({ ...latest, waiting: undefined }, latest.state);
    }
  }

  dispose(): void {
    this.stopped = true;
    this.listeners.clear();
  }
}

/** A short word for the log: a SailError's kind, another error's message. */
export function describeError(error: unknown): string {
  return error instanceof SailError ? error.kind : error instanceof Error ? error.message : String(error);
}
