// A finished batch's answers, one per item (issue 14: survivors of a mutation run of
// src/jobs/batchItems.ts): an item opened is fetched once and kept, only where and with the key the
// batch was sent, only when answered; Fetch all keeps every answer, records the summed usage once and
// the count on the way, never goes backwards, and stops when the window closes.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { BatchesApi } from '../../src/jobs/batchKind';
import { BatchItems } from '../../src/jobs/batchItems';
import type { BatchManifest } from '../../src/jobs/batchManifest';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import type { ResponsesApi } from '../../src/jobs/kinds';
import { JobLedger } from '../../src/jobs/ledger';
import { SailError } from '../../src/sail/errors';
import { keyId } from '../../src/sail/keyId';
import type { SailResponse } from '../../src/sail/schemas';
import type { SailStatus } from '../../src/sail/status';
import { MemoryState } from '../support/memoryState';
import { VirtualClock } from '../support/virtualClock';
import { waitFor } from '../support/waitFor';

const NOW = 1_800_000_000_000;
const BASE = 'https://sail.example/v1';
const KEY = 'sk_test_one';

function response(id: string, status: SailStatus, total = 10): SailResponse {
  return {
    id,
    object: 'response',
    status,
    rawStatus: status,
    model: 'm',
    output: [],
    usage: {
      input_tokens: total - 4,
      input_tokens_details: { cached_tokens: 1 },
      output_tokens: 4,
      output_tokens_details: { reasoning_tokens: 2 },
      total_tokens: total,
    },
    error: null,
    incomplete_details: null,
    metadata: {},
  } as unknown as SailResponse;
}

function batchJob(id: string, n: number, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    kind: 'batch',
    idempotencyKey: `key-${id}`,
    state: 'completed',
    serverStatus: `${n}/${n}`,
    responseId: `batch_${id}`,
    title: id,
    instruction: 'Review',
    model: 'm',
    background: true,
    createdAt: NOW,
    submittedAt: NOW,
    seen: false,
    sendAttempts: 0,
    attempt: 1,
    updatedAt: 0,
    baseUrl: BASE,
    keyId: keyId(KEY),
    progress: { total: n, done: n, failed: 0, answered: 0 },
    ...extra,
  };
}

function manifest(n: number): BatchManifest {
  return {
    items: Array.from({ length: n }, (_, i) => ({ customId: `c${i}`, uri: `file:///w/f${i}.ts`, path: `f${i}.ts`, languageId: 'typescript' })),
    skipped: [],
  };
}

describe('batch items', () => {
  let dir: string;
  let store: JobStore;
  let ledger: JobLedger;
  let asked: [string, string, string | undefined][];
  let answer: (batchId: string, customId: string) => Promise<SailResponse>;
  let responsesAsked: [string, string | undefined][];
  const info: string[] = [];
  const debug: string[] = [];
  let baseUrl: string | undefined;
  let apiKey: string | undefined;

  const batches: BatchesApi = {
    createBatch: () => Promise.reject(new Error('not sent')),
    getBatch: () => Promise.reject(new Error('not polled')),
    getBatchItem: (batchId, customId, options) => (asked.push([batchId, customId, options?.apiKey]), answer(batchId, customId)),
  };
  const responses: ResponsesApi = {
    createResponse: () => Promise.reject(new Error('not sent')),
    getResponse: (id, options) => (responsesAsked.push([id, options?.apiKey]), Promise.resolve(response(id, 'completed'))),
  };
  const items = (concurrency?: number) =>
    new BatchItems(ledger, { batches: () => batches, responses: () => responses, baseUrl: () => baseUrl, apiKey: () => Promise.resolve(apiKey), concurrency });

  async function add(job: JobRecord, n = job.progress?.total ?? 0): Promise<void> {
    await store.save(job);
    await store.writePayload(job.id, 'items', manifest(n));
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sail-batchitems-'));
    store = new JobStore(new MemoryState(), new FileBlobStore(dir), { warn: () => undefined }, () => NOW);
    await store.ready;
    info.length = 0;
    debug.length = 0;
    ledger = new JobLedger(store, new VirtualClock(NOW), { info: (m) => info.push(m), warn: () => undefined, debug: (m) => debug.push(m) });
    asked = [];
    responsesAsked = [];
    answer = (_b, customId) => Promise.resolve(response(`resp_${customId}`, 'completed'));
    baseUrl = BASE;
    apiKey = KEY;
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('one item', () => {
    it('is fetched with the key, kept, and read from here the next time', async () => {
      await add(batchJob('j', 2));
      const b = items();
      const first = await b.item('j', 'c1');
      assert.equal(first?.id, 'resp_c1');
      assert.deepEqual(asked, [['batch_j', 'c1', KEY]]);
      assert.equal((await b.stored('j', 'c1'))?.id, 'resp_c1');
      assert.equal((await b.item('j', 'c1'))?.id, 'resp_c1');
      assert.equal(asked.length, 1, 'not asked again');
    });

    it('two callers share one GET; once it ended, an unanswered item is asked again', async () => {
      await add(batchJob('j', 1));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      answer = async (_b, customId) => (await held, response(`resp_${customId}`, 'in_progress'));
      const b = items();
      const first = b.item('j', 'c0');
      await waitFor(() => asked.length === 1, { timeoutMs: 5_000, what: 'the first GET' });
      // The second caller reads the stored answer first (none), then joins the GET still out.
      let reads = 0;
      const read = store.readPayload.bind(store);
      store.readPayload = async (id, payload) => {
        const value = await read(id, payload);
        reads++;
        return value;
      };
      const second = b.item('j', 'c0');
      await waitFor(() => reads === 1, { timeoutMs: 5_000, what: 'the second caller’s read' });
      await new Promise((resolve) => setImmediate(resolve));
      release();
      const [one, two] = await Promise.all([first, second]);
      assert.equal(one, undefined, 'not answered yet: nothing to show');
      assert.equal(two, undefined);
      assert.equal(asked.length, 1);
      assert.equal(await b.stored('j', 'c0'), undefined, 'an unanswered item is not kept');
      await b.item('j', 'c0');
      assert.equal(asked.length, 2);
    });

    it('is asked about for no job, a job not sent, or a job that is no batch', async () => {
      await add(batchJob('unsent', 1, { responseId: undefined }));
      await add(batchJob('single', 1, { kind: 'response' }));
      const b = items();
      assert.equal(await b.item('missing', 'c0'), undefined);
      assert.equal(await b.item('unsent', 'c0'), undefined);
      assert.equal(await b.item('single', 'c0'), undefined);
      assert.deepEqual(asked, []);
    });

    it('is not asked about at another base URL, with an invalid one, without a key, or with another key', async () => {
      await add(batchJob('j', 1));
      const b = items();
      baseUrl = 'https://other.example/v1';
      assert.equal(await b.item('j', 'c0'), undefined);
      baseUrl = undefined;
      assert.equal(await b.item('j', 'c0'), undefined);
      baseUrl = BASE;
      apiKey = undefined;
      assert.equal(await b.item('j', 'c0'), undefined);
      apiKey = 'sk_test_two';
      assert.equal(await b.item('j', 'c0'), undefined);
      assert.deepEqual(asked, []);
      apiKey = KEY;
      assert.equal((await b.item('j', 'c0'))?.id, 'resp_c0');
    });

    it('a failed GET shows nothing and logs why, a Sail error by its kind', async () => {
      await add(batchJob('j', 2));
      const b = items();
      answer = () => Promise.reject(new SailError('network', 'The connection failed.'));
      assert.equal(await b.item('j', 'c0'), undefined);
      answer = () => Promise.reject(new Error('boom'));
      assert.equal(await b.item('j', 'c1'), undefined);
      assert.deepEqual(
        debug.filter((m) => m.startsWith('Could not')),
        ['Could not fetch item c0 of batch job j (network)', 'Could not fetch item c1 of batch job j (error)'],
      );
    });

    it('a damaged stored answer is fetched again', async () => {
      await add(batchJob('j', 1));
      await store.writePayload('j', 'item.c0', { id: 42 });
      const b = items();
      assert.equal(await b.stored('j', 'c0'), undefined);
      assert.equal((await b.item('j', 'c0'))?.id, 'resp_c0');
      assert.equal(asked.length, 1);
    });

    it('a files job’s item is its own response, asked by the id remembered for it; none remembered, nothing asked', async () => {
      await add(batchJob('f', 2, { kind: 'files', responseId: 'files_f' }));
      await store.writePayload('f', 'remote', { c0: 'resp_x' });
      const b = items();
      assert.equal((await b.item('f', 'c0'))?.id, 'resp_x');
      assert.deepEqual(responsesAsked, [['resp_x', KEY]]);
      assert.equal(await b.item('f', 'c1'), undefined);
      assert.equal(responsesAsked.length, 1);
      assert.deepEqual(asked, [], 'never the batch API');
      await add(batchJob('bare', 1, { kind: 'files', responseId: 'files_bare' }));
      assert.equal(await b.item('bare', 'c0'), undefined, 'no response ids remembered at all');
      assert.equal(responsesAsked.length, 1);
      assert.deepEqual(debug, [], 'nothing went wrong: nothing to log');
    });
  });

  describe('fetch all', () => {
    it('keeps every answer and records the count and the summed usage once, with a log line', async () => {
      await add(batchJob('j', 3));
      answer = (_b, customId) => Promise.resolve(response(`resp_${customId}`, 'completed', customId === 'c2' ? 20 : 10));
      await items().fetchAll('j');
      const job = ledger.get('j');
      assert.deepEqual(job?.progress, { total: 3, done: 3, failed: 0, answered: 3 });
      assert.deepEqual(job?.usage, { input: 28, cached: 3, output: 12, reasoning: 6, total: 40 });
      assert.deepEqual(info, ['Batch job j: 3 of 3 answers stored (40 tokens)']);
      assert.equal(asked.length, 3);
    });

    it('counts only the answered items, and the usage of those', async () => {
      await add(batchJob('j', 3));
      answer = (_b, customId) => Promise.resolve(response(`resp_${customId}`, customId === 'c1' ? 'in_progress' : 'completed'));
      await items().fetchAll('j');
      assert.deepEqual(ledger.get('j')?.progress, { total: 3, done: 3, failed: 0, answered: 2 });
      assert.equal(ledger.get('j')?.usage?.total, 20);
    });

    it('records the count every 25 answers on the way, and the usage only at the end', async () => {
      await add(batchJob('j', 30));
      const seen: (number | undefined)[][] = [];
      ledger.onDidChange(({ job }) => seen.push([job.progress?.answered, job.usage?.total]));
      await items(1).fetchAll('j');
      assert.deepEqual(seen, [
        [25, undefined],
        [30, 300],
      ]);
      assert.deepEqual(info, ['Batch job j: 25 of 30 answers stored', 'Batch job j: 30 of 30 answers stored (300 tokens)']);
    });

    it('asks as many items at once as told, four by default', async () => {
      // Each worker reads the item's stored answer, then asks Sail; all start together once the
      // manifest is read, and none starts another while its GET is held.
      let reads = 0;
      const read = store.readPayload.bind(store);
      store.readPayload = (id, payload) => {
        reads += payload.startsWith('item.') ? 1 : 0;
        return read(id, payload);
      };
      for (const [concurrency, expected] of [
        [undefined, 4],
        [2, 2],
      ] as const) {
        await add(batchJob(`j${expected}`, 8));
        reads = 0;
        asked.length = 0;
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        answer = async (_b, customId) => (await held, response(`resp_${customId}`, 'completed'));
        const fetching = items(concurrency).fetchAll(`j${expected}`);
        await waitFor(() => reads > 0 && asked.length === reads, { timeoutMs: 5_000, what: () => `${asked.length} GETs for ${reads} reads` });
        assert.equal(asked.length, expected);
        release();
        await fetching;
        assert.equal(asked.length, 8);
        assert.equal(ledger.get(`j${expected}`)?.progress?.answered, 8);
      }
    });

    it('two callers share one run; a later call runs again and finds everything kept', async () => {
      await add(batchJob('j', 2));
      const b = items();
      await Promise.all([b.fetchAll('j'), b.fetchAll('j')]);
      assert.equal(asked.length, 2);
      await b.fetchAll('j');
      assert.equal(asked.length, 2, 'the answers are read from here');
      assert.equal(info.length, 1, 'nothing new to record');
    });

    it('a later call, once the first ended, fetches what was not answered then', async () => {
      await add(batchJob('j', 2));
      answer = (_b, customId) => Promise.resolve(response(`resp_${customId}`, customId === 'c1' ? 'in_progress' : 'completed'));
      const b = items();
      await b.fetchAll('j');
      assert.equal(ledger.get('j')?.progress?.answered, 1);
      answer = (_b, customId) => Promise.resolve(response(`resp_${customId}`, 'completed'));
      await b.fetchAll('j');
      assert.equal(ledger.get('j')?.progress?.answered, 2);
      assert.deepEqual(
        asked.map(([, customId]) => customId),
        ['c0', 'c1', 'c1'],
      );
    });

    it('a job removed while its answers are fetched is left removed', async () => {
      await add(batchJob('j', 2));
      answer = async (_b, customId) => {
        if (customId === 'c1') {
          await store.remove('j');
        }
        return response(`resp_${customId}`, 'completed');
      };
      await items(1).fetchAll('j');
      assert.equal(ledger.get('j'), undefined);
      assert.deepEqual(info, []);
    });

    it('skips the count on the way when another window already has it, and still records the usage at the end', async () => {
      await add(batchJob('j', 30, { progress: { total: 30, done: 30, failed: 0, answered: 25 } }));
      await items(1).fetchAll('j');
      assert.deepEqual(info, ['Batch job j: 30 of 30 answers stored (300 tokens)']);
    });

    it('without a manifest does nothing', async () => {
      await store.save(batchJob('j', 2));
      await items().fetchAll('j');
      assert.deepEqual(asked, []);
      assert.equal(ledger.get('j')?.progress?.answered, 0);
    });

    it('never lowers a count another window got further with; records the usage when the count is the same but none is there', async () => {
      await add(batchJob('ahead', 2, { progress: { total: 2, done: 2, failed: 0, answered: 2 } }));
      answer = (_b, customId) => Promise.resolve(response(`resp_${customId}`, customId === 'c0' ? 'completed' : 'in_progress'));
      await items().fetchAll('ahead');
      assert.deepEqual(ledger.get('ahead')?.progress, { total: 2, done: 2, failed: 0, answered: 2 });
      assert.equal(ledger.get('ahead')?.usage, undefined, 'fewer answers here: nothing written');
      answer = (_b, customId) => Promise.resolve(response(`resp_${customId}`, 'completed'));
      await items().fetchAll('ahead');
      assert.equal(ledger.get('ahead')?.usage?.total, 20, 'the same count, no usage yet: the usage is written');
      info.length = 0;
      await store.save({
        ...batchJob('same', 1, { progress: { total: 1, done: 1, failed: 0, answered: 1 } }),
        usage: { input: 1, cached: 0, output: 1, reasoning: 0, total: 2 },
      });
      await store.writePayload('same', 'items', manifest(1));
      await items().fetchAll('same');
      assert.equal(ledger.get('same')?.usage?.total, 2, 'a usage already there is left alone');
      assert.deepEqual(info, []);
    });

    it('stops when the window closes and records nothing', async () => {
      await add(batchJob('j', 6));
      const b = items(1);
      answer = (_b, customId) => {
        if (customId === 'c1') {
          b.dispose();
        }
        return Promise.resolve(response(`resp_${customId}`, 'completed'));
      };
      await b.fetchAll('j');
      assert.deepEqual(
        asked.map(([, customId]) => customId),
        ['c0', 'c1'],
      );
      assert.equal(ledger.get('j')?.progress?.answered, 0);
      assert.deepEqual(info, []);
    });

    it('a job without progress gets no count', async () => {
      const job = batchJob('j', 1);
      delete (job as { progress?: unknown }).progress;
      await add(job, 1);
      await items().fetchAll('j');
      assert.equal(asked.length, 1);
      assert.equal(ledger.get('j')?.progress, undefined);
      assert.deepEqual(info, []);
    });
  });

  describe('needsAnswers', () => {
    it('a finished batch with answers missing, not one complete, running, refused or single', () => {
      assert.equal(BatchItems.needsAnswers(batchJob('a', 2)), true);
      assert.equal(BatchItems.needsAnswers(batchJob('f', 2, { kind: 'files' })), true);
      assert.equal(BatchItems.needsAnswers(batchJob('failed', 2, { state: 'failed' })), true);
      assert.equal(BatchItems.needsAnswers(batchJob('b', 2, { progress: { total: 2, done: 2, failed: 0, answered: 2 } })), false);
      assert.equal(BatchItems.needsAnswers(batchJob('c', 2, { state: 'in_progress' })), false);
      assert.equal(BatchItems.needsAnswers(batchJob('d', 2, { state: 'expired' })), false);
      assert.equal(BatchItems.needsAnswers(batchJob('e', 2, { responseId: undefined, state: 'failed' })), false);
      assert.equal(BatchItems.needsAnswers(batchJob('g', 2, { kind: 'response' })), false);
      const bare = batchJob('h', 2);
      delete (bare as { progress?: unknown }).progress;
      assert.equal(BatchItems.needsAnswers(bare), false);
      assert.equal(BatchItems.needsAnswers(batchJob('i', 2, { progress: { total: 2, done: 2, failed: 0, answered: 1 } })), true);
    });
  });
});
