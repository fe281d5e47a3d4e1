// Behaviours of src/sail that mutation testing (npm run mutate, docs/mutation.md) found unasserted:
// the sentence a user reads for each failure, which failures are retried, what the log says, and
// what the schemas keep or refuse. HTTP goes to the simulator or a local server on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it, mock } from 'node:test';
import { checkBaseUrl, isLoopbackHost } from '../../src/sail/baseUrl';
import { SailClient, type SailClientOptions } from '../../src/sail/client';
import { outputText, reasoningText } from '../../src/sail/output';
import { keyId } from '../../src/sail/keyId';
import {
  SailBatchDetailSchema,
  SailBatchListSchema,
  SailBatchSchema,
  SailModelListSchema,
  SailResponseSchema,
  type SailResponse,
} from '../../src/sail/schemas';
import { normalizeStatus } from '../../src/sail/status';
import { COMPLETION_WINDOWS, isCompletionWindow } from '../../src/sail/windows';
import { describeProxy, matchesNoProxy, normalizeProxyUrl, ownTransportReason, resolveProxy } from '../../src/sail/proxy';
import { fetchTransport, type TransportRequest } from '../../src/sail/transport';
import { decideRetry, DEFAULT_RETRY_POLICY, defaultSleep, withRetry, type RetryContext } from '../../src/sail/retry';
import { startSimulator, type Simulator } from '../sim/index';
import {
  errorFromException,
  errorFromHttp,
  excerpt,
  isCertificateError,
  parseErrorEnvelope,
  redact,
  SailError,
  withoutSecrets,
  type SailErrorKind,
} from '../../src/sail/errors';

const KEY = 'sk_live_0123456789abcdef';
const HOST = 'api.sailresearch.com';

function retryContext(overrides: Partial<RetryContext> = {}): RetryContext {
  return { method: 'GET', hasIdempotencyKey: false, attempt: 1, policy: { ...DEFAULT_RETRY_POLICY }, random: () => 0.5, ...overrides };
}

function codeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const exceptionContext = { method: 'GET', path: '/responses/r', host: HOST, aborted: false, secrets: [KEY] };

describe('SailError: the default sentence per kind', () => {
  const expected: Record<SailErrorKind, RegExp> = {
    auth: /^Sail rejected the API key\. Run 'Sail: Set API Key' to enter a valid key\.$/,
    forbidden: /^The request was refused \(HTTP 403\)\. A proxy, firewall or gateway/,
    invalid_request: /^Sail refused the request\. Check the model, completion window and request settings\.$/,
    not_found: /^Sail no longer has this result: Sail keeps responses and batch results for at most 48 hours\./,
    rate_limited: /^Sail is limiting the request rate\. Wait a moment and try again\.$/,
    server: /^Sail had a server error\. Try again in a minute; if it keeps failing, check https:\/\/status\.sailresearch\.com\.$/,
    timeout: /^Sail did not answer in time\. Check your connection and proxy settings, then try again\.$/,
    network: /^Could not reach Sail\. Check your network connection and proxy settings, then try again\.$/,
    unexpected_response: /^Sail sent a reply this extension does not understand\. .*'Sail: Show Log'/,
    aborted: /^The request was cancelled\.$/,
  };
  for (const [kind, sentence] of Object.entries(expected) as [SailErrorKind, RegExp][]) {
    it(kind, () => {
      const error = new SailError(kind, 'log text');
      assert.match(error.userMessage, sentence);
      assert.equal(error.message, 'log text');
      assert.equal(error.name, 'SailError');
    });
  }

  it('keeps the cause only when one is given, and every detail it was given', () => {
    const cause = new Error('inner');
    const error = new SailError('server', 'm', { status: 502, code: 'c', retryAfterMs: 7, requestId: 'req_9', cause, userMessage: 'u' });
    assert.deepEqual([error.status, error.code, error.retryAfterMs, error.requestId, error.cause, error.userMessage], [502, 'c', 7, 'req_9', cause, 'u']);
    assert.equal('cause' in new SailError('server', 'm'), false);
  });
});

describe('errorFromHttp: what the user reads', () => {
  function http(status: number, body: unknown, extra: { method?: string; path?: string; retryAfterMs?: number } = {}): SailError {
    return errorFromHttp({
      method: extra.method ?? 'POST',
      path: extra.path ?? '/responses',
      status,
      bodyText: typeof body === 'string' ? body : JSON.stringify(body),
      retryAfterMs: extra.retryAfterMs,
      requestId: 'req_1',
      secrets: [KEY],
    });
  }

  it('logs method, path, status, code and the server message in one line', () => {
    assert.equal(
      http(400, { error: { message: 'bad\nthing', code: 'invalid_value' } }).message,
      'POST /responses failed with HTTP 400 (invalid_value): bad thing',
    );
    assert.equal(http(500, '').message, 'POST /responses failed with HTTP 500: empty body');
    assert.equal(http(502, 'Bad gateway page').message, 'POST /responses failed with HTTP 502: Bad gateway page');
  });

  it('quotes the server message of a 403 from a proxy in the sentence', () => {
    const e = http(403, { error: { message: 'Blocked by policy 42' } });
    assert.equal(e.kind, 'forbidden');
    assert.equal(
      e.userMessage,
      'The request was refused (HTTP 403): Blocked by policy 42. A proxy, firewall or gateway on the way may be blocking it: check sail.baseUrl and your proxy settings.',
    );
    assert.equal(e.status, 403);
    assert.equal(e.requestId, 'req_1');
  });

  it('treats a 403 as about the key only when its code or message says so', () => {
    const aboutKey = [
      { code: 'invalid_api_key' },
      { code: 'api-key-revoked' },
      { code: 'authentication_failed' },
      { code: 'Unauthorised' },
      { code: 'permission_denied' },
      { message: 'Your API key is wrong' },
      { message: 'api_key missing' },
      { message: 'Unauthorized' },
      { message: 'Authentication required' },
    ];
    for (const error of aboutKey) {
      assert.equal(http(403, { error }).kind, 'auth', JSON.stringify(error));
    }
    for (const error of [{ code: 'waf_block' }, { message: 'Country not allowed' }, { code: 'keyboard', message: 'permission slip' }]) {
      assert.equal(http(403, { error }).kind, 'forbidden', JSON.stringify(error));
    }
  });

  it('says the result is gone for a GET 404, and that the address is wrong for a POST or the model list', () => {
    assert.match(http(404, '', { method: 'GET', path: '/batches/b1' }).userMessage, /48 hours/);
    const wrong = http(404, '', { method: 'GET', path: '/models' });
    assert.equal(wrong.userMessage, "Sail's API was not found at this address. Check the sail.baseUrl setting (it usually ends in /v1).");
    assert.equal(http(404, '', { method: 'POST', path: '/batches' }).userMessage, wrong.userMessage);
  });

  it('tells how long Sail asks to wait on a 429, at least 1 s, and nothing about waiting without Retry-After', () => {
    assert.equal(http(429, '', { retryAfterMs: 0 }).userMessage, 'Sail is limiting the request rate. Sail asks to wait 1 s. Try again later.');
    assert.equal(http(429, '', { retryAfterMs: 1001 }).userMessage, 'Sail is limiting the request rate. Sail asks to wait 2 s. Try again later.');
    const bare = http(429, '');
    assert.equal(bare.userMessage, 'Sail is limiting the request rate. Try again later.');
    assert.equal(bare.retryAfterMs, undefined);
  });

  it('explains a 408 and keeps a 5xx Retry-After for the retry loop', () => {
    assert.equal(http(408, '').userMessage, 'Sail took too long to finish the request. Try again, or send it as a background request.');
    const e = http(503, '', { retryAfterMs: 1234 });
    assert.equal(e.retryAfterMs, 1234);
    assert.equal(e.userMessage, 'Sail had a server error (HTTP 503). Try again in a minute; if it keeps failing, check https://status.sailresearch.com.');
  });

  it('gives the specific sentences for known 4xx codes, the server message for others, and the default without one', () => {
    assert.equal(
      http(400, { error: { message: 'x', code: 'idempotency_error' } }).userMessage,
      'Sail already has a different request under the same idempotency key. Send the request again as a new request.',
    );
    assert.equal(
      http(400, { error: { message: 'x', code: 'unsupported_asap_request' } }).userMessage,
      "The 'asap' completion window cannot run in the background. Pick another completion window, or send the request in the foreground.",
    );
    assert.equal(
      http(400, { error: { message: 'temperature too high' } }).userMessage,
      'Sail refused the request: temperature too high. Check the model, completion window and request settings.',
    );
    assert.equal(http(400, '').userMessage, 'Sail refused the request. Check the model, completion window and request settings.');
    assert.equal(http(499, '').kind, 'invalid_request');
  });

  it('calls a 1xx or 3xx answer unexpected, naming the status', () => {
    for (const status of [302, 304, 399]) {
      const e = http(status, 'moved');
      assert.equal(e.kind, 'unexpected_response', String(status));
      assert.equal(e.message, `POST /responses answered with unexpected HTTP ${status}: moved`);
      assert.equal(e.status, status);
    }
  });

  it('cuts a long code to 80 characters and the key out of it', () => {
    const e = http(400, { error: { message: 'm', code: `${KEY}${'c'.repeat(200)}` } });
    assert.equal(e.code?.length, 80);
    assert.ok(e.code?.startsWith('[redacted]'));
    assert.ok(e.code?.endsWith('…'));
  });
});

describe('errors: the key in odd places', () => {
  const SECRET = 'MARKER-not-key-shaped-42';

  it('withoutSecrets cuts a secret of four characters, ignores shorter ones, and hands back the same value when there is nothing to cut', () => {
    assert.deepEqual(withoutSecrets({ a: 'xabcdx' }, ['abcd']), { a: 'x[redacted]x' });
    const value = { a: 'abc' };
    assert.equal(withoutSecrets(value, ['abc', 'xy']), value);
  });

  it('errorFromException cuts the given secrets out of a foreign message', () => {
    const e = errorFromException(new Error(`boom ${SECRET}`), { ...exceptionContext, secrets: [SECRET] });
    assert.equal(e.message, 'GET /responses/r failed: boom [redacted]');
    assert.equal(errorFromException(new Error('plain'), { method: 'GET', path: '/p', host: HOST, aborted: false }).message, 'GET /p failed: plain');
  });

  it('a 4xx other than 401/403 stays invalid_request even when it mentions the key', () => {
    const e = errorFromHttp({
      method: 'POST',
      path: '/responses',
      status: 400,
      bodyText: JSON.stringify({ error: { message: 'api key header malformed', code: 'invalid_api_key' } }),
    });
    assert.equal(e.kind, 'invalid_request');
  });

  it('recognises a 403 about the key written without a separator', () => {
    for (const error of [{ code: 'bad_apikey' }, { message: 'Invalid APIKey' }]) {
      const e = errorFromHttp({ method: 'GET', path: '/models', status: 403, bodyText: JSON.stringify({ error }) });
      assert.equal(e.kind, 'auth', JSON.stringify(error));
    }
  });
});

describe('errorFromException: reading the cause chain', () => {
  it('sees a code five levels down, and follows plain-object causes', () => {
    let chain: Error = codeError('ETIMEDOUT', 'deepest');
    for (let i = 0; i < 4; i++) {
      chain = new Error(`level ${i}`, { cause: chain });
    }
    assert.equal(errorFromException(chain, exceptionContext).kind, 'timeout');
    const plain = { message: 'outer', cause: { code: 'UND_ERR_CONNECT_TIMEOUT', message: 'inner' } };
    assert.equal(errorFromException(plain, exceptionContext).kind, 'timeout');
  });

  it('takes the outermost error that has a code, not the innermost error', () => {
    const e = errorFromException(Object.assign(new Error('socket hang up', { cause: new Error('no code here') }), { code: 'ECONNRESET' }), exceptionContext);
    assert.equal(e.code, 'ECONNRESET');
    assert.equal(e.message, 'GET /responses/r failed: socket hang up (ECONNRESET)');
  });

  it('ignores a cause of null and a code that is not text', () => {
    assert.equal(errorFromException(new Error('x', { cause: null }), exceptionContext).kind, 'network');
    const numeric = errorFromException(Object.assign(new Error('errno'), { code: -111 }), exceptionContext);
    assert.deepEqual([numeric.kind, numeric.code], ['network', undefined]);
  });

  it('a cancellation keeps what was thrown as its cause', () => {
    const thrown = codeError('UND_ERR_SOCKET', 'closed');
    assert.equal(errorFromException(thrown, { ...exceptionContext, aborted: true }).cause, thrown);
    const abort = Object.assign(new Error('stop'), { name: 'AbortError' });
    assert.equal(errorFromException(abort, exceptionContext).cause, abort);
  });
});

describe('parseErrorEnvelope: looser shapes', () => {
  it('takes a string error, a detail, skips empty messages, and reads a top-level code', () => {
    assert.deepEqual(parseErrorEnvelope('{"error":"quota exceeded"}'), { message: 'quota exceeded', code: undefined });
    assert.deepEqual(parseErrorEnvelope('{"error":{"message":"","detail":"the detail"}}'), { message: 'the detail', code: undefined });
    assert.deepEqual(parseErrorEnvelope('{"message":"top","code":"c1"}'), { message: 'top', code: 'c1' });
    assert.deepEqual(parseErrorEnvelope('{"error":{"code":"","type":"t"}}'), { message: undefined, code: 't' });
    assert.deepEqual(parseErrorEnvelope('null'), {});
    assert.deepEqual(parseErrorEnvelope('"text"'), {});
  });
});

describe('redact and excerpt: edges', () => {
  it('redacts bearer tokens of any case and sk- keys, not short sk_ words', () => {
    assert.equal(redact('bearer abc'), 'bearer [redacted]');
    assert.equal(redact('BEARER   x.y'), 'BEARER   [redacted]');
    assert.equal(redact('key sk-abcdefgh'), 'key [redacted]');
    assert.equal(redact('task sk_abc'), 'task sk_abc');
    assert.equal(redact('"Bearer tok", next'), '"Bearer [redacted]", next');
    assert.equal(redact('a secret here', ['secret']), 'a [redacted] here');
    assert.equal(redact('len four: abcd', ['abcd']), 'len four: [redacted]');
  });

  it('keeps text of exactly the limit, and ends longer text with … at the limit', () => {
    assert.equal(excerpt('x'.repeat(10), [], 10), 'x'.repeat(10));
    assert.equal(excerpt('x'.repeat(11), [], 10), `${'x'.repeat(9)}…`);
    assert.equal(excerpt('x'.repeat(201)).length, 200);
    assert.equal(excerpt(' a\u0000\u001fb\u007fc '), 'a b c');
  });
});

describe('errorFromException: what the user reads', () => {
  it('names the phase of a timeout, with the host', () => {
    const cases: [string, string][] = [
      ['UND_ERR_CONNECT_TIMEOUT', `Timed out connecting to Sail at ${HOST}. Check your connection and proxy settings, then try again.`],
      ['UND_ERR_BODY_TIMEOUT', `Timed out reading the reply from Sail at ${HOST}. Check your connection and proxy settings, then try again.`],
      ['UND_ERR_HEADERS_TIMEOUT', `Timed out waiting for Sail at ${HOST}. Check your connection and proxy settings, then try again.`],
      ['ETIMEDOUT', `Timed out waiting for Sail at ${HOST}. Check your connection and proxy settings, then try again.`],
    ];
    for (const [code, sentence] of cases) {
      const e = errorFromException(codeError(code, 'slow'), exceptionContext);
      assert.equal(e.kind, 'timeout', code);
      assert.equal(e.userMessage, sentence, code);
      assert.equal(e.message, `GET /responses/r failed: slow (${code})`);
    }
  });

  it('finds the code in the cause chain fetch wraps it in, and logs the innermost reason', () => {
    const wrapped = new TypeError('fetch failed', { cause: codeError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:443') });
    const e = errorFromException(wrapped, exceptionContext);
    assert.equal(e.kind, 'network');
    assert.equal(e.code, 'ECONNREFUSED');
    assert.equal(e.message, 'GET /responses/r failed: connect ECONNREFUSED 10.0.0.1:443 (ECONNREFUSED)');
    assert.equal(e.userMessage, `Could not reach Sail at ${HOST}. Check your network connection and proxy settings, then try again.`);
    assert.equal(e.cause, wrapped);
    // No code anywhere: the innermost error speaks, and no code is claimed.
    const plain = errorFromException(new Error('outer', { cause: new Error('inner reason') }), exceptionContext);
    assert.equal(plain.message, 'GET /responses/r failed: inner reason');
    assert.equal(plain.code, undefined);
    assert.equal(errorFromException('a string', exceptionContext).message, 'GET /responses/r failed: a string');
  });

  it('stops following a cause chain that loops or is deeper than five', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    assert.equal(errorFromException(a, exceptionContext).kind, 'network');
    let deep: Error = codeError('ETIMEDOUT', 'deepest');
    for (let i = 0; i < 5; i++) {
      deep = new Error(`level ${i}`, { cause: deep });
    }
    const e = errorFromException(deep, exceptionContext);
    assert.equal(e.kind, 'network', 'the timeout six levels down is not seen');
    assert.equal(e.code, undefined);
  });

  it('explains a proxy refusal other than 407 with its status, also when undici words it differently', () => {
    const refused = errorFromException(codeError('UND_ERR_ABORTED', 'Proxy response (403) !== 200 when HTTP Tunneling'), exceptionContext);
    assert.deepEqual([refused.kind, refused.code, refused.status], ['network', 'proxy_refused', 403]);
    assert.equal(
      refused.userMessage,
      "The proxy refused to connect to Sail (HTTP 403). Check the proxy address and credentials in VS Code's http.proxy setting.",
    );
    const auth = errorFromException(new Error('outer', { cause: new Error('Proxy Authentication Required (407)') }), exceptionContext);
    assert.deepEqual([auth.code, auth.status], ['proxy_refused', 407]);
    assert.match(auth.userMessage, /^The proxy asks for credentials \(HTTP 407\)\. Put them in VS Code's http\.proxy setting/);
    // A refused CONNECT comes as an AbortError: still a proxy refusal, not a cancellation.
    const asAbort = errorFromException(Object.assign(new Error('Proxy response (502) !== 200'), { name: 'AbortError' }), exceptionContext);
    assert.deepEqual([asAbort.kind, asAbort.status], ['network', 502]);
    assert.equal(decideRetry(refused, retryContext()).retry, false);
  });

  it('cancellation wins over everything, and an AbortError anywhere in the chain is a cancellation', () => {
    const e = errorFromException(codeError('UND_ERR_CONNECT_TIMEOUT', 'x'), { ...exceptionContext, aborted: true });
    assert.equal(e.kind, 'aborted');
    assert.equal(e.message, 'GET /responses/r was cancelled');
    const inner = errorFromException(new Error('fetch failed', { cause: Object.assign(new Error('stop'), { name: 'AbortError' }) }), exceptionContext);
    assert.equal(inner.kind, 'aborted');
    assert.equal(inner.message, 'GET /responses/r was cancelled');
  });

  it('explains refused SOCKS5 credentials, and does not retry them', () => {
    for (const code of ['UND_ERR_SOCKS5_AUTH', 'UND_ERR_SOCKS5_AUTH_FAILED']) {
      const e = errorFromException(codeError(code, 'auth failed'), exceptionContext);
      assert.deepEqual([e.kind, e.code], ['network', 'proxy_refused'], code);
      assert.match(e.userMessage, /^The SOCKS5 proxy did not accept Sail's credentials\. .*socks5:\/\/user:password@host:port/);
      assert.equal(decideRetry(e, retryContext()).retry, false);
    }
    assert.equal(errorFromException(codeError('UND_ERR_SOCKS5', 'x'), exceptionContext).code, 'UND_ERR_SOCKS5');
  });

  it('explains every refused certificate by host and code, and never retries it', () => {
    const codes = [
      'CERT_HAS_EXPIRED',
      'CERT_NOT_YET_VALID',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_GET_ISSUER_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'UND_ERR_PRX_TLS',
    ];
    for (const code of codes) {
      assert.equal(isCertificateError(code), true, code);
      const e = errorFromException(codeError(code, 'bad cert'), exceptionContext);
      assert.equal(e.code, code);
      assert.match(e.userMessage, new RegExp(`^The TLS certificate of ${HOST.replace(/\./g, '\\.')} was not accepted \\(${code}\\)\\. `), code);
      assert.equal(decideRetry(e, retryContext()).retry, false, code);
    }
    assert.equal(isCertificateError(undefined), false);
    assert.equal(isCertificateError('ECONNRESET'), false);
  });
});

describe('decideRetry: the reason the log gives', () => {
  const policy = { ...DEFAULT_RETRY_POLICY };
  const cases: [string, SailError, Partial<RetryContext>, { retry: boolean; reason: string; delayMs?: number }][] = [
    ['POST without a key', new SailError('server', 's', { status: 503 }), { method: 'POST' }, { retry: false, reason: 'POST without an idempotency key' }],
    ['attempt limit', new SailError('server', 's', { status: 503 }), { attempt: 3 }, { retry: false, reason: 'gave up after 3 attempts' }],
    ['network', new SailError('network', 'n', { code: 'ECONNRESET' }), {}, { retry: true, reason: 'network error', delayMs: 250 }],
    ['timeout', new SailError('timeout', 't'), {}, { retry: true, reason: 'timeout', delayMs: 250 }],
    ['bad argument', new SailError('network', 'n', { code: 'UND_ERR_INVALID_ARG' }), {}, { retry: false, reason: 'a retry cannot fix this connection error' }],
    ['proxy', new SailError('network', 'n', { code: 'proxy_refused' }), {}, { retry: false, reason: 'a retry cannot fix this connection error' }],
    [
      '429 waits',
      new SailError('rate_limited', 'r', { status: 429, retryAfterMs: 60_000 }),
      {},
      { retry: true, reason: 'HTTP 429, Retry-After', delayMs: 60_000 },
    ],
    ['429 bare', new SailError('rate_limited', 'r', { status: 429 }), {}, { retry: false, reason: 'HTTP 429 without Retry-After' }],
    [
      '429 too long',
      new SailError('rate_limited', 'r', { status: 429, retryAfterMs: 60_001 }),
      {},
      { retry: false, reason: 'Retry-After 60001 ms is longer than 60000 ms' },
    ],
    ['502', new SailError('server', 's', { status: 502 }), {}, { retry: true, reason: 'HTTP 502', delayMs: 250 }],
    ['504 on attempt 2', new SailError('server', 's', { status: 504 }), { attempt: 2 }, { retry: true, reason: 'HTTP 504', delayMs: 500 }],
    ['500 GET', new SailError('server', 's', { status: 500 }), {}, { retry: true, reason: 'HTTP 500 on a GET (retried once)', delayMs: 250 }],
    ['500 GET again', new SailError('server', 's', { status: 500 }), { attempt: 2 }, { retry: false, reason: 'HTTP 500 is not retried' }],
    ['501', new SailError('server', 's', { status: 501 }), {}, { retry: false, reason: 'HTTP 501 is not retried' }],
    ['server without status', new SailError('server', 's'), {}, { retry: false, reason: 'HTTP 5xx is not retried' }],
    ['auth', new SailError('auth', 'a', { status: 401 }), {}, { retry: false, reason: 'auth is not retried' }],
  ];
  for (const [name, error, context, expected] of cases) {
    it(name, () => {
      assert.deepEqual(decideRetry(error, retryContext({ policy, ...context })), expected);
    });
  }

  it('a POST with a key is retried like a GET, but a 500 only on a GET', () => {
    const post = retryContext({ method: 'POST', hasIdempotencyKey: true });
    assert.equal(decideRetry(new SailError('server', 's', { status: 503 }), post).retry, true);
    assert.equal(decideRetry(new SailError('server', 's', { status: 500 }), post).retry, false);
    assert.equal(decideRetry(new SailError('server', 's', { status: 503 }), { ...post, policy: { ...policy, maxAttemptsPost: 1 } }).retry, false);
    assert.equal(decideRetry(new SailError('server', 's', { status: 503 }), { ...post, policy: { ...policy, maxAttemptsGet: 1 } }).retry, true);
  });
});

describe('withRetry: what the caller sees', () => {
  const policy = { ...DEFAULT_RETRY_POLICY };

  it('reports each retry with the failed attempt, the delay and the reason before waiting', async () => {
    const events: string[] = [];
    let n = 0;
    const result = await withRetry(
      async (attempt) => {
        n = attempt;
        if (attempt < 3) {
          throw new SailError('server', `boom ${attempt}`, { status: 502 });
        }
        return 'done';
      },
      {
        method: 'GET',
        hasIdempotencyKey: false,
        policy,
        random: () => 0.5,
        sleep: async (ms) => void events.push(`sleep ${ms}`),
        onRetry: (error, attempt, delayMs, reason) => events.push(`${error.message} #${attempt} ${delayMs} ${reason} (${error.attempts})`),
      },
    );
    assert.equal(result, 'done');
    assert.equal(n, 3);
    assert.deepEqual(events, ['boom 1 #1 250 HTTP 502 (1)', 'sleep 250', 'boom 2 #2 500 HTTP 502 (2)', 'sleep 500']);
  });

  it('a signal that fired before the wait, or during it, ends with aborted, the last error as its cause', async () => {
    const last = new SailError('server', 'HTTP 503 at the gate', { status: 503 });
    const fired = AbortSignal.abort();
    let slept = 0;
    const options = {
      method: 'GET' as const,
      hasIdempotencyKey: false,
      policy,
      random: () => 0.5,
      sleep: async () => void slept++,
    };
    await assert.rejects(
      withRetry(() => Promise.reject(last), { ...options, signal: fired }),
      (e: SailError) => {
        assert.equal(e.kind, 'aborted');
        assert.equal(e.message, 'cancelled while waiting to retry after: HTTP 503 at the gate');
        assert.equal(e.cause, last);
        assert.equal(e.attempts, 1);
        return true;
      },
    );
    assert.equal(slept, 0, 'no wait once the signal has fired');
    // The signal fires while the (resolving) sleep runs: no further attempt.
    const controller = new AbortController();
    let attempts = 0;
    await assert.rejects(
      withRetry(
        async () => {
          attempts++;
          throw last;
        },
        { ...options, signal: controller.signal, sleep: async () => controller.abort() },
      ),
      (e: SailError) => e.kind === 'aborted' && e.cause === last,
    );
    assert.equal(attempts, 1);
    // A sleep that rejects: its reason is the cause.
    const reason = new Error('sleep interrupted');
    await assert.rejects(
      withRetry(() => Promise.reject(last), { ...options, sleep: () => Promise.reject(reason) }),
      (e: SailError) => {
        return e.kind === 'aborted' && e.cause === reason && e.attempts === 1;
      },
    );
  });

  it('lets anything but a SailError through at once and unchanged, even one that looks retryable', async () => {
    const bug = Object.assign(new TypeError('bug'), { kind: 'timeout' });
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw bug;
        },
        { method: 'GET', hasIdempotencyKey: false, policy, random: () => 0.5, sleep: async () => {} },
      ),
      (e) => e === bug,
    );
    assert.equal(calls, 1, 'not retried');
    assert.equal('attempts' in bug, false, 'not marked');
  });

  it('defaultSleep waits, and stops at once when its signal aborts', async () => {
    await defaultSleep(1);
    await assert.rejects(defaultSleep(60_000, AbortSignal.abort()), (e: Error) => e.name === 'AbortError');
  });
});

describe('fetchTransport (the host fetch) against the simulator', () => {
  let sim: Simulator;
  let scripted: Server;
  let scriptedUrl: string;

  before(async () => {
    sim = await startSimulator({ timeScale: 1_000_000 });
    scripted = createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
        res.end();
      } else if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      } else {
        // "é" split across two chunks.
        const body = Buffer.from('{"text":"é"}');
        res.writeHead(200, { 'content-type': 'application/json', 'X-Request-Id': 'req_split' });
        res.write(body.subarray(0, 10));
        setTimeout(() => res.end(body.subarray(10)), 20);
      }
    });
    await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
    scriptedUrl = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}`;
  });

  after(async () => {
    scripted.closeAllConnections();
    await new Promise((resolve) => scripted.close(resolve));
    await sim.close();
  });

  beforeEach(() => sim.reset());

  function request(path: string, overrides: Partial<TransportRequest> = {}): TransportRequest {
    return {
      url: new URL(`${sim.baseUrl}${path}`),
      method: 'GET',
      headers: { authorization: `Bearer ${sim.apiKey}`, accept: 'application/json' },
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 10_000,
      ...overrides,
    };
  }

  it('returns status, headers by name and the body text', async () => {
    const transport = fetchTransport(fetch);
    const reply = await transport.send(request('/models'));
    assert.equal(reply.status, 200);
    assert.match(reply.header('content-type') ?? '', /application\/json/);
    assert.equal(reply.header('x-no-such-header'), undefined);
    assert.ok(Array.isArray((JSON.parse(reply.text) as { data: unknown[] }).data));
    await transport.close();
  });

  it('decodes a character split across chunks, reads an empty 204, and does not follow a redirect', async () => {
    const transport = fetchTransport(fetch);
    const split = await transport.send(request('', { url: new URL(`${scriptedUrl}/split`) }));
    assert.equal(split.text, '{"text":"é"}');
    assert.equal(split.header('x-request-id'), 'req_split');
    const empty = await transport.send(request('', { url: new URL(`${scriptedUrl}/empty`) }));
    assert.deepEqual([empty.status, empty.text], [204, '']);
    const moved = await transport.send(request('', { url: new URL(`${scriptedUrl}/redirect`) }));
    assert.equal(moved.status, 302);
  });

  it('fails like undici when the headers or the body do not come in time', async () => {
    const transport = fetchTransport(fetch);
    sim.faults.inject({ route: 'listModels', fault: 'slow_headers', delayMs: 5_000 });
    await assert.rejects(transport.send(request('/models', { headersTimeoutMs: 50 })), (e: Error & { code?: string }) => {
      assert.equal(e.name, 'TimeoutError');
      assert.equal(e.code, 'UND_ERR_HEADERS_TIMEOUT');
      assert.equal(e.message, 'no response headers within 50 ms');
      return true;
    });
    sim.faults.inject({ route: 'listModels', fault: 'stalled_body' });
    await assert.rejects(transport.send(request('/models', { bodyTimeoutMs: 50 })), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'UND_ERR_BODY_TIMEOUT');
      assert.equal(e.message, 'the reply body was silent for 50 ms');
      return true;
    });
  });

  it("stops when the caller's signal aborts, before or during the request, with the caller's reason", async () => {
    const transport = fetchTransport(fetch);
    const reason = new Error('user cancelled');
    const before = new AbortController();
    before.abort(reason);
    await assert.rejects(transport.send(request('/models', { signal: before.signal })), (e) => e === reason);
    sim.faults.inject({ route: 'listModels', fault: 'slow_headers', delayMs: 5_000 });
    const during = new AbortController();
    const pending = transport.send(request('/models', { signal: during.signal }));
    setTimeout(() => during.abort(reason), 30);
    await assert.rejects(pending, (e) => e === reason);
  });

  it('a SailClient with a host fetch uses it for a remote base URL, and never for a loopback one', async () => {
    const lines: string[] = [];
    const log = (message: string) => void lines.push(message);
    const logger = { trace: log, debug: log, info: log, warn: log, error: log };
    const fetched: string[] = [];
    const origin = new URL(sim.baseUrl).origin;
    // The "host fetch" carries the remote name's requests to the simulator on 127.0.0.1.
    const hostFetch = (input: string, init: RequestInit) => {
      fetched.push(input);
      return fetch(input.replace('https://sail.example.test', origin), init);
    };
    const options = (baseUrl: string): SailClientOptions => ({ baseUrl, getApiKey: async () => sim.apiKey, fetch: hostFetch, env: {}, logger });
    const remote = new SailClient(options('https://sail.example.test/v1'));
    assert.ok((await remote.listModels()).length > 0);
    assert.deepEqual(fetched, ['https://sail.example.test/v1/models']);
    assert.ok(lines.includes("Sail client for https://sail.example.test/v1, through the host's network stack (its proxy and certificate settings)"));
    assert.equal(remote.stats.connectionsOpened, 0, "the host's connections are not counted");
    assert.equal(remote.stats.requests, 1);
    await remote.close();
    const local = new SailClient(options(sim.baseUrl));
    await local.listModels();
    assert.equal(fetched.length, 1, 'the loopback client did not use the host fetch');
    assert.ok(lines.includes(`Sail client for ${sim.baseUrl}, direct (loopback: never through a proxy)`));
    assert.equal(local.stats.connectionsOpened, 1);
    await local.close();
  });
});

describe('SailClient: what goes on the wire and what the user reads', () => {
  let sim: Simulator;
  const clients: SailClient[] = [];
  let lines: string[] = [];

  function client(overrides: Partial<SailClientOptions> = {}): SailClient {
    const log = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
    const c = new SailClient({
      baseUrl: sim.baseUrl,
      getApiKey: async () => sim.apiKey,
      env: {},
      sleep: async () => {},
      random: () => 0.5,
      logger: { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      ...overrides,
    });
    clients.push(c);
    return c;
  }

  function sent(): { method: string; url: string; headers: Record<string, string>; body: string | null }[] {
    return sim.requests.entries().map((r) => ({ ...r, headers: Object.fromEntries(r.headers.map(([k, v]) => [k.toLowerCase(), v])) }));
  }

  async function failure(action: Promise<unknown>): Promise<SailError> {
    try {
      await action;
    } catch (error) {
      assert.ok(error instanceof SailError, String(error));
      return error;
    }
    return assert.fail('expected a SailError');
  }

  before(async () => {
    sim = await startSimulator({ timeScale: 1_000_000, retentionMs: Number.MAX_SAFE_INTEGER });
  });

  beforeEach(() => {
    sim.reset();
    lines = [];
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim.close();
  });

  it('sends the default user agent, accepts JSON, and declares a body only when there is one', async () => {
    const c = client();
    await c.listModels();
    await c.createResponse({ model: 'moonshotai/Kimi-K2.5', input: 'hi' });
    const [get, post] = sent();
    assert.equal(get.headers['user-agent'], 'sail-vscode');
    assert.equal(get.headers.accept, 'application/json');
    assert.equal(get.headers['content-type'], undefined);
    assert.equal(get.headers['idempotency-key'], undefined);
    assert.equal(post.headers['content-type'], 'application/json');
    assert.match(post.headers['idempotency-key'], /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(JSON.parse(post.body ?? '').input, 'hi');
  });

  it('puts ids into the path safely and the batch list query only when asked', async () => {
    const c = client();
    await failure(c.getResponse('a/b?c'));
    await failure(c.getBatch('b/1'));
    await failure(c.getBatchItem('b 1', 'x/y'));
    await c.listBatches();
    await failure(c.listBatches({ afterId: 'batch_a', beforeId: 'batch_b', limit: 5 }));
    assert.deepEqual(
      sent().map((r) => r.url),
      ['/v1/responses/a%2Fb%3Fc', '/v1/batches/b%2F1', '/v1/batches/b%201/x%2Fy', '/v1/batches', '/v1/batches?after_id=batch_a&before_id=batch_b&limit=5'],
    );
  });

  it('uses a key given for the call instead of reading one, trimmed', async () => {
    let reads = 0;
    const c = client({
      getApiKey: async () => {
        reads++;
        return 'sk_not_this_one';
      },
    });
    await c.listModels({ apiKey: ` ${sim.apiKey} ` });
    assert.equal(reads, 0);
    assert.equal(sent()[0].headers.authorization, `Bearer ${sim.apiKey}`);
  });

  it('tells the user why no request was sent when the key cannot be read, is missing or is not sendable', async () => {
    const unreadable = await failure(
      client({
        getApiKey: () => Promise.reject(new Error('keychain locked')),
      }).listModels(),
    );
    assert.equal(unreadable.kind, 'auth');
    assert.equal(unreadable.message, 'could not read the Sail API key from storage');
    assert.equal(unreadable.userMessage, "Could not read the Sail API key from VS Code's secret storage. Run 'Sail: Set API Key' to enter a valid key.");
    assert.equal((unreadable.cause as Error).message, 'keychain locked');
    for (const key of [undefined, '', '   ']) {
      const missing = await failure(client({ getApiKey: async () => key }).listModels());
      assert.equal(missing.message, 'no Sail API key is set');
      assert.equal(missing.userMessage, "No Sail API key is set. Run 'Sail: Set API Key' to enter one.");
    }
    for (const key of ['sk_with space', 'sk_tab\there', 'sk_é_accent', 'sk_del\x7f']) {
      const invalid = await failure(client({ getApiKey: async () => key }).listModels());
      assert.equal(invalid.kind, 'auth', JSON.stringify(key));
      assert.equal(invalid.message, 'the Sail API key contains characters that cannot be sent in an HTTP header');
      assert.equal(invalid.userMessage, "The stored Sail API key contains spaces or other invalid characters. Run 'Sail: Set API Key' to enter a valid key.");
    }
    assert.deepEqual(sent(), [], 'nothing was sent');
    // Every printable ASCII character may be in a key.
    const printable = await failure(client({ getApiKey: async () => '!sk~' }).listModels());
    assert.equal(printable.status, 401, 'sent, and refused by Sail');
  });

  it('checks a given idempotency key: 1 to 255 printable ASCII characters', async () => {
    const c = client();
    for (const key of ['', 'k'.repeat(256), 'tab\tkey', 'k\x7f', 'ключ']) {
      for (const call of [
        c.createResponse({ model: 'moonshotai/Kimi-K2.5', input: 'x' }, { idempotencyKey: key }),
        c.createBatch({ endpoint: '/v1/responses', requests: [] }, { idempotencyKey: key }),
      ]) {
        const e = await failure(call);
        assert.equal(e.kind, 'invalid_request', JSON.stringify(key));
        assert.equal(e.message, 'idempotency key must be 1..255 printable ASCII characters');
        assert.equal(e.userMessage, 'The request could not be sent: its idempotency key is invalid (1 to 255 printable ASCII characters).');
      }
    }
    assert.deepEqual(sent(), []);
    for (const key of ['k', 'k'.repeat(255), 'with space ~']) {
      const { idempotencyKey } = await c.createResponse({ model: 'moonshotai/Kimi-K2.5', input: 'x' }, { idempotencyKey: key });
      assert.equal(idempotencyKey, key);
    }
    assert.deepEqual(
      sent().map((r) => r.headers['idempotency-key']),
      ['k', 'k'.repeat(255), 'with space ~'],
    );
  });

  it('once closed, says so for every call, and closing twice is one close', async () => {
    const c = client();
    await c.listModels();
    const first = c.close();
    assert.equal(c.close(), first);
    await first;
    const e = await failure(c.getResponse('resp_1'));
    assert.equal(e.kind, 'aborted');
    assert.equal(e.message, 'GET /responses/resp_1: the Sail client is closed');
    assert.equal(sent().length, 1);
  });

  it('logs the body sent, each answer with its attempt, and each retry with its reason, never the key', async () => {
    const c = client();
    sim.faults.inject({ route: 'listModels', fault: 'http_error', status: 503 });
    await c.listModels();
    await c.createResponse({ model: 'moonshotai/Kimi-K2.5', input: 'log me' }, { idempotencyKey: 'idem-log-1' });
    const text = lines.join('\n');
    assert.match(text, /^debug GET \/models → 503 \(attempt 1, \d+ ms\)$/m);
    assert.match(text, /^warn GET \/models failed with HTTP 503 \([^)]*\): .*; retrying in 250 ms \(attempt 1 failed: HTTP 503\)$/m);
    assert.match(text, /^debug GET \/models → 200 \(attempt 2, \d+ ms\)$/m);
    assert.match(text, /^trace GET \/models reply: \{/m);
    assert.match(text, /^trace POST \/responses body: \{"model":"moonshotai\/Kimi-K2\.5","input":"log me"\}$/m);
    assert.doesNotMatch(text, new RegExp(sim.apiKey));
    assert.equal(c.stats.requests, 3, 'the retry counts as a request');
    const stats = c.stats;
    stats.requests = 99;
    assert.equal(c.stats.requests, 3, 'stats is a copy');
  });

  it('logs how long each attempt took, by the given clock', async () => {
    let t = 0;
    const c = client({ now: () => (t += 5), retry: { maxAttemptsGet: 1 } });
    await c.listModels();
    sim.faults.inject({ route: 'listModels', fault: 'malformed_json' });
    await failure(c.listModels());
    assert.match(lines.join('\n'), /^debug GET \/models → 200 \(attempt 1, 5 ms\)$/m);
    sim.faults.inject({ route: 'listModels', fault: 'reset_before_record' });
    await failure(c.listModels());
    assert.match(lines.join('\n'), /^debug GET \/models attempt 1: network after 5 ms: /m);
  });

  it('logs a failed attempt with its kind', async () => {
    const c = client({ retry: { maxAttemptsGet: 1 }, timeouts: { readHeadersMs: 50 } });
    sim.faults.inject({ route: 'listModels', fault: 'slow_headers', delayMs: 5_000 });
    const e = await failure(c.listModels());
    assert.equal(e.kind, 'timeout');
    assert.match(lines.join('\n'), /^debug GET \/models attempt 1: timeout after \d+ ms: GET \/models failed: .*\(UND_ERR_HEADERS_TIMEOUT\)$/m);
  });

  it('a GET never waits longer for headers than a POST would', async () => {
    const c = client({ retry: { maxAttemptsGet: 1 }, timeouts: { headersMs: 50, readHeadersMs: 60_000 } });
    sim.faults.inject({ route: 'listModels', fault: 'slow_headers', delayMs: 3_000 });
    assert.equal((await failure(c.listModels())).kind, 'timeout');
  });

  it('names what is wrong with a reply that is not JSON or not a response', async () => {
    const c = client({ retry: { maxAttemptsGet: 1, maxAttemptsPost: 1 } });
    sim.faults.inject({ route: 'listModels', fault: 'malformed_json' });
    const notJson = await failure(c.listModels());
    assert.equal(notJson.kind, 'unexpected_response');
    assert.match(notJson.message, /^GET \/models: HTTP 200 reply is not JSON: \S/);
    assert.equal(notJson.status, 200);
    sim.faults.inject({ route: 'listModels', fault: 'wrong_shape' });
    const shape = await failure(c.listModels());
    assert.match(shape.message, /^GET \/models: HTTP 200 reply has an unexpected shape \(.+: .+\): \S/);
  });
});

describe('SailClient: the default time limits, in virtual time', () => {
  /** A host fetch that never answers (or whose body never ends), until its signal aborts. */
  function hanging(calls: string[], withHeaders: boolean) {
    return (input: string, init: RequestInit): Promise<Response> => {
      calls.push(`${init.method} ${input}`);
      return new Promise((resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
        if (withHeaders) {
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              init.signal?.addEventListener('abort', () => controller.error(init.signal?.reason), { once: true });
            },
          });
          resolve(new Response(body, { status: 200 }));
        }
      });
    };
  }

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; !condition(); i++) {
      assert.ok(i < 10_000, 'the request never started');
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function timesOutAfter(ms: number, run: (c: SailClient) => Promise<unknown>, withHeaders = false): Promise<SailError> {
    const calls: string[] = [];
    mock.timers.enable({ apis: ['setTimeout'] });
    const c = new SailClient({
      baseUrl: 'https://sail.example.test/v1',
      getApiKey: async () => 'sk_virtual_time_key',
      fetch: hanging(calls, withHeaders),
      env: {},
      retry: { maxAttemptsGet: 1, maxAttemptsPost: 1 },
    });
    try {
      const state: { outcome?: unknown } = {};
      const pending = run(c).then(
        () => (state.outcome = 'resolved'),
        (error: unknown) => (state.outcome = error),
      );
      await until(() => calls.length === 1);
      // Let the body reader start too.
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      mock.timers.tick(ms - 1);
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(state.outcome, undefined, `still waiting after ${ms - 1} ms`);
      mock.timers.tick(1);
      await pending;
      const outcome = state.outcome as unknown;
      assert.ok(outcome instanceof SailError, String(outcome));
      return outcome;
    } finally {
      mock.timers.reset();
      await c.close();
    }
  }

  it('a GET waits 20 s for headers', async () => {
    const e = await timesOutAfter(20_000, (c) => c.listModels());
    assert.deepEqual([e.kind, e.code], ['timeout', 'UND_ERR_HEADERS_TIMEOUT']);
    assert.equal(e.userMessage, 'Timed out waiting for Sail at sail.example.test. Check your connection and proxy settings, then try again.');
  });

  it('a POST waits 120 s for headers (a foreground job)', async () => {
    const e = await timesOutAfter(120_000, (c) => c.createResponse({ model: 'm', input: 'x' }));
    assert.deepEqual([e.kind, e.code], ['timeout', 'UND_ERR_HEADERS_TIMEOUT']);
  });

  it('a body silent for 30 s times out', async () => {
    const e = await timesOutAfter(30_000, (c) => c.listModels(), true);
    assert.deepEqual([e.kind, e.code], ['timeout', 'UND_ERR_BODY_TIMEOUT']);
    assert.match(e.userMessage, /^Timed out reading the reply from Sail at sail\.example\.test\./);
  });
});

describe('SailClient construction: the connection it logs, and the base URLs it refuses', () => {
  function built(options: Partial<SailClientOptions>): { lines: string[]; error?: SailError } {
    const lines: string[] = [];
    const log = (message: string) => void lines.push(message);
    try {
      const c = new SailClient({
        baseUrl: 'https://sail.example.test/v1/',
        getApiKey: async () => undefined,
        env: {},
        logger: { trace: log, debug: log, info: log, warn: log, error: log },
        ...options,
      });
      void c.close();
      return { lines };
    } catch (error) {
      assert.ok(error instanceof SailError, String(error));
      return { lines, error };
    }
  }

  it('says whether it goes direct, bypasses the proxy, or which proxy it uses (without its credentials)', () => {
    assert.deepEqual(built({}).lines, ['Sail client for https://sail.example.test/v1, direct']);
    assert.deepEqual(built({ env: { HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '.example.test' } }).lines, [
      'Sail client for https://sail.example.test/v1, direct (proxy bypassed: no-proxy list)',
    ]);
    assert.deepEqual(built({ env: { HTTPS_PROXY: 'http://user:secret@127.0.0.1:9' } }).lines, [
      'Sail client for https://sail.example.test/v1, through proxy http://127.0.0.1:9 (from env)',
    ]);
    assert.deepEqual(built({ proxy: { url: 'socks5h://127.0.0.1:1080' } }).lines, [
      'Sail client for https://sail.example.test/v1, through proxy socks5://127.0.0.1:1080 (from settings)',
    ]);
    assert.deepEqual(built({ proxy: { url: 'socks://127.0.0.1:1080' } }).lines, [
      'Sail client for https://sail.example.test/v1, through proxy socks5://127.0.0.1:1080 (from settings)',
    ]);
  });

  it('refuses a proxy URL it cannot parse, naming where it came from', () => {
    const { error } = built({ env: { HTTPS_PROXY: 'http://[not-a-host' } });
    assert.equal(error?.kind, 'network');
    assert.equal(error?.code, 'proxy_unsupported');
    assert.equal(error?.message, 'unusable proxy URL from env: (unparseable proxy URL)');
    assert.equal(
      error?.userMessage,
      "The proxy address is not an http://, https:// or socks5:// URL. Fix VS Code's http.proxy setting or the HTTPS_PROXY / HTTP_PROXY variable.",
    );
    const socks4 = built({ proxy: { url: 'socks4://127.0.0.1:1080' } }).error;
    assert.equal(socks4?.message, 'unusable proxy URL from settings: socks4://127.0.0.1:1080');
    assert.equal(
      socks4?.userMessage,
      "Sail cannot use the SOCKS4 proxy socks4://127.0.0.1:1080. Use an HTTP, HTTPS or SOCKS5 proxy in VS Code's http.proxy setting or the HTTPS_PROXY variable.",
    );
  });

  it('refuses a base URL that is not https or loopback http, with the reason as the user message', () => {
    const { error } = built({ baseUrl: 'http://sail.example.test/v1' });
    assert.equal(error?.kind, 'invalid_request');
    assert.equal(error?.userMessage, 'Plain http is allowed only for loopback addresses; use https for sail.example.test.');
    assert.equal(error?.message, `invalid Sail base URL: ${error?.userMessage}`);
  });
});

describe('checkBaseUrl: the messages', () => {
  it('says what is wrong with each kind of bad URL', () => {
    const message = (raw: string) => {
      const r = checkBaseUrl(raw);
      return r.ok ? `ok ${r.url}` : r.message;
    };
    assert.equal(message('nope'), '"nope" is not a URL. Use e.g. https://api.sailresearch.com/v1.');
    assert.equal(message('https://u@sail.example/v1'), 'The base URL must not contain a user name or password.');
    assert.equal(message('https://:pw@sail.example/v1'), 'The base URL must not contain a user name or password.');
    assert.equal(message('http://sail.example:8080/v1'), 'Plain http is allowed only for loopback addresses; use https for sail.example:8080.');
    assert.equal(message('ws://127.0.0.1/v1'), 'Unsupported protocol ws: in the base URL; use https.');
    assert.equal(message('https://sail.example/v1#x'), 'The base URL must not have a query or fragment.');
    assert.equal(message('  https://sail.example/v1//  '), 'ok https://sail.example/v1');
    assert.equal(message('https://sail.example'), 'ok https://sail.example');
  });

  it('knows loopback names exactly', () => {
    for (const host of ['localhost', '[::1]', '127.0.0.1', '127.255.255.255']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['127.0.0', '127.0.0.1.2', 'x127.0.0.1', '::1', '128.0.0.1', '127.0.0.1234']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe('proxy rules: edges', () => {
  it('matchesNoProxy: ports by scheme, trailing dots, empty and odd entries', () => {
    const http = new URL('http://sail.example/v1');
    const https = new URL('https://sail.example./v1');
    assert.equal(matchesNoProxy(http, ['sail.example:80']), true);
    assert.equal(matchesNoProxy(http, ['sail.example:443']), false);
    assert.equal(matchesNoProxy(https, ['sail.example:443']), true, 'the host trailing dot is ignored');
    assert.equal(matchesNoProxy(https, ['sail.example.']), true, 'the entry trailing dot is ignored');
    assert.equal(matchesNoProxy(https, ['.', '*.', '*', ' ']), true);
    assert.equal(matchesNoProxy(https, ['.', '*.', ' ', '']), false);
    assert.equal(matchesNoProxy(https, ['sail.example:abc']), false, 'a non-numeric port is part of the host');
    assert.equal(matchesNoProxy(https, ['  SAIL.example  ']), true);
    assert.equal(matchesNoProxy(new URL('http://[2001:db8::1]:8080/'), ['2001:db8::1']), true);
    assert.equal(matchesNoProxy(new URL('http://[2001:db8::1]:8080/'), ['[2001:db8::1]:9']), false);
    assert.equal(matchesNoProxy(new URL('http://[2001:db8::1]:8080/'), ['[2001:db8::1]']), true);
    assert.equal(matchesNoProxy(new URL('http://10.1.2.3/'), ['.2.3']), false, 'no suffix match on IP addresses');
    assert.equal(matchesNoProxy(new URL('http://10.1.2.3/'), ['2.3']), false);
    assert.equal(matchesNoProxy(new URL('http://a.example/'), ['*example']), true, 'a leading star is dropped');
    assert.equal(matchesNoProxy(new URL('http://a.example/'), ['.example']), true);
  });

  it('resolveProxy: blank variables are unset, lower case wins, an explicit empty no-proxy list defers to NO_PROXY', () => {
    const sail = new URL('https://sail.example/v1');
    assert.deepEqual(resolveProxy(sail, undefined, { HTTPS_PROXY: '   ' }), { source: 'none' });
    assert.deepEqual(resolveProxy(sail, undefined, { https_proxy: '  http://p:1  ' }), { proxyUrl: 'http://p:1', source: 'env' });
    assert.deepEqual(resolveProxy(sail, undefined, { https_proxy: '', HTTP_PROXY: 'http://h:1' }), { proxyUrl: 'http://h:1', source: 'env' });
    assert.deepEqual(resolveProxy(sail, { url: '  ' }, { HTTPS_PROXY: 'http://e:1' }), { proxyUrl: 'http://e:1', source: 'env' });
    assert.deepEqual(resolveProxy(sail, { url: 'http://s:1', noProxy: [] }, { no_proxy: 'sail.example' }), { source: 'no_proxy' });
    assert.deepEqual(resolveProxy(sail, { url: 'http://s:1' }, { NO_PROXY: 'other.example' }), { proxyUrl: 'http://s:1', source: 'settings' });
  });

  it('normalizeProxyUrl keeps any scheme and adds http:// only when there is none', () => {
    assert.equal(normalizeProxyUrl('SOCKS5://p:1'), 'SOCKS5://p:1');
    assert.equal(normalizeProxyUrl('my+proxy.v2-x://p:1'), 'my+proxy.v2-x://p:1');
    assert.equal(normalizeProxyUrl('p:3128'), 'http://p:3128');
    assert.equal(normalizeProxyUrl('1http://p'), 'http://1http://p');
    assert.equal(describeProxy('not a url'), '(unparseable proxy URL)');
  });

  it('ownTransportReason: an unparseable proxy needs the own transport, which then says so', () => {
    const sail = new URL('https://sail.example/v1');
    assert.equal(ownTransportReason(sail, { url: 'http://[bad' }, {}, true), 'socks_proxy');
    assert.equal(ownTransportReason(sail, { strictSSL: true, authorization: '' }, {}, true), undefined);
  });
});

describe('schemas: what a reply may look like, and what comes out', () => {
  const parse = (body: Record<string, unknown>): SailResponse => SailResponseSchema.parse({ id: 'r', status: 'completed', ...body });
  const zeroUsage = {
    input_tokens: 0,
    output_tokens: 0,
    total_tokens: 0,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens_details: { reasoning_tokens: 0 },
  };

  it('counts only finite, non-negative numbers as token counts; 0 is a count', () => {
    assert.deepEqual(parse({ usage: { input_tokens: -1, output_tokens: '7', total_tokens: Number.NaN } }).usage, zeroUsage);
    assert.deepEqual(parse({ usage: { input_tokens: Number.POSITIVE_INFINITY, prompt_tokens: 4 } }).usage.input_tokens, 4);
    const zero = parse({ usage: { input_tokens: 0, prompt_tokens: 5, output_tokens: 0, completion_tokens: 6 } }).usage;
    assert.deepEqual([zero.input_tokens, zero.output_tokens, zero.total_tokens], [0, 0, 0]);
    const sum = parse({ usage: { input_tokens: 3, output_tokens: 4 } }).usage;
    assert.equal(sum.total_tokens, 7, 'a missing total is the sum');
    assert.deepEqual(parse({ usage: 'none' }).usage, zeroUsage);
    assert.equal(
      parse({ usage: { input_tokens_details: { cached_tokens: 2 }, output_tokens_details: { reasoning_tokens: 3 } } }).usage.output_tokens_details
        .reasoning_tokens,
      3,
    );
  });

  it('reads times as Unix seconds, rounding down, and leaves out what is not a time', () => {
    assert.equal(parse({ created_at: '2026-01-01T00:00:00.999Z' }).created_at, 1_767_225_600);
    assert.equal(parse({ created_at: 0 }).created_at, 0);
    for (const created_at of ['soon', '', null, Number.POSITIVE_INFINITY, true]) {
      const r = parse({ created_at });
      assert.equal('created_at' in r, false, JSON.stringify(created_at));
    }
  });

  it('reads text parts given as strings, without a type or without text', () => {
    const r = parse({
      output: [
        { type: 'message', id: 'm1', content: ['plain', { text: 'untyped' }, { type: 'refusal', text: null }] },
        { type: 'message', role: 'user', content: 'whole string' },
        { type: 'message', content: null },
      ],
    });
    assert.deepEqual(r.output, [
      {
        type: 'message',
        id: 'm1',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'plain' }, { type: 'output_text', text: 'untyped' }, { type: 'refusal' }],
      },
      { type: 'message', id: undefined, role: 'user', content: [{ type: 'output_text', text: 'whole string' }] },
      { type: 'message', id: undefined, role: 'assistant', content: [] },
    ]);
    assert.equal(outputText(r), 'plainuntypedwhole string');
  });

  it('keeps a reasoning item by id, a function call with null arguments as {}, and the type of anything else', () => {
    const r = parse({
      output: [
        { type: 'reasoning', id: 'rs_1', summary: 'in short', content: null },
        { type: 'function_call', id: null, call_id: 'c', name: 'f', arguments: null },
        42,
        null,
        { no: 'type' },
        { type: 'other' },
        { type: 'other', rawType: 'stored_kind' },
      ],
    });
    assert.deepEqual(r.output, [
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'output_text', text: 'in short' }], content: [] },
      { type: 'function_call', id: undefined, call_id: 'c', name: 'f', arguments: '{}' },
      { type: 'other', rawType: 'number' },
      { type: 'other', rawType: 'object' },
      { type: 'other', rawType: 'object' },
      { type: 'other', rawType: 'other' },
      { type: 'other', rawType: 'stored_kind' },
    ]);
    assert.equal(reasoningText(r), 'in short');
  });

  it('reads a single output item given as an object', () => {
    assert.deepEqual(parse({ output: { type: 'message', content: 'one' } }).output, [
      { type: 'message', id: undefined, role: 'assistant', content: [{ type: 'output_text', text: 'one' }] },
    ]);
  });

  it('reads an error given as a string, without a message or a code, or with code 0', () => {
    assert.deepEqual(parse({ error: 'it broke' }).error, { message: 'it broke' });
    assert.deepEqual(parse({ error: { code: 'x' } }).error, { message: '', code: 'x' });
    assert.deepEqual(parse({ error: { message: 'm' } }).error, { message: 'm' });
    assert.deepEqual(parse({ error: { message: 'm', code: 0 } }).error, { message: 'm', code: '0' });
    assert.deepEqual(parse({ error: { message: 'm', type: 7 } }).error, { message: 'm' });
    assert.equal(parse({ error: 12 }).error, null);
    assert.deepEqual(parse({ error: {} }).error, { message: '' });
  });

  it('reads incomplete details without a reason, and keeps only string metadata', () => {
    assert.deepEqual(parse({ incomplete_details: {} }).incomplete_details, {});
    assert.deepEqual(parse({ incomplete_details: { reason: null } }).incomplete_details, {});
    assert.equal(parse({ incomplete_details: 'x' }).incomplete_details, null);
    assert.deepEqual(parse({ metadata: 'x' }).metadata, {});
    assert.deepEqual(parse({ metadata: { a: 'b', c: null } }).metadata, { a: 'b' });
  });

  it('keeps the raw status of a stored response, and the model, or an empty one', () => {
    const r = SailResponseSchema.parse({ id: 'r', status: 'in_progress', rawStatus: 'RUNNING', model: 7 });
    assert.deepEqual([r.status, r.rawStatus, r.model], ['in_progress', 'RUNNING', '']);
    assert.equal(parse({ model: 'alias' }).model, 'alias');
  });

  it('reads models with optional creation time and owner, and refuses one without an id', () => {
    assert.deepEqual(SailModelListSchema.parse([{ id: 'm', created: '2026-01-01T00:00:00Z', owned_by: null }]), [{ id: 'm', created: 1_767_225_600 }]);
    assert.deepEqual(SailModelListSchema.parse([{ id: 'm', owned_by: 'o' }]), [{ id: 'm', owned_by: 'o' }]);
    assert.equal(SailModelListSchema.safeParse([{ id: '' }]).success, false);
  });

  it('reads batches leniently but insists on an id', () => {
    assert.deepEqual(SailBatchSchema.parse({ id: 'b', request_counts: null, label: null, created_at: '2026-01-01T00:00:00Z' }), {
      id: 'b',
      request_counts: 0,
      created_at: 1_767_225_600,
    });
    assert.deepEqual(SailBatchSchema.parse({ id: 'b', request_counts: 'many' }), { id: 'b', request_counts: 0 });
    assert.equal(SailBatchSchema.safeParse({ id: '' }).success, false);
    assert.deepEqual(SailBatchListSchema.parse({ data: [{ id: 'b1' }] }), [{ id: 'b1', request_counts: 0 }]);
    assert.deepEqual(SailBatchDetailSchema.parse({ id: 'b', request_status: null }), { id: 'b', request_counts: 0, request_status: {} });
    assert.deepEqual(SailBatchDetailSchema.parse({ id: 'b', label: 'L', request_status: { x: 'done' } }), {
      id: 'b',
      request_counts: 0,
      label: 'L',
      request_status: { x: { status: 'unknown', rawStatus: 'done' } },
    });
    assert.equal(SailBatchDetailSchema.safeParse({ request_status: {} }).success, false);
  });
});

describe('status, windows and key ids', () => {
  it('folds dashes and spaces into underscores', () => {
    assert.equal(normalizeStatus('In-Progress'), 'in_progress');
    assert.equal(normalizeStatus('in  progress'), 'in_progress');
    assert.equal(normalizeStatus('in--progress'), 'in_progress');
  });

  it('knows the four completion windows and nothing else', () => {
    assert.deepEqual(COMPLETION_WINDOWS, ['asap', 'priority', 'standard', 'flex']);
    for (const window of COMPLETION_WINDOWS) {
      assert.equal(isCompletionWindow(window), true, window);
    }
    for (const value of ['balanced', 'auto', '', 1, undefined, ['asap']]) {
      assert.equal(isCompletionWindow(value), false, JSON.stringify(value));
    }
  });

  it('names a key by 16 hex digits of a salted hash of the trimmed key', () => {
    assert.equal(keyId('sk_test_key_1'), keyId('  sk_test_key_1 '));
    assert.notEqual(keyId('sk_test_key_1'), keyId('sk_test_key_2'));
    assert.match(keyId('sk_test_key_1'), /^[0-9a-f]{16}$/);
    // Pinned: a changed salt or length would make every stored job look sent with another key.
    assert.equal(keyId('sk_test_key_1'), keyIdReference('sk_test_key_1'));
  });
});

function keyIdReference(key: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update('sail-vscode key id v1\0').update(key).digest('hex').slice(0, 16);
}

describe('SailClient against a scripted server: statuses, request ids and odd bodies', () => {
  let server: Server;
  let origin: string;
  const seen: string[] = [];
  const clients: SailClient[] = [];
  const ok = JSON.stringify({ id: 'resp_s', status: 'completed', output: 'fine' });
  const replies: Record<string, { status: number; headers?: Record<string, string>; body: string }> = {
    '/v1/responses/s299': { status: 299, body: ok },
    '/v1/responses/s200': { status: 200, body: ok },
    '/v1/responses/s300': { status: 300, headers: { 'request-id': 'req_alt' }, body: ok },
    '/v1/responses/both': { status: 400, headers: { 'x-request-id': 'req_x', 'request-id': 'req_alt' }, body: '' },
    '/v1/responses/empty': { status: 200, body: '' },
    '/v1/responses/array': { status: 200, body: '[]' },
  };

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      seen.push(req.url ?? '');
      const reply = replies[req.url ?? ''] ?? { status: 404, body: '' };
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function client(baseUrl = `${origin}/v1`): SailClient {
    const c = new SailClient({ baseUrl, getApiKey: async () => 'sk_scripted_key_9', env: {}, retry: { maxAttemptsGet: 1 } });
    clients.push(c);
    return c;
  }

  async function failure(action: Promise<unknown>): Promise<SailError> {
    try {
      await action;
    } catch (error) {
      assert.ok(error instanceof SailError, String(error));
      return error;
    }
    return assert.fail('expected a SailError');
  }

  it('takes every 2xx as success and anything from 300 as failure', async () => {
    const c = client();
    assert.equal((await c.getResponse('s200')).id, 'resp_s');
    assert.equal((await c.getResponse('s299')).id, 'resp_s');
    const moved = await failure(c.getResponse('s300'));
    assert.deepEqual([moved.kind, moved.status, moved.requestId], ['unexpected_response', 300, 'req_alt']);
  });

  it('reads the request id from x-request-id first, then request-id', async () => {
    const e = await failure(client().getResponse('both'));
    assert.deepEqual([e.kind, e.requestId], ['invalid_request', 'req_x']);
  });

  it('says "empty body" for an empty 200, and "(root)" when the whole reply has the wrong shape', async () => {
    const empty = await failure(client().getResponse('empty'));
    assert.equal(empty.message, 'GET /responses/empty: HTTP 200 reply is not JSON: empty body');
    const array = await failure(client().getResponse('array'));
    assert.match(array.message, /^GET \/responses\/array: HTTP 200 reply has an unexpected shape \(\(root\): .+\): \[\]$/);
    assert.equal(array.status, 200);
  });

  it('a base URL without a path puts the paths right under the host', async () => {
    seen.length = 0;
    await failure(client(origin).listModels());
    await failure(client(`${origin}/`).getResponse('x'));
    assert.deepEqual(seen, ['/models', '/responses/x']);
  });
});

describe('after the last measured run: output text, other items and no-proxy entries', () => {
  const parse = (body: Record<string, unknown>): SailResponse => SailResponseSchema.parse({ id: 'r', status: 'completed', ...body });

  it('outputText reads message items only, output_text parts only, and parts without text as empty', () => {
    const r = parse({
      output: [
        { type: 'reasoning', content: ['thinking as plain text'] },
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
        { type: 'web_search_call' },
        { type: 'message', content: [{ type: 'output_text' }, { type: 'refusal', text: 'no' }, { type: 'output_text', text: 'answer' }] },
      ],
    });
    assert.equal(outputText(r), 'answer');
  });

  it('reasoningText skips reasoning items with no text, adding no blank blocks', () => {
    const r = parse({
      output: [
        { type: 'reasoning', summary: [], content: [] },
        { type: 'reasoning', summary: ['second'], content: [] },
      ],
    });
    assert.equal(reasoningText(r), 'second');
  });

  it('keeps the raw type of a stored "other" item only when it is text, and only for "other" items', () => {
    const r = parse({
      output: [
        { type: 'web_search_call', rawType: 'spoofed' },
        { type: 'other', rawType: 5 },
      ],
    });
    assert.deepEqual(r.output, [
      { type: 'other', rawType: 'web_search_call' },
      { type: 'other', rawType: 'other' },
    ]);
  });

  it('refuses an output that is an object without a type', () => {
    assert.equal(SailResponseSchema.safeParse({ id: 'r', status: 'completed', output: { foo: 1 } }).success, false);
  });

  it('no-proxy entries: IPv4 addresses with long groups, IPv6 with a numeric second group, brackets only whole', () => {
    assert.equal(matchesNoProxy(new URL('http://10.20.30.40/'), ['30.40']), false, 'no suffix match on an IP');
    assert.equal(matchesNoProxy(new URL('http://1.2.3.4.example/'), ['example']), true, 'a name that starts like an IP is a name');
    assert.equal(matchesNoProxy(new URL('http://[2001:8::1]/'), ['2001:8::1']), true);
    assert.equal(matchesNoProxy(new URL('http://[2001:db8::1]:8080/'), ['[2001:db8::1]:8080x']), false);
    assert.equal(matchesNoProxy(new URL('http://[2001:db8::1]:8080/'), ['x[2001:db8::1]']), false);
    assert.equal(matchesNoProxy(new URL('https://sail.example/'), ['sail*.example']), false, 'only a leading star is dropped');
  });

  it('a blank HTTPS_PROXY falls through to HTTP_PROXY', () => {
    assert.deepEqual(resolveProxy(new URL('https://sail.example/v1'), undefined, { HTTPS_PROXY: '   ', HTTP_PROXY: 'http://h:1' }), {
      proxyUrl: 'http://h:1',
      source: 'env',
    });
  });
});
