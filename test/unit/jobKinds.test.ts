// Job kinds are plug-ins: the core sends, follows, stores and finishes a job through its kind alone.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { systemClock } from '../../src/jobs/clock';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { JobTracker, type JobKind } from '../../src/jobs/jobTracker';
import { responseStatus, type RemoteStatus } from '../../src/jobs/kinds';
import { DEFAULT_POLL_POLICY } from '../../src/jobs/pollPolicy';
import { outputText } from '../../src/sail/output';
import { SailResponseSchema } from '../../src/sail/schemas';
import { MemoryState } from '../support/memoryState';

const quietLog = { info() {}, warn() {}, debug() {} };
const noApi = () => {
  throw new Error('the kind, not the default client, must be used');
};

function answer(id: string, status: 'queued' | 'in_progress' | 'completed'): RemoteStatus {
  return responseStatus(
    SailResponseSchema.parse({
      id,
      object: 'response',
      created_at: 1_800_000_000,
      status,
      model: 'moonshotai/Kimi-K2.5',
      output:
        status === 'completed'
          ? [
              {
                type: 'message',
                id: 'msg_1',
                role: 'assistant',
                status: 'completed',
                content: [{ type: 'output_text', text: 'Done by the kind.', annotations: [] }],
              },
            ]
          : [],
      usage:
        status === 'completed'
          ? { input_tokens: 7, input_tokens_details: { cached_tokens: 2 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 12 }
          : null,
    }),
  );
}

describe('job kinds', () => {
  let dir: string;
  const trackers: JobTracker[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-kinds-'));
  });
  afterEach(() => {
    trackers.splice(0).forEach((t) => t.dispose());
    rmSync(dir, { recursive: true, force: true });
  });

  function tracker(kind: JobKind): JobTracker {
    const store = new JobStore(new MemoryState(), new FileBlobStore(dir), { warn() {} });
    const t = new JobTracker({
      store,
      api: noApi,
      kinds: { response: kind },
      clock: systemClock,
      log: quietLog,
      policy: { ...DEFAULT_POLL_POLICY, minMs: 5, typicalMs: { ...DEFAULT_POLL_POLICY.typicalMs, standard: 20 } },
    });
    trackers.push(t);
    return t;
  }

  it('a kind answered by its POST finishes the job with no poll: answer stored, usage recorded', async () => {
    const calls: string[] = [];
    const t = tracker({
      name: 'response',
      send: async (_request, { idempotencyKey }) => (calls.push(`send ${idempotencyKey}`), { remoteId: 'x_1', status: answer('x_1', 'completed') }),
      fetch: async () => (calls.push('fetch'), answer('x_1', 'completed')),
    });
    const job = await t.submit({ request: { model: 'm', input: 'hi' }, title: 'T', instruction: 'I' });
    assert.equal(t.get(job.id)?.state, 'completed');
    assert.deepEqual(t.get(job.id)?.usage, { input: 7, cached: 2, output: 5, reasoning: 1, total: 12 });
    assert.deepEqual(calls, [`send ${job.idempotencyKey}`], 'sent once with the job’s key, never polled');
    const stored = await t.response(job.id);
    assert.equal(stored && outputText(stored), 'Done by the kind.');
  });

  it('a kind that runs in the background is polled through the kind until it finishes', async () => {
    let fetches = 0;
    const t = tracker({
      name: 'response',
      send: async () => ({ remoteId: 'x_2', status: answer('x_2', 'queued') }),
      fetch: async (remoteId) => (++fetches < 3 ? answer(remoteId, 'in_progress') : answer(remoteId, 'completed')),
    });
    const job = await t.submit({ request: { model: 'm', input: 'hi', background: true }, title: 'T', instruction: 'I' });
    assert.equal(t.get(job.id)?.responseId, 'x_2');
    const deadline = Date.now() + 5_000;
    while (t.get(job.id)?.state !== 'completed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(t.get(job.id)?.state, 'completed');
    assert.equal(fetches, 3);
  });
});
