import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import AjvCore from 'ajv/dist/core';
import { checkStructured, jsonError, jsonSchemaFormat, schemaProblem } from '../../src/sail/structured';

const REVIEW = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { line: { type: 'integer' }, severity: { enum: ['low', 'medium', 'high'] }, note: { type: 'string' } },
        required: ['line', 'severity', 'note'],
        additionalProperties: false,
      },
    },
  },
  required: ['items'],
  additionalProperties: false,
};

describe('jsonSchemaFormat', () => {
  it('is the request text.format, strict unless told otherwise', () => {
    assert.deepEqual(jsonSchemaFormat('review', REVIEW), { type: 'json_schema', name: 'review', schema: REVIEW, strict: true });
    assert.deepEqual(jsonSchemaFormat('review', REVIEW, false), { type: 'json_schema', name: 'review', schema: REVIEW, strict: false });
  });

  it('makes the name fit ^[a-zA-Z0-9_-]{1,64}$', () => {
    const name = (raw: string) => (jsonSchemaFormat(raw, {}) as { name: string }).name;
    assert.equal(name('Code_review-2'), 'Code_review-2');
    assert.equal(name('Code review!'), 'Code_review');
    assert.equal(name('  Révision: des bugs  '), 'R_vision_des_bugs');
    assert.equal(name('!!!'), 'response');
    assert.equal(name(''), 'response');
    assert.equal(name('a'.repeat(80)), 'a'.repeat(64));
  });
});

describe('schemaProblem', () => {
  it('is undefined for a usable schema, draft-07, 2019-09, 2020-12 or with no $schema', () => {
    assert.equal(schemaProblem(REVIEW), undefined);
    assert.equal(schemaProblem({ type: 'string' }), undefined);
    assert.equal(schemaProblem({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }] }), undefined);
    assert.equal(schemaProblem({ $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object', unevaluatedProperties: false }), undefined);
    assert.equal(schemaProblem({ $schema: 'http://json-schema.org/draft-07/schema', type: 'string' }), undefined, 'with or without the #');
  });

  it('says why a schema cannot be used', () => {
    assert.equal(schemaProblem([{ type: 'string' }]), 'A JSON Schema must be an object, such as {"type": "object", "properties": {…}}; this is a list.');
    assert.equal(schemaProblem('string'), 'A JSON Schema must be an object, such as {"type": "object", "properties": {…}}; this is text.');
    assert.equal(schemaProblem(null), 'A JSON Schema must be an object, such as {"type": "object", "properties": {…}}; this is null.');
    assert.equal(
      schemaProblem({ type: 'object', properties: { a: { type: 'strng' } }, required: 'a' }),
      'This is not a valid JSON Schema: /required: must be array; /properties/a/type: must be equal to one of the allowed values (array, boolean, integer, null, number, object, string).',
    );
    assert.equal(schemaProblem({ $ref: '#/definitions/missing' }), "This JSON Schema cannot be used: can't resolve reference #/definitions/missing from id #.");
    assert.equal(
      schemaProblem({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'string' }),
      'The schema says "$schema": "http://json-schema.org/draft-04/schema#"; Sail checks schemas for JSON Schema draft-07, 2019-09 or 2020-12 (or with no "$schema", draft-07).',
    );
  });

  it('two schemas with the same $id do not collide', () => {
    assert.equal(schemaProblem({ $id: 'https://example.com/out', type: 'string' }), undefined);
    assert.equal(schemaProblem({ $id: 'https://example.com/out', type: 'number' }), undefined);
    assert.equal((checkStructured('"a"', { $id: 'https://example.com/out', type: 'string' }) as { valid: boolean }).valid, true);
    assert.equal((checkStructured('3', { $id: 'https://example.com/out', type: 'number' }) as { valid: boolean }).valid, true);
  });
});

describe('checkStructured', () => {
  const ANSWER = { items: [{ line: 3, severity: 'high', note: 'off by one' }] };

  it('a valid answer: parsed, pretty, no errors', () => {
    const check = checkStructured(JSON.stringify(ANSWER), REVIEW);
    assert.deepEqual(check, {
      parsed: true,
      value: ANSWER,
      pretty: '{\n  "items": [\n    {\n      "line": 3,\n      "severity": "high",\n      "note": "off by one"\n    }\n  ]\n}',
      valid: true,
      errors: [],
    });
  });

  it('an invalid answer: every error at its JSON pointer, with the detail Ajv leaves in params', () => {
    const answer = { items: [{ line: 2.5, severity: 'urgent', extra: true }], more: 1 };
    const check = checkStructured(JSON.stringify(answer), REVIEW);
    assert.equal(check.parsed, true);
    assert.ok(check.parsed);
    assert.equal(check.valid, false);
    assert.deepEqual(check.value, answer);
    assert.deepEqual(check.errors, [
      { pointer: '/', message: 'must NOT have additional properties (more)' },
      { pointer: '/items/0', message: "must have required property 'note'" },
      { pointer: '/items/0', message: 'must NOT have additional properties (extra)' },
      { pointer: '/items/0/line', message: 'must be integer' },
      { pointer: '/items/0/severity', message: 'must be equal to one of the allowed values (low, medium, high)' },
    ]);
  });

  it('a const and a pointer through a key that needs escaping', () => {
    const schema = { type: 'object', properties: { 'a/b': { const: 'yes' } } };
    const check = checkStructured('{"a/b": "no"}', schema);
    assert.ok(check.parsed);
    assert.deepEqual(check.errors, [{ pointer: '/a~1b', message: 'must be equal to constant (yes)' }]);
  });

  it('not JSON: why, and the line and column where it stops', () => {
    const notJson = (text: string) => {
      const check = checkStructured(text, REVIEW);
      assert.equal(check.parsed, false);
      return check.parsed ? undefined : `${check.line}:${check.column} ${check.message}`;
    };
    assert.equal(
      notJson('{\n  "items": [\n    {"line": 3 "severity": "low"}\n  ]\n}'),
      '3:16 The answer is not JSON: expected "," or "}" after a property value.',
    );
    assert.equal(notJson('Here is the review:\n{"items": []}'), '1:1 The answer is not JSON: unexpected "H".');
    assert.equal(notJson('{"items": [1, 2,]}'), '1:17 The answer is not JSON: a comma before "]" (JSON allows no trailing comma).');
    assert.equal(notJson('{"items": [1, 2'), '1:16 The answer is not JSON: it ends too early.');
    assert.equal(notJson('{"items": []}\nDone!'), '2:1 The answer is not JSON: more text after the JSON value.');
    assert.equal(notJson('  \n '), '2:2 The answer is not JSON: it is empty.');
    assert.equal(notJson("{'items': []}"), '1:2 The answer is not JSON: expected a property name in double quotes.');
    assert.equal(notJson('{"note": "two\nlines"}'), '1:14 The answer is not JSON: a line break or control character inside a string (escape it, as \\n).');
    assert.equal(notJson('{"note": "\\q"}'), '1:12 The answer is not JSON: an invalid escape in a string.');
    assert.equal(notJson('{"note": "\\u12"}'), '1:12 The answer is not JSON: a \\u escape needs four hexadecimal digits.');
    assert.equal(notJson('{"line": 01}'), '1:11 The answer is not JSON: a malformed number.');
    assert.equal(notJson('{"line": tru}'), '1:13 The answer is not JSON: unexpected "}".');
    assert.equal(notJson('{"line" 1}'), '1:9 The answer is not JSON: expected ":" after a property name.');
    assert.equal(notJson('[1 2]'), '1:4 The answer is not JSON: expected "," or "]" after an item.');
  });

  it('the scanner agrees with JSON.parse on JSON', () => {
    for (const text of ['{}', '[]', ' 1 ', '-0.5e+3', '"\\u00e9\\n"', 'null', '{"a": [true, false, null, {"b": "c"}]}']) {
      assert.equal(jsonError(text), undefined, text);
      JSON.parse(text);
    }
  });

  it('unwraps one ```json fence (or a bare one), and counts positions in the reply as given', () => {
    const fenced = checkStructured('```json\n' + JSON.stringify(ANSWER) + '\n```\n', REVIEW);
    assert.ok(fenced.parsed);
    assert.deepEqual(fenced.value, ANSWER);
    assert.equal(fenced.valid, true);
    const bare = checkStructured('\n```\n{"items": []}\n```', REVIEW);
    assert.ok(bare.parsed && bare.valid);
    const broken = checkStructured('```json\r\n{"items": [}\r\n```', REVIEW);
    assert.deepEqual(broken, { parsed: false, message: 'The answer is not JSON: unexpected "}".', line: 2, column: 12 });
  });

  it('is lenient about nothing else: text around a fence, or two fences, is not JSON', () => {
    const around = checkStructured('Sure:\n```json\n{"items": []}\n```', REVIEW);
    assert.deepEqual(around.parsed ? undefined : [around.line, around.column], [1, 1]);
    const two = checkStructured('```json\n{"items": []}\n```\n```json\n{"items": []}\n```', REVIEW);
    assert.deepEqual(two.parsed ? undefined : [two.line, two.column], [1, 1]);
  });

  it('checks against a 2020-12 schema with 2020-12 keywords', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'integer' }],
      items: false,
      $defs: { tag: { type: 'string', minLength: 2 } },
      contains: { $ref: '#/$defs/tag' },
    };
    assert.deepEqual(checkStructured('["ab", 3]', schema), { parsed: true, value: ['ab', 3], pretty: '[\n  "ab",\n  3\n]', valid: true, errors: [] });
    const bad = checkStructured('[3, "x", true]', schema);
    assert.ok(bad.parsed);
    assert.deepEqual(bad.errors, [
      { pointer: '/0', message: 'must be string' },
      { pointer: '/1', message: 'must be integer' },
      { pointer: '/', message: 'must NOT have more than 2 items' },
      { pointer: '/0', message: 'must be string' },
      { pointer: '/1', message: 'must NOT have fewer than 2 characters' },
      { pointer: '/2', message: 'must be string' },
      { pointer: '/', message: 'must contain at least 1 valid item(s)' },
    ]);
  });

  it('checks against a draft-07 schema, where items may be a list', () => {
    const schema = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: [{ type: 'string' }], additionalItems: false };
    assert.ok(checkStructured('["a"]', schema).parsed);
    const bad = checkStructured('["a", 1]', schema);
    assert.ok(bad.parsed);
    assert.deepEqual(bad.errors, [{ pointer: '/', message: 'must NOT have more than 1 items' }]);
  });

  it('an unusable schema makes the answer invalid, saying why at /', () => {
    const check = checkStructured('{}', { type: 'objet' });
    assert.ok(check.parsed);
    assert.equal(check.valid, false);
    assert.deepEqual(check.errors, [
      {
        pointer: '/',
        message: 'This is not a valid JSON Schema: /type: must be equal to one of the allowed values (array, boolean, integer, null, number, object, string).',
      },
    ]);
  });

  it('compiles a schema once: by object, and by its text for another object with the same schema', (t) => {
    const compile = t.mock.method(AjvCore.prototype, 'compile');
    const schema = { type: 'object', properties: { n: { type: 'integer', minimum: 7 } } };
    for (let i = 0; i < 50; i++) {
      checkStructured(`{"n": ${i}}`, schema);
    }
    assert.equal((checkStructured('{"n": 8}', structuredClone(schema)) as { valid: boolean }).valid, true);
    assert.equal(compile.mock.callCount(), 1);
  });

  it('keeps at most 64 compiled schemas: an evicted one is dropped from Ajv too, so a long session does not hold every schema', (t) => {
    const removed = t.mock.method(AjvCore.prototype, 'removeSchema');
    for (let i = 0; i < 64 + 3; i++) {
      checkStructured('{}', { type: 'object', properties: { [`evict${i}`]: { type: 'string' } } });
    }
    assert.ok(removed.mock.callCount() >= 3, `removeSchema called ${removed.mock.callCount()} times`);
    // Dropped from Ajv but compiled again when needed.
    assert.equal((checkStructured('{"evict0": 1}', { type: 'object', properties: { evict0: { type: 'string' } } }) as { valid: boolean }).valid, false);
  });
});
