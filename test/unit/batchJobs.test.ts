// A batch as a job (issue 11): written down before the POST, sent once under its idempotency key,
// resumed after a reload, polled until every item is done, and its answers fetched and kept — each
// against the real simulator over HTTP, with waits bounded by the behaviour's own deadline.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { batchStatus } from '../../src/jobs/batchKind';
import type { BatchManifest } from '../../src/jobs/batchManifest';
import { systemClock } from '../../src/jobs/clock';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { JobTracker, type JobTrackerOptions } from '../../src/jobs/jobTracker';
import { SailClient } from '../../src/sail/client';
import type { CreateBatchRequest } from '../../src/sail/schemas';
import { startSimulator, type Simulator } from '../sim';
import { MemoryState } from '../support/memoryState';
import { FAST_POLICY, isOver, quietLog, until } from '../support/jobWaits';

const FILES = ['src/a.ts', 'src/b.ts', 'lib/c.py'];

function batch(window: 'standard' | 'flex' = 'standard'): { request: CreateBatchRequest; manifest: BatchManifest } {
  const items = FILES.map((path, i) => ({ customId: `f${i}-${path.replace(/[^a-z0-9]/g, '-')}`, uri: `file:///w/${path}`, path, languageId: 'typescript' }));
  return {
    request: {
      endpoint: '/v1/responses',
      requests: items.map((item) => ({
        custom_id: item.customId,
        params: { model: 'moonshotai/Kimi-K2.5', input: `Review ${item.path}`, background: true, store: true, metadata: { completion_window: window } },
      })),
    },
    manifest: { items, skipped: [{ path: 'img.png', reason: 'binary' }] },
  };
}

describe('batch jobs', () => {
  let sim: Simulator;
  let dir: string;
  let state: MemoryState;
  const open: { dispose(): void }[] = [];

  function tracker(options: Partial<JobTrackerOptions> = {}): JobTracker {
    const store = new JobStore(state, new FileBlobStore(dir), { warn() {} });
    const client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttemptsPost: 1 } });
    const t = new JobTracker({
      store,
      api: () => client,
      batches: () => client,
      clock: systemClock,
      log: quietLog,
      policy: FAST_POLICY,
      resendBaseMs: 20,
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
    dir = mkdtempSync(join(tmpdir(), 'sail-batch-'));
    state = new MemoryState();
  });
  afterEach(() => {
    for (const t of open.splice(0)) {
      t.dispose();
    }
    rmSync(dir, { recursive: true, force: true });
  });
  after(async () => {
    await sim.close();
  });

  it('sends every file as one batch item, follows it to the end, and keeps every answer with the summed usage', async () => {
    const t = tracker();
    const input = batch();
    const job = await t.submitBatch({ ...input, title: 'Review · 3 files', instruction: 'Review' });
    assert.equal(job.kind, 'batch');
    assert.match(job.responseId ?? '', /^batch_/);
    const posted = sim.requests.entries().filter((r) => r.method === 'POST' && r.url === '/v1/batches');
    assert.equal(posted.length, 1);
    assert.deepEqual(
      (JSON.parse(posted[0].body ?? '') as CreateBatchRequest).requests.map((r) => r.custom_id),
      input.manifest.items.map((i) => i.customId),
    );
    const answered = await until(t, job.id, 'every answer stored', (j) => isOver(j) && j?.progress?.answered === 3, 10_000);
    assert.equal(answered?.state, 'completed');
    assert.deepEqual({ ...answered?.progress }, { total: 3, done: 3, failed: 0, answered: 3 });
    assert.ok((answered?.usage?.total ?? 0) > 0, 'the batch shows its items’ summed usage');
    const items = await Promise.all(input.manifest.items.map((i) => t.batchItem(job.id, i.customId)));
    assert.deepEqual(
      items.map((r) => r?.status),
      ['completed', 'completed', 'completed'],
    );
    const sum = items.reduce((n, r) => n + (r?.usage.total_tokens ?? 0), 0);
    assert.equal(answered?.usage?.total, sum);
    // Kept here: Sail forgetting them changes nothing.
    sim.expire();
    assert.equal((await t.batchItem(job.id, input.manifest.items[1].customId))?.status, 'completed');
    assert.deepEqual((await t.batchManifest(job.id))?.skipped, [{ path: 'img.png', reason: 'binary' }]);
    const statuses = await t.batchStatus(job.id);
    assert.deepEqual(
      Object.values(statuses?.items ?? {}).map((i) => i.state),
      ['completed', 'completed', 'completed'],
    );
  });

  it('counts a failed item as failed without failing the batch, and keeps its error', async () => {
    sim.faults.inject({ route: 'createBatch', fault: 'fail_job', message: 'model overloaded' });
    const t = tracker();
    const input = batch();
    const job = await t.submitBatch({ ...input, title: 'Review', instruction: 'Review' });
    const done = await until(t, job.id, 'the batch done and answered', (j) => isOver(j) && j?.progress?.answered === 3, 10_000);
    assert.equal(done?.state, 'completed');
    assert.equal(done?.progress?.failed, 1);
    const failed = await t.batchItem(job.id, input.manifest.items[0].customId);
    assert.equal(failed?.status, 'failed');
    assert.match(failed?.error?.message ?? '', /model overloaded/);
  });

  it('re-running the failed items sends only those, as a new batch with a new key', async () => {
    sim.faults.inject({ route: 'createBatch', fault: 'fail_job', message: 'model overloaded', times: 2 });
    const t = tracker();
    const input = batch();
    const job = await t.submitBatch({ ...input, title: 'Review', instruction: 'Review' });
    await until(t, job.id, 'the batch done', isOver, 10_000);
    const again = await t.resendFailedItems(job.id);
    assert.ok(again, 'a new batch was sent');
    assert.notEqual(again.idempotencyKey, job.idempotencyKey);
    const posted = sim.requests.entries().filter((r) => r.method === 'POST' && r.url === '/v1/batches');
    assert.equal(posted.length, 2);
    assert.deepEqual(
      (JSON.parse(posted[1].body ?? '') as CreateBatchRequest).requests.map((r) => r.custom_id),
      input.manifest.items.slice(0, 2).map((i) => i.customId),
    );
    assert.deepEqual(
      (await t.batchManifest(again.id))?.items.map((i) => i.path),
      FILES.slice(0, 2),
    );
    const done = await until(t, again.id, 'the new batch done', isOver, 10_000);
    assert.equal(done?.progress?.failed, 0);
    assert.equal(await t.resendFailedItems(again.id), undefined, 'nothing failed: nothing to send');
  });

  it('a batch Sail refused as sent goes again, rebuilt item by item, as a batch of the same files (Send with Current Settings)', async () => {
    const t = tracker();
    const input = batch();
    input.request.requests[1].params.model = 'no-such/model';
    const refused = await t.submitBatch({ ...input, title: 'Review', instruction: 'Review', prompt: 'file:///w/.sail/prompts/review.md' });
    assert.equal(refused.state, 'failed');
    assert.equal(refused.error?.kind, 'invalid_request');
    const again = await t.sendAsNew(refused.id, (params) => ({ ...params, model: 'moonshotai/Kimi-K2.5' }));
    assert.ok(again && again.id !== refused.id && again.idempotencyKey !== refused.idempotencyKey, 'a new job with a new key');
    assert.equal(again.kind, 'batch');
    assert.equal(again.progress?.total, 3);
    assert.equal(again.prompt, 'file:///w/.sail/prompts/review.md', 'still made from its prompt file');
    const posted = sim.requests.entries().filter((r) => r.method === 'POST' && r.url === '/v1/batches');
    assert.equal(posted.length, 2, 'sent as a batch again, not as one response');
    const body = JSON.parse(posted[1].body ?? '') as CreateBatchRequest;
    assert.deepEqual(
      body.requests.map((r) => [r.custom_id, r.params.model, r.params.input]),
      input.request.requests.map((r) => [r.custom_id, 'moonshotai/Kimi-K2.5', r.params.input]),
    );
    assert.deepEqual(await t.batchManifest(again.id), input.manifest, 'the same files, and the same left out');
    const done = await until(t, again.id, 'the new batch done', isOver, 10_000);
    assert.equal(done?.state, 'completed');
    assert.equal(t.get(refused.id)?.state, 'failed', 'the refused batch stays as it was');
    // Without its manifest a batch cannot say which answer is which file: it is not sent again.
    rmSync(join(dir, `${refused.id}.items.json`));
    assert.equal(await t.sendAsNew(refused.id, (params) => params), undefined);
    assert.equal(sim.requests.entries().filter((r) => r.method === 'POST' && r.url === '/v1/batches').length, 2, 'nothing sent');
  });

  it('a files job Sail refused one file of: Send with Current Settings sends that file alone, never again the files Sail took', async () => {
    const t = tracker();
    const input = batch();
    input.request.requests[2].params.model = 'no-such/model';
    const refused = await t.submitBatch({ ...input, title: 'Review', instruction: 'Review', kind: 'files' });
    assert.equal(refused.state, 'failed');
    assert.equal(refused.error?.kind, 'invalid_request');
    const inputs = () =>
      sim.requests
        .entries()
        .filter((r) => r.method === 'POST' && r.url === '/v1/responses')
        .map((r) => (JSON.parse(r.body ?? '{}') as { input: string }).input);
    assert.equal(inputs().length, 3);
    const again = await t.sendAsNew(refused.id, (params) => ({ ...params, model: 'moonshotai/Kimi-K2.5' }));
    assert.ok(again);
    assert.equal(again.kind, 'files');
    assert.deepEqual(
      (await t.batchManifest(again.id))?.items.map((i) => i.path),
      [FILES[2]],
    );
    assert.deepEqual(inputs().slice(3), [input.request.requests[2].params.input], 'only the refused file goes again');
    assert.equal((await until(t, again.id, 'the file sent again done', isOver, 10_000))?.state, 'completed');
    // Had Sail taken every file, there would be nothing to send again.
    const remote = join(dir, `${refused.id}.remote.json`);
    const taken = JSON.parse(readFileSync(remote, 'utf8')) as Record<string, string>;
    writeFileSync(remote, JSON.stringify({ ...taken, [input.manifest.items[2].customId]: 'resp_taken' }));
    assert.equal(await t.sendAsNew(refused.id, (params) => params), undefined);
    assert.equal(inputs().length, 4, 'nothing sent');
  });

  it('a reload with the POST unanswered re-sends the batch under the same key: Sail runs it once', async () => {
    sim.faults.inject({ route: 'createBatch', fault: 'reset_after_record' });
    const first = tracker({ resendBaseMs: 60_000 });
    const input = batch();
    const job = await first.submitBatch({ ...input, title: 'Review', instruction: 'Review' });
    assert.equal(job.state, 'submitting', 'the lost answer leaves the job to be sent again');
    first.dispose();
    const second = tracker();
    await second.resume();
    const done = await until(second, job.id, 'the resumed batch answered', (j) => isOver(j) && j?.progress?.answered === 3, 10_000);
    assert.equal(done?.state, 'completed');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 3, 'three items, each run once');
    assert.equal(sim.requests.entries().filter((r) => r.method === 'POST' && r.url === '/v1/batches').length, 2);
  });

  it('where batches are not taken, the same files go as one background response each, shown as a batch', async () => {
    const t = tracker();
    const input = batch();
    // The first attempt loses one item's answer: the re-send replays the others instead of running them again.
    sim.faults.inject({ route: 'createResponse', fault: 'reset_after_record' });
    const first = await t.submitBatch({ ...input, title: 'Review', instruction: 'Review', kind: 'files' });
    assert.equal(first.kind, 'files');
    const done = await until(t, first.id, 'every answer stored', (j) => isOver(j) && j?.progress?.answered === 3, 10_000);
    assert.equal(done?.state, 'completed');
    assert.deepEqual({ ...done?.progress }, { total: 3, done: 3, failed: 0, answered: 3 });
    assert.equal(sim.requests.entries().filter((r) => r.url === '/v1/batches').length, 0, 'no batch was asked for');
    for (const item of input.manifest.items) {
      assert.equal(sim.counters.inferences(`${first.idempotencyKey}.${item.customId}`), 1, `${item.path} ran once`);
    }
    const answer = await t.batchItem(first.id, input.manifest.items[2].customId);
    assert.equal(answer?.status, 'completed');
    assert.ok((done?.usage?.total ?? 0) > 0);
  });

  it('removing a batch job deletes its manifest and every item answer', async () => {
    const t = tracker();
    const job = await t.submitBatch({ ...batch(), title: 'Review', instruction: 'Review' });
    await until(t, job.id, 'answers stored', (j) => j?.progress?.answered === 3, 10_000);
    assert.ok(readdirSync(dir).some((f) => f.startsWith(`${job.id}.item.`)));
    await t.remove(job.id);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith(job.id)),
      [],
    );
  });
});

describe('batchStatus', () => {
  const detail = (statuses: string[], total = statuses.length) => ({
    id: 'batch_1',
    request_counts: total,
    request_status: Object.fromEntries(statuses.map((s, i) => [`i${i}`, { status: s.toLowerCase() as never, rawStatus: s }])),
  });
  const norm = (s: string) =>
    ({ QUEUED: 'queued', RUNNING: 'in_progress', COMPLETED: 'completed', FAILED: 'failed', CANCELLED: 'cancelled', WEIRD: 'unknown' })[s];
  const of = (statuses: string[], total?: number) => {
    const d = detail(statuses, total);
    for (const item of Object.values(d.request_status)) {
      item.status = norm(item.rawStatus) as never;
    }
    return batchStatus(d);
  };

  it('is queued until an item starts, then running until every item is done', () => {
    assert.equal(of(['QUEUED', 'QUEUED']).state, 'queued');
    assert.equal(of(['QUEUED', 'RUNNING']).state, 'in_progress');
    assert.equal(of(['COMPLETED', 'RUNNING']).state, 'in_progress');
    assert.equal(of(['COMPLETED', 'WEIRD']).state, 'in_progress', 'a status this version does not know is still running');
  });

  it('is not done while Sail lists fewer items than it counts', () => {
    assert.equal(of(['COMPLETED'], 2).state, 'in_progress');
    assert.deepEqual(of(['COMPLETED'], 2).progress, { total: 2, done: 1, failed: 0, answered: 0 });
  });

  it('is completed when any item completed, failed only when every item failed, cancelled when every one was', () => {
    assert.equal(of(['COMPLETED', 'FAILED']).state, 'completed');
    assert.equal(of(['COMPLETED', 'FAILED']).progress?.failed, 1);
    assert.equal(of(['FAILED', 'CANCELLED']).state, 'failed');
    assert.equal(of(['CANCELLED', 'CANCELLED']).state, 'cancelled');
    assert.equal(of(['COMPLETED', 'FAILED']).serverStatus, '2/2');
  });
});
