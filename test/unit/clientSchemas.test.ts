import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outputText, reasoningText } from '../../src/sail/output';
import {
  SailBatchDetailSchema,
  SailBatchListSchema,
  SailBatchSchema,
  SailModelListSchema,
  SailResponseSchema,
  type SailResponse,
} from '../../src/sail/schemas';
import { isTerminal, normalizeStatus } from '../../src/sail/status';

function parse(body: unknown): SailResponse {
  return SailResponseSchema.parse(body);
}

describe('normalizeStatus', () => {
  it('maps both vocabularies and the UPPERCASE batch statuses onto one set', () => {
    const cases: Array<[string, string]> = [
      ['queued', 'queued'],
      ['pending', 'queued'],
      ['PENDING', 'queued'],
      ['in_progress', 'in_progress'],
      ['running', 'in_progress'],
      ['RUNNING', 'in_progress'],
      ['IN_PROGRESS', 'in_progress'],
      ['completed', 'completed'],
      ['COMPLETED', 'completed'],
      ['incomplete', 'incomplete'],
      ['failed', 'failed'],
      ['FAILED', 'failed'],
      ['cancelled', 'cancelled'],
      ['CANCELLED', 'cancelled'],
      ['canceled', 'cancelled'],
      [' Completed ', 'completed'],
    ];
    for (const [raw, expected] of cases) {
      assert.equal(normalizeStatus(raw), expected, raw);
    }
  });

  it('calls anything else unknown, including Object.prototype names', () => {
    for (const raw of ['', 'done', 'toString', '__proto__', 'constructor']) {
      assert.equal(normalizeStatus(raw), 'unknown', raw);
    }
  });

  it('treats completed, incomplete, failed and cancelled as terminal, and unknown as still running', () => {
    assert.deepEqual((['queued', 'in_progress', 'completed', 'incomplete', 'failed', 'cancelled', 'unknown'] as const).filter(isTerminal), [
      'completed',
      'incomplete',
      'failed',
      'cancelled',
    ]);
  });
});

describe('SailResponseSchema', () => {
  const completed = {
    id: 'resp_1',
    object: 'response',
    created_at: 1_760_000_000,
    status: 'completed',
    model: 'moonshotai/Kimi-K2.6',
    metadata: { completion_window: 'flex', n: 3 },
    output: [
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'short' }], content: [{ type: 'reasoning_text', text: 'Think.' }] },
      {
        type: 'message',
        id: 'msg_1',
        role: 'assistant',
        status: 'completed',
        content: [
          { type: 'output_text', text: 'Hello', annotations: [] },
          { type: 'output_text', text: ', world' },
        ],
      },
      { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"location":"SF"}' },
      { type: 'web_search_call', id: 'ws_1', extra: true },
    ],
    usage: {
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 4, reasoning_tokens: 0 },
      output_tokens: 7,
      output_tokens_details: { cached_tokens: 0, reasoning_tokens: 2 },
      total_tokens: 17,
      prompt_tokens: 10,
      completion_tokens: 7,
    },
    error: null,
    incomplete_details: null,
    surprise_field: { anything: 1 },
  };

  it('parses a completed response with every item type, dropping unknown fields', () => {
    const r = parse(completed);
    assert.equal(r.status, 'completed');
    assert.equal(r.rawStatus, 'completed');
    assert.equal(r.created_at, 1_760_000_000);
    assert.deepEqual(r.metadata, { completion_window: 'flex' });
    assert.deepEqual(
      r.output.map((i) => i.type),
      ['reasoning', 'message', 'function_call', 'other'],
    );
    assert.deepEqual(r.output[2], { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"location":"SF"}' });
    assert.deepEqual(r.output[3], { type: 'other', rawType: 'web_search_call' });
    assert.deepEqual(r.usage, {
      input_tokens: 10,
      output_tokens: 7,
      total_tokens: 17,
      input_tokens_details: { cached_tokens: 4 },
      output_tokens_details: { reasoning_tokens: 2 },
    });
    assert.equal(r.error, null);
    assert.equal('surprise_field' in r, false);
  });

  it('parses its own output (a stored response read back) to the same value', () => {
    for (const body of [completed, { id: 'r', status: 'RUNNING', output: 'text' }, { id: 'r', status: 'weird', output: [{ type: 'image_generation_call' }] }]) {
      const once = parse(body);
      const stored: unknown = JSON.parse(JSON.stringify(once));
      assert.deepEqual(JSON.parse(JSON.stringify(parse(stored))), stored);
    }
  });

  it('accepts a pending legacy-vocabulary response with no output and no usage', () => {
    const r = parse({ id: 'resp_2', status: 'pending', model: 'm' });
    assert.equal(r.status, 'queued');
    assert.equal(r.rawStatus, 'pending');
    assert.deepEqual(r.output, []);
    assert.deepEqual(r.usage, {
      input_tokens: 0,
      output_tokens: 0,
      total_tokens: 0,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    });
    assert.equal(r.incomplete_details, null);
  });

  it('fills partial usage from Sail extras and defaults the rest to 0', () => {
    const r = parse({
      id: 'r',
      status: 'running',
      output: null,
      usage: { prompt_tokens: 5, completion_tokens: null, input_tokens_details: null, output_tokens_details: 'x' },
    });
    assert.equal(r.status, 'in_progress');
    assert.deepEqual(r.usage, {
      input_tokens: 5,
      output_tokens: 0,
      total_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('turns a plain-string output into one assistant message', () => {
    const r = parse({ id: 'r', status: 'completed', output: 'Just text' });
    assert.deepEqual(r.output, [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Just text' }] }]);
    assert.equal(outputText(r), 'Just text');
    assert.deepEqual(parse({ id: 'r', status: 'completed', output: '' }).output, []);
  });

  it('reads error and incomplete_details objects, with integer codes as strings', () => {
    const failed = parse({ id: 'r', status: 'failed', error: { message: 'boom', code: 500 } });
    assert.deepEqual(failed.error, { message: 'boom', code: '500' });
    const typed = parse({ id: 'r', status: 'failed', error: { message: 'bad', type: 'server_error', code: null } });
    assert.deepEqual(typed.error, { message: 'bad', code: 'server_error' });
    const incomplete = parse({ id: 'r', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    assert.equal(incomplete.status, 'incomplete');
    assert.deepEqual(incomplete.incomplete_details, { reason: 'max_output_tokens' });
  });

  it('keeps function-call arguments as JSON text even when sent as an object', () => {
    const r = parse({ id: 'r', status: 'completed', output: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: { a: 1 } }] });
    assert.deepEqual(r.output[0], { type: 'function_call', id: undefined, call_id: 'c', name: 'f', arguments: '{"a":1}' });
  });

  it('converts an ISO created_at to Unix seconds and drops a garbage one', () => {
    assert.equal(parse({ id: 'r', status: 'queued', created_at: '2026-01-01T00:00:00Z' }).created_at, 1_767_225_600);
    assert.equal(parse({ id: 'r', status: 'queued', created_at: { nope: 1 } }).created_at, undefined);
  });

  it('rejects bodies that are not a response at all', () => {
    for (const body of [null, [], 'text', 42, {}, { id: 'r' }, { status: 'completed' }, { id: 7, status: 'completed' }, { id: '', status: 'queued' }]) {
      assert.equal(SailResponseSchema.safeParse(body).success, false, JSON.stringify(body));
    }
  });
});

describe('outputText and reasoningText', () => {
  it('concatenate output_text parts of message items, and reasoning per item', () => {
    const r = parse({
      id: 'r',
      status: 'completed',
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'summary only' }] },
        {
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'A' },
            { type: 'refusal', refusal: 'no' },
            { type: 'output_text', text: 'B' },
          ],
        },
        {
          type: 'reasoning',
          summary: [{ text: 'ignored' }],
          content: [
            { type: 'reasoning_text', text: 'full' },
            { type: 'reasoning_text', text: ' text' },
          ],
        },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'C' }] },
      ],
    });
    assert.equal(outputText(r), 'ABC');
    assert.equal(reasoningText(r), 'summary only\n\nfull text');
  });

  it('are empty for a response without output', () => {
    const r = parse({ id: 'r', status: 'queued' });
    assert.equal(outputText(r), '');
    assert.equal(reasoningText(r), '');
  });
});

describe('model and batch schemas', () => {
  it('reads the model list wrapper or a bare array', () => {
    const wrapped = SailModelListSchema.parse({ object: 'list', data: [{ id: 'a/b', object: 'model', created: 1, owned_by: 'a' }, { id: 'c' }] });
    assert.deepEqual(wrapped, [{ id: 'a/b', created: 1, owned_by: 'a' }, { id: 'c' }]);
    assert.deepEqual(SailModelListSchema.parse([{ id: 'x' }]), [{ id: 'x' }]);
    assert.equal(SailModelListSchema.safeParse({ data: [{ name: 'no id' }] }).success, false);
  });

  it('reads batches with an integer or object request_counts, and UPPERCASE item statuses', () => {
    assert.deepEqual(SailBatchSchema.parse({ id: 'batch_1', request_counts: 2, created_at: 5, label: 'l' }), {
      id: 'batch_1',
      request_counts: 2,
      created_at: 5,
      label: 'l',
    });
    assert.deepEqual(SailBatchSchema.parse({ id: 'batch_1', request_counts: { total: 3, completed: 1 } }), { id: 'batch_1', request_counts: 3 });
    assert.deepEqual(
      SailBatchListSchema.parse([
        { id: 'b1', request_counts: 1 },
        { id: 'b2', request_counts: 2 },
      ]).map((b) => b.id),
      ['b1', 'b2'],
    );
    const detail = SailBatchDetailSchema.parse({
      id: 'b',
      request_counts: 2,
      request_status: { a: { status: 'COMPLETED' }, b: { status: 'RUNNING' }, c: 'PENDING' },
    });
    assert.deepEqual(detail.request_status, {
      a: { status: 'completed', rawStatus: 'COMPLETED' },
      b: { status: 'in_progress', rawStatus: 'RUNNING' },
      c: { status: 'queued', rawStatus: 'PENDING' },
    });
    assert.equal(SailBatchListSchema.safeParse({ nope: true }).success, false);
  });
});
