// The Sail client against the local simulator over real HTTP on 127.0.0.1: every error kind, the
// retry policy per status (with recorded, not waited, delays), idempotent replays, timeouts, aborts,
// both status vocabularies, and that the API key never leaks into errors or logs.
import * as assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SailClient, type SailClientOptions, type SailLogger } from '../../src/sail/client';
import { SailError } from '../../src/sail/errors';
import { outputText, reasoningText } from '../../src/sail/output';
import { startSimulator, type Simulator } from '../sim/index';

const MODEL = 'moonshotai/Kimi-K2.6';
const WRONG_KEY = 'sk_wrong_key_0123456789';

interface Harness {
  client: SailClient;
  /** Delays the client asked to sleep, in order. Sleeping resolves at once. */
  slept: number[];
  /** Every log line, prefixed with its level. */
  lines: string[];
}

const clients: SailClient[] = [];
/** Every log line and error text produced in this file, checked for the keys at the end. */
const allText: string[] = [];

function harness(baseUrl: string, apiKey: string | undefined, overrides: Partial<SailClientOptions> = {}): Harness {
  const slept: number[] = [];
  const lines: string[] = [];
  const log = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
    allText.push(message);
  };
  const logger: SailLogger = { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const client = new SailClient({
    baseUrl,
    getApiKey: async () => apiKey,
    logger,
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => 0.5,
    // Keep the machine's HTTP_PROXY out of these tests; the proxy tests cover the environment.
    env: {},
    userAgent: 'sail-vscode-test/1.0',
    ...overrides,
  });
  clients.push(client);
  return { client, slept, lines };
}

/** Runs `action`, expects a SailError, records its texts for the leak check, and returns it. */
async function failure(action: Promise<unknown>): Promise<SailError> {
  try {
    await action;
  } catch (error) {
    assert.ok(error instanceof SailError, `expected a SailError, got ${String(error)}`);
    allText.push(error.message, error.userMessage, String(error.cause ?? ''));
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('SailClient against the simulator', () => {
  let sim: Simulator;
  let slow: Simulator;
  let legacy: Simulator;

  before(async () => {
    // Fast enough that every job is finished by the next request; slow ones stay queued for the test's lifetime.
    // A huge retention, since 48 virtual hours pass in 17 ms at this scale.
    sim = await startSimulator({ timeScale: 10_000_000, retentionMs: Number.MAX_SAFE_INTEGER });
    slow = await startSimulator({ timeScale: 1 });
    legacy = await startSimulator({ timeScale: 1, legacyStatuses: true });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([sim, slow, legacy].map((s) => s?.close()));
  });

  beforeEach(() => {
    for (const s of [sim, slow, legacy]) {
      s.reset();
    }
  });

  describe('happy paths', () => {
    it('runs a foreground response and computes its text', async () => {
      const { client, slept } = harness(sim.baseUrl, sim.apiKey);
      const { response, httpStatus, idempotencyKey } = await client.createResponse({ model: MODEL, input: 'Explain keep-alive', reasoning: { effort: 'low' } });
      assert.equal(httpStatus, 200);
      assert.equal(response.status, 'completed');
      assert.match(outputText(response), /Simulated answer: Explain keep-alive/);
      assert.match(reasoningText(response), /effort/);
      assert.ok(response.usage.input_tokens > 0 && response.usage.output_tokens > 0);
      assert.match(idempotencyKey, /^[0-9a-f-]{36}$/);
      assert.equal(sim.counters.inferences(idempotencyKey), 1, 'the generated key was sent');
      assert.deepEqual(slept, []);
    });

    it('asked to rewrite fenced code, answers with the whole code again, one comment line added on top', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      const input = 'Rewrite this file\n\n````python\ndef f():\n    return "```"\n````\n';
      const { response } = await client.createResponse({ model: MODEL, input });
      assert.equal(outputText(response).split('\n').slice(2, 7).join('\n'), '````python\n# Reviewed by the Sail simulator.\ndef f():\n    return "```"\n````');
      const plain = await client.createResponse({ model: MODEL, input: 'Explain this\n\n```ts\nx();\n```\n' });
      assert.match(outputText(plain.response), /Simulated answer/, 'without "rewrite" the answer quotes the prompt');
    });

    it('accepts a background response with 202 and polls it to completion', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      const created = await client.createResponse({ model: MODEL, input: 'later', background: true, metadata: { completion_window: 'flex' } });
      assert.equal(created.httpStatus, 202);
      const polled = await client.getResponse(created.response.id);
      assert.equal(polled.id, created.response.id);
      assert.equal(polled.status, 'completed');
      assert.deepEqual(polled.metadata, { completion_window: 'flex' });
      assert.match(outputText(polled), /later/);
    });

    it('reads the live status vocabulary while a job is pending', async () => {
      const { client } = harness(slow.baseUrl, slow.apiKey);
      const { response } = await client.createResponse({ model: MODEL, input: 'wait', background: true });
      assert.deepEqual([response.status, response.rawStatus], ['queued', 'queued']);
      assert.deepEqual(response.output, []);
      assert.equal(response.usage.total_tokens, 0);
      assert.equal(outputText(await client.getResponse(response.id)), '');
    });

    it('normalises the legacy vocabulary (pending → queued)', async () => {
      const { client } = harness(legacy.baseUrl, legacy.apiKey);
      const { response } = await client.createResponse({ model: MODEL, input: 'wait', background: true });
      assert.deepEqual([response.status, response.rawStatus], ['queued', 'pending']);
      const polled = await client.getResponse(response.id);
      assert.deepEqual([polled.status, polled.rawStatus], ['queued', 'pending']);
    });

    it('reports incomplete and failed jobs', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      const cut = await client.createResponse({ model: MODEL, input: 'a long answer please', max_output_tokens: 3 });
      assert.equal(cut.response.status, 'incomplete');
      assert.deepEqual(cut.response.incomplete_details, { reason: 'max_output_tokens' });
      sim.faults.inject({ route: 'createResponse', fault: 'fail_job', message: 'model fell over' });
      const failed = await client.createResponse({ model: MODEL, input: 'x' });
      assert.equal(failed.response.status, 'failed');
      assert.equal(failed.response.error?.message, 'model fell over');
    });

    it('lists models and reuses one keep-alive connection', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      for (let i = 0; i < 5; i++) {
        const models = await client.listModels();
        assert.ok(models.some((m) => m.id === MODEL && m.owned_by === 'moonshotai'));
        // undici frees the socket a tick after the body ends; a call in that same tick would open a second one.
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.deepEqual(client.stats, { requests: 5, connectionsOpened: 1 });
    });

    it('creates, lists and reads batches', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      const batch = await client.createBatch({
        endpoint: '/v1/responses',
        label: 'unit',
        requests: [
          { custom_id: 'a', params: { model: MODEL, input: 'first' } },
          { custom_id: 'b', params: { model: MODEL, input: 'second' } },
        ],
      });
      assert.equal(batch.request_counts, 2);
      assert.equal(batch.label, 'unit');
      const detail = await client.getBatch(batch.id);
      assert.deepEqual(Object.keys(detail.request_status).sort(), ['a', 'b']);
      assert.ok(Object.values(detail.request_status).every((s) => s.status === 'completed' && s.rawStatus === 'COMPLETED'));
      const listed = await client.listBatches({ limit: 10 });
      assert.deepEqual(
        listed.map((b) => b.id),
        [batch.id],
      );
      const item = await client.getBatchItem(batch.id, 'b');
      assert.match(outputText(item), /second/);
    });
  });

  describe('error kinds', () => {
    it('auth: a wrong key is refused once, without retries', async () => {
      const { client } = harness(sim.baseUrl, WRONG_KEY);
      const error = await failure(client.listModels());
      assert.equal(error.kind, 'auth');
      assert.equal(error.status, 401);
      assert.match(error.userMessage, /Sail: Set API Key/);
      assert.equal(sim.counters.requests('GET', 'listModels'), 1);
    });

    it('auth: no key fails without sending anything', async () => {
      const { client } = harness(sim.baseUrl, undefined);
      const error = await failure(client.createResponse({ model: MODEL, input: 'x' }));
      assert.equal(error.kind, 'auth');
      assert.equal(sim.counters.requests('POST', 'createResponse'), 0);
      assert.equal(client.stats.requests, 0);
    });

    it('invalid_request: carries the envelope code and is not retried', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      const asap = await failure(client.createResponse({ model: MODEL, input: 'x', background: true, metadata: { completion_window: 'asap' } }));
      assert.equal(asap.kind, 'invalid_request');
      assert.equal(asap.code, 'unsupported_asap_request');
      assert.equal(sim.counters.requests('POST', 'createResponse'), 1);
    });

    it('invalid_request: reusing a key with a different body is an idempotency_error', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      await client.createResponse({ model: MODEL, input: 'one' }, { idempotencyKey: 'reused-key' });
      const error = await failure(client.createResponse({ model: MODEL, input: 'two' }, { idempotencyKey: 'reused-key' }));
      assert.equal(error.code, 'idempotency_error');
      assert.match(error.userMessage, /idempotency key/);
    });

    it('not_found: an unknown response or batch', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      const response = await failure(client.getResponse('resp_missing'));
      assert.equal(response.kind, 'not_found');
      assert.match(response.userMessage, /48 hours/);
      assert.equal((await failure(client.getBatch('batch_missing'))).kind, 'not_found');
      assert.equal((await failure(client.getBatchItem('batch_missing', 'a'))).kind, 'not_found');
    });

    it('unexpected_response: malformed JSON and the wrong shape, not retried', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      sim.faults.inject({ route: 'listModels', fault: 'malformed_json' });
      const malformed = await failure(client.listModels());
      assert.equal(malformed.kind, 'unexpected_response');
      assert.match(malformed.message, /not JSON/);
      sim.faults.inject({ route: 'createResponse', fault: 'wrong_shape' });
      const wrong = await failure(client.createResponse({ model: MODEL, input: 'x' }));
      assert.equal(wrong.kind, 'unexpected_response');
      assert.match(wrong.message, /surprise/);
      assert.equal(client.stats.requests, 2);
    });

    it('aborted: a signal already aborted sends nothing', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      const error = await failure(client.listModels({ signal: AbortSignal.abort() }));
      assert.equal(error.kind, 'aborted');
      assert.equal(sim.counters.requests('GET', 'listModels'), 0);
    });

    it('aborted: a signal aborted while waiting for headers', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      sim.faults.inject({ route: 'getResponse', fault: 'slow_headers', delayMs: 60_000 });
      const { response } = await client.createResponse({ model: MODEL, input: 'x', background: true });
      const controller = new AbortController();
      const pending = client.getResponse(response.id, { signal: controller.signal });
      await waitUntil(() => sim.counters.requests('GET', 'getResponse') === 1);
      controller.abort();
      const error = await failure(pending);
      assert.equal(error.kind, 'aborted');
      assert.equal(sim.counters.requests('GET', 'getResponse'), 1);
    });

    it('aborted: a signal aborted during the retry wait stops at once', async () => {
      const controller = new AbortController();
      const { client } = harness(sim.baseUrl, sim.apiKey, {
        sleep: (_ms, signal) =>
          new Promise((_resolve, reject) => {
            signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
            controller.abort();
          }),
      });
      sim.faults.inject({ route: 'listModels', fault: 'http_error', status: 503 });
      const error = await failure(client.listModels({ signal: controller.signal }));
      assert.equal(error.kind, 'aborted');
      assert.equal(sim.counters.requests('GET', 'listModels'), 1);
    });

    it('after close(), calls fail as aborted', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      await client.close();
      assert.equal((await failure(client.listModels())).kind, 'aborted');
    });

    it('a base URL that is not https or loopback is refused at construction', () => {
      assert.throws(
        () => harness('http://api.example.com/v1', 'k'),
        (e: SailError) => e.kind === 'invalid_request' && /loopback/.test(e.userMessage),
      );
    });
  });

  describe('retries', () => {
    for (const status of [502, 503, 504] as const) {
      it(`retries ${status} on a POST with backoff and the same key: one inference`, async () => {
        const { client, slept } = harness(sim.baseUrl, sim.apiKey);
        sim.faults.inject({ route: 'createResponse', fault: 'http_error', status, times: 2 });
        const { response, idempotencyKey } = await client.createResponse({ model: MODEL, input: 'x' });
        assert.equal(response.status, 'completed');
        // random() = 0.5: half of 500 ms, then half of 1000 ms.
        assert.deepEqual(slept, [250, 500]);
        assert.equal(sim.counters.requests('POST', 'createResponse'), 3);
        assert.equal(sim.counters.inferences(idempotencyKey), 1);
      });
    }

    it('gives up after 3 attempts with the last server error', async () => {
      const { client, slept } = harness(sim.baseUrl, sim.apiKey);
      sim.faults.inject({ route: 'getResponse', fault: 'http_error', status: 502, times: 5 });
      const error = await failure(client.getResponse('resp_x'));
      assert.deepEqual([error.kind, error.status, error.attempts], ['server', 502, 3]);
      assert.deepEqual(slept, [250, 500]);
    });

    it('honours Retry-After on 429', async () => {
      const { client, slept } = harness(sim.baseUrl, sim.apiKey);
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 429, retryAfterSeconds: 7 });
      const { response } = await client.createResponse({ model: MODEL, input: 'x' });
      assert.equal(response.status, 'completed');
      assert.deepEqual(slept, [7000]);
    });

    it('does not wait for a Retry-After beyond the cap: rate_limited with retryAfterMs', async () => {
      const { client, slept } = harness(sim.baseUrl, sim.apiKey);
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 429, retryAfterSeconds: 600 });
      const error = await failure(client.createResponse({ model: MODEL, input: 'x' }));
      assert.deepEqual([error.kind, error.status, error.retryAfterMs], ['rate_limited', 429, 600_000]);
      assert.deepEqual(slept, []);
    });

    it('does not retry 500 on a POST', async () => {
      const { client, slept } = harness(sim.baseUrl, sim.apiKey);
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 500 });
      const error = await failure(client.createResponse({ model: MODEL, input: 'x' }));
      assert.deepEqual([error.kind, error.status], ['server', 500]);
      assert.equal(sim.counters.requests('POST', 'createResponse'), 1);
      assert.deepEqual(slept, []);
    });

    it('retries 500 on a GET once, and only once', async () => {
      const { client, slept } = harness(sim.baseUrl, sim.apiKey);
      sim.faults.inject({ route: 'listModels', fault: 'http_error', status: 500 });
      assert.ok((await client.listModels()).length > 0);
      assert.deepEqual(slept, [250]);
      sim.faults.inject({ route: 'listModels', fault: 'http_error', status: 500, times: 2 });
      const error = await failure(client.listModels());
      assert.deepEqual([error.status, error.attempts], [500, 2]);
    });

    it('retries a connection reset before the job was recorded', async () => {
      const { client, slept } = harness(sim.baseUrl, sim.apiKey);
      sim.faults.inject({ route: 'createResponse', fault: 'reset_before_record' });
      const { idempotencyKey } = await client.createResponse({ model: MODEL, input: 'x', background: true });
      assert.deepEqual(slept, [250]);
      assert.equal(sim.counters.inferences(idempotencyKey), 1);
    });

    for (const background of [true, false]) {
      it(`retries a reset after the ${background ? 'background' : 'foreground'} job was recorded: Sail replays, exactly one inference`, async () => {
        const { client, slept, lines } = harness(sim.baseUrl, sim.apiKey);
        sim.faults.inject({ route: 'createResponse', fault: 'reset_after_record' });
        const { response, idempotencyKey, httpStatus } = await client.createResponse({ model: MODEL, input: 'once only', background });
        assert.equal(httpStatus, background ? 202 : 200);
        assert.equal(sim.counters.requests('POST', 'createResponse'), 2);
        assert.equal(sim.counters.inferences(idempotencyKey), 1);
        assert.equal(sim.counters.totalInferences(), 1);
        assert.deepEqual(slept, [250]);
        assert.equal((await client.getResponse(response.id)).status, 'completed');
        assert.ok(
          lines.some((l) => l.startsWith('warn') && l.includes('POST /responses') && l.includes('network')),
          lines.join('\n'),
        );
      });
    }

    it('does not retry a POST whose caller-supplied key is invalid (nothing is sent)', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey);
      const error = await failure(client.createResponse({ model: MODEL, input: 'x' }, { idempotencyKey: 'k'.repeat(256) }));
      assert.equal(error.kind, 'invalid_request');
      assert.equal(client.stats.requests, 0);
    });
  });

  describe('timeouts', () => {
    it('headers that never come: timeout, retried, then given up', async () => {
      const { client, slept } = harness(sim.baseUrl, sim.apiKey, { timeouts: { headersMs: 100 } });
      sim.faults.inject({ route: 'listModels', fault: 'slow_headers', delayMs: 60_000, times: 3 });
      const error = await failure(client.listModels());
      assert.deepEqual([error.kind, error.code, error.attempts], ['timeout', 'UND_ERR_HEADERS_TIMEOUT', 3]);
      assert.deepEqual(slept, [250, 500]);
    });

    it('a timed-out POST is retried with the same key and succeeds', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey, { timeouts: { headersMs: 100 } });
      sim.faults.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 60_000 });
      const { idempotencyKey, httpStatus } = await client.createResponse({ model: MODEL, input: 'x', background: true });
      assert.equal(httpStatus, 202);
      assert.equal(sim.counters.inferences(idempotencyKey), 1);
    });

    it('a body that stalls: timeout', async () => {
      const { client } = harness(sim.baseUrl, sim.apiKey, { timeouts: { bodyMs: 100 }, retry: { maxAttemptsGet: 1 } });
      sim.faults.inject({ route: 'listModels', fault: 'stalled_body' });
      const error = await failure(client.listModels());
      assert.deepEqual([error.kind, error.code], ['timeout', 'UND_ERR_BODY_TIMEOUT']);
    });
  });

  describe('secrets', () => {
    it('never puts the key in an error or a log line, even at trace level', async () => {
      const { client, lines } = harness(sim.baseUrl, sim.apiKey, { timeouts: { headersMs: 100, bodyMs: 100 } });
      await client.createResponse({ model: MODEL, input: 'prompt text' });
      for (const fault of ['malformed_json', 'wrong_shape', 'reset_before_record', 'stalled_body'] as const) {
        sim.faults.inject({ route: 'listModels', fault, times: 3 });
        await failure(client.listModels());
        sim.faults.clear();
      }
      await failure(harness(sim.baseUrl, WRONG_KEY).client.listModels());
      assert.ok(
        lines.some((l) => l.startsWith('trace') && l.includes('prompt text')),
        'prompt text is logged at trace',
      );
      assert.ok(
        lines.some((l) => /^debug POST \/responses → 200 \(attempt 1/.test(l)),
        lines.join('\n'),
      );
      assert.ok(!lines.some((l) => !l.startsWith('trace') && l.includes('prompt text')), 'prompt text only at trace');
      for (const text of allText) {
        assert.ok(!text.includes(sim.apiKey), `leaked the key: ${text}`);
        assert.ok(!text.includes(WRONG_KEY), `leaked the wrong key: ${text}`);
      }
    });
  });
});

describe('SailClient against a scripted server', () => {
  // For what the simulator does not do: plain-string output, and inspecting each attempt's headers.
  let server: Server;
  let baseUrl: string;
  const seen: IncomingHttpHeaders[] = [];
  let script: Array<'reset' | 'string-output'> = [];

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push(req.headers);
        const step = script.shift();
        if (step === 'reset') {
          req.socket.resetAndDestroy();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_scripted' });
        res.end(JSON.stringify({ id: 'resp_s', status: 'completed', output: 'plain string output' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    seen.length = 0;
    script = [];
  });

  it('reads a plain-string output as the response text', async () => {
    const { client } = harness(baseUrl, 'sk_scripted_key_1');
    const response = await client.getResponse('resp_s');
    assert.equal(outputText(response), 'plain string output');
  });

  it('sends auth, JSON, user agent and the same Idempotency-Key on every attempt', async () => {
    const { client, lines } = harness(baseUrl, 'sk_scripted_key_1');
    script = ['reset', 'reset'];
    const { idempotencyKey } = await client.createResponse({ model: MODEL, input: 'x' }, { idempotencyKey: 'my-key-1' });
    assert.equal(idempotencyKey, 'my-key-1');
    assert.equal(seen.length, 3);
    for (const headers of seen) {
      assert.equal(headers['idempotency-key'], 'my-key-1');
      assert.equal(headers.authorization, 'Bearer sk_scripted_key_1');
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(headers['user-agent'], 'sail-vscode-test/1.0');
    }
    assert.ok(lines.some((l) => l.includes('request id req_scripted')));
  });

  it('reads the key on every call, so a changed key is used at once', async () => {
    let key = 'sk_first_key_123';
    const { client } = harness(baseUrl, undefined, { getApiKey: async () => key });
    await client.getResponse('resp_s');
    key = 'sk_second_key_456';
    await client.getResponse('resp_s');
    assert.deepEqual(
      seen.map((h) => h.authorization),
      ['Bearer sk_first_key_123', 'Bearer sk_second_key_456'],
    );
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}
