// Virtual time: jobs advance `timeScale` times faster than the wall clock. Nothing runs per job; states
// are computed from the clock when asked. The only timers are for replies the server holds back.

export class SimClock {
  /** `wallClock` is Date.now unless a benchmark drives time itself. */
  constructor(
    readonly timeScale: number,
    private readonly wallClock: () => number = Date.now,
  ) {}

  /** Wall-clock milliseconds. */
  now(): number {
    return this.wallClock();
  }

  /** Virtual milliseconds elapsed since the wall-clock instant `sinceMs`. */
  virtualSince(sinceMs: number): number {
    return (this.now() - sinceMs) * this.timeScale;
  }

  /** Wall-clock milliseconds that `virtualMs` take. */
  realDuration(virtualMs: number): number {
    return virtualMs / this.timeScale;
  }
}

/** Delays that `cancelAll()` abandons, so closing the server leaves no timer behind. */
export class Delays {
  private readonly pending = new Set<NodeJS.Timeout>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.pending.delete(timer);
          resolve();
        },
        Math.max(0, Math.ceil(ms)),
      );
      this.pending.add(timer);
    });
  }

  cancelAll(): void {
    for (const timer of this.pending) {
      clearTimeout(timer);
    }
    this.pending.clear();
  }
}
