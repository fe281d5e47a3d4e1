/**
 * Waits bounded by the behaviour's own deadline: a test whose code under test misbehaves fails in
 * seconds, saying what it waited for, instead of hanging until the runner's per-test timeout.
 */
export interface WaitOptions {
  /** How long the behaviour may take, at most (wall-clock ms). */
  readonly timeoutMs: number;
  /** What was awaited, for the failure message; a function is called at the deadline (to show the last state). */
  readonly what: string | (() => string);
  /** How often `condition` is checked; default 5 ms. */
  readonly intervalMs?: number;
}

/** Resolves once `condition` holds; rejects with an Error naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (condition()) {
      return;
    }
    if (Date.now() >= deadline) {
      const what = typeof options.what === 'function' ? options.what() : options.what;
      throw new Error(`Waited ${options.timeoutMs} ms for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 5));
  }
}

/** Settles like `promise`, or rejects after `timeoutMs` naming `what`. */
export async function within<T>(promise: Promise<T>, options: Omit<WaitOptions, 'intervalMs'>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const what = typeof options.what === 'function' ? options.what() : options.what;
      reject(new Error(`Waited ${options.timeoutMs} ms for ${what}`));
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
