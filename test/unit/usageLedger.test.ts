// The usage ledger: each answered job counted once however many windows record it, windows reading
// one another's lines, damaged lines skipped, totals that outlive the job history's pruning, and the
// sums the view shows.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { systemClock } from '../../src/jobs/clock';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { JobTracker } from '../../src/jobs/jobTracker';
import { dayAtOffset, type UsageContext } from '../../src/usage/usageEntry';
import { USAGE_FILE, UsageLedger } from '../../src/usage/usageLedger';
import { quietLog } from '../support/jobWaits';
import { MemoryState } from '../support/memoryState';

const DAY_MS = 24 * 60 * 60_000;
/** 2027-01-15T12:00:00Z. */
const NOW = Date.UTC(2027, 0, 15, 12);
const utcDay = dayAtOffset(0);
const noCost: UsageContext = { folder: 'app', cost: {} };

function job(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    idempotencyKey: `key-${id}`,
    responseId: `resp_${id}`,
    state: 'completed',
    title: id,
    instruction: 'Explain',
    model: 'moonshotai/Kimi-K2.5',
    window: 'flex',
    background: true,
    createdAt: NOW - 60_000,
    finishedAt: NOW,
    usage: { input: 1000, cached: 250, output: 400, reasoning: 100, total: 1400 },
    seen: true,
    sendAttempts: 0,
    attempt: 1,
    updatedAt: NOW,
    ...extra,
  };
}

function priced(costUsd: number, asapCostUsd?: number, folder = 'app'): UsageContext {
  return { folder, cost: { costUsd, ...(asapCostUsd !== undefined && { asapCostUsd }), pricesDate: '2027-01-01' } };
}

describe('usage ledger', () => {
  let dir: string;
  const ledger = (dayOf = utcDay) => new UsageLedger(new FileBlobStore(dir), { dayOf });
  const fileLines = () =>
    readFileSync(join(dir, USAGE_FILE), 'utf8')
      .split('\n')
      .filter((line) => line.trim());

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-usage-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts a job recorded twice once, and writes its line once', async () => {
    const usage = ledger();
    assert.equal(await usage.record(job('a'), noCost), true);
    assert.equal(await usage.record(job('a'), noCost), false);
    assert.equal(await usage.record(job('a', { seen: false, pinned: true }), noCost), false, 'a later change of the same job');
    assert.equal(usage.size, 1);
    assert.equal(usage.summary(NOW).today.input, 1000);
    assert.equal(fileLines().length, 1);
  });

  it('counts each attempt of a job on its own: each Send Again was billed', async () => {
    const usage = ledger();
    await usage.record(job('a'), noCost);
    await usage.record(job('a', { attempt: 2 }), noCost);
    assert.equal(usage.summary(NOW).today.jobs, 2);
  });

  it('counts only answers that used tokens: completed or incomplete with usage', async () => {
    const usage = ledger();
    assert.equal(await usage.record(job('done'), noCost), true);
    assert.equal(await usage.record(job('cut', { state: 'incomplete' }), noCost), true);
    assert.equal(await usage.record(job('failed', { state: 'failed' }), noCost), false);
    assert.equal(await usage.record(job('gone', { state: 'expired' }), noCost), false);
    assert.equal(await usage.record(job('running', { state: 'in_progress', finishedAt: undefined }), noCost), false);
    assert.equal(await usage.record(job('no-usage', { usage: undefined }), noCost), false);
    assert.equal(usage.size, 2);
  });

  it('lets two windows on one file see each other’s lines, and not write a job the other already wrote', async () => {
    const a = ledger();
    const b = ledger();
    await a.record(job('from-a'), noCost);
    await b.record(job('from-b'), noCost);
    assert.equal(await b.record(job('from-a'), noCost), false, 'b read a’s line before writing');
    await a.load();
    assert.deepEqual([a.size, b.size], [2, 2]);
    assert.equal(a.summary(NOW).today.output, 800);
    assert.equal(fileLines().length, 2);
  });

  it('counts a job once when two windows write it at the same moment', async () => {
    const a = ledger();
    const b = ledger();
    await Promise.all([a.record(job('same'), noCost), b.record(job('same'), noCost)]);
    await Promise.all([a.load(), b.load()]);
    const fresh = ledger();
    await fresh.load();
    for (const usage of [a, b, fresh]) {
      assert.equal(usage.summary(NOW).today.jobs, 1);
      assert.equal(usage.summary(NOW).today.total, 1400);
    }
  });

  it('tells the view when another window’s lines come in, and not when nothing changed', async () => {
    const a = ledger();
    const b = ledger();
    let told = 0;
    b.onDidChange(() => (told += 1));
    await b.load();
    await a.record(job('x'), noCost);
    await b.load();
    assert.equal(told, 1);
    await b.load();
    await b.record(job('x'), noCost);
    assert.equal(told, 1);
  });

  it('keeps the entry of the window that knows the job’s folder, whichever wrote first, in every window', async () => {
    const elsewhere = ledger();
    const sender = ledger();
    await elsewhere.record(job('j'), { folder: '', cost: {} });
    assert.equal(await sender.record(job('j'), priced(0.5)), true, 'it knows more: its folder and a cost');
    assert.equal(await elsewhere.record(job('j'), { folder: '', cost: {} }), false);
    await elsewhere.load();
    for (const usage of [elsewhere, sender]) {
      const rows = usage.rows();
      assert.deepEqual(
        rows.map((row) => [row.folder, row.jobs, row.costUsd]),
        [['app', 1, 0.5]],
      );
    }
    assert.equal(await elsewhere.record(job('j'), priced(0.9, undefined, 'other')), false, 'the first line that knew a folder stays');
  });

  it('fills in a cost another window did not know', async () => {
    const a = ledger();
    await a.record(job('j'), noCost);
    assert.equal(await a.record(job('j'), priced(0.25)), true);
    assert.deepEqual(a.summary(NOW).today.costUsd, 0.25);
    assert.equal(a.summary(NOW).today.unpriced, 0);
    assert.equal(a.summary(NOW).today.jobs, 1);
  });

  it('skips a torn last line, and the next line written stands on its own', async () => {
    const a = ledger();
    await a.record(job('before'), noCost);
    appendFileSync(join(dir, USAGE_FILE), '{"v":1,"jobId":"torn","attem');
    const b = ledger();
    await b.load();
    assert.equal(b.size, 1);
    assert.equal(b.skipped, 0, 'maybe still being written: not read yet');
    assert.equal(await b.record(job('after'), noCost), true);
    const fresh = ledger();
    await fresh.load();
    assert.equal(fresh.size, 2, 'the job after the torn line is not lost');
    assert.equal(fresh.has('after', 1), true);
    assert.equal(fresh.skipped, 1);
  });

  it('skips lines it cannot read, counts them, and never fails for them', async () => {
    const warnings: string[] = [];
    const good = JSON.stringify(entryLine('ok'));
    writeFileSync(
      join(dir, USAGE_FILE),
      ['not json', JSON.stringify({ v: 2, jobId: 'newer' }), JSON.stringify({ v: 1, jobId: 'x', attempt: 0 }), '', good, '[1,2]'].join('\n') + '\n',
    );
    const usage = new UsageLedger(new FileBlobStore(dir), { dayOf: utcDay, warn: (m) => warnings.push(m) });
    await usage.load();
    assert.equal(usage.size, 1);
    assert.equal(usage.skipped, 4);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /4 line/);
  });

  it('starts over when the file is deleted or replaced', async () => {
    const usage = ledger();
    await usage.record(job('a'), noCost);
    rmSync(join(dir, USAGE_FILE));
    await usage.load();
    assert.equal(usage.size, 0);
    writeFileSync(join(dir, USAGE_FILE), JSON.stringify(entryLine('b')) + '\n');
    await usage.load();
    assert.deepEqual([usage.has('a', 1), usage.has('b', 1)], [false, true]);
    // Another file renamed into its place (a restore from a backup): read from its start.
    writeFileSync(join(dir, 'restored.jsonl'), JSON.stringify(entryLine('c')) + '\n');
    renameSync(join(dir, 'restored.jsonl'), join(dir, USAGE_FILE));
    await usage.load();
    assert.deepEqual([usage.has('b', 1), usage.has('c', 1)], [false, true]);
  });

  it('keeps the totals when the job history is pruned', async () => {
    const state = new MemoryState();
    const store = new JobStore(state, new FileBlobStore(join(dir, 'jobs')), { warn() {} }, () => NOW);
    await store.ready;
    const tracker = new JobTracker({ store, api: () => assert.fail('no request here'), clock: systemClock, log: quietLog });
    try {
      for (let i = 0; i < 6; i++) {
        await store.save(job(`old${i}`, { finishedAt: NOW - (40 + i) * DAY_MS, updatedAt: NOW - (40 + i) * DAY_MS }));
      }
      await store.save(job('recent'));
      await tracker.loadHistory();
      const usage = ledger();
      assert.equal(await usage.needsBackfill(), true);
      assert.equal(await usage.backfill(tracker.jobs(), () => priced(0.1, 0.3), NOW), 7);
      const before = usage.summary(NOW);

      assert.equal(await tracker.prune({ maxAgeMs: 30 * DAY_MS, maxJobs: 1000 }), 6);
      await tracker.loadHistory();
      assert.deepEqual(
        tracker.jobs().map((j) => j.id),
        ['recent'],
        'the old jobs are gone from the history',
      );

      const later = ledger();
      assert.equal(await later.needsBackfill(), false, 'the backfill happens once per ledger');
      assert.equal(await later.backfill(tracker.jobs(), () => priced(0.1, 0.3), NOW), 0);
      assert.deepEqual(later.summary(NOW), before);
      assert.equal(later.summary(NOW).allTime.jobs, 7);
      assert.equal(later.summary(NOW).allTime.total, 7 * 1400);
      assert.equal(later.rows().length, 7, 'seven days: six old ones and today');
    } finally {
      tracker.dispose();
    }
  });

  it('backfills only jobs the ledger lacks, and counts jobs recorded meanwhile once', async () => {
    const usage = ledger();
    await usage.record(job('live'), noCost);
    assert.equal(await usage.needsBackfill(), true, 'a recorded job is not a backfill');
    assert.equal(await usage.backfill([job('live'), job('old'), job('old'), job('never', { state: 'untracked' })], () => noCost, NOW), 1);
    assert.equal(usage.size, 2);
    assert.equal(await usage.needsBackfill(), false);
  });

  describe('sums', () => {
    async function seeded(): Promise<UsageLedger> {
      const usage = ledger();
      const at = (ms: number, extra: Partial<JobRecord> = {}) => ({ finishedAt: ms, updatedAt: ms, ...extra });
      // Today: two priced jobs (one without an asap price) and one without a price.
      await usage.record(job('t1', at(NOW)), priced(0.2, 0.5));
      await usage.record(job('t2', at(NOW - 3_600_000, { usage: { input: 3000, cached: 3000, output: 10, reasoning: 0, total: 3010 } })), priced(0.05));
      await usage.record(job('t3', at(NOW, { model: 'other/model' })), { folder: 'app', cost: {} });
      // Earlier this month, and last month.
      await usage.record(job('m1', at(Date.UTC(2027, 0, 1, 0, 30))), priced(1, 1.5, 'lib'));
      await usage.record(job('old', at(Date.UTC(2026, 11, 31, 23, 30))), priced(7, 9));
      return usage;
    }

    it('sums today, this month and all time: tokens, costs, what asap would have cost, unpriced jobs', async () => {
      const { today, month, allTime, day } = (await seeded()).summary(NOW);
      assert.equal(day, '2027-01-15');
      assert.deepEqual(
        { jobs: today.jobs, input: today.input, cached: today.cached, output: today.output, reasoning: today.reasoning, total: today.total },
        { jobs: 3, input: 5000, cached: 3500, output: 810, reasoning: 200, total: 5810 },
      );
      assert.ok(Math.abs((today.costUsd ?? NaN) - 0.25) < 1e-12);
      assert.equal(today.asapCostUsd, 0.5);
      assert.ok(Math.abs((today.savedUsd ?? NaN) - 0.3) < 1e-12, 'only the job with both costs: 0.5 − 0.2');
      assert.equal(today.unpriced, 1);
      assert.equal(today.cacheHitRatio, 3500 / 5000);
      assert.equal(month.jobs, 4);
      assert.ok(Math.abs((month.savedUsd ?? NaN) - 0.8) < 1e-12);
      assert.ok(Math.abs((month.costUsd ?? NaN) - 1.25) < 1e-12);
      assert.equal(allTime.jobs, 5);
      assert.ok(Math.abs((allTime.savedUsd ?? NaN) - 2.8) < 1e-12);
    });

    it('leaves costs and the ratio out rather than showing 0 when nothing was priced or read', async () => {
      const usage = ledger();
      await usage.record(job('free', { usage: { input: 0, cached: 0, output: 5, reasoning: 0, total: 5 } }), noCost);
      const { today, month } = usage.summary(NOW);
      assert.equal(today.costUsd, undefined);
      assert.equal(today.savedUsd, undefined);
      assert.equal(today.cacheHitRatio, undefined);
      assert.equal(today.unpriced, 1);
      assert.equal(usage.summary(NOW + 40 * DAY_MS).today.jobs, 0);
      assert.equal(month.jobs, 1);
    });

    it('puts a job on the day it finished in the user’s time zone', async () => {
      const plusOne = ledger(dayAtOffset(60));
      await plusOne.record(job('late', { finishedAt: Date.UTC(2027, 0, 31, 23, 30) }), noCost);
      assert.deepEqual(
        plusOne.rows().map((row) => row.day),
        ['2027-02-01'],
      );
      assert.equal(plusOne.summary(Date.UTC(2027, 0, 31, 23, 45)).today.jobs, 1, 'already 1 February there');
      assert.equal(plusOne.summary(Date.UTC(2027, 0, 31, 22, 45)).month.jobs, 0, 'still January there');
    });

    it('groups rows per day, folder, model and window, oldest first, and filters them', async () => {
      const usage = await seeded();
      await usage.record(job('t4', { window: 'priority' }), priced(0.1));
      await usage.record(job('t5', { window: undefined }), priced(0.1));
      const rows = usage.rows();
      assert.deepEqual(
        rows.map((row) => [row.day, row.folder, row.model, row.window, row.jobs]),
        [
          ['2026-12-31', 'app', 'moonshotai/Kimi-K2.5', 'flex', 1],
          ['2027-01-01', 'lib', 'moonshotai/Kimi-K2.5', 'flex', 1],
          ['2027-01-15', 'app', 'moonshotai/Kimi-K2.5', 'auto', 1],
          ['2027-01-15', 'app', 'moonshotai/Kimi-K2.5', 'flex', 2],
          ['2027-01-15', 'app', 'moonshotai/Kimi-K2.5', 'priority', 1],
          ['2027-01-15', 'app', 'other/model', 'flex', 1],
        ],
      );
      assert.deepEqual(rows[3]?.pricesDates, ['2027-01-01']);
      assert.equal(rows[3]?.cacheHitRatio, 3250 / 4000);
      assert.deepEqual(
        usage.rows({ fromDay: '2027-01-01', toDay: '2027-01-14' }).map((row) => row.folder),
        ['lib'],
      );
      assert.equal(usage.rows({ model: 'other/model' }).length, 1);
      assert.equal(usage.rows({ window: 'flex', folder: 'app' }).length, 3);
    });

    it('moves a job to its folder’s row when a window that knows the folder records it', async () => {
      const usage = ledger();
      await usage.record(job('a'), { folder: '', cost: {} });
      await usage.record(job('b'), { folder: '', cost: {} });
      await usage.record(job('a'), priced(0.5));
      assert.deepEqual(
        usage.rows().map((row) => [row.folder, row.jobs, row.input, row.costUsd, row.unpriced]),
        [
          ['', 1, 1000, undefined, 1],
          ['app', 1, 1000, 0.5, 0],
        ],
      );
      await usage.record(job('b'), { folder: 'app', cost: {} });
      assert.deepEqual(
        usage.rows().map((row) => [row.folder, row.jobs]),
        [['app', 2]],
        'an emptied row goes',
      );
    });
  });
});

function entryLine(jobId: string) {
  return {
    v: 1,
    jobId,
    attempt: 1,
    at: NOW,
    day: '2027-01-15',
    folder: 'app',
    model: 'moonshotai/Kimi-K2.5',
    window: 'flex',
    input: 10,
    cached: 0,
    output: 5,
    reasoning: 0,
    total: 15,
  };
}
