// Idempotency as sail-api.md §1 describes it: (API key, Idempotency-Key) reservations, SHA-256 of the
// canonical body, replays of the live record without a new inference.
import * as assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startSimulator, type Simulator } from '../sim/index';
import { call, isTerminal, pollResponse, type WireBatch, type WireError } from '../sim/testing';

const body = { model: 'moonshotai/Kimi-K2.5', input: 'Summarise', background: true, metadata: { completion_window: 'standard' } };

describe('simulator: idempotency', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000, apiKeys: ['sk_sim_a', 'sk_sim_b'] });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const withKey = (key: string, extra: { apiKey?: string } = {}) => ({ headers: { 'Idempotency-Key': key }, ...extra });

  it('the same key and body replays the record without a second inference', async () => {
    const first = await call(sim, 'POST', '/responses', { body, ...withKey('k-1') });
    const reordered = { metadata: body.metadata, background: true, input: body.input, model: body.model };
    const second = await call(sim, 'POST', '/responses', { body: reordered, ...withKey('k-1') });
    assert.deepEqual([first.status, second.status], [202, 202]);
    assert.equal(second.body.id, first.body.id);
    assert.equal(second.body.created_at, first.body.created_at);
    assert.equal(sim.counters.inferences('k-1'), 1);
    assert.equal(sim.counters.totalInferences(), 1);
    assert.equal(sim.counters.requests('POST', 'createResponse'), 2);
  });

  it('a replay returns the live state, not a snapshot', async () => {
    const first = await call(sim, 'POST', '/responses', { body, ...withKey('k-live') });
    assert.equal(first.body.status, 'queued');
    await pollResponse(sim, first.body.id, isTerminal);
    const replay = await call(sim, 'POST', '/responses', { body, ...withKey('k-live') });
    assert.equal(replay.status, 202);
    assert.equal(replay.body.id, first.body.id);
    assert.equal(replay.body.status, 'completed');
  });

  it('a foreground replay answers 200 with the same completed record', async () => {
    const fg = { model: 'moonshotai/Kimi-K2.5', input: 'now' };
    const first = await call(sim, 'POST', '/responses', { body: fg, ...withKey('k-fg') });
    const second = await call(sim, 'POST', '/responses', { body: fg, ...withKey('k-fg') });
    assert.deepEqual([first.status, second.status], [200, 200]);
    assert.equal(second.body.id, first.body.id);
    assert.equal(sim.counters.inferences('k-fg'), 1);
  });

  it('the same key with a different body is a 400 idempotency_error', async () => {
    await call(sim, 'POST', '/responses', { body, ...withKey('k-2') });
    const res = await call<WireError>(sim, 'POST', '/responses', { body: { ...body, input: 'Something else' }, ...withKey('k-2') });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'idempotency_error');
    assert.equal(res.body.error.type, 'invalid_request_error');
    assert.equal(sim.counters.inferences('k-2'), 1);
  });

  it('a validation failure does not consume the key', async () => {
    const bad = await call<WireError>(sim, 'POST', '/responses', { body: { ...body, temperature: 7 }, ...withKey('k-3') });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'temperature');
    const broken = await call(sim, 'POST', '/responses', { rawBody: '{', ...withKey('k-3') });
    assert.equal(broken.status, 400);
    const good = await call(sim, 'POST', '/responses', { body, ...withKey('k-3') });
    assert.equal(good.status, 202);
    assert.equal(sim.counters.inferences('k-3'), 1);
  });

  it('keys are scoped per API key', async () => {
    const a = await call(sim, 'POST', '/responses', { body, ...withKey('shared', { apiKey: 'sk_sim_a' }) });
    const b = await call(sim, 'POST', '/responses', { body: { ...body, input: 'different' }, ...withKey('shared', { apiKey: 'sk_sim_b' }) });
    const bAgain = await call(sim, 'POST', '/responses', { body: { ...body, input: 'different' }, ...withKey('shared', { apiKey: 'sk_sim_b' }) });
    assert.deepEqual([a.status, b.status, bAgain.status], [202, 202, 202]);
    assert.notEqual(a.body.id, b.body.id);
    assert.equal(bAgain.body.id, b.body.id);
    assert.equal(sim.counters.inferences('shared'), 2);
  });

  it('a key over 255 characters is a 400; 255 is fine', async () => {
    const tooLong = await call<WireError>(sim, 'POST', '/responses', { body, ...withKey('k'.repeat(256)) });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.param, 'Idempotency-Key');
    const longest = await call(sim, 'POST', '/responses', { body, ...withKey('k'.repeat(255)) });
    assert.equal(longest.status, 202);
  });

  it('without a key every request is a new inference', async () => {
    const first = await call(sim, 'POST', '/responses', { body });
    const second = await call(sim, 'POST', '/responses', { body });
    assert.notEqual(first.body.id, second.body.id);
    assert.equal(sim.counters.totalInferences(), 2);
  });

  it('POST /batches honours the key too', async () => {
    const batch = { endpoint: '/v1/responses', requests: ['a', 'b'].map((id) => ({ custom_id: id, params: { model: 'zai-org/GLM-5.3', input: id } })) };
    const first = await call<WireBatch>(sim, 'POST', '/batches', { body: batch, ...withKey('b-1') });
    const second = await call<WireBatch>(sim, 'POST', '/batches', { body: batch, ...withKey('b-1') });
    assert.deepEqual([first.status, second.status], [200, 200]);
    assert.equal(second.body.id, first.body.id);
    assert.equal(sim.counters.inferences('b-1'), 2, 'one inference per item, once');
    const conflict = await call<WireError>(sim, 'POST', '/batches', { body: { ...batch, label: 'changed' }, ...withKey('b-1') });
    assert.equal(conflict.body.error.code, 'idempotency_error');
    const list = await call<WireBatch[]>(sim, 'GET', '/batches');
    assert.equal(list.body.length, 1);
  });
});
