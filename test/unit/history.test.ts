// The history: settled jobs leave the index every change rewrites, stay findable, and go by the
// retention settings with their files; several windows append to one log without losing lines.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JOB_INDEX_KEY, JobStore } from '../../src/jobs/jobStore';
import { HISTORY_FILE } from '../../src/jobs/history';
import { MemoryState } from '../support/memoryState';
import { quietLog } from '../support/jobWaits';
import { systemClock } from '../../src/jobs/clock';
import { JobTracker } from '../../src/jobs/jobTracker';

const noApi = () => {
  throw new Error('no request in these tests');
};

const DAY_MS = 24 * 60 * 60_000;
const NOW = 1_800_000_000_000;

function job(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    idempotencyKey: `key-${id}`,
    state: 'completed',
    title: id,
    instruction: 'Explain',
    model: 'moonshotai/Kimi-K2.5',
    background: true,
    createdAt: NOW - DAY_MS,
    finishedAt: NOW - DAY_MS,
    seen: true,
    sendAttempts: 0,
    attempt: 1,
    updatedAt: 0,
    ...extra,
  };
}

/** The jobs in the stored index (what every change rewrites). */
function indexed(state: MemoryState): string[] {
  const index = state.get<{ jobs: { id: string }[] }>(JOB_INDEX_KEY);
  return (index?.jobs ?? []).map((j) => j.id).sort();
}

/** Renames inside the folder run `during` right after the log was moved aside (another window at work). */
class InterleavedBlobs extends FileBlobStore {
  during: (() => Promise<void>) | undefined;
  override async move(from: string, to: string): Promise<boolean> {
    const moved = await super.move(from, to);
    const during = this.during;
    this.during = undefined;
    await during?.();
    return moved;
  }
}

describe('job history', () => {
  let dir: string;
  let state: MemoryState;
  const warnings: string[] = [];
  const open = async (blobs = new FileBlobStore(dir), now = () => NOW) => {
    const store = new JobStore(state, blobs, { warn: (m) => warnings.push(m) }, now);
    await store.ready;
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-history-'));
    state = new MemoryState();
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a job finished and seen leaves the index; a job finished and not yet seen stays for the status bar', async () => {
    const store = await open();
    await store.save(job('seen'));
    await store.save(job('news', { seen: false }));
    await store.save(job('running', { state: 'in_progress', finishedAt: undefined, seen: false }));
    assert.deepEqual(indexed(state), ['news', 'running']);
    assert.deepEqual(
      store
        .current()
        .map((j) => j.id)
        .sort(),
      ['news', 'running'],
    );
    await store.save({ ...(store.get('news') as JobRecord), seen: true });
    assert.deepEqual(indexed(state), ['running'], 'seen: moved to the history');
    assert.equal(store.get('news')?.seen, true, 'still there for this window');
  });

  it('the index stays the same size however many jobs the history holds', async () => {
    const store = await open();
    await store.save(job('live', { state: 'queued', finishedAt: undefined, seen: false, responseId: 'resp_1' }));
    const before = JSON.stringify(state.get(JOB_INDEX_KEY)).length;
    for (let i = 0; i < 300; i++) {
      await store.save(job(`old-${i}`));
    }
    await store.save({ ...(store.get('live') as JobRecord), state: 'in_progress' });
    assert.deepEqual(indexed(state), ['live']);
    const after = state.get<{ archived: unknown[] }>(JOB_INDEX_KEY);
    // Only the small "moved to the history" marks grow, and they are capped.
    assert.ok((after?.archived.length ?? 0) <= 500);
    assert.ok(JSON.stringify(after).length < before + 300 * 150, 'no job records, only marks');
  });

  it('another window finds the history on demand: the job list, a result view, Send Again', async () => {
    const a = await open();
    for (let i = 0; i < 20; i++) {
      await a.save(job(`j${i}`, { createdAt: NOW - DAY_MS + i }));
    }
    const b = await open();
    assert.equal(b.all().length, 0, 'activation does not read the history');
    assert.equal((await b.find('j7'))?.title, 'j7', 'a job is found by id');
    await b.loadHistory();
    assert.equal(b.all().length, 20);
    assert.equal(b.all()[0]?.id, 'j19', 'newest first');
  });

  it('appends from other windows are read incrementally, and a removal reaches them', async () => {
    const a = await open();
    const b = await open();
    await a.save(job('x'));
    await b.loadHistory();
    assert.ok(b.get('x'));
    await a.save(job('y'));
    await a.remove('x');
    await b.loadHistory();
    assert.deepEqual(
      b
        .all()
        .map((j) => j.id)
        .sort(),
      ['y'],
    );
  });

  it('retention removes the oldest beyond the count and those past the age, with their files; pinned jobs stay', async () => {
    const store = await open();
    for (let i = 0; i < 30; i++) {
      const id = `j${String(i).padStart(2, '0')}`;
      await store.writePayload(id, 'request', { input: id });
      await store.writePayload(id, 'response', { id });
      // j00 ended 30 days ago, j29 29 days later.
      await store.save(job(id, { finishedAt: NOW - (30 - i) * DAY_MS, pinned: id === 'j00' || undefined }));
    }
    const removed = await store.prune({ maxAgeMs: 100 * DAY_MS, maxJobs: 10 });
    assert.equal(removed, 19, 'the 10 newest kept, and the pinned one');
    const left = store
      .all()
      .map((j) => j.id)
      .sort();
    assert.deepEqual(left, ['j00', 'j20', 'j21', 'j22', 'j23', 'j24', 'j25', 'j26', 'j27', 'j28', 'j29']);
    assert.ok(!existsSync(join(dir, 'j05.request.json')) && !existsSync(join(dir, 'j05.response.json')), 'files go with the job');
    assert.ok(existsSync(join(dir, 'j00.response.json')), 'a pinned job keeps its answer');

    assert.equal(await store.prune({ maxAgeMs: 5 * DAY_MS, maxJobs: 1000 }), 5, 'ended more than 5 days ago: j20 … j24');
    const reopened = await open();
    await reopened.loadHistory();
    assert.deepEqual(
      reopened
        .all()
        .map((j) => j.id)
        .sort(),
      ['j00', 'j25', 'j26', 'j27', 'j28', 'j29'],
      'what a new window reads is what is left',
    );
  });

  it('Pin (the tracker, as Show Jobs calls it) keeps an old job through retention; Unpin lets it go', async () => {
    const first = await open();
    await first.save(job('old-pinned', { finishedAt: NOW - 60 * DAY_MS }));
    await first.save(job('old-other', { finishedAt: NOW - 60 * DAY_MS }));
    const store = await open();
    const tracker = new JobTracker({ store, api: noApi, clock: systemClock, log: quietLog });
    try {
      await tracker.setPinned('old-pinned', true);
      assert.equal(await tracker.prune({ maxAgeMs: 30 * DAY_MS, maxJobs: 1000 }), 1);
      assert.deepEqual(
        tracker.jobs().map((j) => j.id),
        ['old-pinned'],
      );
      await tracker.setPinned('old-pinned', false);
      assert.equal(await tracker.prune({ maxAgeMs: 30 * DAY_MS, maxJobs: 1000 }), 1);
      assert.deepEqual(tracker.jobs(), []);
    } finally {
      tracker.dispose();
    }
  });

  it('never prunes a job still in play or not yet seen', async () => {
    const store = await open();
    await store.save(job('news', { seen: false, finishedAt: NOW - 90 * DAY_MS }));
    await store.save(job('running', { state: 'queued', finishedAt: undefined, seen: false, createdAt: NOW - 90 * DAY_MS }));
    assert.equal(await store.prune({ maxAgeMs: DAY_MS, maxJobs: 10 }), 0);
    assert.ok(store.get('news') && store.get('running'));
  });

  it('a window appending while another rewrites the log loses nothing', async () => {
    const blobs = new InterleavedBlobs(dir);
    const a = await open(blobs);
    const b = await open();
    for (let i = 0; i < 5; i++) {
      await a.save(job(`old-${i}`, { finishedAt: NOW - 60 * DAY_MS }));
    }
    await a.save(job('kept'));
    blobs.during = async () => {
      // Window b settles a job just as a moves the log aside.
      await b.save(job('appended-meanwhile'));
    };
    assert.equal(await a.prune({ maxAgeMs: 30 * DAY_MS, maxJobs: 1000 }), 5);
    const c = await open();
    await c.loadHistory();
    assert.deepEqual(
      c
        .all()
        .map((j) => j.id)
        .sort(),
      ['appended-meanwhile', 'kept'],
    );
  });

  it('a rewrite cut short by a crash is finished by the next window: its jobs come back', async () => {
    const a = await open();
    await a.save(job('before-crash'));
    // The crash: the log was moved aside, the lock left behind an hour ago.
    writeFileSync(join(dir, 'history.rewriting.jsonl'), readFileSync(join(dir, HISTORY_FILE)));
    rmSync(join(dir, HISTORY_FILE));
    writeFileSync(join(dir, 'history.lock'), String(NOW - 60 * 60_000));
    const b = await open();
    await b.loadHistory();
    assert.equal(b.get('before-crash')?.title, 'before-crash');
    assert.ok(!existsSync(join(dir, 'history.rewriting.jsonl')));
  });

  it('finished jobs in an index written by the previous version move to the history on the first change', async () => {
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: [job('old-1', { updatedAt: 5 }), job('old-2', { updatedAt: 6 })], removed: [] });
    const store = await open();
    await store.save(job('new', { state: 'queued', finishedAt: undefined, seen: false }));
    assert.deepEqual(indexed(state), ['new']);
    const next = await open();
    await next.loadHistory();
    assert.deepEqual(
      next
        .all()
        .map((j) => j.id)
        .sort(),
      ['new', 'old-1', 'old-2'],
    );
  });

  it('a window still holding a running copy does not bring back a job another window finished and archived', async () => {
    const a = await open();
    await a.save(job('x', { state: 'in_progress', finishedAt: undefined, seen: false, responseId: 'resp_x' }));
    const b = await open();
    await a.save({ ...(a.get('x') as JobRecord), state: 'completed', seen: true, finishedAt: NOW });
    // b still has the running copy and writes a change of it.
    await b.save({ ...(b.get('x') as JobRecord), pollTrouble: { kind: 'network', count: 1, since: NOW } });
    assert.deepEqual(indexed(state), [], 'not written back into the index');
    const c = await open();
    assert.equal((await c.find('x'))?.state, 'completed');
  });

  it('a line this version cannot read is kept through a rewrite', async () => {
    const a = await open();
    await a.save(job('x'));
    writeFileSync(join(dir, HISTORY_FILE), `${readFileSync(join(dir, HISTORY_FILE), 'utf8')}{"v":2,"shape":"from the future"}\n`);
    await a.prune({ maxAgeMs: DAY_MS / 2, maxJobs: 1000 });
    assert.match(readFileSync(join(dir, HISTORY_FILE), 'utf8'), /from the future/);
  });
});
