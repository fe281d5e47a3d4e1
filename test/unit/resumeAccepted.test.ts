// Found by the soak (seed 101, short): a window reloaded while its record of an accepted job was
// being written. The new window read the list just before, so it queued the job for re-sending;
// by its turn the record said "queued", the sender left it alone, and nothing ever polled it.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JobStore, type KeyValueStore } from '../../src/jobs/jobStore';
import { JobTracker, type ResponsesApi } from '../../src/jobs/jobTracker';
import { SailClient } from '../../src/sail/client';
import { startSimulator } from '../sim';
import { SoakClock } from '../soak/soakClock';
import { TrackedBlobs } from '../soak/trackedBlobs';
import { MemoryState } from '../support/memoryState';

const quiet = { info() {}, warn() {}, debug() {} };

describe('job core: resume after a reload mid-write', () => {
  it('a job the closed window got accepted while the new one waited to re-send it is polled and completes', async () => {
    const clock = new SoakClock(Date.UTC(2026, 0, 5));
    const sim = await startSimulator({ now: () => clock.now(), sleep: clock.parkedSleep });
    const dir = mkdtempSync(join(tmpdir(), 'sail-resume-'));
    const blobs = new TrackedBlobs(new FileBlobStore(dir), clock);
    const memory = new MemoryState();
    let beforeWrite: ((value: { jobs: JobRecord[] }) => void) | undefined;
    const state: KeyValueStore = {
      get: (key) => memory.get(key),
      update: (key, value) =>
        clock.track(async () => {
          beforeWrite?.(value as { jobs: JobRecord[] });
          await memory.update(key, value);
        }),
    };
    const clients: SailClient[] = [];
    const open = () => {
      const client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, sleep: clock.sleep, now: () => clock.now() });
      clients.push(client);
      const api: ResponsesApi = {
        createResponse: (body, options) => clock.track(() => client.createResponse(body, options)),
        getResponse: (id, options) => clock.track(() => client.getResponse(id, options)),
      };
      const store = new JobStore(state, blobs, { warn() {} }, () => clock.now());
      return new JobTracker({ store, api: () => api, clock, log: quiet, baseUrl: () => sim.baseUrl, apiKey: async () => sim.apiKey });
    };
    const first = open();
    let second: JobTracker | undefined;
    try {
      // Six jobs; Sail refuses every POST (503) but the first job's re-send, so five stay unanswered.
      const ids: string[] = [];
      let firstKey: string | undefined;
      let refusing = true;
      sim.faults.pick(({ method, headers }) =>
        method === 'POST' && refusing && (firstKey === undefined || headers['idempotency-key'] !== firstKey) ? { fault: 'http_error', status: 503 } : undefined,
      );
      for (let i = 0; i < 6; i++) {
        clock.setTimer(() => {
          const request = { model: 'moonshotai/Kimi-K2.5', input: `Job ${i}`, background: true, metadata: { completion_window: 'standard' as const } };
          void first.submit({ request, title: `${i}`, instruction: 'Explain' }).then((job) => {
            ids.push(job.id);
            firstKey ??= job.idempotencyKey;
          });
        }, i * 10);
      }
      // The reload: as the first window writes the first job down as queued, the second opens (reading
      // the list before that write) and the first is gone.
      beforeWrite = (value) => {
        if (!second && value.jobs.some((j) => j.idempotencyKey === firstKey && j.state === 'queued')) {
          second = open();
          first.dispose();
          refusing = false;
          void second.resume();
        }
      };
      const done = () => second !== undefined && ids.length === 6 && ids.every((id) => second?.get(id)?.state === 'completed');
      await clock.run(done, clock.now() + 3 * 60 * 60_000);
      assert.ok(second, 'the reload happened');
      const stuck = ids
        .filter((id) => second?.get(id)?.state !== 'completed')
        .map((id) => `${second?.get(id)?.state}, next poll ${second?.nextPollAt(id) ?? 'none'}`);
      assert.deepEqual(stuck, [], 'every job completes in the new window');
      assert.deepEqual(Object.values(sim.counters.snapshot().inferencesByIdempotencyKey), [1, 1, 1, 1, 1, 1], 'each ran once');
    } finally {
      second?.dispose();
      first.dispose();
      await Promise.all(clients.map((c) => c.close()));
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
