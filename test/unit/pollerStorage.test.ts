// A finished job whose record could not be written (found by the soak, seed 4): it must be asked
// about again, not left "running" with no poll scheduled until the next reload.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/jobs/clock';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JobStore, type KeyValueStore } from '../../src/jobs/jobStore';
import { JobTracker } from '../../src/jobs/jobTracker';
import { DEFAULT_POLL_POLICY } from '../../src/jobs/pollPolicy';
import { SailClient } from '../../src/sail/client';
import { startSimulator, type Simulator } from '../sim';
import { MemoryState } from '../support/memoryState';

/** globalState whose first write that records a finished job fails, as a full disk would. */
class FailsOnFinish implements KeyValueStore {
  failures = 0;
  constructor(private readonly inner: KeyValueStore) {}
  get<T>(key: string): T | undefined {
    return this.inner.get<T>(key);
  }
  async update(key: string, value: unknown): Promise<void> {
    const jobs = (value as { jobs?: JobRecord[] }).jobs ?? [];
    if (this.failures === 0 && jobs.some((j) => j.state === 'completed')) {
      this.failures += 1;
      throw new Error('ENOSPC: disk full');
    }
    await this.inner.update(key, value);
  }
}

describe('job core: a finished result whose record could not be written', () => {
  let sim: Simulator;
  let dir: string;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
    dir = mkdtempSync(join(tmpdir(), 'sail-poller-storage-'));
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is polled again and ends completed, instead of staying running with nothing scheduled', async () => {
    const state = new FailsOnFinish(new MemoryState());
    const store = new JobStore(state, new FileBlobStore(dir), { warn() {} });
    const client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey });
    const policy = { ...DEFAULT_POLL_POLICY, typicalMs: { ...DEFAULT_POLL_POLICY.typicalMs, standard: 300 }, minMs: 10, errorBackoffMs: 20 };
    const tracker = new JobTracker({ store, api: () => client, clock: systemClock, log: { info() {}, warn() {}, debug() {} }, policy });
    try {
      const job = await tracker.submit({
        request: { model: 'moonshotai/Kimi-K2.5', input: 'Explain: let a = 1;', background: true, metadata: { completion_window: 'standard' } },
        title: 'A',
        instruction: 'A',
      });
      const done = await new Promise<JobRecord | undefined>((resolve, reject) => {
        const timer = setTimeout(() => {
          sub.dispose();
          reject(
            new Error(
              `The job is still ${tracker.get(job.id)?.state} after 5 s (failed writes: ${state.failures}, next poll: ${tracker.nextPollAt(job.id) ?? 'none'})`,
            ),
          );
        }, 5_000);
        const sub = tracker.onDidChange(({ job: changed }) => {
          if (changed.id === job.id && changed.state === 'completed') {
            clearTimeout(timer);
            sub.dispose();
            resolve(changed);
          }
        });
      });
      assert.equal(state.failures, 1, 'the first write of the finished record failed');
      assert.equal(done?.state, 'completed');
      assert.ok(await tracker.response(job.id), 'its answer is stored');
      assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
    } finally {
      tracker.dispose();
      await client.close();
    }
  });
});
