// The simulator's request log (what a client put on the wire, for the secret scan) and the `echo_key`
// fault (a server that quotes the caller's key back in its error).
import * as assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startSimulator, type LoggedRequest, type Simulator } from '../sim/index';
import { call, type WireError } from '../sim/testing';

const body = { model: 'moonshotai/Kimi-K2.5', input: 'Hello', background: true };

/** The value of a logged header, by name in any case. */
function header(request: LoggedRequest, name: string): string | undefined {
  return request.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

describe('simulator: request log', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000, apiKeys: ['MARKER-log-key'] });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('records method, URL with query, headers as sent and body, in order', async () => {
    const created = await call(sim, 'POST', '/responses', { body, headers: { 'Idempotency-Key': 'idem-1', 'X-Custom': 'yes' } });
    await call(sim, 'GET', `/responses/${created.body.id}?include=x`);
    const [post, get] = sim.requests.entries();
    assert.equal(post.method, 'POST');
    assert.equal(post.url, '/v1/responses');
    assert.deepEqual(JSON.parse(post.body ?? ''), body);
    assert.equal(header(post, 'authorization'), 'Bearer MARKER-log-key');
    assert.equal(header(post, 'idempotency-key'), 'idem-1');
    assert.ok(
      post.headers.some(([name, value]) => name === 'X-Custom' && value === 'yes'),
      'header names keep the case they were sent in',
    );
    assert.equal(get.method, 'GET');
    assert.equal(get.url, `/v1/responses/${created.body.id}?include=x`);
    assert.equal(get.body, '');
    assert.equal(sim.requests.entries().length, 2);
  });

  it('records rejected and faulted requests too, but not the admin API', async () => {
    sim.faults.inject({ fault: 'reset_before_record', route: 'createResponse' });
    await assert.rejects(call(sim, 'POST', '/responses', { body }));
    const unauthorized = await call(sim, 'GET', '/models', { apiKey: 'MARKER-wrong' });
    assert.equal(unauthorized.status, 401);
    const admin = await fetch(sim.baseUrl.replace(/\/v1$/, '/__sim/counters'));
    assert.equal(admin.status, 200);
    const logged = sim.requests.entries();
    assert.deepEqual(
      logged.map((r) => `${r.method} ${r.url}`),
      ['POST /v1/responses', 'GET /v1/models'],
    );
    assert.equal(header(logged[1], 'authorization'), 'Bearer MARKER-wrong');
  });

  it('is served as JSON at GET /__sim/requests, and reset forgets it', async () => {
    await call(sim, 'GET', '/models');
    const res = await fetch(sim.baseUrl.replace(/\/v1$/, '/__sim/requests'));
    const served = (await res.json()) as { requests: LoggedRequest[]; dropped: number };
    assert.deepEqual(served, { requests: sim.requests.entries(), dropped: 0 });
    assert.equal(served.requests.length, 1);
    sim.reset();
    assert.deepEqual(sim.requests.entries(), []);
  });

  it('keeps only the latest requestLogLimit requests and counts the ones it dropped', async () => {
    const small = await startSimulator({ requestLogLimit: 2 });
    try {
      for (const path of ['/models', '/responses/a', '/responses/b']) {
        await call(small, 'GET', path);
      }
      assert.deepEqual(
        small.requests.entries().map((r) => r.url),
        ['/v1/responses/a', '/v1/responses/b'],
      );
      assert.equal(small.requests.dropped(), 1);
    } finally {
      await small.close();
    }
  });

  it('hands out copies: a test that edits an entry does not change the log', async () => {
    await call(sim, 'GET', '/models');
    const [entry] = sim.requests.entries();
    entry.headers.length = 0;
    entry.url = '/changed';
    assert.equal(sim.requests.entries()[0].url, '/v1/models');
    assert.ok(sim.requests.entries()[0].headers.length > 0);
  });
});

describe('simulator: the echo_key fault', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000, apiKeys: ['MARKER-echo-key'] });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('answers 401 (or the status asked for) with the caller’s key quoted in the message, and records nothing', async () => {
    sim.faults.inject({ fault: 'echo_key', route: 'createResponse' });
    sim.faults.inject({ fault: 'echo_key', status: 400, route: 'createResponse' });
    const first = await call<WireError>(sim, 'POST', '/responses', { body });
    const second = await call<WireError>(sim, 'POST', '/responses', { body });
    assert.deepEqual([first.status, second.status], [401, 400]);
    assert.match(first.body.error.message, /Incorrect API key provided: MARKER-echo-key\./);
    assert.match(second.body.error.message, /MARKER-echo-key/);
    assert.equal(first.body.error.code, 'invalid_api_key');
    assert.equal(sim.counters.totalInferences(), 0);
    assert.equal((await call(sim, 'POST', '/responses', { body })).status, 202, 'rules are used up');
  });

  it('refuses a status other than 400, 401 or 403', () => {
    assert.throws(() => sim.faults.inject({ fault: 'echo_key', status: 500 as 401 }), /Invalid fault rule/);
  });
});
