// The usage ledger following the real job core: a job Sail answers (the simulator, over HTTP) is
// counted once, by each window that sees it and through every later change of it, and the jobs from
// before the ledger are counted once.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { systemClock } from '../../src/jobs/clock';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { JobTracker } from '../../src/jobs/jobTracker';
import { SailClient } from '../../src/sail/client';
import { backfillOnce, recordAnsweredJobs } from '../../src/usage/followJobs';
import { USAGE_FILE, UsageLedger } from '../../src/usage/usageLedger';
import { startSimulator, type Simulator } from '../sim';
import { FAST_POLICY, quietLog } from '../support/jobWaits';
import { MemoryState } from '../support/memoryState';
import { waitFor } from '../support/waitFor';

describe('usage ledger following the job core', () => {
  let sim: Simulator;
  let dir: string;
  const closing: { dispose(): void }[] = [];
  const clients: SailClient[] = [];

  before(async () => {
    sim = await startSimulator({ timeScale: 5000 });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-usage-follow-'));
  });
  afterEach(() => {
    for (const d of closing.splice(0)) {
      d.dispose();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  function tracker(state = new MemoryState()): JobTracker {
    const client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    clients.push(client);
    const store = new JobStore(state, new FileBlobStore(join(dir, 'jobs')), { warn() {} });
    const t = new JobTracker({ store, api: () => client, clock: systemClock, log: quietLog, policy: FAST_POLICY });
    closing.push(t);
    return t;
  }

  function follow(t: JobTracker, folder: string): UsageLedger {
    const ledger = new UsageLedger(new FileBlobStore(dir));
    closing.push(
      recordAnsweredJobs(
        t,
        ledger,
        () => ({ folder, cost: { costUsd: 0.01 } }),
        (m) => assert.fail(m),
      ),
    );
    return ledger;
  }

  it('counts an answered job once, with its usage, though two windows see it and it changes again', async () => {
    const t = tracker();
    const sender = follow(t, 'app');
    const other = follow(t, '');
    const job = await t.submit({
      request: { model: 'moonshotai/Kimi-K2.5', input: 'Explain this loop', background: false, metadata: { completion_window: 'asap' } },
      title: 'loop',
      instruction: 'Explain',
    });
    assert.equal(job.state, 'completed');
    assert.ok(job.usage && job.usage.total > 0, 'the simulator reports usage');
    await waitFor(() => sender.has(job.id, 1) && other.has(job.id, 1), { timeoutMs: 5_000, what: 'both windows to count the job' });
    await t.markSeen(job.id);
    await t.setPinned(job.id, true);
    // A write those changes caused would land within this.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fresh = new UsageLedger(new FileBlobStore(dir));
    await fresh.load();
    const rows = fresh.rows();
    assert.deepEqual(
      rows.map((row) => [row.folder, row.model, row.window, row.jobs, row.total, row.costUsd]),
      [['app', 'moonshotai/Kimi-K2.5', 'asap', 1, job.usage.total, 0.01]],
    );
    const lines = readFileSync(join(dir, USAGE_FILE), 'utf8').trim().split('\n');
    assert.ok(lines.length <= 2, `at most one line per window, not one per change: ${lines.length}`);
  });

  it('counts the jobs from before the ledger once, reading the history only the first time', async () => {
    const state = new MemoryState();
    const t = tracker(state);
    const job = await t.submit({
      request: { model: 'moonshotai/Kimi-K2.5', input: 'Before the update', background: false, metadata: { completion_window: 'asap' } },
      title: 'old',
      instruction: 'Explain',
    });
    await t.markSeen(job.id);
    const ledger = new UsageLedger(new FileBlobStore(dir));
    let historyReads = 0;
    const held = {
      loadHistory: () => {
        historyReads += 1;
        return t.loadHistory();
      },
      jobs: () => t.jobs(),
    };
    assert.equal(await backfillOnce(held, ledger, () => ({ folder: '', cost: {} }), Date.now()), 1);
    const later = new UsageLedger(new FileBlobStore(dir));
    assert.equal(await backfillOnce(held, later, () => ({ folder: '', cost: {} }), Date.now()), 0);
    assert.equal(historyReads, 1);
    assert.equal(later.summary(Date.now()).allTime.total, job.usage?.total);
  });
});
