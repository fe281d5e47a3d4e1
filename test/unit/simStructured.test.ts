// The simulator's structured answers (test/sim/structured.ts): text.format json_schema is checked on
// arrival (400 naming the param) and answered with JSON that validates against the schema.
import * as assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { startSimulator, type Simulator } from '../sim/index';
import { call, outputText, type WireError, type WireResponse } from '../sim/testing';

const KIMI = 'moonshotai/Kimi-K2.5';

function format(schema: unknown, extra: Record<string, unknown> = {}) {
  return { format: { type: 'json_schema', name: 'review', schema, ...extra } };
}

/** Errors from an independent ajv, empty when `value` matches `schema`. */
function schemaErrors(schema: Record<string, unknown>, value: unknown): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const REVIEW = {
  type: 'object',
  properties: {
    summary: { type: 'string', minLength: 3 },
    verdict: { type: 'string', enum: ['approve', 'request_changes'] },
    version: { const: 2 },
    due: { type: 'string', format: 'date' },
    score: { type: 'integer', minimum: 1, maximum: 5 },
    ratio: { type: 'number' },
    done: { type: 'boolean' },
    note: { anyOf: [{ type: 'null' }, { type: 'string' }] },
    findings: { type: 'array', minItems: 2, items: { $ref: '#/$defs/finding' } },
    tags: { type: 'array', items: { type: 'string', maxLength: 4 } },
    owner: { $ref: '#/definitions/person' },
  },
  required: ['summary', 'verdict', 'findings'],
  additionalProperties: false,
  $defs: {
    finding: {
      type: 'object',
      properties: { line: { type: 'integer', exclusiveMinimum: 0 }, severity: { enum: ['low', 'high'] }, text: { type: ['string', 'null'] } },
      required: ['line', 'severity', 'text'],
      additionalProperties: false,
    },
  },
  definitions: { person: { type: 'object', properties: { email: { type: 'string', format: 'email' } }, required: ['email'] } },
};

describe('simulator: structured answers (text.format json_schema)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  async function answer(input: string, text: unknown): Promise<WireResponse> {
    const res = await call(sim, 'POST', '/responses', { body: { model: KIMI, input, text } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'completed');
    assert.deepEqual(res.body.text, text, 'the format is echoed as sent');
    return res.body;
  }

  it('strict: every property, generated from the schema and the prompt, valid against it', async () => {
    const res = await answer('Review the parser', format(REVIEW, { strict: true }));
    const json: unknown = JSON.parse(outputText(res));
    assert.deepEqual(json, {
      summary: 'Review the parser',
      verdict: 'approve',
      version: 2,
      due: '2026-09-13',
      score: 1,
      ratio: 0,
      done: true,
      note: null,
      findings: [
        { line: 1, severity: 'low', text: 'Review the parser' },
        { line: 1, severity: 'low', text: 'Review the parser' },
      ],
      tags: ['Revi'],
      owner: { email: 'simulator@example.com' },
    });
    assert.deepEqual(schemaErrors(REVIEW, json), []);
    assert.equal(res.usage.output_tokens, Math.ceil(outputText(res).length / 4));
  });

  it('not strict: the required properties only; the title comes from the instruction after the code', async () => {
    const input = 'The code below is the whole file a.ts (language: typescript).\n\n```typescript\nx();\n```\n\nInstruction:\nList the risks\n';
    const json: unknown = JSON.parse(outputText(await answer(input, format(REVIEW))));
    assert.deepEqual(json, {
      summary: 'List the risks',
      verdict: 'approve',
      findings: [
        { line: 1, severity: 'low', text: 'List the risks' },
        { line: 1, severity: 'low', text: 'List the risks' },
      ],
    });
    assert.deepEqual(schemaErrors(REVIEW, json), []);
  });

  it('pads strings to minLength and answers scalars and arrays at the top level', async () => {
    assert.equal(JSON.parse(outputText(await answer('Hi', format({ type: 'string', minLength: 5 })))), 'Hi...');
    assert.equal(JSON.parse(outputText(await answer('Hi', format({ type: 'number', exclusiveMinimum: 1, maximum: 9 })))), 1.5);
    assert.deepEqual(JSON.parse(outputText(await answer('Hi', format({ type: 'array', items: { type: 'integer', maximum: -3 } })))), [-3]);
    assert.deepEqual(JSON.parse(outputText(await answer('Hi', format({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' })))), {});
  });

  it('a recursive schema ends: optional array items stop at a depth', async () => {
    const tree = {
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } },
      required: ['name', 'children'],
    };
    const json = JSON.parse(outputText(await answer('Tree', format(tree))));
    assert.deepEqual(schemaErrors(tree, json), []);
    let depth = 0;
    for (let node = json; node.children.length > 0; node = node.children[0]) {
      depth++;
    }
    assert.equal(depth, 4);
  });

  it('"answer invalid json": JSON without the first required property, or with an enum broken', async () => {
    const missing = JSON.parse(outputText(await answer('Please answer invalid json', format(REVIEW))));
    assert.deepEqual(Object.keys(missing), ['verdict', 'findings']);
    assert.deepEqual(schemaErrors(REVIEW, missing), [" must have required property 'summary'"]);
    const enumOnly = { type: 'object', properties: { verdict: { enum: ['yes', 'no'] } } };
    const broken = JSON.parse(outputText(await answer('answer INVALID json', format(enumOnly, { strict: true }))));
    assert.deepEqual(broken, { verdict: 'not-one-of-the-allowed-values' });
    assert.equal(schemaErrors(enumOnly, broken).length, 1);
  });

  it('"answer broken json": text that is not JSON', async () => {
    const text = outputText(await answer('Now answer broken json', format(REVIEW)));
    assert.throws(() => JSON.parse(text), SyntaxError);
    assert.match(text, /^Here is the JSON you asked for:\n\{/);
  });

  it('a generated answer that fails its own schema is a 500 naming the format, and no job is made', async () => {
    const body = { model: KIMI, input: 'x', text: format({ type: 'string', pattern: '^[0-9]+$' }) };
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await call<WireError>(sim, 'POST', '/responses', { body, headers: { 'idempotency-key': 'unanswerable' } });
      assert.equal(res.status, 500);
      assert.equal(res.body.error.type, 'server_error');
      assert.match(
        res.body.error.message,
        /^Simulator bug: the answer generated for response_format 'review' does not match its schema \(\/ must match pattern/,
      );
    }
    assert.equal(sim.counters.totalInferences(), 0, 'nothing ran, nothing was reserved for a replay');
  });

  const invalid: [string, unknown, string, RegExp][] = [
    ['a name with a space', { format: { type: 'json_schema', name: 'my review', schema: {} } }, 'text.format.name', /letters, digits, underscores or dashes/],
    ['an empty name', { format: { type: 'json_schema', name: '', schema: {} } }, 'text.format.name', /letters, digits/],
    ['a name over 64 characters', { format: { type: 'json_schema', name: 'n'.repeat(65), schema: {} } }, 'text.format.name', /1 to 64/],
    ['no schema', { format: { type: 'json_schema', name: 'review' } }, 'text.format.schema', /^Missing required parameter: 'text\.format\.schema'/],
    ['a schema that is an array', format([]), 'text.format.schema', /text\.format\.schema/],
    ['a schema that does not compile', format({ type: 'strin' }), 'text.format.schema', /^Invalid schema for response_format 'review': schema is invalid/],
    ['a $ref that resolves nowhere', format({ $ref: '#/$defs/missing' }), 'text.format.schema', /can't resolve reference #\/\$defs\/missing/],
    ['an unknown $schema', format({ $schema: 'https://example.com/my-dialect' }), 'text.format.schema', /unsupported \$schema/],
    ['json_object', { format: { type: 'json_object' } }, 'text.format.type', /'json_object' is not supported; use 'json_schema'/],
  ];
  for (const [name, text, param, message] of invalid) {
    it(`400 invalid_request_error naming the param: ${name}`, async () => {
      const res = await call<WireError>(sim, 'POST', '/responses', { body: { model: KIMI, input: 'x', text } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual([res.body.error.type, res.body.error.param, res.body.error.code], ['invalid_request_error', param, null]);
      assert.match(res.body.error.message, message);
    });
  }

  it('in a batch, the param names the item', async () => {
    const res = await call<WireError>(sim, 'POST', '/batches', {
      body: {
        endpoint: '/v1/responses',
        requests: [
          { custom_id: 'a', params: { model: KIMI, input: 'x', text: format({ type: 'object' }) } },
          { custom_id: 'b', params: { model: KIMI, input: 'x', text: format({ type: 7 }) } },
        ],
      },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.param, 'requests[1].params.text.format.schema');
  });
});
