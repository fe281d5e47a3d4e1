import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorFromException, errorFromHttp, excerpt, parseErrorEnvelope, redact, SailError } from '../../src/sail/errors';

const KEY = 'sk_live_0123456789abcdef';

function http(status: number, body: unknown, extra: { retryAfterMs?: number; path?: string } = {}): SailError {
  return errorFromHttp({
    method: 'POST',
    path: extra.path ?? '/responses',
    status,
    bodyText: typeof body === 'string' ? body : JSON.stringify(body),
    retryAfterMs: extra.retryAfterMs,
    requestId: 'req_1',
    secrets: [KEY],
  });
}

describe('redact and excerpt', () => {
  it('remove the given secret, sk_ keys and bearer tokens', () => {
    assert.equal(redact(`key ${KEY} here`, [KEY]), 'key [redacted] here');
    assert.equal(redact('other sk_test_abcdefgh1234 key'), 'other [redacted] key');
    assert.equal(redact('Authorization: Bearer abc.def-ghi'), 'Authorization: Bearer [redacted]');
    assert.equal(redact(`Bearer ${KEY}`, [KEY]), 'Bearer [redacted]');
  });

  it('remove a given secret that looks like no known key, wherever it appears', () => {
    // A proxy password, a key of another provider: only the list of secrets can catch these.
    const secret = 'hunter2-Passw0rd';
    assert.equal(redact(`proxy user:${secret}@10.0.0.1 and ${secret}.`, [secret]), 'proxy user:[redacted]@10.0.0.1 and [redacted].');
    assert.equal(excerpt(`echo: ${secret}`, [secret]), 'echo: [redacted]');
    const echoed = errorFromHttp({
      method: 'POST',
      path: '/responses',
      status: 400,
      bodyText: JSON.stringify({ error: { message: `bad ${secret}` } }),
      secrets: [secret],
    });
    assert.doesNotMatch(`${echoed.message} ${echoed.userMessage}`, /hunter2/);
    // Too short to be a secret: redacting it would blank ordinary words.
    assert.equal(redact('a bc abc', ['abc']), 'a bc abc');
  });

  it('flattens control characters and cuts to the limit after redacting', () => {
    const long = `${'x'.repeat(195)}${KEY}${'y'.repeat(300)}`;
    const out = excerpt(long, [KEY]);
    assert.ok(out.length <= 200);
    assert.ok(!out.includes('sk_live'));
    assert.equal(excerpt('a\nb\r\n\tc'), 'a b c');
  });
});

describe('parseErrorEnvelope', () => {
  it('reads message and code, falling back to type', () => {
    assert.deepEqual(parseErrorEnvelope('{"error":{"message":"m","type":"invalid_request_error","param":null,"code":"unsupported_asap_request"}}'), {
      message: 'm',
      code: 'unsupported_asap_request',
    });
    assert.deepEqual(parseErrorEnvelope('{"error":{"message":"m","type":"idempotency_error","code":null}}'), { message: 'm', code: 'idempotency_error' });
    assert.deepEqual(parseErrorEnvelope('{"error":{"message":"m","code":429}}'), { message: 'm', code: '429' });
    assert.deepEqual(parseErrorEnvelope('{"detail":"d"}'), { message: 'd', code: undefined });
    assert.deepEqual(parseErrorEnvelope('<html>'), {});
    assert.deepEqual(parseErrorEnvelope('[1]'), {});
  });
});

describe('errorFromHttp', () => {
  it('maps a 403 that does not name the key to forbidden: a proxy or gateway, not a bad key', () => {
    for (const body of ['<html><h1>403 Forbidden</h1><p>Blocked by corporate policy</p></html>', '', { error: { message: 'Access denied by WAF' } }]) {
      const e = http(403, body);
      assert.equal(e.kind, 'forbidden', JSON.stringify(body));
      assert.doesNotMatch(e.userMessage, /Set API Key/);
      assert.match(e.userMessage, /proxy/);
    }
  });

  it('says to check sail.baseUrl when a POST answers 404 (a base URL without /v1), not that the result expired', () => {
    for (const path of ['/responses', '/batches']) {
      const e = http(404, { error: { message: 'Not Found' } }, { path });
      assert.equal(e.kind, 'not_found');
      assert.match(e.userMessage, /sail\.baseUrl/);
      assert.doesNotMatch(e.userMessage, /48 hours/);
    }
  });

  it('maps 401 and 403 to auth with the set-key hint', () => {
    for (const status of [401, 403]) {
      const e = http(status, { error: { message: 'Invalid API key', type: 'authentication_error' } });
      assert.equal(e.kind, 'auth');
      assert.equal(e.status, status);
      assert.equal(e.requestId, 'req_1');
      assert.match(e.userMessage, /Sail: Set API Key/);
    }
  });

  it('maps 400 to invalid_request with the envelope code and a specific hint per known code', () => {
    const asap = http(400, { error: { message: 'asap cannot be background', type: 'invalid_request_error', code: 'unsupported_asap_request' } });
    assert.equal(asap.kind, 'invalid_request');
    assert.equal(asap.code, 'unsupported_asap_request');
    assert.match(asap.userMessage, /asap/);
    const idem = http(400, { error: { message: 'different body', type: 'idempotency_error', code: null } });
    assert.equal(idem.code, 'idempotency_error');
    assert.match(idem.userMessage, /idempotency key/);
    const other = http(400, { error: { message: 'max_output_tokens must be >= 1', type: 'invalid_request_error' } });
    assert.match(other.userMessage, /max_output_tokens must be >= 1/);
    assert.equal(http(422, 'nope').kind, 'invalid_request');
  });

  it('maps 404 to not_found mentioning the 48 h retention, except for the model list', () => {
    const gone = errorFromHttp({
      method: 'GET',
      path: '/responses/resp_1',
      status: 404,
      bodyText: '{"error":{"message":"Response not found","type":"not_found"}}',
    });
    assert.equal(gone.kind, 'not_found');
    assert.match(gone.userMessage, /48 hours/);
    assert.match(errorFromHttp({ method: 'GET', path: '/models', status: 404, bodyText: '' }).userMessage, /sail\.baseUrl/);
  });

  it('maps 429 to rate_limited carrying retryAfterMs, 408 to timeout, and 5xx to server', () => {
    const limited = http(429, { error: { message: 'slow down', type: 'rate_limit' } }, { retryAfterMs: 2500 });
    assert.equal(limited.kind, 'rate_limited');
    assert.equal(limited.retryAfterMs, 2500);
    assert.match(limited.userMessage, /3 s/);
    const timedOut = http(408, { error: { message: 'Timed out waiting for completion', type: 'timeout' } });
    assert.deepEqual([timedOut.kind, timedOut.status], ['timeout', 408]);
    for (const status of [500, 502, 503, 504]) {
      const e = http(status, 'Upstream proxy error');
      assert.equal(e.kind, 'server');
      assert.match(e.userMessage, new RegExp(String(status)));
    }
  });

  it('never copies the key into message or userMessage, even when the server echoes it', () => {
    const e = http(401, { error: { message: `Invalid API key ${KEY}`, type: 'authentication_error', code: KEY } });
    for (const text of [e.message, e.userMessage, e.code ?? '']) {
      assert.ok(!text.includes(KEY), text);
    }
    const raw = http(400, `not json but has ${KEY} inside`);
    assert.ok(!raw.message.includes(KEY));
    assert.match(raw.message, /\[redacted\]/);
  });
});

describe('errorFromException', () => {
  const context = { method: 'GET', path: '/responses/r', host: 'api.sailresearch.com', aborted: false, secrets: [KEY] };

  function undiciError(code: string, message: string, name = 'Error'): Error {
    return Object.assign(new Error(message), { code, name });
  }

  it('maps undici timeouts to timeout', () => {
    for (const code of ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
      const e = errorFromException(undiciError(code, 'timed out'), context);
      assert.equal(e.kind, 'timeout', code);
      assert.equal(e.code, code);
    }
  });

  it('maps socket errors to network, and a fired signal or AbortError to aborted', () => {
    assert.equal(errorFromException(undiciError('UND_ERR_SOCKET', 'other side closed'), context).kind, 'network');
    assert.equal(errorFromException(undiciError('ECONNREFUSED', 'connect ECONNREFUSED'), context).kind, 'network');
    assert.equal(errorFromException(undiciError('UND_ERR_SOCKET', 'closed'), { ...context, aborted: true }).kind, 'aborted');
    assert.equal(errorFromException(new DOMException('aborted', 'AbortError'), context).kind, 'aborted');
  });

  it('explains proxy refusals and certificate errors', () => {
    const proxy = errorFromException(undiciError('UND_ERR_ABORTED', 'Proxy response (407) !== 200 when HTTP Tunneling'), context);
    assert.equal(proxy.kind, 'network');
    assert.equal(proxy.code, 'proxy_refused');
    assert.match(proxy.userMessage, /http\.proxy/);
    const cert = errorFromException(undiciError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), context);
    assert.match(cert.userMessage, /proxyStrictSSL/);
  });

  it('passes SailErrors through and redacts the key from foreign messages', () => {
    const original = new SailError('server', 'x');
    assert.equal(errorFromException(original, context), original);
    const e = errorFromException(new Error(`weird ${KEY}`), context);
    assert.ok(!e.message.includes(KEY));
  });
});
