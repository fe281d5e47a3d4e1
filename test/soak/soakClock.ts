import type { Clock } from '../../src/jobs/clock';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/** Real time the soak waits for the work of one moment to settle before calling it hung. */
const HUNG_AFTER_MS = 60_000;

/**
 * Virtual time for a soak whose work is real I/O (HTTP to the simulator, files), as the benchmark's
 * DrivenClock: time jumps to the next timer only once the work started by the previous one has
 * settled, so hours of Sail time pass in seconds. Work is counted, not awaited, because a request can
 * itself wait on this clock (a client's backoff, Sail holding a foreground request until its job is
 * done): `busy` counts calls on the wire, store operations and the like (`hold`); `parked` counts
 * waits on this clock by Sail inside a call (`parkedSleep`). Time moves when every busy call is
 * parked.
 */
export class SoakClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private nextId = 1;
  private busy = 0;
  private parked = 0;
  private changed: (() => void) | undefined;

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): unknown {
    // Whole milliseconds, as setTimeout: a fraction of one added to an epoch time can vanish in rounding.
    const delay = Number.isFinite(ms) ? Math.ceil(Math.max(0, ms)) : ms > 0 ? Number.POSITIVE_INFINITY : 0;
    this.timers.push({ id: this.nextId++, at: this.time + delay, callback });
    return this.nextId - 1;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Timers still pending (finite ones). */
  get pendingTimers(): number {
    return this.timers.filter((t) => Number.isFinite(t.at)).length;
  }

  /** Counts `work` as busy until it settles. */
  track<T>(work: () => Promise<T>): Promise<T> {
    this.adjust(1, 0);
    let settled: Promise<T>;
    try {
      settled = work();
    } catch (error) {
      this.adjust(-1, 0);
      throw error;
    }
    return settled.finally(() => this.adjust(-1, 0));
  }

  /** A wait on this clock by busy work itself (a client's backoff): not busy meanwhile. */
  sleep = (ms: number): Promise<void> => {
    this.adjust(-1, 0);
    return new Promise<void>((resolve) => {
      this.setTimer(() => {
        this.adjust(1, 0);
        resolve();
      }, ms);
    });
  };

  /** A wait on this clock by the server, inside a call counted busy on the client's side. */
  parkedSleep = (ms: number): Promise<void> => {
    this.adjust(0, 1);
    return new Promise<void>((resolve) => {
      this.setTimer(() => {
        this.adjust(0, -1);
        resolve();
      }, ms);
    });
  };

  /** Runs timers in order until `done()`, the deadline, or no timer is left; false when no timer was left. */
  async run(done: () => boolean, deadline: number): Promise<boolean> {
    for (;;) {
      await this.settle();
      if (done()) {
        return true;
      }
      let next: Timer | undefined;
      for (const t of this.timers) {
        if (!next || t.at < next.at || (t.at === next.at && t.id < next.id)) {
          next = t;
        }
      }
      if (!next || !Number.isFinite(next.at)) {
        return false;
      }
      if (next.at > deadline) {
        this.time = Math.max(this.time, deadline);
        return true;
      }
      const fire = next;
      this.timers = this.timers.filter((t) => t !== fire);
      this.time = Math.max(this.time, fire.at);
      fire.callback();
    }
  }

  private adjust(busy: number, parked: number): void {
    this.busy += busy;
    this.parked += parked;
    this.changed?.();
  }

  /** Waits until every busy call is parked, and stays so across a few turns of the event loop. */
  private async settle(): Promise<void> {
    const started = Date.now();
    for (let quiet = 0; quiet < 3;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.busy <= this.parked) {
        quiet += 1;
        continue;
      }
      quiet = 0;
      const left = HUNG_AFTER_MS - (Date.now() - started);
      if (left <= 0) {
        throw new Error(`Soak clock: work did not settle in ${HUNG_AFTER_MS / 1000} s (busy ${this.busy}, parked ${this.parked})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.changed = () => {
          clearTimeout(timer);
          this.changed = undefined;
          resolve();
        };
      });
    }
  }
}
