import type { Clock } from './clock';
import { DEFAULT_POLL_POLICY, nextPollDelay, type CompletionWindow, type PollPolicy } from './pollPolicy';

export interface PollTarget {
  readonly jobId: string;
  readonly window: CompletionWindow | undefined;
  /** When Sail accepted the job (epoch ms): the schedule follows the job's age. */
  readonly submittedAt: number;
}

export type PollOutcome = { readonly kind: 'pending' } | { readonly kind: 'done' } | { readonly kind: 'failed'; readonly retryAfterMs?: number };

export interface PollSchedulerOptions {
  readonly clock: Clock;
  /** Polls one job. A thrown error counts as a failed poll, never as a failed job. */
  readonly poll: (target: PollTarget) => Promise<PollOutcome>;
  readonly maxInFlight?: number;
  readonly policy?: PollPolicy;
  readonly focused?: boolean;
}

/** Times in an Entry are on the scheduler's monotonic clock (see Clock.monotonic), not wall time. */
interface Entry {
  readonly target: PollTarget;
  /** `target.submittedAt` on the monotonic clock, so the job's age survives wall-clock jumps. */
  readonly submittedMono: number;
  dueAt: number;
  /** When dueAt was last computed, to re-plan on focus changes. */
  plannedAt: number;
  previousIntervalMs: number;
  consecutiveErrors: number;
  retryAfterMs: number | undefined;
  inFlight: boolean;
  /** pollSoon() came while a poll was out: poll again as soon as it is back. */
  soonAgain: boolean;
}

/**
 * One scheduler for every job: a single timer armed for the earliest due poll, and at most
 * `maxInFlight` polls on the wire at once, so a thousand pending jobs cost one timer and a handful
 * of connections.
 */
export class PollScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly policy: PollPolicy;
  private readonly maxInFlight: number;
  private focused: boolean;
  private timer: unknown;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private inFlight = 0;
  private disposed = false;
  readonly stats = { polls: 0, failedPolls: 0, maxInFlightSeen: 0 };

  constructor(private readonly options: PollSchedulerOptions) {
    this.clock = options.clock;
    this.policy = options.policy ?? DEFAULT_POLL_POLICY;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.focused = options.focused ?? true;
  }

  get size(): number {
    return this.entries.size;
  }

  has(jobId: string): boolean {
    return this.entries.has(jobId);
  }

  /** When the job will next be polled (epoch ms, for display), if tracked. */
  nextPollAt(jobId: string): number | undefined {
    const entry = this.entries.get(jobId);
    return entry === undefined ? undefined : entry.dueAt - this.mono() + this.clock.now();
  }

  /** Starts polling a job; `dueAt` overrides the first poll's time (e.g. at once after a reload). */
  track(target: PollTarget, dueAt?: number): void {
    if (this.disposed) {
      return;
    }
    const now = this.mono();
    const entry: Entry = {
      target,
      submittedMono: now - Math.max(0, this.clock.now() - target.submittedAt),
      dueAt: now,
      plannedAt: now,
      previousIntervalMs: 0,
      consecutiveErrors: 0,
      retryAfterMs: undefined,
      inFlight: false,
      soonAgain: false,
    };
    entry.dueAt = dueAt === undefined ? now + this.delayFor(entry, now) : now + (dueAt - this.clock.now());
    this.entries.set(target.jobId, entry);
    this.arm();
  }

  untrack(jobId: string): void {
    this.entries.delete(jobId);
    this.arm();
  }

  /** Polls a job as soon as a slot is free (e.g. the user opened it). */
  pollSoon(jobId: string): void {
    const entry = this.entries.get(jobId);
    if (entry?.inFlight) {
      entry.soonAgain = true;
    } else if (entry) {
      entry.dueAt = this.mono();
      this.arm();
    }
  }

  /** Polls slow down while the window is unfocused, and come back in when it regains focus. */
  setFocused(focused: boolean): void {
    if (focused === this.focused) {
      return;
    }
    this.focused = focused;
    if (focused) {
      for (const entry of this.entries.values()) {
        if (!entry.inFlight) {
          entry.dueAt = Math.min(entry.dueAt, entry.plannedAt + this.delayFor(entry, entry.plannedAt));
        }
      }
      this.arm();
    }
  }

  dispose(): void {
    this.disposed = true;
    this.entries.clear();
    this.disarm();
  }

  private mono(): number {
    return this.clock.monotonic?.() ?? this.clock.now();
  }

  private delayFor(entry: Entry, now: number, focused = this.focused): number {
    return nextPollDelay(
      {
        window: entry.target.window,
        ageMs: Math.max(0, now - entry.submittedMono),
        previousIntervalMs: entry.previousIntervalMs,
        focused,
        consecutiveErrors: entry.consecutiveErrors,
        retryAfterMs: entry.retryAfterMs,
      },
      this.policy,
    );
  }

  private disarm(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
    this.timerDueAt = Number.POSITIVE_INFINITY;
  }

  /** Arms the single timer for the earliest waiting poll, or runs due polls now. */
  private arm(): void {
    if (this.disposed) {
      return;
    }
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) {
      if (!entry.inFlight && entry.dueAt < earliest) {
        earliest = entry.dueAt;
      }
    }
    if (earliest === this.timerDueAt) {
      return;
    }
    this.disarm();
    if (earliest === Number.POSITIVE_INFINITY || this.inFlight >= this.maxInFlight) {
      return;
    }
    this.timerDueAt = earliest;
    this.timer = this.clock.setTimer(
      () => {
        this.timer = undefined;
        this.timerDueAt = Number.POSITIVE_INFINITY;
        this.runDue();
      },
      Math.max(0, earliest - this.mono()),
    );
  }

  private runDue(): void {
    const now = this.mono();
    const due = [...this.entries.values()].filter((e) => !e.inFlight && e.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    for (const entry of due) {
      if (this.inFlight >= this.maxInFlight) {
        break;
      }
      void this.pollOne(entry);
    }
    this.arm();
  }

  private async pollOne(entry: Entry): Promise<void> {
    entry.inFlight = true;
    this.inFlight += 1;
    this.stats.polls += 1;
    this.stats.maxInFlightSeen = Math.max(this.stats.maxInFlightSeen, this.inFlight);
    let outcome: PollOutcome;
    try {
      outcome = await this.options.poll(entry.target);
    } catch {
      outcome = { kind: 'failed' };
    }
    this.inFlight -= 1;
    entry.inFlight = false;
    if (this.entries.get(entry.target.jobId) !== entry) {
      // Untracked (or re-tracked) while the poll was on the wire.
      this.arm();
      return;
    }
    if (outcome.kind === 'done') {
      this.entries.delete(entry.target.jobId);
    } else {
      const now = this.mono();
      if (outcome.kind === 'failed') {
        this.stats.failedPolls += 1;
        entry.consecutiveErrors += 1;
        entry.retryAfterMs = outcome.retryAfterMs;
      } else {
        entry.consecutiveErrors = 0;
        entry.retryAfterMs = undefined;
      }
      const delay = this.delayFor(entry, now);
      if (outcome.kind === 'pending') {
        // The schedule grows from the focused interval: an unfocused spell must not stretch it for good.
        entry.previousIntervalMs = this.delayFor(entry, now, true);
      }
      entry.plannedAt = now;
      entry.dueAt = entry.soonAgain ? now : now + delay;
      entry.soonAgain = false;
    }
    // Slots freed: start anything already due, then re-arm.
    this.runDue();
  }
}
