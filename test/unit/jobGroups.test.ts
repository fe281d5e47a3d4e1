// The Sail view's shape (render/jobGroups.ts) and Re-run's request (jobs/prompt.ts withModelAndWindow).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { withModelAndWindow } from '../../src/jobs/prompt';
import { groupJobs, jobDescription, jobTooltipRows, localDay, matchesFilter } from '../../src/render/jobGroups';

const HOUR = 60 * 60 * 1000;
// Noon local time, so "yesterday" is a whole day away whatever the machine's zone.
const NOW = new Date(2026, 11, 2, 12, 0, 0).getTime();

function job(id: string, fields: Partial<JobRecord>): JobRecord {
  return {
    id,
    idempotencyKey: `key-${id}`,
    state: 'completed',
    title: `Explain · ${id}.ts`,
    instruction: 'Explain',
    model: 'moonshotai/Kimi-K2.6',
    window: 'flex',
    background: true,
    createdAt: NOW - HOUR,
    finishedAt: NOW - HOUR / 2,
    seen: true,
    sendAttempts: 0,
    attempt: 1,
    updatedAt: 0,
    ...fields,
  };
}

describe('the Sail view’s groups', () => {
  const jobs = [
    job('old', { createdAt: NOW - 50 * HOUR, finishedAt: NOW - 49 * HOUR }),
    job('yesterday', { createdAt: NOW - 25 * HOUR, finishedAt: NOW - 24 * HOUR }),
    job('today-early', { finishedAt: NOW - 2 * HOUR }),
    job('today-late', { finishedAt: NOW - HOUR / 4 }),
    job('running', { state: 'in_progress', finishedAt: undefined }),
    job('waiting', { state: 'submitting', finishedAt: undefined, waiting: 'noKey' }),
    job('unseen', { seen: false }),
    job('failed-unseen', { state: 'failed', seen: false }),
    job('failed-seen', { state: 'failed', seen: true, finishedAt: NOW - 30 * HOUR }),
    job('untracked', { state: 'untracked', seen: false, finishedAt: NOW - HOUR }),
  ];
  const groups = groupJobs(jobs, NOW);

  it('puts running (and waiting) jobs first, then unseen results, then failures, then each day newest first', () => {
    assert.deepEqual(
      groups.map((g) => g.id),
      ['running', 'ready', 'failed', `day:${localDay(NOW)}`, `day:${localDay(NOW - 24 * HOUR)}`, `day:${localDay(NOW - 49 * HOUR)}`],
    );
    assert.deepEqual(groups.map((g) => g.label).slice(0, 5), ['Running', 'Ready', 'Failed', 'Today', 'Yesterday']);
    assert.deepEqual(groups[0].jobs.map((j) => j.id).sort(), ['running', 'waiting']);
    assert.deepEqual(
      groups[1].jobs.map((j) => j.id),
      ['unseen'],
    );
    assert.deepEqual(
      groups[2].jobs.map((j) => j.id),
      ['failed-unseen', 'failed-seen'],
    );
  });

  it('lists a day’s jobs newest first, and a job the user stopped tracking under its day, not as news', () => {
    assert.deepEqual(
      groups[3].jobs.map((j) => j.id),
      ['today-late', 'untracked', 'today-early'],
    );
  });

  it('leaves out empty groups', () => {
    assert.deepEqual(
      groupJobs([job('a', {})], NOW).map((g) => g.kind),
      ['day'],
    );
    assert.deepEqual(groupJobs([], NOW), []);
  });
});

describe('a job’s row and tooltip', () => {
  it('shows the window by its current name, the state and the age', () => {
    assert.equal(jobDescription(job('a', { window: 'standard' }), '5 min ago'), 'balanced · Completed · 5 min ago');
    assert.equal(jobDescription(job('a', { window: undefined, state: 'queued' }), '1 s ago'), 'auto · Queued · 1 s ago');
  });

  it('has model, window, usage, cost with the saving, and the file with its folder', () => {
    const rows = Object.fromEntries(
      jobTooltipRows(
        job('a', {
          usage: { input: 1200, cached: 200, output: 300, reasoning: 100, total: 1500 },
          source: { uri: 'file:///w/a.ts', fileName: 'a.ts', languageId: 'typescript', version: 1 },
        }),
        { cost: '≈ $0.01', saved: 'saved ≈ $0.02 against asap', folder: 'api' },
      ),
    );
    assert.equal(rows.Model, 'moonshotai/Kimi-K2.6');
    assert.equal(rows.Window, 'flex (hours)');
    assert.equal(rows.Usage, '1,200 input (200 cached), 300 output (100 reasoning), 1,500 total');
    assert.equal(rows.Cost, '≈ $0.01; saved ≈ $0.02 against asap');
    assert.equal(rows.From, 'a.ts (api)');
  });
});

describe('the view’s filter', () => {
  const a = job('a', { title: 'Review · parser.ts', model: 'zai-org/GLM-5.3', window: 'standard' });

  it('keeps jobs with every word in their title, model, window, state or file, ignoring case', () => {
    assert.equal(matchesFilter(a, 'parser glm'), true);
    assert.equal(matchesFilter(a, 'BALANCED completed'), true);
    assert.equal(matchesFilter(a, 'parser flex'), false);
    assert.equal(matchesFilter(a, '   '), true);
  });
});

describe('Re-run’s request', () => {
  const sent = {
    model: 'moonshotai/Kimi-K2.6',
    input: 'Explain this',
    background: true,
    store: true,
    metadata: { completion_window: 'flex', other: 'kept' },
    prompt_cache_key: 'abc',
    max_output_tokens: 500,
  };

  it('changes only the model, the window and what the window needs (asap in the foreground)', () => {
    assert.deepEqual(withModelAndWindow(sent, 'zai-org/GLM-5.3', 'asap', true), {
      ...sent,
      model: 'zai-org/GLM-5.3',
      background: false,
      metadata: { completion_window: 'asap', other: 'kept' },
    });
  });

  it('drops the window for auto, and keeps the user’s background choice for a scheduled window', () => {
    const withoutMetadata: Partial<typeof sent> = { ...sent };
    delete withoutMetadata.metadata;
    assert.deepEqual(withModelAndWindow({ ...sent, metadata: { completion_window: 'flex' } }, 'm', 'auto', false), {
      ...withoutMetadata,
      model: 'm',
      background: false,
    });
    assert.equal(withModelAndWindow(sent, 'm', 'standard', false).background, false);
    assert.equal(withModelAndWindow(sent, 'm', 'flex', false).background, true);
  });
});
