// A batch job in the job core's words, and its fallback of one response per file (issue 14: survivors
// of mutation runs of src/jobs/batchKind.ts and src/jobs/filesKind.ts): what the progress counts, when
// a batch is done, failed or cancelled, what is POSTed under which key, how many requests are out at
// once, and what a poll asks Sail again.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchKind, batchStatus, type BatchAnswer, type BatchesApi } from '../../src/jobs/batchKind';
import { filesKind, itemKey, type FilesKindStore } from '../../src/jobs/filesKind';
import type { ResponsesApi } from '../../src/jobs/kinds';
import type { CreateBatchRequest, CreateResponseRequest, SailBatchDetail, SailResponse } from '../../src/sail/schemas';
import type { SailStatus } from '../../src/sail/status';

const RAW: Record<SailStatus, string> = {
  queued: 'QUEUED',
  in_progress: 'RUNNING',
  completed: 'COMPLETED',
  incomplete: 'INCOMPLETE',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
  unknown: 'WEIRD',
} as Record<SailStatus, string>;

function detail(statuses: SailStatus[], total = statuses.length): SailBatchDetail {
  return {
    id: 'batch_1',
    request_counts: total,
    request_status: Object.fromEntries(statuses.map((status, i) => [`i${i}`, { status, rawStatus: RAW[status] }])),
  };
}

describe('batchStatus: the whole batch from its items', () => {
  it('keeps each item’s state and Sail’s word; an unknown word counts as running', () => {
    const status = batchStatus(detail(['queued', 'in_progress', 'unknown', 'completed']));
    assert.deepEqual(status, {
      state: 'in_progress',
      serverStatus: '1/4',
      progress: { total: 4, done: 1, failed: 0, answered: 0 },
      answer: {
        items: {
          i0: { state: 'queued', status: 'QUEUED' },
          i1: { state: 'in_progress', status: 'RUNNING' },
          i2: { state: 'in_progress', status: 'WEIRD' },
          i3: { state: 'completed', status: 'COMPLETED' },
        },
      },
    });
  });

  it('an unknown word alone is running, not queued', () => {
    assert.equal(batchStatus(detail(['queued', 'unknown'])).state, 'in_progress');
    assert.equal(batchStatus(detail(['queued', 'queued'])).state, 'queued');
  });

  it('a batch with no items at all is queued, not done', () => {
    assert.deepEqual(batchStatus(detail([])), {
      state: 'queued',
      serverStatus: '0/0',
      progress: { total: 0, done: 0, failed: 0, answered: 0 },
      answer: { items: {} },
    });
  });

  it('more items listed than counted: the listed ones are the total', () => {
    const status = batchStatus(detail(['completed', 'completed', 'completed'], 2));
    assert.equal(status.state, 'completed');
    assert.equal(status.serverStatus, '3/3');
    assert.deepEqual(status.progress, { total: 3, done: 3, failed: 0, answered: 0 });
  });

  it('done with one failure is completed, without an error; an incomplete item counts as answered', () => {
    const status = batchStatus(detail(['failed', 'incomplete']));
    assert.deepEqual(
      { state: status.state, progress: status.progress, error: status.error, hasError: 'error' in status },
      { state: 'completed', progress: { total: 2, done: 2, failed: 1, answered: 0 }, error: undefined, hasError: false },
    );
  });

  it('every item failed or cancelled: failed, with a failed error; every one cancelled: cancelled', () => {
    const failed = batchStatus(detail(['failed', 'cancelled']));
    assert.equal(failed.state, 'failed');
    assert.deepEqual(failed.error, { kind: 'failed' });
    assert.deepEqual(failed.progress, { total: 2, done: 2, failed: 2, answered: 0 });
    const cancelled = batchStatus(detail(['cancelled', 'cancelled']));
    assert.equal(cancelled.state, 'cancelled');
    assert.deepEqual(cancelled.error, { kind: 'failed' });
    assert.equal(batchStatus(detail(['failed', 'failed'])).state, 'failed');
    assert.equal(batchStatus(detail(['cancelled', 'failed', 'cancelled'])).state, 'failed');
  });
});

describe('batchKind', () => {
  const body: CreateBatchRequest = {
    requests: [
      { custom_id: 'a', params: { model: 'm', input: 'x' } },
      { custom_id: 'b', params: { model: 'm', input: 'y' } },
    ],
  } as CreateBatchRequest;

  it('POSTs the body under the job’s key and shows every item queued; a poll asks with the key', async () => {
    const calls: unknown[] = [];
    const api: BatchesApi = {
      createBatch: (sent, options) => (calls.push(['create', sent, options]), Promise.resolve({ id: 'batch_9', request_counts: 2, created_at: 1_800_000_000 })),
      getBatch: (id, options) => (calls.push(['get', id, options]), Promise.resolve(detail(['completed', 'failed']))),
      getBatchItem: () => Promise.reject(new Error('not asked')),
    };
    const kind = batchKind(() => api);
    assert.equal(kind.name, 'batch');
    const accepted = await kind.send(body, { idempotencyKey: 'k1', apiKey: 'sk_1', jobId: 'j1' });
    assert.deepEqual(accepted, {
      remoteId: 'batch_9',
      serverCreatedAt: 1_800_000_000,
      status: {
        state: 'queued',
        serverStatus: '0/2',
        progress: { total: 2, done: 0, failed: 0, answered: 0 },
        answer: { items: { a: { state: 'queued', status: 'QUEUED' }, b: { state: 'queued', status: 'QUEUED' } } },
      },
    });
    const status = await kind.fetch('batch_9', { apiKey: 'sk_1', jobId: 'j1' });
    assert.equal(status.state, 'completed');
    assert.deepEqual(calls, [
      ['create', body, { idempotencyKey: 'k1', apiKey: 'sk_1' }],
      ['get', 'batch_9', { apiKey: 'sk_1' }],
    ]);
  });
});

function response(id: string, status: SailStatus): SailResponse {
  return {
    id,
    status,
    rawStatus: RAW[status].toLowerCase(),
    model: 'm',
    output: [],
    usage: { input_tokens: 1, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2 },
    error: null,
    incomplete_details: null,
    metadata: {},
  } as unknown as SailResponse;
}

/** A store in memory, recording what was written. */
function memoryStore(remote?: Record<string, string>, status?: BatchAnswer) {
  const written = { remote: [] as Record<string, string>[], items: [] as [string, string, string][] };
  const store: FilesKindStore = {
    readRemote: () => Promise.resolve(remote && { ...remote }),
    writeRemote: (_id, value) => (written.remote.push({ ...value }), Promise.resolve()),
    readStatus: () => Promise.resolve(status),
    writeItem: (jobId, customId, r) => (written.items.push([jobId, customId, r.status]), Promise.resolve()),
  };
  return { store, written };
}

/** A deferred answer per call, so the test decides when each request ends. */
function gate<T>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await Promise.resolve();
  }
  await new Promise((resolve) => setImmediate(resolve));
}

const filesBody = (n: number): CreateBatchRequest =>
  ({
    requests: Array.from({ length: n }, (_, i) => ({ custom_id: `c${i}`, params: { model: 'm', input: `file ${i}`, background: false } })),
  }) as CreateBatchRequest;

describe('filesKind: one background response per file', () => {
  it('an item’s key is the job’s key and its custom_id', () => {
    assert.equal(itemKey('k1', 'src-a-ts'), 'k1.src-a-ts');
  });

  it('POSTs every item in the background under its own key, four at a time, and remembers each response id', async () => {
    const posts: { body: CreateResponseRequest; options: { idempotencyKey: string; apiKey?: string } }[] = [];
    const gates: ReturnType<typeof gate<{ response: SailResponse }>>[] = [];
    const api: ResponsesApi = {
      createResponse: (b, options) => {
        posts.push({ body: b, options });
        const g = gate<{ response: SailResponse }>();
        gates.push(g);
        return g.promise;
      },
      getResponse: () => Promise.reject(new Error('not asked')),
    };
    const { store, written } = memoryStore({ old: 'resp_old' });
    const kind = filesKind(() => api, store);
    assert.equal(kind.name, 'files');
    const sending = kind.send(filesBody(6), { idempotencyKey: 'k1', apiKey: 'sk_1', jobId: 'j1' });
    await settle();
    assert.equal(posts.length, 4, 'four requests out at once');
    gates[0].open({ response: response('resp_0', 'queued') });
    await settle();
    assert.equal(posts.length, 5, 'the next goes when one ends');
    for (let i = 1; i < 6; i++) {
      await settle();
      gates[i].open({ response: response(`resp_${i}`, i === 1 ? 'in_progress' : 'queued') });
    }
    const accepted = await sending;
    assert.deepEqual(
      posts.map((p) => [p.body.input, p.body.background, p.options]),
      Array.from({ length: 6 }, (_, i) => [`file ${i}`, true, { idempotencyKey: `k1.c${i}`, apiKey: 'sk_1' }]),
    );
    assert.equal(accepted.remoteId, 'files_j1');
    assert.equal(accepted.status.state, 'in_progress');
    assert.deepEqual(accepted.status.progress, { total: 6, done: 0, failed: 0, answered: 0 });
    assert.deepEqual(accepted.status.answer, {
      items: Object.fromEntries(
        Array.from({ length: 6 }, (_, i) => [`c${i}`, i === 1 ? { state: 'in_progress', status: 'running' } : { state: 'queued', status: 'queued' }]),
      ),
    });
    assert.deepEqual(written.remote, [{ old: 'resp_old', c0: 'resp_0', c1: 'resp_1', c2: 'resp_2', c3: 'resp_3', c4: 'resp_4', c5: 'resp_5' }]);
  });

  it('a failed item fails the send after the others settle; what was accepted is remembered, and nothing more is started', async () => {
    const posts: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate<{ response: SailResponse }>>>();
    const api: ResponsesApi = {
      createResponse: (_body, options) => {
        posts.push(options.idempotencyKey);
        const g = gate<{ response: SailResponse }>();
        gates.set(options.idempotencyKey, g);
        return g.promise;
      },
      getResponse: () => Promise.reject(new Error('not asked')),
    };
    const { store, written } = memoryStore();
    const sending = filesKind(() => api, store).send(filesBody(6), { idempotencyKey: 'k', jobId: 'j' });
    const outcome = sending.then(
      () => 'sent',
      (error: Error) => error.message,
    );
    await settle();
    const boom = new Error('reset');
    gates.get('k.c0')?.fail(boom);
    await settle();
    assert.deepEqual(posts, ['k.c0', 'k.c1', 'k.c2', 'k.c3'], 'no new item after a failure');
    assert.equal(written.remote.length, 0, 'not before the others settle');
    gates.get('k.c1')?.open({ response: response('r1', 'queued') });
    gates.get('k.c2')?.fail(new Error('second'));
    gates.get('k.c3')?.open({ response: response('r3', 'queued') });
    assert.equal(await outcome, 'reset', 'the first failure');
    assert.deepEqual(written.remote, [{ c1: 'r1', c3: 'r3' }]);
  });

  it('a poll asks only about items not finished yet, keeps each finished answer, and counts the rest', async () => {
    const asked: [string, string | undefined][] = [];
    const answers: Record<string, SailResponse> = {
      r1: response('r1', 'completed'),
      r2: response('r2', 'in_progress'),
      r3: response('r3', 'failed'),
    };
    const api: ResponsesApi = {
      createResponse: () => Promise.reject(new Error('not sent')),
      getResponse: (id, options) => (asked.push([id, options?.apiKey]), Promise.resolve(answers[id])),
    };
    const last: BatchAnswer = {
      items: {
        c0: { state: 'completed', status: 'completed' },
        c1: { state: 'in_progress', status: 'in_progress' },
        c9: { state: 'completed', status: 'completed' },
      },
    };
    const { store, written } = memoryStore({ c0: 'r0', c1: 'r1', c2: 'r2', c3: 'r3' }, last);
    const status = await filesKind(() => api, store).fetch('files_j', { apiKey: 'sk_2', jobId: 'j' });
    assert.deepEqual(asked.sort(), [
      ['r1', 'sk_2'],
      ['r2', 'sk_2'],
      ['r3', 'sk_2'],
    ]);
    assert.deepEqual(written.items.sort(), [
      ['j', 'c1', 'completed'],
      ['j', 'c3', 'failed'],
    ]);
    assert.deepEqual(status, {
      state: 'in_progress',
      serverStatus: '3/4',
      progress: { total: 4, done: 3, failed: 1, answered: 0 },
      answer: {
        items: {
          c0: { state: 'completed', status: 'completed' },
          c1: { state: 'completed', status: 'completed' },
          c2: { state: 'in_progress', status: 'running' },
          c3: { state: 'failed', status: 'failed' },
        },
      },
    });
  });

  it('a poll with nothing remembered asks nothing and is queued; with everything finished asks nothing and is done', async () => {
    const api: ResponsesApi = {
      createResponse: () => Promise.reject(new Error('not sent')),
      getResponse: () => Promise.reject(new Error('not asked')),
    };
    const empty = await filesKind(() => api, memoryStore().store).fetch('files_j', { jobId: 'j' });
    assert.equal(empty.state, 'queued');
    const done: BatchAnswer = { items: { c0: { state: 'completed', status: 'completed' }, c1: { state: 'cancelled', status: 'cancelled' } } };
    const finished = await filesKind(() => api, memoryStore({ c0: 'r0', c1: 'r1' }, done).store).fetch('files_j', { jobId: 'j' });
    assert.equal(finished.state, 'completed');
    assert.deepEqual(finished.progress, { total: 2, done: 2, failed: 1, answered: 0 });
  });

  it('a poll asks at most four items at a time', async () => {
    let out = 0;
    let most = 0;
    const api: ResponsesApi = {
      createResponse: () => Promise.reject(new Error('not sent')),
      getResponse: async (id) => {
        out++;
        most = Math.max(most, out);
        await settle();
        out--;
        return response(id, 'in_progress');
      },
    };
    const remote = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`c${i}`, `r${i}`]));
    const status = await filesKind(() => api, memoryStore(remote).store).fetch('files_j', { jobId: 'j' });
    assert.equal(most, 4);
    assert.equal(status.progress?.total, 9);
  });
});
