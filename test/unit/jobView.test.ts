import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { jobView } from '../../src/render/jobView';
import type { SailResponse } from '../../src/sail/schemas';

const base: JobRecord = {
  id: 'job-1',
  idempotencyKey: 'key-1',
  state: 'queued',
  title: 'Explain · add.ts',
  instruction: 'Explain',
  model: 'moonshotai/Kimi-K2.5',
  window: 'standard',
  background: true,
  createdAt: 1_000,
  seen: false,
  sendAttempts: 0,
  attempt: 1,
  updatedAt: 0,
  source: {
    uri: 'file:///w/add.ts',
    fileName: 'add.ts',
    languageId: 'typescript',
    version: 1,
    range: { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } },
  },
};

const response: SailResponse = {
  id: 'resp_1',
  status: 'completed',
  rawStatus: 'completed',
  model: 'moonshotai/Kimi-K2.5',
  output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '# Answer\n\n<b>x</b>' }] }],
  usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15, input_tokens_details: { cached_tokens: 2 }, output_tokens_details: { reasoning_tokens: 1 } },
  error: null,
  incomplete_details: null,
  metadata: {},
};

describe('jobView', () => {
  it('a running job: its window, the next check, Stop Tracking, no output yet', () => {
    const view = jobView({ job: base, nextCheckAt: 5_000 });
    assert.equal(view.stateLabel, 'Queued');
    assert.equal(view.tone, 'running');
    assert.equal(view.nextCheckAt, 5_000);
    assert.equal(view.canStop, true);
    assert.equal(view.outputHtml, undefined);
    assert.equal(view.source, 'add.ts:1–3', 'a selection ending at a line start does not count that line');
    assert.ok(view.facts.some((f) => f.label === 'Completion window' && /about 5 minutes/.test(f.value)));
  });

  it('a completed job: sanitized output, usage rows, replace offered for a selection', () => {
    const view = jobView({ job: { ...base, state: 'completed', finishedAt: 61_000, responseId: 'resp_1' }, response });
    assert.match(view.outputHtml ?? '', /<h1>Answer<\/h1>/);
    assert.match(view.outputHtml ?? '', /&lt;b&gt;x&lt;\/b&gt;/);
    assert.deepEqual(
      view.usage?.map((r) => r.value),
      ['10', '2', '5', '1', '15'],
    );
    assert.equal(view.canReplace, true);
    assert.equal(view.canStop, false);
    assert.ok(view.facts.some((f) => f.label === 'Duration' && f.value === '1 min 00 s'));
  });

  it('says plainly what happened to failed, expired and untracked jobs', () => {
    assert.match(jobView({ job: { ...base, state: 'failed', error: { kind: 'auth' } } }).notice ?? '', /rejected the API key/);
    assert.equal(jobView({ job: { ...base, state: 'failed' } }).canRetry, true);
    assert.match(jobView({ job: { ...base, state: 'expired' } }).notice ?? '', /48 hours/);
    assert.match(jobView({ job: { ...base, state: 'untracked' } }).notice ?? '', /no cancel endpoint.*billed/);
  });

  it('a job waiting for the key or base URL it was sent with says so, and what to do', () => {
    const view = jobView({ job: { ...base, state: 'in_progress', responseId: 'resp_1', waiting: 'otherKey' } });
    assert.equal(view.stateLabel, 'Waiting for its base URL or API key');
    assert.equal(view.tone, 'warning');
    assert.match(view.notice ?? '', /another account's key.*Set API Key.*fetch its answer/);
    assert.equal(view.canStop, true);
    const sending = jobView({ job: { ...base, state: 'submitting', responseId: undefined, waiting: 'otherKey' } });
    assert.match(sending.notice ?? '', /different API key.*Send Again.*bills/);
    assert.doesNotMatch(sending.notice ?? '', /sent again with the same/, 'it is not re-sent until its key is back');
    assert.equal(sending.canRetry, true, 'Send Again offers to send it with the current key');
    assert.equal(view.canRetry, false, 'a job Sail accepted is never sent again');
  });

  it('a whole file cannot be replaced, only inserted or reviewed as a diff', () => {
    const view = jobView({ job: { ...base, state: 'completed', source: { ...base.source!, range: undefined } }, response });
    assert.equal(view.canReplace, false);
    assert.equal(view.canInsert, true);
    assert.equal(view.canReview, true);
    assert.equal(view.source, 'add.ts');
  });

  it('offers Review and Apply only for a whole file’s completed answer', () => {
    const wholeFile = { ...base, state: 'completed' as const, source: { ...base.source!, range: undefined } };
    assert.equal(jobView({ job: { ...base, state: 'completed' }, response }).canReview, false, 'a selection has Replace Selection');
    assert.equal(jobView({ job: { ...wholeFile, source: undefined }, response }).canReview, false, 'no file to apply it to');
    assert.equal(jobView({ job: { ...wholeFile, state: 'incomplete' }, response }).canReview, false, 'a cut-off answer');
    assert.equal(jobView({ job: wholeFile }).canReview, false, 'no answer stored');
  });
});

describe('job view: cost beside the usage', () => {
  it('adds the estimated cost with its prices’ date, and the saving against asap', () => {
    const view = jobView({ job: { ...base, state: 'completed' }, response, cost: { costUsd: 0.0042, asapCostUsd: 0.021, pricesDate: '2026-09-13' } });
    const rows = Object.fromEntries((view.cost ?? []).map((r) => [r.label, r.value]));
    assert.equal(rows['Cost (estimate, prices of 2026-09-13)'], '≈ $0.0042');
    assert.equal(rows['Saved against asap'], '≈ $0.017 (asap ≈ $0.021)');
  });

  it('says the price is unknown rather than showing nothing, and claims no saving at asap', () => {
    const unknown = jobView({ job: { ...base, state: 'completed' }, response });
    assert.equal(unknown.cost?.at(-1)?.value, 'price unknown for this model and window');
    const atAsap = jobView({ job: { ...base, state: 'completed' }, response, cost: { costUsd: 0.02, asapCostUsd: 0.02 } });
    assert.deepEqual(
      atAsap.cost?.map((r) => r.label),
      ['Cost (estimate, your prices from sail.modelCatalog)'],
    );
  });
});

describe('a structured answer in the result view', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['severity'],
    properties: { severity: { enum: ['low', 'high'] } },
  };
  const format = { type: 'json_schema' as const, name: 'verdict', schema, strict: true };
  const answered = (text: string): SailResponse => ({
    ...response,
    output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }],
  });
  const done: JobRecord = { ...base, state: 'completed', finishedAt: 2_000, responseId: 'resp_1' };

  it('shows a matching answer as pretty JSON, marked valid', () => {
    const view = jobView({ job: done, response: answered('{"severity":"low"}'), format });
    assert.equal(view.structured?.tone, 'done');
    assert.equal(view.structured?.verdict, 'valid: matches the schema "verdict"');
    assert.deepEqual(view.structured?.problems, []);
    assert.match(view.outputHtml ?? '', /<code class="[^"]*json/);
    assert.match(view.outputHtml ?? '', /\n {2}/, 'indented over lines');
    assert.equal(view.labels.openJson, 'Open as JSON');
    assert.equal(view.canInsert, true);
    assert.equal(view.canReplace, false, 'data about the code never replaces the selection');
    const wholeFile = jobView({ job: { ...done, source: { ...done.source!, range: undefined } }, response: answered('{"severity":"low"}'), format });
    assert.equal(wholeFile.canReview, false, 'nor is it applied to the file');
    assert.equal(jobView({ job: done, response: answered('{"severity":"low"}') }).canReplace, true, 'a plain answer still can');
  });

  it('lists where an answer does not match', () => {
    const view = jobView({ job: done, response: answered('{"severity":"medium"}'), format });
    assert.equal(view.structured?.tone, 'warning');
    assert.equal(view.structured?.verdict, 'invalid: does not match the schema "verdict" (1 problem)');
    assert.equal(view.structured?.problems.length, 1);
    assert.match(view.structured?.problems[0] ?? '', /^\/severity: /);
  });

  it('says where an answer stops being JSON, and shows it as it came', () => {
    const view = jobView({ job: done, response: answered('{"severity":\n  low}'), format });
    assert.equal(view.structured?.tone, 'error');
    assert.match(view.structured?.verdict ?? '', /^Not JSON: line 2, column \d+: /);
    assert.doesNotMatch(view.outputHtml ?? '', /<code class="[^"]*json/);
  });

  it('checks nothing without a schema, or before the answer is complete', () => {
    assert.equal(jobView({ job: done, response: answered('{}') }).structured, undefined);
    assert.equal(jobView({ job: done, response: answered('{}'), format: { type: 'text' } }).structured, undefined);
    assert.equal(jobView({ job: { ...done, state: 'incomplete' }, response: answered('{"sev'), format }).structured, undefined);
  });
});
