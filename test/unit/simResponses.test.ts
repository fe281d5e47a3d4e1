// The simulator's Responses API: lifecycle, output and usage, validation, auth, unknown paths, expiry.
import * as assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { buildInput } from '../../src/jobs/prompt';
import { startSimulator, type Simulator } from '../sim/index';
import { call, isTerminal, outputText, pollResponse, type WireError, type WireResponse } from '../sim/testing';
import { VirtualClock } from '../support/virtualClock';

const KIMI = 'moonshotai/Kimi-K2.5';

/** The distinct statuses a job went through, in order. */
function statusPath(seen: WireResponse[]): string[] {
  return seen.map((r) => r.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);
}

async function create(sim: Simulator, body: Record<string, unknown>): Promise<WireResponse> {
  const res = await call(sim, 'POST', '/responses', { body });
  assert.ok(res.status === 200 || res.status === 202, `POST /responses answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

describe('simulator: response lifecycle', () => {
  for (const [legacyStatuses, expected] of [
    [false, ['queued', 'in_progress', 'completed']],
    [true, ['pending', 'running', 'completed']],
  ] as const) {
    it(`moves ${expected.join(' → ')} by virtual time (legacyStatuses: ${legacyStatuses})`, async (t) => {
      // The simulator's clock moves only when the test moves it, 10 virtual seconds a step: no
      // status can be skipped because this machine was slow between two polls.
      const clock = new VirtualClock(Date.now());
      const sim = await startSimulator({ timeScale: 1000, legacyStatuses, now: () => clock.now() });
      t.after(() => sim.close());
      const created = await call(sim, 'POST', '/responses', {
        body: { model: KIMI, input: 'Hi', background: true, metadata: { completion_window: 'standard' } },
      });
      assert.equal(created.status, 202);
      assert.equal(created.body.status, expected[0]);
      assert.deepEqual(created.body.output, []);
      assert.equal(created.body.usage.total_tokens, 0);
      const seen: WireResponse[] = [];
      // A standard job takes at most 5 min + 15 % (35 steps); 100 steps is clearly stuck.
      for (let step = 0; step < 100 && !seen.some(isTerminal); step++) {
        await clock.advance(10);
        seen.push((await call(sim, 'GET', `/responses/${created.body.id}`)).body);
      }
      assert.deepEqual(statusPath([created.body, ...seen]), expected);
      for (const r of seen.filter((r) => r.status !== 'completed')) {
        assert.deepEqual(r.output, [], 'no output before the job is terminal');
        assert.equal(r.usage.output_tokens, 0);
      }
    });
  }
});

describe('simulator: responses', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({
      timeScale: 1000,
      apiKeys: ['sk_sim_test', 'sk_sim_other', 'sk_sim_rotated'],
      sharedAccounts: [['sk_sim_test', 'sk_sim_rotated']],
    });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('a foreground request answers 200 once terminal, in asap when no window is set', async () => {
    const res = await call(sim, 'POST', '/responses', { body: { model: KIMI, input: 'Hello there' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'completed');
    assert.match(outputText(res.body), /`asap`/);
    assert.deepEqual(res.body.metadata, {}, 'metadata is echoed as sent');
  });

  it('an unset window on a background request runs in standard, falling back to flex', async () => {
    const kimi = await create(sim, { model: KIMI, input: 'a', background: true });
    const glm = await create(sim, { model: 'zai-org/GLM-5.3', input: 'a', background: true });
    const [kimiDone] = (await pollResponse(sim, kimi.id, isTerminal)).slice(-1);
    const [glmDone] = (await pollResponse(sim, glm.id, isTerminal)).slice(-1);
    assert.match(outputText(kimiDone), /`standard`/);
    assert.match(outputText(glmDone), /`standard`/);
    const models = [{ id: 'flex/only', windows: ['flex' as const] }];
    const flexSim = await startSimulator({ timeScale: 1e6, models });
    try {
      const flex = await create(flexSim, { model: 'flex/only', input: 'a', background: true });
      const [flexDone] = (await pollResponse(flexSim, flex.id, isTerminal)).slice(-1);
      assert.match(outputText(flexDone), /`flex`/);
    } finally {
      await flexSim.close();
    }
  });

  it('output is an item array of Markdown derived from the input, never a top-level output_text', async () => {
    const prompt = 'Refactor this:\n```js\nlet x = 1\n```';
    const first = await create(sim, { model: KIMI, input: prompt });
    const again = await create(sim, { model: KIMI, input: prompt });
    const other = await create(sim, { model: KIMI, input: [{ role: 'user', content: 'Something else entirely' }] });
    assert.equal(Object.hasOwn(first, 'output_text'), false);
    assert.deepEqual(
      first.output.map((i) => i.type),
      ['message'],
    );
    const text = outputText(first);
    assert.match(text, /^#+ /m, 'a heading');
    assert.match(text, /^- /m, 'a list');
    assert.match(text, /^````text\n[\s\S]*let x = 1[\s\S]*\n````$/m, 'the prompt quoted in a fence longer than its own');
    assert.equal(outputText(again), text, 'deterministic');
    assert.notEqual(outputText(other), text);
    assert.match(outputText(other), /Something else entirely/);
    assert.match(first.id, /^resp_[A-Za-z0-9_-]+$/);
    assert.ok(Number.isInteger(first.created_at) && Math.abs(first.created_at - Date.now() / 1000) < 600);
  });

  it('echoes request fields, and the model alias Sail answers with', async () => {
    const body = {
      model: 'deepseek-ai/DeepSeek-V4-Flash-0731',
      input: 'x',
      temperature: 0.3,
      top_p: 0.5,
      max_output_tokens: 500,
      user: 'someone',
      metadata: { completion_window: 'asap', ticket: 'T-1' },
    };
    const res = await create(sim, body);
    assert.equal(res.model, 'deepseek/deepseek-v4-flash-0731');
    assert.deepEqual([res.temperature, res.top_p, res.max_output_tokens, res.user, res.metadata, res.input], [0.3, 0.5, 500, 'someone', body.metadata, 'x']);
  });

  it('usage counts about four characters a token and adds up', async () => {
    const input = 'x'.repeat(400);
    const res = await create(sim, { model: KIMI, input });
    const u = res.usage;
    assert.equal(u.input_tokens, 100);
    assert.equal(u.output_tokens, Math.ceil(outputText(res).length / 4));
    assert.equal(u.total_tokens, u.input_tokens + u.output_tokens);
    assert.deepEqual([u.prompt_tokens, u.completion_tokens], [u.input_tokens, u.output_tokens]);
    assert.deepEqual(
      [u.input_tokens_details, u.output_tokens_details],
      [
        { cached_tokens: 0, reasoning_tokens: 0 },
        { cached_tokens: 0, reasoning_tokens: 0 },
      ],
    );
  });

  it('reasoning adds a reasoning item first and reasoning tokens inside output_tokens', async () => {
    const plain = await create(sim, { model: KIMI, input: 'Think', reasoning: { effort: 'none' } });
    const high = await create(sim, { model: KIMI, input: 'Think', reasoning: { effort: 'high' } });
    assert.deepEqual(
      plain.output.map((i) => i.type),
      ['message'],
    );
    assert.deepEqual(
      high.output.map((i) => i.type),
      ['reasoning', 'message'],
    );
    const reasoning = high.usage.output_tokens_details.reasoning_tokens;
    assert.ok(reasoning > 0);
    assert.equal(plain.usage.output_tokens_details.reasoning_tokens, 0);
    assert.equal(high.usage.output_tokens, plain.usage.output_tokens + reasoning);
  });

  it('prompt_cache_key seen before under the same API key: the prefix shared with an earlier prompt is cached, in whole blocks', async () => {
    // 420 characters: 105 tokens.
    const shared = 'a long shared prefix '.repeat(20);
    const body = { model: KIMI, input: shared, prompt_cache_key: 'conversation-7' };
    const first = await create(sim, body);
    const second = await create(sim, body);
    const otherKey = await call(sim, 'POST', '/responses', { body, apiKey: 'sk_sim_other' });
    const noKey = await create(sim, { ...body, prompt_cache_key: undefined });
    const otherCacheKey = await create(sim, { ...body, prompt_cache_key: 'conversation-8' });
    assert.equal(first.usage.input_tokens, 105);
    assert.equal(first.usage.input_tokens_details.cached_tokens, 0, 'nothing seen yet');
    // The same 105 tokens: at most 104 (the last token is always computed), rounded down to 6 blocks of 16.
    assert.equal(second.usage.input_tokens_details.cached_tokens, 96);
    assert.equal(otherKey.body.usage.input_tokens_details.cached_tokens, 0, 'another API key has its own cache');
    assert.equal(noKey.usage.input_tokens_details.cached_tokens, 0, 'without the routing hint, no hit');
    assert.equal(otherCacheKey.usage.input_tokens_details.cached_tokens, 0, 'another prompt_cache_key has its own cache');

    // 200 shared characters (50 tokens), then a different tail: 3 blocks.
    const diverging = await create(sim, { ...body, input: `${shared.slice(0, 200)}and then something else entirely, for a while` });
    assert.equal(diverging.usage.input_tokens_details.cached_tokens, 48);
    // Instructions come first in what the model reads: different instructions share nothing.
    const instructed = await create(sim, { ...body, instructions: 'Answer in French.' });
    assert.equal(instructed.usage.input_tokens_details.cached_tokens, 0);
    // ...and the same instructions again share them and the input after them: "Answer in French.\n" and
    // 420 characters are 438 characters, 110 tokens; 109 whole tokens shared, 6 blocks.
    const again = await create(sim, { ...body, instructions: 'Answer in French.' });
    assert.equal(again.usage.input_tokens, 110);
    assert.equal(again.usage.input_tokens_details.cached_tokens, 96);
  });

  it('the cached prefix stops at the first message holding an image', async () => {
    const text = 'describe the picture in detail, '.repeat(8).slice(0, 200);
    const body = (url: string) => ({
      model: KIMI,
      prompt_cache_key: 'pictures',
      input: [
        { role: 'user', content: text },
        {
          role: 'user',
          content: [
            { type: 'input_image', image_url: url },
            { type: 'input_text', text: 'What is shown?' },
          ],
        },
      ],
    });
    const first = await create(sim, body('https://example.com/a.png'));
    const sameImage = await create(sim, body('https://example.com/a.png'));
    const otherImage = await create(sim, body('https://example.com/b.png'));
    // "text\n\nWhat is shown?": 216 characters, 54 tokens, and 85 for the image.
    assert.equal(first.usage.input_tokens, 54 + 85);
    assert.deepEqual(
      [first, sameImage, otherImage].map((r) => r.usage.input_tokens_details.cached_tokens),
      [0, 48, 48],
      'the 200 characters before the image: 50 tokens, 3 blocks',
    );
  });

  it('the longest prefix shared with any earlier prompt counts, and an Idempotency-Key replay keeps the usage it reported', async () => {
    const base = 'x'.repeat(64 * 4);
    const headers = { 'idempotency-key': 'cache-replay-1' };
    const a = await call(sim, 'POST', '/responses', { body: { model: KIMI, input: `${base}A${'y'.repeat(200)}`, prompt_cache_key: 'k' }, headers });
    assert.equal(a.body.usage.input_tokens_details.cached_tokens, 0);
    // 64 + 32 tokens shared with the first prompt, 64 with the second: the longest wins.
    await create(sim, { model: KIMI, input: `${base}B${'y'.repeat(200)}`, prompt_cache_key: 'k' });
    const c = await create(sim, { model: KIMI, input: `${base}A${'y'.repeat(127)}z${'w'.repeat(80)}`, prompt_cache_key: 'k' });
    assert.equal(c.usage.input_tokens_details.cached_tokens, 64 + 32);
    const replay = await call(sim, 'POST', '/responses', { body: { model: KIMI, input: `${base}A${'y'.repeat(200)}`, prompt_cache_key: 'k' }, headers });
    assert.equal(replay.body.id, a.body.id);
    assert.deepEqual(replay.body.usage, a.body.usage, 'a replay runs nothing, so its usage is the one already reported');
  });

  it("titles the answer with the instruction: after the code when the prompt ends with it (the extension's layout), else the first line", async () => {
    const code = { text: 'x();\n', fileName: 'a.ts', languageId: 'typescript' };
    const codeFirst = await create(sim, { model: KIMI, input: buildInput({ ...code, instruction: 'Explain this\nin detail' }) });
    assert.match(outputText(codeFirst), /^## Simulated answer: Explain this\n/);
    const instructionFirst = await create(sim, { model: KIMI, input: 'Explain keep-alive\n\n```ts\nx();\n```\n' });
    assert.match(outputText(instructionFirst), /^## Simulated answer: Explain keep-alive\n/);
    const rewrite = await create(sim, { model: KIMI, input: buildInput({ ...code, instruction: 'Rewrite it' }) });
    assert.equal(
      outputText(rewrite).split('\n').slice(0, 6).join('\n'),
      '## Simulated rewrite\n\n```typescript\n// Reviewed by the Sail simulator.\nx();\n```',
    );
  });

  it('max_output_tokens below the natural output gives incomplete with truncated output', async () => {
    const full = await create(sim, { model: KIMI, input: 'Long answer please' });
    const cut = await create(sim, { model: KIMI, input: 'Long answer please', max_output_tokens: 10 });
    assert.equal(full.status, 'completed');
    assert.equal(full.incomplete_details, null);
    assert.equal(cut.status, 'incomplete');
    assert.deepEqual(cut.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(cut.usage.output_tokens, 10);
    assert.ok(outputText(full).startsWith(outputText(cut)) && outputText(cut).length < outputText(full).length);

    const onlyReasoning = await create(sim, { model: KIMI, input: 'x', reasoning: { effort: 'high' }, max_output_tokens: 10 });
    assert.equal(onlyReasoning.status, 'incomplete');
    assert.deepEqual(
      onlyReasoning.output.map((i) => i.type),
      ['reasoning'],
    );
    assert.equal(onlyReasoning.usage.output_tokens_details.reasoning_tokens, 10);
  });

  it('a fail_job fault ends the job failed with an error object and no output', async () => {
    sim.faults.inject({ fault: 'fail_job', message: 'GPU on fire' });
    const created = await create(sim, { model: KIMI, input: 'x', background: true, metadata: { completion_window: 'priority' } });
    const done = (await pollResponse(sim, created.id, isTerminal)).at(-1);
    assert.equal(done?.status, 'failed');
    assert.equal(done?.error?.message, 'GPU on fire');
    assert.deepEqual(done?.output, []);
    const next = await create(sim, { model: KIMI, input: 'x' });
    assert.equal(next.status, 'completed', 'the rule is used up');
  });

  it('unknown ids are 404 "Response not found"', async () => {
    const res = await call<WireError>(sim, 'GET', '/responses/resp_doesnotexist');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.message, 'Response not found');
  });

  it("another account's response is 404, as if it did not exist; another key of the same account sees it", async () => {
    const created = await create(sim, { model: KIMI, input: 'mine', background: true, metadata: { completion_window: 'priority' } });
    const other = await call<WireError>(sim, 'GET', `/responses/${created.id}`, { apiKey: 'sk_sim_other' });
    assert.equal(other.status, 404);
    assert.equal(other.body.error.message, 'Response not found');
    const own = await call(sim, 'GET', `/responses/${created.id}`);
    assert.equal(own.status, 200);
    const rotated = await call(sim, 'GET', `/responses/${created.id}`, { apiKey: 'sk_sim_rotated' });
    assert.equal(rotated.status, 200);
  });
});

describe('simulator: test controls', () => {
  it('hold keeps new jobs running until finishAll ends them', async (t) => {
    // Retention stretched with the time scale: 48 h would pass in 173 ms of a loaded machine.
    const sim = await startSimulator({ timeScale: 1_000_000, retentionMs: 1_000_000 * 60_000 });
    t.after(() => sim.close());
    sim.hold(true);
    const created = await create(sim, { model: KIMI, input: 'x', background: true, metadata: { completion_window: 'priority' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await call(sim, 'GET', `/responses/${created.id}`)).body.status, 'queued', 'a minute of Sail time passed 800 times over');
    sim.finishAll();
    const done = await call(sim, 'GET', `/responses/${created.id}`);
    assert.equal(done.body.status, 'completed');
    assert.ok(outputText(done.body).length > 0);
  });
});

describe('simulator: retention', () => {
  it('a response and a batch answer 404 once past retentionMs (virtual)', async (t) => {
    // The simulator's clock moves only when the test moves it: the response and the batch are created
    // at the same instant, and nothing depends on how fast this machine is.
    const clock = new VirtualClock(Date.now());
    const sim = await startSimulator({ timeScale: 1000, retentionMs: 60 * 60_000, now: () => clock.now() });
    t.after(() => sim.close());
    const created = await create(sim, { model: KIMI, input: 'x', background: true, metadata: { completion_window: 'standard' } });
    const batch = await call<{ id: string }>(sim, 'POST', '/batches', {
      body: { endpoint: '/v1/responses', requests: [{ custom_id: 'a', params: { model: KIMI, input: 'x' } }] },
    });
    assert.equal(batch.status, 200);

    // 10 virtual minutes: the standard job (5 min ± 15 %) is done, and still kept.
    await clock.advance(600);
    assert.equal((await call(sim, 'GET', `/responses/${created.id}`)).body.status, 'completed');
    // One virtual second short of the hour: everything is still there.
    await clock.advance(3_600 - 600 - 1);
    assert.equal((await call(sim, 'GET', `/responses/${created.id}`)).status, 200);
    assert.equal((await call(sim, 'GET', `/batches/${batch.body.id}`)).status, 200);
    assert.equal((await call(sim, 'GET', `/batches/${batch.body.id}/a`)).status, 200);

    // The hour is up: all of it is gone.
    await clock.advance(1);
    const gone = await call<WireError>(sim, 'GET', `/responses/${created.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.message, 'Response not found');
    assert.equal((await call(sim, 'GET', `/batches/${batch.body.id}`)).status, 404);
    assert.equal((await call(sim, 'GET', `/batches/${batch.body.id}/a`)).status, 404);
  });
});

describe('simulator: auth, validation and unknown paths', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
  });
  after(() => sim.close());

  it('every /v1 route needs a valid Bearer key', async () => {
    const routes: [string, string][] = [
      ['GET', '/models'],
      ['POST', '/responses'],
      ['GET', '/responses/resp_x'],
      ['POST', '/batches'],
      ['GET', '/batches'],
      ['GET', '/batches/batch_x'],
      ['GET', '/batches/batch_x/a'],
    ];
    for (const [method, path] of routes) {
      for (const apiKey of [null, 'sk_wrong']) {
        const res = await call<WireError>(sim, method, path, { apiKey, body: method === 'POST' ? {} : undefined });
        assert.equal(res.status, 401, `${method} ${path} with ${apiKey}`);
        assert.equal(res.body.error.message, 'Invalid API key');
      }
    }
    assert.equal(sim.counters.totalInferences(), 0);
  });

  it('unsupported paths are 404 with the error envelope', async () => {
    const paths: [string, string][] = [
      ['POST', '/responses/resp_x/cancel'],
      ['DELETE', '/responses/resp_x'],
      ['GET', '/responses'],
      ['GET', '/responses/resp_x/input_items'],
      ['POST', '/messages/batches'],
      ['GET', '/nothing'],
    ];
    for (const [method, path] of paths) {
      const res = await call<WireError>(sim, method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.type, 'invalid_request_error');
      assert.equal(res.body.error.param, null);
    }
    const outside = await fetch(sim.baseUrl.replace(/\/v1$/, '/health'));
    assert.equal(outside.status, 404);
  });

  const ok = { model: KIMI, input: 'x' };
  const invalid: [string, Record<string, unknown>, string | null, string?][] = [
    ['model missing', { input: 'x' }, 'model'],
    ['unknown model', { ...ok, model: 'nope/nope' }, 'model', 'model_not_found'],
    ['input missing', { model: KIMI }, 'input'],
    ['empty input', { ...ok, input: '' }, 'input'],
    ['input of the wrong type', { ...ok, input: 42 }, 'input'],
    ['a message without content', { ...ok, input: [{ role: 'user' }] }, 'input[0].content'],
    ['an unknown role', { ...ok, input: [{ role: 'developer', content: 'x' }] }, 'input[0].role'],
    [
      'images on a text-only model',
      { ...ok, model: 'zai-org/GLM-5.3', background: true, input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] },
      'input',
    ],
    ['temperature above 2', { ...ok, temperature: 2.5 }, 'temperature'],
    ['temperature below 0', { ...ok, temperature: -1 }, 'temperature'],
    ['temperature as a string', { ...ok, temperature: '1' }, 'temperature'],
    ['top_p above 1', { ...ok, top_p: 1.5 }, 'top_p'],
    ['max_output_tokens of 0', { ...ok, max_output_tokens: 0 }, 'max_output_tokens'],
    ['max_output_tokens not an integer', { ...ok, max_output_tokens: 1.5 }, 'max_output_tokens'],
    ['user over 256 characters', { ...ok, user: 'u'.repeat(257) }, 'user'],
    ['a non-string metadata value', { ...ok, metadata: { n: 1 } }, 'metadata.n'],
    ['an unknown completion window', { ...ok, metadata: { completion_window: '24h' } }, 'metadata.completion_window'],
    ['flex without background', { ...ok, metadata: { completion_window: 'flex' } }, 'background'],
    ['asap with background', { ...ok, background: true, metadata: { completion_window: 'asap' } }, 'metadata.completion_window', 'unsupported_asap_request'],
    ['a window the model lacks', { ...ok, model: 'zai-org/GLM-5.3', metadata: { completion_window: 'priority' } }, 'metadata.completion_window'],
    ['background on an asap-only model', { ...ok, model: 'deepseek-ai/DeepSeek-V4-Flash-0731', background: true }, 'metadata.completion_window'],
    ['json_object', { ...ok, text: { format: { type: 'json_object' } } }, 'text.format.type'],
    ['json_schema without a name', { ...ok, text: { format: { type: 'json_schema' } } }, 'text.format.name'],
    ['an unknown reasoning effort', { ...ok, reasoning: { effort: 'max' } }, 'reasoning.effort'],
    ['previous_response_id', { ...ok, previous_response_id: 'resp_1' }, 'previous_response_id'],
    ['conversation', { ...ok, conversation: 'conv_1' }, 'conversation'],
    ['prompt', { ...ok, prompt: { id: 'pmpt_1' } }, 'prompt'],
    ['a server-side tool', { ...ok, tools: [{ type: 'web_search' }] }, 'tools[0].type'],
    ['a nested Chat-style function tool', { ...ok, tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools[0].name'],
    ['truncation auto', { ...ok, truncation: 'auto' }, 'truncation'],
    ['stream', { ...ok, stream: true }, 'stream'],
    ['a body that is not an object', [] as unknown as Record<string, unknown>, null],
  ];
  for (const [name, body, param, code] of invalid) {
    it(`400 naming the param: ${name}`, async () => {
      const res = await call<WireError>(sim, 'POST', '/responses', { body });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.type, 'invalid_request_error');
      assert.equal(res.body.error.param, param);
      assert.equal(res.body.error.code, code ?? null);
      assert.ok(res.body.error.message.length > 10);
    });
  }

  it('400 for a body that is not JSON', async () => {
    const res = await call<WireError>(sim, 'POST', '/responses', { rawBody: '{"model": ' });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /JSON/);
  });

  it('accepts the fields Sail tolerates: function tools, tool items, store:false, include, instructions', async () => {
    const res = await call(sim, 'POST', '/responses', {
      body: {
        model: KIMI,
        instructions: 'Be brief.',
        input: [
          { role: 'user', content: 'Weather?' },
          { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        ],
        tools: [{ type: 'function', name: 'weather', parameters: { type: 'object' } }],
        tool_choice: 'auto',
        store: false,
        include: ['reasoning.encrypted_content'],
        parallel_tool_calls: false,
        text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' } } },
        metadata: { completion_webhook: 'not a url', webhook_token: 't' },
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'completed');
  });
});
