import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SailError } from '../../src/sail/errors';
import { backoffDelay, decideRetry, DEFAULT_RETRY_POLICY, parseRetryAfter, withRetry, type RetryContext } from '../../src/sail/retry';

const policy = { ...DEFAULT_RETRY_POLICY };
const half = () => 0.5;

function ctx(overrides: Partial<RetryContext> = {}): RetryContext {
  return { method: 'POST', hasIdempotencyKey: true, attempt: 1, policy, random: half, ...overrides };
}

function server(status: number, retryAfterMs?: number): SailError {
  return new SailError(status === 429 ? 'rate_limited' : 'server', `HTTP ${status}`, { status, retryAfterMs });
}

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-05-01T12:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Fri, 01 May 2026 12:00:07 GMT', now), 7000);
    assert.equal(parseRetryAfter('Fri, 01 May 2026 11:00:00 GMT', now), 0);
  });
  it('ignores absent and malformed values', () => {
    for (const value of [undefined, '', '-1', '1.5', 'soon', '3s']) {
      assert.equal(parseRetryAfter(value, now), undefined, String(value));
    }
  });
});

describe('backoffDelay', () => {
  it('is full jitter under a doubling, capped ceiling', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0.999999)),
      [499, 999, 1999, 3999, 7999, 7999],
    );
    assert.equal(
      backoffDelay(3, policy, () => 0),
      0,
    );
    assert.equal(backoffDelay(2, policy, half), 500);
  });
});

describe('decideRetry', () => {
  it('retries network errors, timeouts and 502/503/504 with backoff', () => {
    for (const error of [new SailError('network', 'reset', { code: 'ECONNRESET' }), new SailError('timeout', 't'), server(502), server(503), server(504)]) {
      assert.deepEqual(
        [decideRetry(error, ctx()).retry, decideRetry(error, ctx({ attempt: 2 }))],
        [true, { retry: true, delayMs: 500, reason: decideRetry(error, ctx({ attempt: 2 })).reason }],
        error.message,
      );
    }
  });

  it('retries 429 only with Retry-After, waiting exactly that long unless it exceeds the cap', () => {
    assert.equal(decideRetry(server(429), ctx()).retry, false);
    const honoured = decideRetry(server(429, 4000), ctx());
    assert.equal(honoured.retry && honoured.delayMs, 4000);
    assert.equal(decideRetry(server(429, policy.maxRetryAfterMs + 1), ctx()).retry, false);
    const on503 = decideRetry(server(503, 2000), ctx());
    assert.equal(on503.retry && on503.delayMs, 2000);
  });

  it('never retries 500 on a POST; retries it once on a GET', () => {
    assert.equal(decideRetry(server(500), ctx()).retry, false);
    assert.equal(decideRetry(server(500), ctx({ method: 'GET' })).retry, true);
    assert.equal(decideRetry(server(500), ctx({ method: 'GET', attempt: 2 })).retry, false);
  });

  it('never retries client errors, bad replies or aborts', () => {
    for (const kind of ['auth', 'invalid_request', 'not_found', 'unexpected_response', 'aborted'] as const) {
      assert.equal(decideRetry(new SailError(kind, kind), ctx({ method: 'GET' })).retry, false, kind);
    }
    assert.equal(decideRetry(new SailError('network', 'p', { code: 'proxy_refused' }), ctx()).retry, false);
    assert.equal(decideRetry(new SailError('network', 'c', { code: 'CERT_HAS_EXPIRED' }), ctx()).retry, false);
  });

  it('does not retry a POST without an idempotency key, and stops at the attempt limit', () => {
    assert.equal(decideRetry(server(503), ctx({ hasIdempotencyKey: false })).retry, false);
    assert.equal(decideRetry(server(503), ctx({ attempt: 3 })).retry, false);
    assert.equal(decideRetry(server(503), ctx({ method: 'GET', attempt: 3, policy: { ...policy, maxAttemptsGet: 4 } })).retry, true);
  });
});

describe('withRetry', () => {
  it('retries until success, sleeping the decided delays', async () => {
    const slept: number[] = [];
    const failures = [server(503), new SailError('network', 'reset')];
    const result = await withRetry(
      async (n) => {
        const failure = failures.shift();
        if (failure) {
          throw failure;
        }
        return `ok on ${n}`;
      },
      { method: 'POST', hasIdempotencyKey: true, policy, random: () => 0.25, sleep: async (ms) => void slept.push(ms) },
    );
    assert.equal(result, 'ok on 3');
    assert.deepEqual(slept, [125, 250]);
  });

  it('gives up with the last error and records the attempt count', async () => {
    const slept: number[] = [];
    await assert.rejects(
      withRetry(async () => Promise.reject(server(502)), {
        method: 'GET',
        hasIdempotencyKey: false,
        policy,
        random: () => 1 - 1e-9,
        sleep: async (ms) => void slept.push(ms),
      }),
      (e: SailError) => e.kind === 'server' && e.attempts === 3,
    );
    assert.deepEqual(slept, [499, 999]);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const controller = new AbortController();
    let attempts = 0;
    const never = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const pending = withRetry(
      async () => {
        attempts++;
        queueMicrotask(() => controller.abort());
        throw server(503);
      },
      { method: 'POST', hasIdempotencyKey: true, policy, random: half, sleep: never, signal: controller.signal },
    );
    await assert.rejects(pending, (e: SailError) => e.kind === 'aborted');
    assert.equal(attempts, 1);
  });

  it('lets non-SailErrors through untouched', async () => {
    const bug = new TypeError('bug');
    await assert.rejects(
      withRetry(async () => Promise.reject(bug), { method: 'GET', hasIdempotencyKey: false, policy, random: half, sleep: async () => {} }),
      (e) => e === bug,
    );
  });
});
