/** Time, injected so that scheduling can be tested and benchmarked in virtual time. */
export interface Clock {
  /** Wall-clock time (epoch ms): for display, retention and records. It can jump. */
  now(): number;
  /**
   * Time that only moves forward, at a steady pace (ms, any origin): for scheduling, so a wall-clock
   * jump neither stalls polling nor bunches it. Clocks without it schedule on `now()`.
   */
  monotonic?(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** setTimeout holds at most 2³¹−1 ms; a longer (or NaN) delay fires after 1 ms, which turns a wait into a busy loop. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function clampDelay(ms: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_TIMER_MS) : ms > 0 ? MAX_TIMER_MS : 0;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer: (callback, ms) => {
    const handle = setTimeout(callback, clampDelay(ms));
    // A pending poll must never keep a process (a test, a CLI) alive on its own.
    handle.unref?.();
    return handle;
  },
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
