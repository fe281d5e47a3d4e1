// Every fault kind, observed from plain fetch / node:http clients, plus the counters and the admin
// HTTP API that tests in another process (the extension host) use.
import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startSimulator, type FaultRule, type Simulator } from '../sim/index';
import { call, loadSailSchemas, type WireError } from '../sim/testing';

const schemas = loadSailSchemas({ patched: true });
const body = { model: 'moonshotai/Kimi-K2.5', input: 'Hello', background: true };

/** POST /responses with node:http, resolving the status and raw body text, or rejecting with the socket error. */
function rawPost(sim: Simulator, payload: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const url = new URL(`${sim.baseUrl}/responses`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(payload));
  });
}

const post = (sim: Simulator, key?: string, init: RequestInit = {}) =>
  fetch(`${sim.baseUrl}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify(body),
    ...init,
  });

describe('simulator: fault injection', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('429 carries Retry-After in seconds (1 by default) and the error envelope', async () => {
    sim.faults.inject({ fault: 'http_error', status: 429, route: 'createResponse' });
    sim.faults.inject({ fault: 'http_error', status: 429, retryAfterSeconds: 7, route: 'createResponse' });
    const first = await post(sim);
    const second = await post(sim);
    assert.deepEqual([first.status, second.status], [429, 429]);
    assert.deepEqual([first.headers.get('retry-after'), second.headers.get('retry-after')], ['1', '7']);
    assert.deepEqual(schemas.errors('#/components/schemas/ErrorResponse', await first.json()), []);
    assert.equal((await post(sim)).status, 202, 'rules are used up');
    assert.equal(sim.counters.totalInferences(), 1);
  });

  for (const status of [500, 502, 503, 504] as const) {
    it(`${status} with the error envelope records nothing`, async () => {
      sim.faults.inject({ fault: 'http_error', status });
      const res = await call<WireError>(sim, 'POST', '/responses', { body });
      assert.equal(res.status, status);
      assert.equal(res.body.error.type, 'server_error');
      assert.deepEqual(schemas.errors('#/components/schemas/ErrorResponse', res.body), []);
      assert.equal(sim.counters.totalInferences(), 0);
    });
  }

  it('times: N affects N requests, then the rule is removed', async () => {
    sim.faults.inject({ fault: 'http_error', status: 503, times: 2 });
    assert.equal(sim.faults.pending()[0].times, 2);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await post(sim)).status);
    }
    assert.deepEqual(statuses, [503, 503, 202]);
    assert.deepEqual(sim.faults.pending(), []);
  });

  it('rules match by method, route name and path prefix', async () => {
    sim.faults.inject({ fault: 'http_error', status: 500, method: 'GET', pathPrefix: '/v1/responses/' });
    sim.faults.inject({ fault: 'http_error', status: 502, route: 'listBatches' });
    const created = await call(sim, 'POST', '/responses', { body });
    assert.equal(created.status, 202, 'a POST is not a GET');
    assert.equal((await call(sim, 'GET', '/models')).status, 200, 'another path');
    assert.equal((await call(sim, 'GET', `/responses/${created.body.id}`)).status, 500);
    assert.equal((await call(sim, 'GET', `/responses/${created.body.id}`)).status, 200);
    assert.equal((await call(sim, 'GET', '/batches')).status, 502);
    assert.equal(sim.counters.requests('GET', 'getResponse'), 2);
    assert.equal(sim.counters.requests('GET', 'listBatches'), 1);
  });

  it('reset before recording: a socket error, no job, and the retry runs the one inference', async () => {
    sim.faults.inject({ fault: 'reset_before_record', route: 'createResponse' });
    await assert.rejects(rawPost(sim, body, { 'Idempotency-Key': 'rb-1' }), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    assert.equal(sim.counters.inferences('rb-1'), 0);
    const retry = await rawPost(sim, body, { 'Idempotency-Key': 'rb-1' });
    assert.equal(retry.status, 202);
    assert.equal(sim.counters.inferences('rb-1'), 1);
  });

  it('reset after recording: the job exists and ran, the retry replays it (exactly one inference)', async () => {
    sim.faults.inject({ fault: 'reset_after_record', route: 'createResponse' });
    await assert.rejects(post(sim, 'ra-1'), TypeError, 'fetch fails with a network error');
    assert.equal(sim.counters.inferences('ra-1'), 1);
    const retry = await post(sim, 'ra-1');
    assert.equal(retry.status, 202);
    const replayed = (await retry.json()) as { id: string };
    assert.equal((await call(sim, 'GET', `/responses/${replayed.id}`)).status, 200);
    assert.equal(sim.counters.inferences('ra-1'), 1);
    assert.equal(sim.counters.totalInferences(), 1);
  });

  it('reset after recording on a foreground request: the retry collects the finished job', async () => {
    const foreground = { model: 'moonshotai/Kimi-K2.5', input: 'now' };
    sim.faults.inject({ fault: 'reset_after_record' });
    await assert.rejects(rawPost(sim, foreground, { 'Idempotency-Key': 'fg-1' }));
    const retry = await rawPost(sim, foreground, { 'Idempotency-Key': 'fg-1' });
    assert.equal(retry.status, 200);
    assert.equal((JSON.parse(retry.text) as { status: string }).status, 'completed');
    assert.equal(sim.counters.inferences('fg-1'), 1);
  });

  it('malformed JSON: 200 with a body that does not parse', async () => {
    sim.faults.inject({ fault: 'malformed_json' });
    const res = await post(sim);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    await assert.rejects(res.json(), SyntaxError);
    assert.equal(sim.counters.totalInferences(), 1, 'the request was handled');
  });

  it('wrong shape: 200 with valid JSON that is not a ResponseObject', async () => {
    sim.faults.inject({ fault: 'wrong_shape', route: 'getResponse' });
    const created = await call(sim, 'POST', '/responses', { body });
    const res = await call<Record<string, unknown>>(sim, 'GET', `/responses/${created.body.id}`);
    assert.equal(res.status, 200);
    assert.notDeepEqual(schemas.errors('#/components/schemas/ResponseObject', res.body), []);
  });

  it('slow headers: the response is held back delayMs, after the request was handled', async () => {
    sim.faults.inject({ fault: 'slow_headers', delayMs: 60_000 });
    await assert.rejects(post(sim, 'slow-1', { signal: AbortSignal.timeout(100) }), (err: Error) => err.name === 'TimeoutError');
    assert.equal(sim.counters.inferences('slow-1'), 1);
    sim.faults.inject({ fault: 'slow_headers', delayMs: 10 });
    const res = await post(sim, 'slow-1');
    assert.equal(res.status, 202, 'a short delay still delivers the reply');
    assert.equal(((await res.json()) as { object: string }).object, 'response');
  });

  it('stalled body: headers and part of the body arrive, the rest never does', async () => {
    sim.faults.inject({ fault: 'stalled_body' });
    const controller = new AbortController();
    const res = await post(sim, undefined, { signal: controller.signal });
    assert.equal(res.status, 202);
    const declared = Number(res.headers.get('content-length'));
    const reader = res.body?.getReader();
    assert.ok(reader);
    const first = await reader.read();
    assert.ok(!first.done && first.value.length > 0 && first.value.length < declared, `${first.value?.length} of ${declared} bytes`);
    const rest = reader.read();
    controller.abort();
    await assert.rejects(rest);
  });

  it('fail_job: the create succeeds and the job ends failed', async () => {
    sim.faults.inject({ fault: 'fail_job' });
    const res = await call(sim, 'POST', '/responses', { body: { model: 'moonshotai/Kimi-K2.5', input: 'x' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'failed');
    assert.ok(res.body.error && res.body.error.message.length > 0);
  });

  it('a transient 404 on GET of an existing response: the next GET finds it', async () => {
    const created = await call(sim, 'POST', '/responses', { body });
    sim.faults.inject({ fault: 'http_error', status: 404, route: 'getResponse' });
    const missing = await call<WireError>(sim, 'GET', `/responses/${created.body.id}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message, 'Response not found', 'the same answer as a response that is gone');
    assert.deepEqual(schemas.errors('#/components/schemas/ErrorResponse', missing.body), []);
    const found = await call(sim, 'GET', `/responses/${created.body.id}`);
    assert.equal(found.status, 200);
    assert.equal(found.body.id, created.body.id);
  });

  it('429 can carry an absurd Retry-After verbatim: huge, negative, garbage, a date in 9999', async () => {
    const values = ['1000000000000', '-5', 'soon', 'Fri, 31 Dec 9999 23:59:59 GMT'];
    sim.faults.inject({ fault: 'http_error', status: 429, retryAfterSeconds: 1e12 });
    for (const retryAfter of values.slice(1)) {
      sim.faults.inject({ fault: 'http_error', status: 429, retryAfter });
    }
    const seen = [];
    for (let i = 0; i < values.length; i++) {
      const res = await post(sim);
      assert.equal(res.status, 429);
      assert.deepEqual(schemas.errors('#/components/schemas/ErrorResponse', await res.json()), []);
      seen.push(res.headers.get('retry-after'));
    }
    assert.deepEqual(seen, values);
    assert.equal(sim.counters.totalInferences(), 0);
  });

  it('slow accept: the POST is held before it is recorded, then answered as usual', async () => {
    sim.faults.inject({ fault: 'slow_accept', delayMs: 150, route: 'createResponse' });
    const held = post(sim, 'sa-1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(sim.counters.inferences('sa-1'), 0, 'nothing is recorded while Sail holds the request');
    const res = await held;
    assert.equal(res.status, 202);
    assert.equal(sim.counters.inferences('sa-1'), 1);
  });

  it('a duplicate POST under a key in flight waits for the first and replays it (one inference)', async () => {
    sim.faults.inject({ fault: 'slow_accept', delayMs: 150, route: 'createResponse' });
    const [first, second] = await Promise.all([post(sim, 'dup-wait'), post(sim, 'dup-wait')]);
    assert.deepEqual([first.status, second.status], [202, 202]);
    const [a, b] = (await Promise.all([first.json(), second.json()])) as { id: string }[];
    assert.equal(a.id, b.id);
    assert.equal(sim.counters.inferences('dup-wait'), 1);
    assert.equal(sim.counters.concurrentDuplicates(), 1);
  });

  it('a picker chooses faults for requests no rule matched, sees their headers, and clear() drops it', async () => {
    const agents: (string | undefined)[] = [];
    sim.faults.pick(({ route, headers }) => {
      agents.push(headers['user-agent']);
      return route === 'createResponse' ? { fault: 'http_error', status: 503 } : undefined;
    });
    sim.faults.inject({ fault: 'http_error', status: 502, route: 'createResponse' });
    assert.equal((await post(sim, undefined, { headers: { authorization: `Bearer ${sim.apiKey}`, 'user-agent': 'window-a' } })).status, 502, 'rules first');
    assert.equal((await post(sim, undefined, { headers: { authorization: `Bearer ${sim.apiKey}`, 'user-agent': 'window-b' } })).status, 503);
    assert.equal((await call(sim, 'GET', '/models')).status, 200);
    assert.deepEqual(agents.slice(0, 1), ['window-b']);
    sim.faults.clear();
    assert.equal((await post(sim)).status, 202);
  });

  it('inject rejects a malformed rule; clear drops pending rules', () => {
    assert.throws(() => sim.faults.inject({ fault: 'http_error', status: 418 } as unknown as FaultRule), /Invalid fault rule/);
    assert.throws(() => sim.faults.inject({ fault: 'explode' } as unknown as FaultRule), /Invalid fault rule/);
    assert.throws(() => sim.faults.inject({ fault: 'stalled_body', times: 0 }), /Invalid fault rule/);
    sim.faults.inject({ fault: 'stalled_body', route: 'listModels' });
    sim.faults.clear();
    assert.deepEqual(sim.faults.pending(), []);
  });
});

describe('simulator: concurrent duplicates under one key, when Sail answers 409', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000, inFlightDuplicates: 'conflict' });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('a second POST while the first is held gets 409 and runs nothing; once it is answered, the key replays', async () => {
    sim.faults.inject({ fault: 'slow_accept', delayMs: 150, route: 'createResponse' });
    const first = post(sim, 'dup-409');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await call<WireError>(sim, 'POST', '/responses', { body, headers: { 'Idempotency-Key': 'dup-409' } });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'idempotency_key_in_use');
    assert.deepEqual(schemas.errors('#/components/schemas/ErrorResponse', second.body), []);
    const accepted = (await (await first).json()) as { id: string };
    const replay = await call(sim, 'POST', '/responses', { body, headers: { 'Idempotency-Key': 'dup-409' } });
    assert.equal(replay.status, 202);
    assert.equal(replay.body.id, accepted.id);
    assert.equal(sim.counters.inferences('dup-409'), 1);
    assert.equal(sim.counters.concurrentDuplicates(), 1, 'the replay came after the first was answered');
  });

  it('a foreground request is in flight until its job is done: a duplicate meanwhile gets 409', async () => {
    const foreground = { model: 'moonshotai/Kimi-K2.5', input: 'now', metadata: { completion_window: 'standard' } };
    const first = rawPost(sim, foreground, { 'Idempotency-Key': 'fg-409' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await rawPost(sim, foreground, { 'Idempotency-Key': 'fg-409' });
    assert.equal(second.status, 409);
    assert.equal((await first).status, 200);
    assert.equal(sim.counters.inferences('fg-409'), 1);
  });

  it('different keys are not duplicates', async () => {
    sim.faults.inject({ fault: 'slow_accept', delayMs: 100, route: 'createResponse', times: 2 });
    const statuses = await Promise.all([post(sim, 'k-1'), post(sim, 'k-2')]).then((r) => r.map((x) => x.status));
    assert.deepEqual(statuses, [202, 202]);
    assert.equal(sim.counters.concurrentDuplicates(), 0);
  });
});

describe('simulator: admin HTTP API', () => {
  let sim: Simulator;
  let admin: string;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
    admin = sim.baseUrl.replace(/\/v1$/, '/__sim');
  });
  after(() => sim.close());

  const adminCall = async (method: string, path: string, payload?: unknown) => {
    const res = await fetch(admin + path, { method, body: payload === undefined ? undefined : JSON.stringify(payload) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined };
  };

  it('POST /__sim/faults injects a rule (no auth needed); DELETE clears them', async () => {
    const rule: FaultRule = { fault: 'http_error', status: 503, route: 'listModels', times: 2 };
    const added = await adminCall('POST', '/faults', rule);
    assert.equal(added.status, 201);
    assert.deepEqual(added.body?.pending, [rule]);
    assert.equal((await call(sim, 'GET', '/models')).status, 503);
    assert.equal((await adminCall('DELETE', '/faults')).status, 204);
    assert.equal((await call(sim, 'GET', '/models')).status, 200);
    assert.deepEqual((await adminCall('GET', '/faults')).body, { pending: [] });
  });

  it('POST /__sim/faults rejects a malformed rule with 400', async () => {
    const res = await adminCall('POST', '/faults', { fault: 'http_error', status: 200 });
    assert.equal(res.status, 400);
    const notJson = await fetch(`${admin}/faults`, { method: 'POST', body: 'nope' });
    assert.equal(notJson.status, 400);
  });

  it('GET /__sim/counters reports requests and inferences; POST /__sim/reset forgets everything', async () => {
    await call(sim, 'POST', '/responses', { body, headers: { 'Idempotency-Key': 'adm-1' } });
    await call(sim, 'POST', '/responses', { body, headers: { 'Idempotency-Key': 'adm-1' } });
    const created = await call(sim, 'POST', '/responses', { body });
    const counters = await adminCall('GET', '/counters');
    assert.equal(counters.status, 200);
    assert.deepEqual(counters.body?.inferencesByIdempotencyKey, { 'adm-1': 1 });
    assert.equal(counters.body?.totalInferences, 2);
    assert.equal((counters.body?.requests as Record<string, number>)['POST createResponse'], 3);

    assert.equal((await adminCall('POST', '/reset')).status, 204);
    assert.equal((await call(sim, 'GET', `/responses/${created.body.id}`)).status, 404);
    assert.deepEqual((await adminCall('GET', '/counters')).body, {
      requests: { 'GET getResponse': 1 },
      inferencesByIdempotencyKey: {},
      totalInferences: 0,
      concurrentDuplicates: 0,
    });
  });

  it("POST /__sim/expire makes every response gone, as after Sail's retention, and keeps the counters", async () => {
    const created = await call(sim, 'POST', '/responses', { body });
    assert.equal((await call(sim, 'GET', `/responses/${created.body.id}`)).status, 200);
    assert.equal((await adminCall('POST', '/expire')).status, 204);
    const gone = await call(sim, 'GET', `/responses/${created.body.id}`);
    assert.equal(gone.status, 404);
    assert.equal((await adminCall('GET', '/counters')).body?.totalInferences, 1);
  });

  it('unknown admin routes are 404', async () => {
    assert.equal((await adminCall('GET', '/nothing')).status, 404);
  });
});
