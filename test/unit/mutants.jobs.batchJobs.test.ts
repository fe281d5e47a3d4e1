// A batch as the tracker hands it on (issue 14: survivors of a mutation run of src/jobs/batchJobs.ts
// and of submitBatch in src/jobs/jobTracker.ts). What a user would notice: a batch is written down as
// sent (in the background, at its items' window, counting its items), an empty one or one this
// window cannot send is refused with its reason and nothing written; Re-run Failed Files sends the
// failed and cancelled files only, and nothing at all when the job, its request, manifest or item
// statuses are not here (or damaged), or when it is no batch; a files job (one response per file)
// stays one when sent again, asks Sail only about the files still running, and asks for each answer
// once; a window that cannot send batches reads none and still resumes; a closing window stops
// fetching answers; a failure to fetch them is in the log.
//
// Against the simulator on 127.0.0.1, the job files in a temporary folder.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { BatchesApi } from '../../src/jobs/batchKind';
import type { BatchManifest } from '../../src/jobs/batchManifest';
import { systemClock } from '../../src/jobs/clock';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { JobTracker, type JobChange, type JobTrackerOptions } from '../../src/jobs/jobTracker';
import { SailClient } from '../../src/sail/client';
import type { CreateBatchRequest, CreateResponseRequest } from '../../src/sail/schemas';
import { startSimulator, type Simulator } from '../sim';
import { FAST_POLICY, isOver, until } from '../support/jobWaits';
import { MemoryState } from '../support/memoryState';
import { waitFor, within } from '../support/waitFor';

/** How long something on the wire may take here before a test calls it late. */
const DEADLINE_MS = 10_000;
const MODEL = 'moonshotai/Kimi-K2.5';

/** `null`: the items name no window. */
type Window = 'priority' | 'standard' | null;

function batch(n = 3, window: Window = 'standard'): { request: CreateBatchRequest; manifest: BatchManifest } {
  const items = Array.from({ length: n }, (_, i) => ({ customId: `f${i}`, uri: `file:///w/src/f${i}.ts`, path: `src/f${i}.ts`, languageId: 'typescript' }));
  return {
    request: {
      endpoint: '/v1/responses',
      requests: items.map((item) => ({
        custom_id: item.customId,
        params: {
          model: MODEL,
          input: `Review ${item.path}`,
          background: true,
          store: true,
          ...(window && { metadata: { completion_window: window } }),
        },
      })),
    },
    manifest: { items, skipped: [] },
  };
}

/** A job folder whose reads of a batch's manifest fail once `failing` is set (a folder that cannot be read). */
class UnreadableManifests extends FileBlobStore {
  failing = false;

  override async read(name: string): Promise<string | undefined> {
    if (this.failing && name.endsWith('.items.json')) {
      throw new Error('EACCES: permission denied');
    }
    return super.read(name);
  }
}

describe('BatchJobs: a batch sent again, kept and read back, against the simulator', () => {
  let sim: Simulator;
  let dir: string;
  let state: MemoryState;
  let ids: number;
  const folders: string[] = [];
  const open: { dispose(): void }[] = [];
  const clients: SailClient[] = [];

  interface Win {
    t: JobTracker;
    store: JobStore;
    changes: JobChange[];
    log: { info: string[]; warn: string[] };
  }

  function client(): SailClient {
    const c = new SailClient({
      baseUrl: sim.baseUrl,
      getApiKey: async () => sim.apiKey,
      retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttemptsPost: 1, maxAttemptsGet: 1 },
    });
    clients.push(c);
    return c;
  }

  /** A window over the shared list (`state`) and folder (`dir`, unless given another). */
  async function window(options: Partial<JobTrackerOptions> = {}, blobs = new FileBlobStore(dir), list = state): Promise<Win> {
    const log = { info: [] as string[], warn: [] as string[] };
    const store = new JobStore(list, blobs, { warn: (m) => log.warn.push(m) });
    const api = client();
    const t = new JobTracker({
      store,
      api: () => api,
      batches: () => api,
      clock: systemClock,
      log: { info: (m) => log.info.push(m), warn: (m) => log.warn.push(m), debug: () => undefined },
      policy: FAST_POLICY,
      resendBaseMs: 20,
      ...options,
    });
    open.push(t);
    await t.ready();
    const changes: JobChange[] = [];
    t.onDidChange((change) => changes.push(change));
    return { t, store, changes, log };
  }

  const batchPosts = () => sim.counters.requests('POST', 'createBatch');
  const responsePosts = () => sim.counters.requests('POST', 'createResponse');
  const itemGets = () => sim.counters.requests('GET', 'getBatchRequestResult');
  /** GETs of one response since the request log's entry `since`. */
  const getsOf = (responseId: string, since = 0) =>
    sim.requests
      .entries()
      .slice(since)
      .filter((r) => r.method === 'GET' && r.url === `/v1/responses/${responseId}`).length;

  /** A batch done with its first two files failed (`fail` of them), every answer fetched. */
  async function failedBatch(w: Win, fail = 2): Promise<{ job: JobRecord; input: ReturnType<typeof batch> }> {
    sim.faults.inject({ route: 'createBatch', fault: 'fail_job', message: 'model overloaded', times: fail });
    const input = batch();
    const sent = await w.t.submitBatch({ ...input, title: 'Review', instruction: 'Review' });
    const job = await until(w.t, sent.id, 'the batch done, every answer here', (j) => isOver(j) && j?.progress?.answered === 3, DEADLINE_MS);
    return { job: job as JobRecord, input };
  }

  /** Re-run Failed Files finds nothing to send, and sends nothing. */
  async function sendsNothing(w: Win, id: string, why: string): Promise<void> {
    const before = [batchPosts(), responsePosts()];
    assert.equal(await w.t.resendFailedItems(id), undefined, why);
    assert.deepEqual([batchPosts(), responsePosts()], before, `nothing sent: ${why}`);
  }

  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
  });

  beforeEach(() => {
    sim.reset();
    dir = mkdtempSync(join(tmpdir(), 'sail-batchjobs-'));
    folders.push(dir);
    state = new MemoryState();
    ids = 0;
  });

  afterEach(() => {
    for (const o of open.splice(0)) {
      o.dispose();
    }
    sim.hold(false);
    for (const folder of folders.splice(0)) {
      rmSync(folder, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    }
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim.close();
  });

  describe('submitBatch: what a batch is written down as', () => {
    it('a batch is written down in the background, at its items’ model and window, counting its items, with no prompt file when none was given', async () => {
      const w = await window({ newId: () => `id-${++ids}`, baseUrl: () => sim.baseUrl });
      const before = Date.now();
      const sent = await w.t.submitBatch({ ...batch(), title: 'Review · 3 files', instruction: 'Review' });
      const [first] = w.changes;
      assert.equal(first.previous, undefined);
      assert.ok(first.job.createdAt >= before && first.job.createdAt <= Date.now());
      assert.deepEqual(
        { ...first.job, updatedAt: 'stamped by the store' },
        {
          id: 'id-1',
          kind: 'batch',
          idempotencyKey: 'id-2',
          state: 'submitting',
          title: 'Review · 3 files',
          instruction: 'Review',
          model: MODEL,
          window: 'standard',
          background: true,
          progress: { total: 3, done: 0, failed: 0, answered: 0 },
          createdAt: first.job.createdAt,
          baseUrl: sim.baseUrl,
          storageId: w.store.storageId,
          seen: false,
          sendAttempts: 0,
          attempt: 1,
          updatedAt: 'stamped by the store',
        },
      );
      assert.ok(w.log.info.includes(`Job id-1 created (batch, ${MODEL}, window standard)`), w.log.info.join('\n'));
      assert.match(sent.responseId ?? '', /^batch_/);
    });

    it('a batch whose items name no window is sent at auto', async () => {
      const w = await window();
      const sent = await w.t.submitBatch({ ...batch(2, null), title: 'Review', instruction: 'Review' });
      assert.equal(w.changes[0].job.window, undefined, 'written down at auto');
      assert.ok(w.log.info.includes(`Job ${sent.id} created (batch, ${MODEL}, window auto)`), w.log.info.join('\n'));
      assert.match(sent.responseId ?? '', /^batch_/, 'Sail took it');
      assert.equal(batchPosts(), 1);
    });

    it('an empty batch is refused, “A batch needs at least one request”, before anything is written or sent', async () => {
      const w = await window();
      await assert.rejects(
        w.t.submitBatch({ request: { endpoint: '/v1/responses', requests: [] }, manifest: { items: [], skipped: [] }, title: 'Review', instruction: 'Review' }),
        { message: 'A batch needs at least one request' },
      );
      assert.deepEqual(w.t.jobs(), []);
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.endsWith('.request.json')),
        [],
      );
      assert.equal(batchPosts(), 0);
    });

    it('a window that cannot send batches refuses one, “This tracker cannot send batches”, and writes nothing down', async () => {
      const w = await window({ batches: undefined });
      await assert.rejects(w.t.submitBatch({ ...batch(), title: 'Review', instruction: 'Review' }), { message: 'This tracker cannot send batches' });
      assert.deepEqual(w.t.jobs(), []);
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.endsWith('.request.json')),
        [],
      );
      assert.equal(batchPosts() + responsePosts(), 0);
    });
  });

  describe('a window that cannot send batches', () => {
    it('shows no manifest, item or kept answer of a batch, and sends nothing again, without failing', async () => {
      const sender = await window();
      const { job, input } = await failedBatch(sender, 1);
      const [, second] = input.manifest.items;
      assert.equal((await sender.t.storedBatchItem(job.id, second.customId))?.status, 'completed', 'the answer is kept here');
      const w = await window({ batches: undefined });
      assert.equal(await w.t.batchManifest(job.id), undefined);
      assert.equal(await w.t.batchItem(job.id, second.customId), undefined);
      assert.equal(await w.t.storedBatchItem(job.id, second.customId), undefined);
      await sendsNothing(w, job.id, 'this window sends no batches');
    });

    it('resumes a list holding a finished batch whose answers are not here, without asking for them', async () => {
      // Sail does not give the answers: the batch is done, none of its answers here.
      sim.faults.inject({ route: 'getBatchRequestResult', fault: 'http_error', status: 500, times: 100 });
      const first = await window();
      const sent = await first.t.submitBatch({ ...batch(), title: 'Review', instruction: 'Review' });
      const done = await until(first.t, sent.id, 'the batch done, its answers given up on', (j) => isOver(j) && j?.usage !== undefined, DEADLINE_MS);
      assert.equal(done?.progress?.answered, 0);
      first.t.dispose();
      sim.faults.clear();
      const asked = itemGets();
      const w = await window({ batches: undefined });
      await w.t.resume();
      assert.equal(w.t.get(sent.id)?.progress?.answered, 0);
      assert.equal(itemGets(), asked, 'no answer asked for');
    });
  });

  describe('answers kept here', () => {
    it('an item’s kept answer is read without asking Sail, and after Sail forgot it; an item not kept is none, also without asking', async () => {
      const w = await window();
      const { job, input } = await failedBatch(w, 1);
      const asked = itemGets();
      const [failed, second] = input.manifest.items;
      sim.expire();
      assert.equal((await w.t.storedBatchItem(job.id, second.customId))?.status, 'completed');
      assert.equal((await w.t.storedBatchItem(job.id, failed.customId))?.status, 'failed');
      assert.equal(await w.t.storedBatchItem(job.id, 'f9'), undefined);
      assert.equal(itemGets(), asked, 'Sail was not asked');
    });
  });

  describe('Re-run Failed Files', () => {
    it('sends a cancelled file with the failed ones, not a completed one', async () => {
      // Sail reports the second file cancelled once it is over.
      const api = client();
      const batches: BatchesApi = {
        createBatch: (body, options) => api.createBatch(body, options),
        getBatch: async (id, options) => {
          const detail = await api.getBatch(id, options);
          const over = detail.request_status.f1?.status === 'completed';
          return over ? { ...detail, request_status: { ...detail.request_status, f1: { status: 'cancelled', rawStatus: 'CANCELLED' } } } : detail;
        },
        getBatchItem: (id, customId, options) => api.getBatchItem(id, customId, options),
      };
      const w = await window({ batches: () => batches });
      const { job, input } = await failedBatch(w, 1);
      assert.equal(job.progress?.failed, 2);
      assert.deepEqual(
        Object.entries((await w.t.batchStatus(job.id))?.items ?? {}).map(([id, item]) => [id, item.state]),
        [
          ['f0', 'failed'],
          ['f1', 'cancelled'],
          ['f2', 'completed'],
        ],
      );
      const again = await w.t.resendFailedItems(job.id);
      assert.ok(again, 'a new batch was sent');
      const posted = sim.requests.entries().filter((r) => r.method === 'POST' && r.url === '/v1/batches');
      assert.equal(posted.length, 2);
      assert.deepEqual(
        (JSON.parse(posted[1].body ?? '') as CreateBatchRequest).requests.map((r) => r.custom_id),
        ['f0', 'f1'],
      );
      assert.deepEqual(
        (await w.t.batchManifest(again.id))?.items.map((i) => i.path),
        input.manifest.items.slice(0, 2).map((i) => i.path),
      );
    });

    it('sends nothing for a job it does not know', async () => {
      const w = await window();
      await failedBatch(w);
      await sendsNothing(w, 'no-such-job', 'no such job');
    });

    it('sends nothing for a batch whose request file is gone', async () => {
      const w = await window();
      const { job } = await failedBatch(w);
      rmSync(join(dir, `${job.id}.request.json`));
      await sendsNothing(w, job.id, 'the request is gone');
    });

    it('sends nothing for a batch whose manifest is gone', async () => {
      const w = await window();
      const { job } = await failedBatch(w);
      rmSync(join(dir, `${job.id}.items.json`));
      await sendsNothing(w, job.id, 'the manifest is gone');
    });

    it('sends nothing, and shows no item statuses, for a batch whose statuses are gone or damaged', async () => {
      const w = await window();
      const { job } = await failedBatch(w);
      const statuses = join(dir, `${job.id}.response.json`);
      for (const [damage, text] of [
        ['gone', undefined],
        ['without items', '{"data":[]}'],
        ['with items null', '{"items":null}'],
      ] as const) {
        if (text === undefined) {
          rmSync(statuses);
        } else {
          writeFileSync(statuses, text);
        }
        assert.equal(await w.t.batchStatus(job.id), undefined, `statuses ${damage}`);
        await sendsNothing(w, job.id, `statuses ${damage}`);
      }
    });

    it('sends nothing for a job this list does not hold, whose files are left in a folder', async () => {
      const w = await window();
      const { job } = await failedBatch(w);
      const other = mkdtempSync(join(tmpdir(), 'sail-batchjobs-'));
      folders.push(other);
      for (const payload of ['request', 'items', 'response']) {
        copyFileSync(join(dir, `${job.id}.${payload}.json`), join(other, `${job.id}.${payload}.json`));
      }
      const elsewhere = await window({}, new FileBlobStore(other), new MemoryState());
      assert.equal(await elsewhere.t.find(job.id), undefined, 'the list does not hold it');
      await sendsNothing(elsewhere, job.id, 'an unknown job');
    });

    it('never re-runs a single response as a batch, even with a batch’s manifest and failed statuses beside it', async () => {
      const w = await window();
      const { job } = await failedBatch(w);
      const single: CreateResponseRequest = { model: MODEL, input: 'Explain', background: true, store: true, metadata: { completion_window: 'standard' } };
      const sent = await w.t.submit({ request: single, title: 'Explain', instruction: 'Explain' });
      await until(w.t, sent.id, 'the response done', isOver, DEADLINE_MS);
      assert.equal(await w.t.batchStatus(sent.id), undefined, 'a single answer holds no item statuses');
      for (const payload of ['items', 'response']) {
        copyFileSync(join(dir, `${job.id}.${payload}.json`), join(dir, `${sent.id}.${payload}.json`));
      }
      await sendsNothing(w, sent.id, 'a single response');
    });
  });

  describe('one response per file (the files kind)', () => {
    it('asks Sail only about the files still running, and asks for each answer once', async () => {
      const w = await window({ resendBaseMs: 60_000 });
      const input = batch(2, 'priority');
      // Sail takes one file and refuses the other: the job waits to be sent again.
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 500 });
      const job = await w.t.submitBatch({ ...input, title: 'Review', instruction: 'Review', kind: 'files' });
      assert.equal(job.state, 'submitting');
      const remote = () => JSON.parse(readFileSync(join(dir, `${job.id}.remote.json`), 'utf8')) as Record<string, string>;
      const taken = Object.entries(remote());
      assert.equal(taken.length, 1, 'Sail took one file');
      const [[doneFile, doneId]] = taken;
      const runningFile = input.manifest.items.map((i) => i.customId).find((id) => id !== doneFile) ?? '';
      // The file Sail took finishes; the other, sent again, runs until the test lets it finish.
      const api = client();
      await within(
        (async () => {
          while ((await api.getResponse(doneId)).status !== 'completed') {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        })(),
        { timeoutMs: DEADLINE_MS, what: 'the file Sail took to finish' },
      );
      sim.hold(true);
      const since = sim.requests.entries().length;
      assert.equal(await w.t.retry(job.id), 'sent');
      const runningId = remote()[runningFile];
      assert.ok(runningId, 'the other file was taken');
      await waitFor(() => getsOf(runningId, since) >= 3, { timeoutMs: DEADLINE_MS, what: 'three polls of the running file' });
      assert.equal(getsOf(doneId, since), 0, 'the finished file is not asked about again');
      const finished = sim.requests.entries().length;
      sim.finishAll();
      const done = await until(w.t, job.id, 'both answers stored', (j) => isOver(j) && j?.progress?.answered === 2, DEADLINE_MS);
      assert.equal(done?.state, 'completed');
      assert.equal(getsOf(runningId, finished), 1, 'the last file’s answer is kept as it arrives: asked for once');
      assert.equal(getsOf(doneId, since), 1, 'the first file’s answer asked for once, when the job was done');
      assert.equal((await w.t.storedBatchItem(job.id, runningFile))?.status, 'completed');
      assert.equal((await w.t.storedBatchItem(job.id, doneFile))?.status, 'completed');
    });

    it('a files job sent again, its failed file or every file with the settings of now, is one response per file again', async () => {
      const w = await window();
      const input = batch(3, 'priority');
      sim.faults.inject({ route: 'createResponse', fault: 'fail_job', message: 'model overloaded' });
      const sent = await w.t.submitBatch({ ...input, title: 'Review', instruction: 'Review', kind: 'files' });
      const done = await until(w.t, sent.id, 'every answer stored', (j) => isOver(j) && j?.progress?.answered === 3, DEADLINE_MS);
      assert.equal(done?.progress?.failed, 1);
      const failed = Object.entries((await w.t.batchStatus(sent.id))?.items ?? {}).flatMap(([id, item]) => (item.state === 'failed' ? [id] : []));
      assert.equal(failed.length, 1);
      const again = await w.t.resendFailedItems(sent.id);
      assert.equal(again?.kind, 'files');
      assert.equal(again?.progress?.total, 1);
      assert.equal(sim.counters.inferences(`${again?.idempotencyKey}.${failed[0]}`), 1, 'the failed file sent as a response of its own');
      const rebuilt = await w.t.sendAsNew(sent.id, (params) => params);
      assert.equal(rebuilt?.kind, 'files');
      assert.equal(rebuilt?.progress?.total, 3);
      for (const item of input.manifest.items) {
        assert.equal(sim.counters.inferences(`${rebuilt?.idempotencyKey}.${item.customId}`), 1, `${item.path} sent as a response of its own`);
      }
      assert.equal(batchPosts(), 0, 'no batch was asked for');
    });
  });

  describe('fetching a finished batch’s answers', () => {
    it('a closing window stops fetching them; the next one fetches the rest', async () => {
      const w = await window();
      const input = batch(8);
      // The first four answers are slow to come: the window closes while they are on the wire.
      sim.faults.inject({ route: 'getBatchRequestResult', fault: 'slow_headers', delayMs: 600, times: 4 });
      const job = await w.t.submitBatch({ ...input, title: 'Review', instruction: 'Review' });
      await waitFor(() => itemGets() === 4, { timeoutMs: DEADLINE_MS, what: 'the first four answers asked for' });
      w.t.dispose();
      const onTheWire = await Promise.all(input.manifest.items.slice(0, 4).map((i) => w.t.batchItem(job.id, i.customId)));
      assert.deepEqual(
        onTheWire.map((r) => r?.status),
        ['completed', 'completed', 'completed', 'completed'],
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(itemGets(), 4, 'no answer asked for once the window closed');
      assert.ok(!w.log.info.some((m) => m.includes('answers stored')), w.log.info.join('\n'));
      const next = await window();
      await next.t.resume();
      await until(next.t, job.id, 'every answer stored by the next window', (j) => j?.progress?.answered === 8, DEADLINE_MS);
      assert.equal(itemGets(), 8, 'each answer asked for once');
    });

    it('a failure to fetch them is in the log: “Could not fetch the answers of batch job <id>: <why>”', async () => {
      const blobs = new UnreadableManifests(dir);
      const w = await window({}, blobs);
      const job = await w.t.submitBatch({ ...batch(), title: 'Review', instruction: 'Review' });
      blobs.failing = true;
      const expected = `Could not fetch the answers of batch job ${job.id}: EACCES: permission denied`;
      await waitFor(() => w.log.warn.includes(expected), { timeoutMs: DEADLINE_MS, what: () => `the warning (warnings: ${JSON.stringify(w.log.warn)})` });
      assert.equal(w.t.get(job.id)?.state, 'completed');
    });
  });
});
