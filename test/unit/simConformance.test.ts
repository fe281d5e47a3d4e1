// Every simulator endpoint answers with bodies that validate against Sail's OpenAPI document, and the
// official OpenAI SDK works against it unmodified.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startSimulator, type Simulator } from '../sim/index';
import { call, isTerminal, loadSailSchemas, pollResponse, responseSchema, type WireBatch, type WireError } from '../sim/testing';

const RESPONSE_OBJECT = '#/components/schemas/ResponseObject';
const ERROR_RESPONSE = '#/components/schemas/ErrorResponse';

// The live vocabulary (queued/in_progress/incomplete) is validated against a copy of the document whose
// ResponseObject.status enum is extended with those names; the legacy vocabulary against the pristine SPEC.
const live = loadSailSchemas({ patched: true });
const spec = loadSailSchemas({ patched: false });

function assertValid(check: typeof live, pointer: string, value: unknown): void {
  assert.deepEqual(check.errors(pointer, value), [], `${pointer} rejected ${JSON.stringify(value).slice(0, 400)}`);
}

describe('simulator conformance with the OpenAPI document', () => {
  let sim: Simulator;
  let legacy: Simulator;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
    legacy = await startSimulator({ timeScale: 1000, legacyStatuses: true });
  });
  after(async () => {
    await sim.close();
    await legacy.close();
  });

  it('the schema check itself rejects a wrong body', () => {
    assert.notDeepEqual(live.errors(RESPONSE_OBJECT, { id: 'resp_1', object: 'response', status: 'queued' }), []);
    assert.notDeepEqual(
      spec.errors(RESPONSE_OBJECT, { id: 'resp_1', object: 'response', created_at: 1, status: 'queued', model: 'm', metadata: {}, usage: {} }),
      [],
    );
  });

  it('GET /models', async () => {
    const res = await call(sim, 'GET', '/models');
    assert.equal(res.status, 200);
    assertValid(live, responseSchema('/models', 'get', 200), res.body);
  });

  it('a background response through every status, live vocabulary', async () => {
    const created = await call(sim, 'POST', '/responses', {
      body: { model: 'moonshotai/Kimi-K2.5', input: 'Summarise the design.', background: true, metadata: { completion_window: 'standard' } },
    });
    assert.equal(created.status, 202);
    assert.equal(created.body.status, 'queued');
    assertValid(live, responseSchema('/responses', 'post', 202), created.body);
    const seen = await pollResponse(sim, created.body.id, isTerminal);
    for (const body of seen) {
      assertValid(live, responseSchema('/responses/{response_id}', 'get', 200), body);
    }
    assert.equal(seen.at(-1)?.status, 'completed');
  });

  it('a background response through every status, legacy vocabulary, against the unpatched SPEC', async () => {
    const created = await call(legacy, 'POST', '/responses', {
      body: { model: 'moonshotai/Kimi-K2.5', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }], background: true },
    });
    assert.equal(created.body.status, 'pending');
    assertValid(spec, RESPONSE_OBJECT, created.body);
    const seen = await pollResponse(legacy, created.body.id, isTerminal);
    for (const body of seen) {
      assertValid(spec, RESPONSE_OBJECT, body);
    }
    assert.ok(seen.some((b) => b.status === 'running'));
  });

  it('foreground, incomplete, reasoning and failed responses', async () => {
    const foreground = await call(sim, 'POST', '/responses', {
      body: { model: 'moonshotai/Kimi-K2.5', input: 'Hello', temperature: 0.2, top_p: 0.9, user: 'u1', reasoning: { effort: 'medium' } },
    });
    assert.equal(foreground.status, 200);
    assertValid(live, responseSchema('/responses', 'post', 200), foreground.body);

    const incomplete = await call(sim, 'POST', '/responses', { body: { model: 'moonshotai/Kimi-K2.5', input: 'Hello', max_output_tokens: 5 } });
    assert.equal(incomplete.body.status, 'incomplete');
    assertValid(live, RESPONSE_OBJECT, incomplete.body);

    sim.faults.inject({ fault: 'fail_job' });
    const failed = await call(sim, 'POST', '/responses', { body: { model: 'moonshotai/Kimi-K2.5', input: 'Hello' } });
    assert.equal(failed.body.status, 'failed');
    assertValid(live, RESPONSE_OBJECT, failed.body);
  });

  it('batches: create, list, get and item', async () => {
    const created = await call<WireBatch>(sim, 'POST', '/batches', {
      body: {
        endpoint: '/v1/responses',
        label: 'conformance',
        requests: [
          { custom_id: 'first', params: { model: 'zai-org/GLM-5.3', input: 'one' } },
          { custom_id: 'second', params: { model: 'zai-org/GLM-5.3', input: 'two', metadata: { completion_window: 'flex' } } },
        ],
      },
    });
    assert.equal(created.status, 200);
    assertValid(live, responseSchema('/batches', 'post', 200), created.body);

    const list = await call(sim, 'GET', '/batches?limit=10');
    assertValid(live, responseSchema('/batches', 'get', 200), list.body);

    const detail = await call(sim, 'GET', `/batches/${created.body.id}`);
    assertValid(live, responseSchema('/batches/{batch_id}', 'get', 200), detail.body);

    const item = await call(sim, 'GET', `/batches/${created.body.id}/first`);
    assertValid(live, responseSchema('/batches/{batch_id}/{custom_id}', 'get', 200), item.body);
  });

  it('400, 401 and 404 bodies are ErrorResponse envelopes', async () => {
    const errors = [
      await call<WireError>(sim, 'POST', '/responses', { body: { model: 'moonshotai/Kimi-K2.5', input: 'x', temperature: 9 } }),
      await call<WireError>(sim, 'POST', '/batches', { body: { endpoint: '/v1/chat/completions', requests: [] } }),
      await call<WireError>(sim, 'GET', '/batches?limit=0'),
      await call<WireError>(sim, 'GET', '/models', { apiKey: 'sk_wrong' }),
      await call<WireError>(sim, 'GET', '/responses/resp_missing'),
      await call<WireError>(sim, 'GET', '/batches/batch_missing'),
      await call<WireError>(sim, 'POST', '/responses/resp_x/cancel'),
    ];
    assert.deepEqual(
      errors.map((e) => e.status),
      [400, 400, 400, 401, 404, 404, 404],
    );
    for (const e of errors) {
      assertValid(live, ERROR_RESPONSE, e.body);
    }
  });
});

describe('the official openai SDK against the simulator', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
  });
  after(() => sim.close());

  it('creates a background response and retrieves it until completed', async () => {
    const client = new OpenAI({ baseURL: sim.baseUrl, apiKey: sim.apiKey, maxRetries: 0 });
    // metadata.completion_window is a Sail extension; the SDK's metadata type already allows any string.
    const created = await client.responses.create({
      model: 'moonshotai/Kimi-K2.5',
      input: 'Explain a ring buffer in two sentences.',
      background: true,
      metadata: { completion_window: 'standard' },
    });
    assert.equal(created.status, 'queued');
    assert.match(created.id, /^resp_[A-Za-z0-9_-]+$/);

    let current = created;
    for (let i = 0; i < 2000 && current.status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      current = await client.responses.retrieve(created.id);
    }
    assert.equal(current.status, 'completed');
    assert.ok(current.output_text.length > 0);
    assert.match(current.output_text, /ring buffer/);
    assert.ok((current.usage?.output_tokens ?? 0) > 0);
  });

  it('surfaces Sail errors as SDK API errors', async () => {
    const client = new OpenAI({ baseURL: sim.baseUrl, apiKey: 'sk_not_accepted', maxRetries: 0 });
    await assert.rejects(client.models.list(), (err: unknown) => err instanceof OpenAI.AuthenticationError && err.status === 401);
  });
});
