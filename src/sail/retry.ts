/**
 * When the Sail client sends a request again, and how long it waits first. Follows Sail's own
 * SDK (3 attempts, exponential backoff with full jitter, 502/503/504 always, 429 only with a
 * Retry-After, 500 never) plus network errors and timeouts, and one extra retry of a 500 on a GET
 * (GETs are idempotent, and the polling endpoint declares 500). A POST is only retried when it
 * carries an Idempotency-Key, so Sail replays instead of running the job twice.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isCertificateError, SailError } from './errors';

export interface RetryPolicy {
  /** Total attempts for a POST (first try included). */
  maxAttemptsPost: number;
  /** Total attempts for a GET (first try included). */
  maxAttemptsGet: number;
  /** Backoff ceiling for attempt n (1-based) is min(maxDelayMs, baseDelayMs * 2^(n-1)); the wait is uniform in [0, ceiling). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error is returned with its retryAfterMs. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttemptsPost: 3,
  maxAttemptsGet: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
});

export type HttpMethod = 'GET' | 'POST';

export interface RetryContext {
  method: HttpMethod;
  /** Whether the request carries an Idempotency-Key (GETs are idempotent anyway). */
  hasIdempotencyKey: boolean;
  /** The attempt that just failed, 1-based. */
  attempt: number;
  policy: RetryPolicy;
  /** Uniform in [0, 1). */
  random: () => number;
}

export type RetryDecision = { retry: false; reason: string } | { retry: true; delayMs: number; reason: string };

/**
 * Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP date. Undefined when absent
 * or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  // HTTP dates always name the weekday and month; requiring a letter keeps Date.parse from
  // accepting bare numbers such as "1.5" as a date.
  if (!/[a-z]/i.test(trimmed)) {
    return undefined;
  }
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Full-jitter exponential backoff for the attempt that just failed (1-based). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Whether and when to try again after `error`. Pure. */
export function decideRetry(error: SailError, context: RetryContext): RetryDecision {
  const { method, attempt, policy } = context;
  const maxAttempts = method === 'GET' ? policy.maxAttemptsGet : policy.maxAttemptsPost;
  if (method === 'POST' && !context.hasIdempotencyKey) {
    return { retry: false, reason: 'POST without an idempotency key' };
  }
  if (attempt >= maxAttempts) {
    return { retry: false, reason: `gave up after ${attempt} attempts` };
  }
  const retryable = isRetryable(error, context);
  if (!retryable.retry) {
    return retryable;
  }
  if (error.retryAfterMs !== undefined) {
    if (error.retryAfterMs > policy.maxRetryAfterMs) {
      return { retry: false, reason: `Retry-After ${error.retryAfterMs} ms is longer than ${policy.maxRetryAfterMs} ms` };
    }
    return { retry: true, delayMs: error.retryAfterMs, reason: `${retryable.reason}, Retry-After` };
  }
  return { retry: true, delayMs: backoffDelay(attempt, policy, context.random), reason: retryable.reason };
}

function isRetryable(error: SailError, context: RetryContext): { retry: true; reason: string } | { retry: false; reason: string } {
  switch (error.kind) {
    case 'network':
      if (error.code === 'proxy_refused' || isCertificateError(error.code) || error.code === 'UND_ERR_INVALID_ARG') {
        return { retry: false, reason: 'a retry cannot fix this connection error' };
      }
      return { retry: true, reason: 'network error' };
    case 'timeout':
      return { retry: true, reason: 'timeout' };
    case 'rate_limited':
      return error.retryAfterMs !== undefined ? { retry: true, reason: 'HTTP 429' } : { retry: false, reason: 'HTTP 429 without Retry-After' };
    case 'server':
      if (error.status === 502 || error.status === 503 || error.status === 504) {
        return { retry: true, reason: `HTTP ${error.status}` };
      }
      if (error.status === 500 && context.method === 'GET' && context.attempt === 1) {
        return { retry: true, reason: 'HTTP 500 on a GET (retried once)' };
      }
      return { retry: false, reason: `HTTP ${error.status ?? '5xx'} is not retried` };
    default:
      return { retry: false, reason: `${error.kind} is not retried` };
  }
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** setTimeout as a promise that rejects as soon as `signal` aborts. */
export const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

export interface RetryLoopOptions {
  method: HttpMethod;
  hasIdempotencyKey: boolean;
  policy: RetryPolicy;
  sleep: Sleep;
  random: () => number;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log the decision. */
  onRetry?: (error: SailError, attempt: number, delayMs: number, reason: string) => void;
}

/**
 * Runs `attempt(n)` until it succeeds or `decideRetry` says stop. `attempt` must throw SailErrors;
 * anything else is a bug and propagates unchanged.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryLoopOptions): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof SailError)) {
        throw error;
      }
      error.attempts = n;
      const decision = decideRetry(error, { ...options, attempt: n });
      if (!decision.retry) {
        throw error;
      }
      options.onRetry?.(error, n, decision.delayMs, decision.reason);
      if (options.signal?.aborted) {
        throw abortedWhileWaiting(error);
      }
      try {
        await options.sleep(decision.delayMs, options.signal);
      } catch (sleepError) {
        throw abortedWhileWaiting(error, sleepError);
      }
      if (options.signal?.aborted) {
        throw abortedWhileWaiting(error);
      }
    }
  }
}

function abortedWhileWaiting(last: SailError, cause?: unknown): SailError {
  const aborted = new SailError('aborted', `cancelled while waiting to retry after: ${last.message}`, { cause: cause ?? last });
  aborted.attempts = last.attempts;
  return aborted;
}
