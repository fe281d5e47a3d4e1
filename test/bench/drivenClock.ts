import type { Clock } from '../../src/jobs/clock';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * Virtual time for benchmarks whose work is real I/O: time jumps to the next timer only once every
 * request started by the previous one has settled, so hours of Sail time pass in seconds while
 * every poll is a real HTTP round trip.
 */
export class DrivenClock implements Clock {
  private time = 0;
  private timers: Timer[] = [];
  private nextId = 1;
  private readonly inFlight = new Set<Promise<unknown>>();
  maxTimers = 0;

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): unknown {
    this.timers.push({ id: this.nextId++, at: this.time + Math.max(0, ms), callback });
    this.maxTimers = Math.max(this.maxTimers, this.timers.length);
    return this.nextId - 1;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Wraps work so the clock waits for it before moving on. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => {});
    return work;
  }

  /** Runs timers in order until `done()` or no timer is left. */
  async run(done: () => boolean): Promise<void> {
    for (;;) {
      await this.quiesce();
      if (done()) {
        return;
      }
      let next: Timer | undefined;
      for (const t of this.timers) {
        if (!next || t.at < next.at || (t.at === next.at && t.id < next.id)) {
          next = t;
        }
      }
      if (!next) {
        return;
      }
      const fire = next;
      this.timers = this.timers.filter((t) => t !== fire);
      this.time = Math.max(this.time, fire.at);
      fire.callback();
    }
  }

  private async quiesce(): Promise<void> {
    do {
      await Promise.allSettled([...this.inFlight]);
      await new Promise<void>((resolve) => setImmediate(resolve));
    } while (this.inFlight.size > 0);
  }
}
