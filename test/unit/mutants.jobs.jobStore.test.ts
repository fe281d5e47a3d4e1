// The job list between reloads (issue 14: survivors of a mutation run of src/jobs/jobStore.ts): where
// it is kept, the order jobs are listed in, a settled job moved to the history with a mark, a change or
// removal that could not be written undone, a batch's files removed with it, stamps that always grow,
// what is said about entries this version cannot read, and how long marks and tombstones are kept.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JOB_INDEX_KEY, JobStore, type KeyValueStore } from '../../src/jobs/jobStore';
import { MemoryState } from '../support/memoryState';

const DAY = 24 * 60 * 60_000;
const T0 = 1_800_000_000_000;

function job(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    idempotencyKey: `key-${id}`,
    state: 'queued',
    title: id,
    instruction: 'Explain',
    model: 'm',
    background: true,
    createdAt: 1,
    seen: false,
    sendAttempts: 0,
    attempt: 1,
    updatedAt: 0,
    ...extra,
  };
}

/** A key-value store whose writes fail while `failing` is set. */
class FlakyState extends MemoryState {
  failing = false;
  failOnce = false;
  override async update(key: string, value: unknown): Promise<void> {
    if (this.failing || this.failOnce) {
      this.failOnce = false;
      throw new Error('disk full');
    }
    await super.update(key, value);
  }
}

interface Index {
  version: number;
  jobs: { id: string }[];
  removed: { id: string; at: number }[];
  archived: { id: string; at: number }[];
}

describe('JobStore (mutation survivors)', () => {
  let dir: string;
  let state: FlakyState;
  let now: number;
  const warnings: string[] = [];
  const open = async (kv: KeyValueStore = state) => {
    const store = new JobStore(kv, new FileBlobStore(dir), { warn: (m) => warnings.push(m) }, () => now);
    await store.ready;
    return store;
  };
  const index = () => state.get<Index>(JOB_INDEX_KEY) as Index;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-store-mut-'));
    state = new FlakyState();
    now = T0;
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the list under sail.jobs', async () => {
    const store = await open();
    await store.save(job('a'));
    assert.equal(JOB_INDEX_KEY, 'sail.jobs');
    assert.deepEqual([...state.values.keys()], ['sail.jobs']);
    assert.deepEqual(
      index().jobs.map((j) => j.id),
      ['a'],
    );
  });

  it('lists the jobs in play newest first', async () => {
    const store = await open();
    await store.save(job('old', { createdAt: 1 }));
    await store.save(job('new', { createdAt: 3 }));
    await store.save(job('mid', { createdAt: 2 }));
    assert.deepEqual(
      store.current().map((j) => j.id),
      ['new', 'mid', 'old'],
    );
  });

  it('stamps each change later than the last, across jobs, even when the clock stands still', async () => {
    const store = await open();
    await store.save(job('a'));
    await store.save(job('b'));
    await store.save(job('c'));
    const stamps = ['a', 'b', 'c'].map((id) => store.get(id)?.updatedAt ?? 0);
    assert.deepEqual(stamps, [T0, T0 + 1, T0 + 2]);
  });

  it('a settled job leaves the index for the history, with a mark for other windows', async () => {
    const store = await open();
    await store.save(job('a'));
    await store.save({ ...(store.get('a') as JobRecord), state: 'completed', finishedAt: T0, seen: true });
    assert.deepEqual(index().jobs, []);
    assert.deepEqual(
      index().archived.map((m) => m.id),
      ['a'],
    );
    const other = await open();
    await other.loadHistory();
    assert.equal(other.get('a')?.state, 'completed');
  });

  it('settled jobs an older version left in the index move to the history at the next write, with marks', async () => {
    await state.update(JOB_INDEX_KEY, {
      version: 1,
      jobs: [job('done', { state: 'completed', seen: true, finishedAt: T0 - 1, updatedAt: T0 - 1 }), job('live', { updatedAt: T0 - 1 })],
      removed: [],
      archived: [],
    });
    const store = await open();
    await store.save(job('new'));
    assert.deepEqual(
      index()
        .jobs.map((j) => j.id)
        .sort(),
      ['live', 'new'],
    );
    assert.deepEqual(
      index().archived.map((m) => m.id),
      ['done'],
    );
    await store.loadHistory();
    assert.equal(store.get('done')?.state, 'completed');
  });

  it('a change that cannot be written is undone: a new job is not there, a changed one is as it was', async () => {
    const store = await open();
    await store.save(job('a'));
    state.failing = true;
    await assert.rejects(store.save(job('b')), /disk full/);
    assert.equal(store.get('b'), undefined);
    await assert.rejects(store.save({ ...(store.get('a') as JobRecord), state: 'in_progress' }), /disk full/);
    assert.equal(store.get('a')?.state, 'queued');
  });

  it('a removal that cannot be written is undone: the job is back, and a later write keeps it', async () => {
    const store = await open();
    await store.save(job('a'));
    state.failing = true;
    await assert.rejects(store.remove('a'), /disk full/);
    assert.equal(store.get('a')?.state, 'queued');
    state.failing = false;
    await store.save(job('b'));
    assert.deepEqual(
      index()
        .jobs.map((j) => j.id)
        .sort(),
      ['a', 'b'],
    );
    assert.deepEqual(index().removed, []);
  });

  it('a second removal that cannot be written keeps the first removal’s time', async () => {
    const store = await open();
    await store.save(job('a'));
    await store.remove('a');
    const first = index().removed;
    assert.deepEqual(
      first.map((r) => r.id),
      ['a'],
    );
    state.failing = true;
    now += 1000;
    await assert.rejects(store.remove('a'), /disk full/);
    state.failing = false;
    await store.save(job('b'));
    assert.deepEqual(index().removed, first);
  });

  it('removing a job from the history, not in play, removes it for good, even with the clock set back', async () => {
    const store = await open();
    await store.save(job('a'));
    await store.save({ ...(store.get('a') as JobRecord), state: 'completed', finishedAt: T0, seen: true });
    // The wall clock was set back a day: the removal must still cover the copy changed "later".
    now -= DAY;
    const other = await open();
    await other.remove('a');
    assert.equal(other.get('a'), undefined);
    const third = await open();
    await third.loadHistory();
    assert.equal(third.get('a'), undefined);
  });

  it('removing a batch job deletes its request, answer, manifest, item answers and response ids', async () => {
    const store = await open();
    await store.save(job('b', { kind: 'batch' }));
    await store.writePayload('b', 'request', { requests: [] });
    await store.writePayload('b', 'response', { items: {} });
    await store.writePayload('b', 'items', { items: [{ customId: 'c0', uri: 'u', path: 'p', languageId: 'l' }], skipped: [] });
    await store.writePayload('b', 'item.c0', { id: 'resp_0' });
    await store.writePayload('b', 'remote', { c0: 'resp_0' });
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('b.')).length, 5);
    await store.remove('b');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('b.')),
      [],
    );
  });

  it('says which entry it keeps without reading, with the reason, once', async () => {
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: [{ id: 'x', state: 'queued' }], removed: [], archived: [] });
    const store = await open();
    store.refresh();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^Keeping a stored job this version cannot read: .+/);
    assert.doesNotMatch(warnings[0], /: invalid$/);
  });

  it('names the copy it could not read: the stored job list', async () => {
    const store = await open();
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: 'not a list' });
    store.refresh();
    assert.deepEqual(warnings, ['The stored job list has an unknown format; leaving it out (a copy is kept as index.unknown-format.json).']);
  });

  it('keeps a tombstone up to 30 days and a move mark up to an hour, to the millisecond', async () => {
    const store = await open();
    await store.save(job('gone'));
    await store.remove('gone');
    await store.save(job('moved'));
    await store.save({ ...(store.get('moved') as JobRecord), state: 'completed', finishedAt: now, seen: true });
    const removedAt = index().removed[0].at;
    const movedAt = index().archived[0].at;
    now = movedAt + 60 * 60_000 - 1;
    await store.save(job('x1'));
    assert.deepEqual([index().removed.length, index().archived.length], [1, 1], 'an hour less a millisecond');
    now = movedAt + 60 * 60_000;
    await store.save(job('x2'));
    assert.deepEqual([index().removed.length, index().archived.length], [1, 0], 'an hour');
    now = removedAt + 30 * DAY - 1;
    await store.save(job('x3'));
    assert.equal(index().removed.length, 1, 'thirty days less a millisecond');
    now = removedAt + 30 * DAY;
    await store.save(job('x4'));
    assert.equal(index().removed.length, 0, 'thirty days');
  });

  it('lists a job sent again once, though its earlier attempt is in the history', async () => {
    const store = await open();
    await store.save(job('a'));
    await store.save({ ...(store.get('a') as JobRecord), state: 'failed', finishedAt: T0, seen: true });
    await store.loadHistory();
    await store.save({ ...(store.get('a') as JobRecord), state: 'submitting', attempt: 2, finishedAt: undefined, seen: false });
    assert.deepEqual(
      store.all().map((j) => [j.id, j.attempt]),
      [['a', 2]],
    );
  });

  it('says once that a newer version wrote the list, however often it is read', async () => {
    await state.update(JOB_INDEX_KEY, { version: 2, jobs: [] });
    const store = await open();
    store.refresh();
    store.refresh();
    assert.deepEqual(warnings, ['The stored job list was written by a newer version of Sail (format 2); this window will not change it. Reload it to update.']);
  });

  it('names the copy of an older, unknown format by its version', async () => {
    await state.update(JOB_INDEX_KEY, { version: 0, jobs: [], removed: [], archived: [] });
    await open();
    assert.deepEqual(warnings, ['The stored job list has an unknown format; leaving it out (a copy is kept as index.unknown-v0.json).']);
  });

  it('a damaged payload file reads as missing, with a warning naming it', async () => {
    const store = await open();
    await store.save(job('a'));
    writeFileSync(join(dir, 'a.response.json'), '{not json');
    assert.equal(await store.readPayload('a', 'response'), undefined);
    assert.deepEqual(warnings, ['Stored response of job a is not valid JSON; ignoring it.']);
  });

  it('a job list file that cannot be written is a warning: the key-value store has the change', async () => {
    const blobs = new FileBlobStore(dir);
    const write = blobs.write.bind(blobs);
    blobs.write = (name, text) => (name === 'index.json' ? Promise.reject(new Error('read-only')) : write(name, text));
    const store = new JobStore(state, blobs, { warn: (m) => warnings.push(m) }, () => now);
    await store.ready;
    await store.save(job('a'));
    assert.deepEqual(
      index().jobs.map((j) => j.id),
      ['a'],
    );
    assert.deepEqual(warnings, ['Could not write the job list file: read-only']);
  });

  it('passes on what the history warns about', async () => {
    writeFileSync(join(dir, 'history.jsonl'), `${JSON.stringify({ v: 1, job: { ...job('x'), state: 'paused_by_a_newer_version' } })}\n`);
    const store = await open();
    await store.loadHistory();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^Keeping a job in the history this version cannot read: /);
  });

  it('a storage id that cannot be written is a warning', async () => {
    const blobs = new FileBlobStore(dir);
    const write = blobs.write.bind(blobs);
    blobs.write = (name, text) => (name === 'storage-id' ? Promise.reject(new Error('read-only')) : write(name, text));
    const store = new JobStore(state, blobs, { warn: (m) => warnings.push(m) }, () => now);
    await store.ready;
    assert.ok(store.storageId.length > 0);
    assert.deepEqual(warnings, ['Could not record the job storage id: read-only']);
  });

  it('names the copy it could not read: the job list file', async () => {
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ version: 1, jobs: 'not a list' }));
    await open();
    assert.deepEqual(warnings, ['The job list file has an unknown format; leaving it out (a copy is kept as index.unknown-format.json).']);
  });

  it('stamps its next change after a removal another window made, even with its clock behind', async () => {
    const a = await open();
    await a.save(job('x'));
    now = T0 + 60_000;
    await a.remove('x');
    const removedAt = index().removed[0].at;
    now = T0;
    const b = await open();
    await b.save(job('y'));
    assert.ok((b.get('y')?.updatedAt ?? 0) > removedAt, `${b.get('y')?.updatedAt} after ${removedAt}`);
  });

  it('finished jobs it cannot move to the history stay in the list, with a warning', async () => {
    await state.update(JOB_INDEX_KEY, {
      version: 1,
      jobs: [job('done', { state: 'completed', seen: true, finishedAt: T0 - 1, updatedAt: T0 - 1 })],
      removed: [],
      archived: [],
    });
    const blobs = new FileBlobStore(dir);
    blobs.append = () => Promise.reject(new Error('read-only'));
    const store = new JobStore(state, blobs, { warn: (m) => warnings.push(m) }, () => now);
    await store.ready;
    await store.save(job('new'));
    assert.deepEqual(
      index()
        .jobs.map((j) => j.id)
        .sort(),
      ['done', 'new'],
    );
    assert.deepEqual(warnings, ['Could not move 1 finished job(s) to the history: read-only']);
  });

  it('a failed write does not undo a later change of the same job made meanwhile', async () => {
    const store = await open();
    await store.save(job('x'));
    state.failOnce = true;
    const first = store.save({ ...(store.get('x') as JobRecord), state: 'in_progress' });
    const second = store.save({ ...(store.get('x') as JobRecord), state: 'completed', finishedAt: T0 });
    await assert.rejects(first, /disk full/);
    await second;
    assert.equal(store.get('x')?.state, 'completed');
    assert.deepEqual(
      index().jobs.map((j) => [j.id, (j as unknown as JobRecord).state]),
      [['x', 'completed']],
    );
  });

  it('reading the history drops an old copy another window wrote back to the list', async () => {
    const done = { ...job('x', { state: 'completed', seen: true, finishedAt: T0 - 5, updatedAt: T0 - 5 }) };
    writeFileSync(join(dir, 'history.jsonl'), `${JSON.stringify({ v: 1, job: done })}\n`);
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: [job('x', { updatedAt: T0 - 50 })], removed: [], archived: [] });
    const store = await open();
    assert.equal(store.get('x')?.state, 'queued');
    await store.loadHistory();
    assert.equal(store.get('x')?.state, 'completed');
    assert.deepEqual(store.current(), []);
  });

  it('a window that read the history takes in what another window moved there, before it writes', async () => {
    const a = await open();
    await a.save(job('x'));
    await a.loadHistory();
    const b = await open();
    await b.save({ ...(b.get('x') as JobRecord), state: 'completed', finishedAt: T0, seen: true });
    // Over an hour later the move mark is gone from the list; only the history tells.
    now = T0 + 2 * 60 * 60_000;
    await b.save(job('other'));
    assert.deepEqual(index().archived, []);
    await a.save(job('mine'));
    assert.deepEqual(
      index()
        .jobs.map((j) => j.id)
        .sort(),
      ['mine', 'other'],
    );
    assert.equal(a.get('x')?.state, 'completed');
  });

  it('takes in another window’s change from the key-value store when that window could not write the file', async () => {
    const a = await open();
    const blobs = new FileBlobStore(dir);
    const write = blobs.write.bind(blobs);
    blobs.write = (name, text) => (name === 'index.json' ? Promise.reject(new Error('read-only')) : write(name, text));
    const b = new JobStore(state, blobs, { warn: () => undefined }, () => now);
    await b.ready;
    await b.save(job('y'));
    await a.save(job('x'));
    assert.deepEqual(
      index()
        .jobs.map((j) => j.id)
        .sort(),
      ['x', 'y'],
    );
  });

  it('an older tombstone in another copy does not shorten this window’s removal', async () => {
    const store = await open();
    await store.save(job('x'));
    now = T0 + 100;
    await store.remove('x');
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: [job('x', { updatedAt: T0 + 50 })], removed: [{ id: 'x', at: T0 + 10 }], archived: [] });
    store.refresh();
    assert.equal(store.get('x'), undefined);
  });

  it('a job sent again keeps its new attempt in a window that reads the history afterwards', async () => {
    const a = await open();
    await a.save(job('x'));
    await a.save({ ...(a.get('x') as JobRecord), state: 'failed', finishedAt: T0, seen: true });
    await a.loadHistory();
    await a.save({ ...(a.get('x') as JobRecord), state: 'submitting', attempt: 2, finishedAt: undefined, seen: false });
    const b = await open();
    await b.loadHistory();
    assert.deepEqual([b.get('x')?.attempt, b.get('x')?.state], [2, 'submitting']);
  });

  it('does not read the history log before it is asked to (it can be large): writes read it only after loadHistory', async (t) => {
    writeFileSync(
      join(dir, 'history.jsonl'),
      `${JSON.stringify({ v: 1, job: job('old', { state: 'completed', seen: true, finishedAt: T0 - 5, updatedAt: T0 - 5 }) })}\n`,
    );
    const reads = t.mock.method(FileBlobStore.prototype, 'readFrom');
    const historyReads = () => reads.mock.calls.filter((call) => call.arguments[0] === 'history.jsonl').length;
    const store = await open();
    await store.save(job('a'));
    await store.save(job('b'));
    assert.equal(historyReads(), 0, 'starting and writing read no history');
    await store.loadHistory();
    const asked = historyReads();
    assert.ok(asked >= 1);
    await store.save(job('c'));
    assert.equal(historyReads(), asked + 1, 'once read, each write takes in what was appended since');
  });

  it('a newer move mark is kept over an older one another window wrote, so the moved job does not come back', async () => {
    const mark = (at: number) => ({ id: 'x', at, attempt: 1, known: false, state: 'completed' });
    const a = await open();
    // Window B moved x to the history at T0 + 1000; this window (which never read the history) learns it by the mark.
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: [], removed: [], archived: [mark(T0 + 1000)] });
    await a.save(job('a'));
    // Window C, behind, writes an older mark and a copy of x from before B moved it (to both copies of the list).
    const behind = { version: 1, jobs: [job('x', { updatedAt: T0 + 500 })], removed: [], archived: [mark(T0 + 10)] };
    await state.update(JOB_INDEX_KEY, behind);
    writeFileSync(join(dir, 'index.json'), JSON.stringify(behind));
    await a.save(job('b'));
    assert.equal(a.get('x'), undefined, 'the copy from before the move stays out');
    assert.deepEqual(
      index()
        .jobs.map((j) => j.id)
        .sort(),
      ['a', 'b'],
    );
    assert.deepEqual(
      index().archived.map((m) => [m.id, m.at]),
      [['x', T0 + 1000]],
    );
  });

  it('a damaged move mark in the list is skipped, not a crash', async () => {
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: [job('a', { updatedAt: T0 - 1 })], removed: [], archived: [{ id: 7 }] });
    const store = await open();
    assert.equal(store.get('a')?.state, 'queued');
  });

  it('names the stored job list when it finds it unreadable just before a write', async () => {
    const store = await open();
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: 'not a list' });
    await store.save(job('a'));
    assert.deepEqual(warnings, ['The stored job list has an unknown format; leaving it out (a copy is kept as index.unknown-format.json).']);
  });
});
