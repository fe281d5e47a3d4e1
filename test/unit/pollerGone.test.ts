// A young job is "gone" only when Sail keeps answering 404, poll after poll, for goneAfterMs. Two
// stray 404s with an outage between them (found with the soak's faults) must not expire a job Sail
// still runs: its answer would never be fetched.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { JobTracker, type ResponsesApi } from '../../src/jobs/jobTracker';
import { DEFAULT_POLL_POLICY } from '../../src/jobs/pollPolicy';
import { SailClient } from '../../src/sail/client';
import { startSimulator } from '../sim';
import { SoakClock } from '../soak/soakClock';
import { TrackedBlobs } from '../soak/trackedBlobs';
import { MemoryState } from '../support/memoryState';

const MINUTE = 60_000;

describe('job core: when a 404 means gone', () => {
  it('a 404, an outage longer than goneAfterMs, then another 404 leave the job running; it completes', async () => {
    const clock = new SoakClock(Date.UTC(2026, 0, 5));
    const sim = await startSimulator({ now: () => clock.now(), sleep: clock.parkedSleep });
    const dir = mkdtempSync(join(tmpdir(), 'sail-gone-'));
    const blobs = new TrackedBlobs(new FileBlobStore(dir), clock);
    const store = new JobStore(new MemoryState(), blobs, { warn() {} }, () => clock.now());
    const client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, sleep: clock.sleep, now: () => clock.now() });
    const api: ResponsesApi = {
      createResponse: (body, options) => clock.track(() => client.createResponse(body, options)),
      getResponse: (id, options) => clock.track(() => client.getResponse(id, options)),
    };
    const tracker = new JobTracker({
      store,
      api: () => api,
      clock,
      log: { info() {}, warn() {}, debug() {} },
      apiKey: async () => sim.apiKey,
      baseUrl: () => sim.baseUrl,
    });
    try {
      let job: JobRecord | undefined;
      clock.setTimer(() => {
        void tracker
          .submit({
            request: { model: 'moonshotai/Kimi-K2.5', input: 'Explain this.', background: true, metadata: { completion_window: 'flex' } },
            title: 'A',
            instruction: 'A',
          })
          .then((j) => (job = j));
      }, 0);
      // The first poll meets a 404; then the network is gone for longer than goneAfterMs; then one more 404.
      sim.faults.inject({ fault: 'http_error', status: 404, route: 'getResponse' });
      let outageEnds: number | undefined;
      let secondStray = false;
      sim.faults.pick(({ route }) => {
        if (outageEnds === undefined) {
          return undefined;
        }
        if (clock.now() < outageEnds) {
          return { fault: 'reset_before_record' };
        }
        if (route === 'getResponse' && !secondStray) {
          secondStray = true;
          return { fault: 'http_error', status: 404 };
        }
        return undefined;
      });
      tracker.onDidChange(({ job: changed }) => {
        if (changed.missingSince !== undefined && outageEnds === undefined) {
          outageEnds = clock.now() + DEFAULT_POLL_POLICY.goneAfterMs + MINUTE;
        }
      });
      const end = clock.now() + 4 * 60 * MINUTE;
      await clock.run(() => job !== undefined && ['completed', 'expired', 'failed'].includes(tracker.get(job.id)?.state ?? ''), end);
      assert.ok(job);
      assert.ok(secondStray, 'the second 404 came after the outage');
      const final = tracker.get(job.id);
      assert.equal(final?.state, 'completed', `the job ended ${final?.state} (${final?.error?.kind ?? ''})`);
      assert.ok(await tracker.response(job.id), 'its answer is stored');
    } finally {
      tracker.dispose();
      await client.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
