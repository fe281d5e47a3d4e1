// A batch in the Sail view and the result view: one row per file with the item's state and usage,
// the files left out with why, the progress in words, and one item shown as a job of its own.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchManifest } from '../../src/jobs/batchManifest';
import type { JobRecord } from '../../src/jobs/job';
import { batchItemDescription, batchItemRows, batchProgressText, itemJob, skippedRows } from '../../src/render/batchItems';
import { jobTooltipRows } from '../../src/render/jobGroups';
import { jobView } from '../../src/render/jobView';
import type { SailResponse } from '../../src/sail/schemas';

const manifest: BatchManifest = {
  items: [
    { customId: 'a', uri: 'file:///w/src/a.ts', path: 'src/a.ts', languageId: 'typescript' },
    { customId: 'b', uri: 'file:///w/b.py', path: 'b.py', languageId: 'python', textHash: 'h' },
  ],
  skipped: [
    { path: 'img/logo.png', reason: 'binary' },
    { path: 'x.bin', reason: 'somethingNew' },
  ],
};

const usage = { input: 10, cached: 2, output: 5, reasoning: 1, total: 1234 };

describe('batch rows', () => {
  it('shows each file with its folder, its state as Sail last said, and its usage once answered', () => {
    const rows = batchItemRows(manifest, { items: { a: { state: 'completed', status: 'COMPLETED' } } }, new Map([['a', { usage }]]));
    assert.deepEqual(
      rows.map((r) => [r.name, r.folder, r.state, r.usage?.total]),
      [
        ['a.ts', 'src', 'completed', 1234],
        ['b.py', '', 'queued', undefined],
      ],
    );
    assert.equal(batchItemDescription(rows[0], 'Completed'), 'src · Completed · 1,234 tokens');
    assert.equal(batchItemDescription(rows[1], 'Queued'), 'Queued');
  });

  it('keeps a failed item’s message', () => {
    const [row] = batchItemRows(manifest, { items: { a: { state: 'failed', status: 'FAILED' } } }, new Map([['a', { error: 'model overloaded' }]]));
    assert.equal(row.error, 'model overloaded');
  });

  it('lists the files left out with why, a reason this version does not know as it was stored', () => {
    assert.deepEqual(skippedRows(manifest), [
      { name: 'logo.png', folder: 'img', reason: 'binary' },
      { name: 'x.bin', folder: '', reason: 'somethingNew' },
    ]);
  });

  it('says the progress while running, and how many answers are here once done', () => {
    assert.equal(batchProgressText({ total: 3, done: 1, failed: 0, answered: 0 }, false), '1 of 3 done');
    assert.equal(batchProgressText({ total: 3, done: 2, failed: 1, answered: 0 }, false), '2 of 3 done, 1 failed');
    assert.equal(batchProgressText({ total: 3, done: 3, failed: 1, answered: 1 }, true), '1 of 3 answers fetched, 1 failed');
    assert.equal(batchProgressText({ total: 3, done: 3, failed: 0, answered: 3 }, true), '3 files');
  });
});

describe('one item as a job', () => {
  const batch = {
    id: 'j1',
    kind: 'batch',
    idempotencyKey: 'k',
    responseId: 'batch_1',
    state: 'completed',
    title: 'Review · 2 files',
    instruction: 'Review this file\nthoroughly',
    model: 'm',
    window: 'flex',
    background: true,
    createdAt: 1,
    progress: { total: 2, done: 2, failed: 0, answered: 2 },
    usage: { input: 1, cached: 0, output: 1, reasoning: 0, total: 2 },
    seen: false,
    updatedAt: 1,
    attempt: 1,
    sendAttempts: 0,
  } as JobRecord;

  const response = {
    id: 'resp_b',
    status: 'completed',
    rawStatus: 'completed',
    model: 'm',
    output: [],
    usage: { input_tokens: 7, output_tokens: 3, total_tokens: 10, input_tokens_details: { cached_tokens: 1 }, output_tokens_details: { reasoning_tokens: 0 } },
    error: null,
    incomplete_details: null,
    metadata: {},
  } as SailResponse;

  it('carries the item’s answer, state, usage and file; the batch’s model and window', () => {
    const job = itemJob(batch, manifest.items[1], 'completed', response);
    assert.equal(job.title, 'b.py · Review this file');
    assert.equal(job.kind, undefined);
    assert.equal(job.responseId, 'resp_b');
    assert.deepEqual(job.usage, { input: 7, cached: 1, output: 3, reasoning: 0, total: 10 });
    assert.equal(job.window, 'flex');
    assert.deepEqual(job.source, { uri: 'file:///w/b.py', fileName: 'b.py', languageId: 'python', version: 0, textHash: 'h' });
  });

  it('the batch itself says how many files are done, in its tooltip and its result view', () => {
    assert.deepEqual(
      jobTooltipRows(batch, {}).find(([label]) => label === 'Files'),
      ['Files', '2 files'],
    );
    const facts = jobView({ job: batch, response: undefined }).facts;
    assert.deepEqual(
      facts.filter((f) => f.label === 'Files' || f.label === 'Batch id').map((f) => f.value),
      ['2 files', 'batch_1'],
    );
  });

  it('without an answer yet, shows the state Sail reported and no usage', () => {
    const job = itemJob(batch, manifest.items[0], 'in_progress', undefined);
    assert.equal(job.state, 'in_progress');
    assert.equal(job.usage, undefined);
    assert.equal(job.responseId, undefined);
  });
});
