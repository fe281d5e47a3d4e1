// Several windows sharing one job list, and a clock that jumps: against the real simulator over HTTP,
// each wait bounded by the behaviour's own deadline.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { systemClock, type Clock } from '../../src/jobs/clock';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { JobTracker, type JobTrackerOptions } from '../../src/jobs/jobTracker';
import { leaseName, SendLeases } from '../../src/jobs/sendLease';
import { SailClient } from '../../src/sail/client';
import type { CreateResponseRequest } from '../../src/sail/schemas';
import { startSimulator, type Simulator } from '../sim';
import { MemoryState } from '../support/memoryState';
import { FAST_POLICY, isOver, quietLog, until } from '../support/jobWaits';

const HOUR_MS = 60 * 60_000;

function request(text: string): CreateResponseRequest {
  return { model: 'moonshotai/Kimi-K2.5', input: text, background: true, store: true, metadata: { completion_window: 'standard' } };
}

describe('job core: several windows, one job list', () => {
  let sim: Simulator;
  let dir: string;
  let state: MemoryState;
  const open: { dispose(): void }[] = [];
  const clients: SailClient[] = [];

  /** A window: its own store over the shared key-value state and the shared folder, its own tracker. */
  function window(options: Partial<JobTrackerOptions> = {}): JobTracker {
    const store = new JobStore(state, new FileBlobStore(dir), { warn() {} });
    const api = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttemptsPost: 1 } });
    clients.push(api);
    const t = new JobTracker({
      store,
      api: () => api,
      clock: systemClock,
      log: quietLog,
      policy: FAST_POLICY,
      resendBaseMs: 20,
      leaseRecheckMs: 50,
      ...options,
    });
    open.push(t);
    return t;
  }

  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
  });

  beforeEach(() => {
    sim.reset();
    dir = mkdtempSync(join(tmpdir(), 'sail-windows-'));
    state = new MemoryState();
  });

  afterEach(() => {
    for (const o of open.splice(0)) {
      o.dispose();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim.close();
  });

  it('two windows resuming one unanswered job: one sends it, the other follows it; Sail sees one POST', async () => {
    // Window 0's POST failed, then it closed: the job is written down, unanswered.
    sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 503, times: 1 });
    const first = window({ resendBaseMs: 60_000 });
    const job = await first.submit({ request: request('Explain: const a = 1;'), title: 'A', instruction: 'A' });
    assert.equal(job.state, 'submitting');
    first.dispose();

    // Two windows start at once; Sail holds its answer to the POST a moment.
    sim.faults.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 300, times: 1 });
    const a = window();
    const b = window();
    await Promise.all([a.resume(), b.resume()]);
    const [doneA, doneB] = await Promise.all([
      until(a, job.id, 'window A to see the job end', isOver),
      until(b, job.id, 'window B to follow the job to its end', isOver),
    ]);
    assert.equal(doneA?.state, 'completed');
    assert.equal(doneB?.state, 'completed', 'the window that did not send it follows it all the same');
    assert.equal(sim.counters.requests('POST', 'createResponse'), 2, 'the failed POST, then one POST from one window');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });

  it('a window that closes with a POST on the wire releases its lease: the next window sends at once', async () => {
    sim.faults.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 400, times: 1 });
    const first = window();
    const sending = first.submit({ request: request('Explain: const b = 2;'), title: 'B', instruction: 'B' });
    const deadline = Date.now() + 5_000;
    while (sim.counters.totalInferences() === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [written] = first.jobs();
    assert.ok(written && existsSync(join(dir, leaseName(written.id))), 'the sending window holds the lease');
    first.dispose();
    assert.ok(!existsSync(join(dir, leaseName(written.id))), 'closing the window gave it back');
    // The next window must not wait for the lease to lapse (minutes): a long re-check shows it does not.
    const next = window({ leaseRecheckMs: 60_000 });
    await next.resume();
    assert.ok(next.get(written.id)?.responseId, 'sent by the next window at once');
    await sending;
  });

  it('a lease left by a window that crashed lapses, and then another window sends the job', async () => {
    const blobs = new FileBlobStore(dir);
    let now = 1_000_000;
    const crashed = new SendLeases(blobs, 'crashed-window', () => now);
    const alive = new SendLeases(blobs, 'this-window', () => now);
    assert.equal(await crashed.acquire('job-1'), true);
    assert.equal(await alive.acquire('job-1'), false, 'held by the other window');
    now += 3 * 60_000 + 1;
    assert.equal(await alive.acquire('job-1'), true, 'lapsed: taken over');
    await crashed.release('job-1');
    assert.equal(await new SendLeases(blobs, 'third', () => now).acquire('job-1'), false, 'a stale release does not free a lease it no longer holds');
  });

  it('a wall clock set a day ahead does not fail an unsent job as stale: it is sent again', async () => {
    let jumpMs = 0;
    const clock: Clock = { ...systemClock, now: () => Date.now() + jumpMs };
    sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 503, times: 1 });
    const t = window({ clock, resendBaseMs: 200 });
    const job = await t.submit({ request: request('Explain: const c = 3;'), title: 'C', instruction: 'C' });
    assert.equal(job.state, 'submitting');
    jumpMs = 25 * HOUR_MS;
    const done = await until(t, job.id, 'the re-send to go out and the job to end', isOver);
    assert.equal(done?.state, 'completed', `not failed as stale: ${JSON.stringify(done?.error)}`);
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });
});
