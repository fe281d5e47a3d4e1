/**
 * When to poll a background job next. Sail's completion windows have very different turn times
 * (seconds for asap, hours for flex), so a fixed interval either wastes requests or leaves the user
 * waiting. The schedule is dense where a job is likely to finish (around the window's typical turn
 * time) and sparse where it is not:
 *
 *  - ramp:   right after submission poll soon (Sail is sometimes much faster than typical; the first
 *            poll comes after 1/400 of the typical time, at least `minMs`), then double the interval,
 *            up to a quarter of the typical time;
 *  - watch:  from `watchFrom` of the typical time on, poll every `watchFraction` of it, so the mean
 *            detection delay is about half of that (4 % of the turn time by default), never finer
 *            than `minMs`;
 *  - late:   past twice the typical time, stretch by 25 % a poll, up to `maxMs`.
 */
import type { CompletionWindow } from '../sail/windows';

export type { CompletionWindow } from '../sail/windows';

export interface PollPolicy {
  /** Typical turn time per window; `default` applies when Sail chooses the window. */
  readonly typicalMs: Readonly<Record<CompletionWindow | 'default', number>>;
  /** The first poll, and the smallest interval ever used. */
  readonly minMs: number;
  /** The largest interval ever used. */
  readonly maxMs: number;
  /** Interval around the typical time, as a fraction of it. */
  readonly watchFraction: number;
  /** Age, as a fraction of the typical time, from which the watch interval applies. */
  readonly watchFrom: number;
  /** Multiplier while the VS Code window is not focused. */
  readonly unfocusedFactor: number;
  /** Interval after a failed poll, doubled per consecutive failure up to `maxMs`. */
  readonly errorBackoffMs: number;
  /**
   * How long Sail must keep answering 404 for a young job before it counts as gone. One 404 can be a
   * replica that has not seen the job yet; a job near Sail's 48 h retention is gone at the first.
   */
  readonly goneAfterMs: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = {
  typicalMs: {
    asap: 5_000,
    priority: 60_000,
    standard: 5 * 60_000,
    flex: 2 * 60 * 60_000,
    default: 5 * 60_000,
  },
  minMs: 1_000,
  maxMs: 30 * 60_000,
  watchFraction: 0.08,
  watchFrom: 0.75,
  unfocusedFactor: 3,
  errorBackoffMs: 5_000,
  goneAfterMs: 10 * 60_000,
};

export interface PollContext {
  readonly window: CompletionWindow | undefined;
  /** Time since the job was submitted, when this poll is being scheduled. */
  readonly ageMs: number;
  /** The interval used last time (0 before the first poll). */
  readonly previousIntervalMs: number;
  readonly focused: boolean;
  /** Consecutive failed polls; 0 after a successful one. */
  readonly consecutiveErrors: number;
  /** Server-requested wait (Retry-After), if any. */
  readonly retryAfterMs?: number;
}

export function typicalTurnTime(window: CompletionWindow | undefined, policy: PollPolicy = DEFAULT_POLL_POLICY): number {
  return policy.typicalMs[window ?? 'default'];
}

/** Milliseconds from now until the next poll. */
export function nextPollDelay(ctx: PollContext, policy: PollPolicy = DEFAULT_POLL_POLICY): number {
  const typical = typicalTurnTime(ctx.window, policy);
  const watchMs = Math.max(policy.minMs, typical * policy.watchFraction);
  let interval: number;
  if (ctx.consecutiveErrors > 0) {
    interval = policy.errorBackoffMs * 2 ** (ctx.consecutiveErrors - 1);
  } else if (ctx.ageMs >= 2 * typical) {
    interval = Math.max(watchMs, ctx.previousIntervalMs * 1.25);
  } else if (ctx.ageMs >= typical * policy.watchFrom) {
    interval = watchMs;
  } else {
    const ramp = ctx.previousIntervalMs === 0 ? typical / 400 : ctx.previousIntervalMs * 2;
    // Never skip past the point where watching starts.
    interval = Math.min(ramp, typical / 4, typical * policy.watchFrom - ctx.ageMs);
  }
  interval = Math.max(interval, policy.minMs);
  if (!ctx.focused) {
    interval *= policy.unfocusedFactor;
  }
  interval = Math.min(interval, policy.maxMs);
  // Sail's Retry-After is honoured, but never beyond the longest interval: an absurd value (days, or
  // past what a timer can hold) must not silence a job, nor overflow into a busy loop.
  return Math.max(interval, Math.min(ctx.retryAfterMs ?? 0, policy.maxMs));
}
