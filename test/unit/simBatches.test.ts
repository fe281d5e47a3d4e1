// The simulator's Batches API: bare-array pagination, UPPERCASE item statuses, per-item results.
import * as assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startSimulator, type Simulator } from '../sim/index';
import { call, outputText, type WireBatch, type WireError, type WireResponse } from '../sim/testing';

const GLM = 'zai-org/GLM-5.3';

function batchBody(ids: string[], label?: string): Record<string, unknown> {
  return {
    endpoint: '/v1/responses',
    ...(label ? { label } : {}),
    requests: ids.map((id) => ({ custom_id: id, params: { model: GLM, input: `prompt ${id}` } })),
  };
}

async function createBatch(sim: Simulator, body: Record<string, unknown>): Promise<WireBatch> {
  const res = await call<WireBatch>(sim, 'POST', '/batches', { body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Polls GET /batches/{id} until every item is terminal; returns every status seen. */
async function pollBatch(sim: Simulator, id: string): Promise<{ seen: Set<string>; last: WireBatch }> {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const { body } = await call<WireBatch>(sim, 'GET', `/batches/${id}`);
    const statuses = Object.values(body.request_status ?? {}).map((s) => s.status);
    statuses.forEach((s) => seen.add(s));
    if (statuses.every((s) => ['COMPLETED', 'INCOMPLETE', 'FAILED', 'CANCELLED'].includes(s))) {
      return { seen, last: body };
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`batch ${id} never finished`);
}

describe('simulator: batches', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('creates a batch with a single-integer request_counts and the label', async () => {
    const batch = await createBatch(sim, batchBody(['a', 'b', 'c'], 'nightly-run'));
    assert.match(batch.id, /^batch_/);
    assert.equal(batch.request_counts, 3);
    assert.equal(batch.label, 'nightly-run');
    assert.ok(Number.isInteger(batch.created_at));
    assert.equal(sim.counters.totalInferences(), 3);
  });

  it('items report UPPERCASE statuses until all are terminal; FAILED for a failed job', async () => {
    sim.faults.inject({ fault: 'fail_job', route: 'createBatch' });
    const batch = await createBatch(sim, batchBody(['first', 'second']));
    const { seen, last } = await pollBatch(sim, batch.id);
    for (const status of seen) {
      assert.match(status, /^[A-Z_]+$/);
    }
    assert.ok(seen.has('QUEUED') || seen.has('IN_PROGRESS'), `saw ${[...seen].join(', ')}`);
    assert.deepEqual(last.request_status, { first: { status: 'FAILED' }, second: { status: 'COMPLETED' } });
    assert.equal(last.request_counts, 2);
  });

  it('legacy statuses show as PENDING / RUNNING', async (t) => {
    const legacy = await startSimulator({ timeScale: 1000, legacyStatuses: true });
    t.after(() => legacy.close());
    const batch = await createBatch(legacy, batchBody(['only']));
    const { seen } = await pollBatch(legacy, batch.id);
    assert.ok(
      [...seen].every((s) => ['PENDING', 'RUNNING', 'COMPLETED'].includes(s)),
      [...seen].join(', '),
    );
    assert.ok(seen.has('PENDING') || seen.has('RUNNING'));
  });

  it("GET /batches/{id}/{custom_id} is that item's ResponseObject; unknown ids are 404", async () => {
    const batch = await createBatch(sim, batchBody(['alpha', 'beta']));
    await pollBatch(sim, batch.id);
    const item = await call<WireResponse>(sim, 'GET', `/batches/${batch.id}/beta`);
    assert.equal(item.status, 200);
    assert.equal(item.body.object, 'response');
    assert.equal(item.body.status, 'completed');
    assert.match(outputText(item.body), /prompt beta/);
    assert.match(outputText(item.body), /`standard`/, 'batch items default to standard');
    const same = await call<WireResponse>(sim, 'GET', `/responses/${item.body.id}`);
    assert.equal(same.body.id, item.body.id);

    for (const path of [`/batches/${batch.id}/gamma`, '/batches/batch_nope/alpha']) {
      const missing = await call<WireError>(sim, 'GET', path);
      assert.equal(missing.status, 404, path);
      assert.equal(missing.body.error.message, 'Batch or request not found');
    }
    assert.equal((await call(sim, 'GET', '/batches/batch_nope')).status, 404);
  });

  it('lists newest first as a bare array, with limit, before_id and after_id', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await createBatch(sim, batchBody([`r${i}`], `b${i}`))).id);
    }
    const newestFirst = [...ids].reverse();
    const list = async (query: string) => {
      const res = await call<WireBatch[]>(sim, 'GET', `/batches${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(Array.isArray(res.body));
      return res.body.map((b) => b.id);
    };
    assert.deepEqual(await list(''), newestFirst);
    assert.deepEqual(await list('?limit=2'), newestFirst.slice(0, 2));
    assert.deepEqual(await list(`?limit=2&before_id=${newestFirst[1]}`), newestFirst.slice(2, 4));
    assert.deepEqual(await list(`?before_id=${newestFirst[4]}`), []);
    assert.deepEqual(await list(`?limit=2&after_id=${ids[0]}`), [ids[2], ids[1]], 'the two created right after ids[0]');
    assert.deepEqual(await list(`?after_id=${ids[1]}&before_id=${ids[4]}`), [ids[3], ids[2]]);
  });

  it('the default page is 25', async () => {
    for (let i = 0; i < 26; i++) {
      await createBatch(sim, batchBody(['x']));
    }
    assert.equal((await call<WireBatch[]>(sim, 'GET', '/batches')).body.length, 25);
    assert.equal((await call<WireBatch[]>(sim, 'GET', '/batches?limit=200')).body.length, 26);
  });

  it('rejects a bad limit or an unknown cursor with 400', async () => {
    for (const query of ['?limit=0', '?limit=201', '?limit=abc', '?limit=2.5']) {
      const res = await call<WireError>(sim, 'GET', `/batches${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error.param, 'limit');
    }
    const cursor = await call<WireError>(sim, 'GET', '/batches?after_id=batch_unknown');
    assert.equal(cursor.status, 400);
    assert.equal(cursor.body.error.param, 'after_id');
  });

  const item = (customId: string, params: Record<string, unknown> = { model: GLM, input: 'x' }) => ({ custom_id: customId, params });
  const invalid: [string, unknown, string | null][] = [
    ['another endpoint', { endpoint: '/v1/chat/completions', requests: [item('a')] }, 'endpoint'],
    ['no requests', { endpoint: '/v1/responses', requests: [] }, 'requests'],
    ['an uppercase custom_id', { endpoint: '/v1/responses', requests: [item('Abc')] }, 'requests[0].custom_id'],
    ['a custom_id starting with a dash', { endpoint: '/v1/responses', requests: [item('-a')] }, 'requests[0].custom_id'],
    ['a custom_id over 64 characters', { endpoint: '/v1/responses', requests: [item('a'.repeat(65))] }, 'requests[0].custom_id'],
    ['duplicate custom_ids', { endpoint: '/v1/responses', requests: [item('a'), item('b'), item('a')] }, 'requests[2].custom_id'],
    ['a bad label', { endpoint: '/v1/responses', label: 'has space', requests: [item('a')] }, 'label'],
    ['an unknown top-level field', { endpoint: '/v1/responses', requests: [item('a')], extra: 1 }, 'extra'],
    [
      'the asap window',
      { endpoint: '/v1/responses', requests: [item('a', { model: GLM, input: 'x', metadata: { completion_window: 'asap' } })] },
      'requests[0].params.metadata.completion_window',
    ],
    [
      'the priority window',
      { endpoint: '/v1/responses', requests: [item('a', { model: 'moonshotai/Kimi-K2.5', input: 'x', metadata: { completion_window: 'priority' } })] },
      'requests[0].params.metadata.completion_window',
    ],
    [
      'invalid params',
      { endpoint: '/v1/responses', requests: [item('a'), item('b', { model: GLM, input: 'x', temperature: 3 })] },
      'requests[1].params.temperature',
    ],
    [
      'an asap-only model',
      { endpoint: '/v1/responses', requests: [item('a', { model: 'openai/gpt-oss-120b', input: 'x' })] },
      'requests[0].params.metadata.completion_window',
    ],
  ];
  for (const [name, body, param] of invalid) {
    it(`400 naming the param: ${name}`, async () => {
      const res = await call<WireError>(sim, 'POST', '/batches', { body });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.param, param);
      assert.equal(sim.counters.totalInferences(), 0);
    });
  }
});
