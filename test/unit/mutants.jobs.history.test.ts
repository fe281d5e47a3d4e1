// The history log, at its edges (issue 14: the survivors of a mutation run of src/jobs/history.ts).
// What a user or another window would notice: a job lost or brought back, a log never compacted or
// rewritten for nothing, a rewrite lock never taken over or taken from a window still at work, a
// long history that freezes the extension host while it is read.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { JobRecordSchema, type JobRecord } from '../../src/jobs/job';
import { FileBlobStore, type BlobStore, type FileTail } from '../../src/jobs/fileBlobStore';
import { HISTORY_FILE, JobHistory } from '../../src/jobs/history';
import { JobStore } from '../../src/jobs/jobStore';
import { MemoryState } from '../support/memoryState';

const DAY_MS = 24 * 60 * 60_000;
const MINUTE_MS = 60_000;
const NOW = 1_800_000_000_000;
const LOCK = 'history.lock';
const REWRITING = 'history.rewriting.jsonl';
const KEEP_ALL = { maxAgeMs: 1000 * DAY_MS, maxJobs: 100_000 };

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
    updatedAt: 10,
    ...extra,
  };
}

const jobLine = (record: JobRecord) => JSON.stringify({ v: 1, job: record });
const removedLine = (id: string, at: number) => JSON.stringify({ v: 1, removed: id, at });

/** Fails fast when a read that takes milliseconds never ends. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Counts the rewrites of the log (each starts by moving it aside). */
class CountingBlobs extends FileBlobStore {
  rewrites = 0;
  override async move(from: string, to: string): Promise<boolean> {
    if (from === HISTORY_FILE) {
      this.rewrites += 1;
    }
    return super.move(from, to);
  }
}

/** Files in memory whose reads resolve at once: only the history's own yields let other work run. */
class InstantBlobs implements BlobStore {
  readonly files = new Map<string, string>();
  async read(name: string) {
    return this.files.get(name);
  }
  async write(name: string, text: string) {
    this.files.set(name, text);
  }
  async delete(name: string) {
    this.files.delete(name);
  }
  async append(name: string, text: string) {
    this.files.set(name, (this.files.get(name) ?? '') + text);
  }
  async readFrom(name: string, offset: number, identity: string | undefined): Promise<FileTail | undefined> {
    const text = this.files.get(name);
    if (text === undefined) {
      return undefined;
    }
    const bytes = Buffer.from(text, 'utf8');
    const start = identity === 'one' && offset <= bytes.length ? offset : 0;
    return { bytes: bytes.subarray(start), start, identity: 'one' };
  }
  async create(name: string, text: string) {
    if (this.files.has(name)) {
      return false;
    }
    this.files.set(name, text);
    return true;
  }
  async move(from: string, to: string) {
    const text = this.files.get(from);
    if (text === undefined) {
      return false;
    }
    this.files.set(to, text);
    this.files.delete(from);
    return true;
  }
  readNow(name: string) {
    return this.files.get(name);
  }
  deleteNow(name: string) {
    this.files.delete(name);
  }
}

describe('history log: edges a user or another window would notice', () => {
  let dir: string;
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);
  const writeLog = (lines: string[]) => writeFileSync(join(dir, HISTORY_FILE), lines.map((line) => `${line}\n`).join(''));
  const log = () => readFileSync(join(dir, HISTORY_FILE), 'utf8');
  /** What a window opening now reads from the log. */
  const reread = async (): Promise<string[]> => {
    const fresh = new JobHistory(new FileBlobStore(dir), () => undefined);
    await fresh.load();
    return [...fresh.values()].map((j) => j.id).sort();
  };
  const openStore = async (blobs: BlobStore = new FileBlobStore(dir), now = () => NOW) => {
    const store = new JobStore(new MemoryState(), blobs, { warn }, now);
    await store.ready;
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-history-edges-'));
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('the rewrite lock', () => {
    it('a lock another window took a minute ago is respected: retention waits, nothing is dropped', async () => {
      writeLog([jobLine(job('old', { finishedAt: NOW - 90 * DAY_MS })), jobLine(job('new'))]);
      writeFileSync(join(dir, LOCK), String(NOW - MINUTE_MS));
      const store = await openStore();
      assert.equal(await store.prune({ maxAgeMs: 30 * DAY_MS, maxJobs: 100 }), 0, 'not pruned while another window rewrites');
      assert.deepEqual(await reread(), ['new', 'old']);
      assert.equal(readFileSync(join(dir, LOCK), 'utf8'), String(NOW - MINUTE_MS), "the other window's lock is left alone");
    });

    it('a lock left ten minutes ago (a window that crashed) is taken over, and released after', async () => {
      writeLog([jobLine(job('old', { finishedAt: NOW - 90 * DAY_MS })), jobLine(job('new'))]);
      writeFileSync(join(dir, LOCK), String(NOW - 10 * MINUTE_MS));
      const store = await openStore();
      assert.equal(await store.prune({ maxAgeMs: 30 * DAY_MS, maxJobs: 100 }), 1);
      assert.deepEqual(await reread(), ['new']);
      assert.ok(!existsSync(join(dir, LOCK)), 'released');
    });

    it('a lock whose content is not a time is taken over', async () => {
      writeLog([jobLine(job('old', { finishedAt: NOW - 90 * DAY_MS }))]);
      writeFileSync(join(dir, LOCK), 'garbage');
      const history = new JobHistory(new FileBlobStore(dir), warn);
      await history.load();
      assert.equal(await history.rewrite(new Set(['old']), NOW), true);
      assert.deepEqual(await reread(), []);
    });
  });

  describe('an interrupted rewrite', () => {
    it('a rewrite another window is doing now (fresh lock, log moved aside) is left to it', async () => {
      writeFileSync(join(dir, REWRITING), `${jobLine(job('moving'))}\n`);
      writeFileSync(join(dir, LOCK), String(NOW - MINUTE_MS));
      const store = await openStore();
      await store.loadHistory();
      assert.ok(existsSync(join(dir, REWRITING)), 'its moved-aside log is not carried over under its feet');
      assert.equal(readFileSync(join(dir, LOCK), 'utf8'), String(NOW - MINUTE_MS), 'nor its lock taken');
    });

    it('a window that finds nothing to recover does not take or remove a lock another window holds', async () => {
      writeLog([jobLine(job('kept'))]);
      writeFileSync(join(dir, LOCK), String(NOW - MINUTE_MS));
      const store = await openStore();
      await store.loadHistory();
      assert.equal(readFileSync(join(dir, LOCK), 'utf8'), String(NOW - MINUTE_MS));
      assert.deepEqual(
        store.all().map((j) => j.id),
        ['kept'],
      );
    });

    it('after finishing a crashed rewrite, the same window can still prune (its lock was released)', async () => {
      writeFileSync(join(dir, REWRITING), `${jobLine(job('old', { finishedAt: NOW - 90 * DAY_MS }))}\n${jobLine(job('new'))}\n`);
      writeFileSync(join(dir, LOCK), String(NOW - 60 * MINUTE_MS));
      const store = await openStore();
      await store.loadHistory();
      assert.deepEqual(
        store
          .all()
          .map((j) => j.id)
          .sort(),
        ['new', 'old'],
        'nothing lost',
      );
      assert.equal(await store.prune({ maxAgeMs: 30 * DAY_MS, maxJobs: 100 }), 1, 'retention still works');
      assert.deepEqual(await reread(), ['new']);
    });
  });

  describe('compaction', () => {
    it('a log that holds no waste is not rewritten, even a long one read in several slices', async () => {
      writeLog(Array.from({ length: 600 }, (_, i) => jobLine(job(`j${i}`))));
      const blobs = new CountingBlobs(dir);
      const store = await openStore(blobs);
      assert.equal(await store.prune(KEEP_ALL), 0);
      assert.equal(blobs.rewrites, 0);
      assert.equal(store.all().length, 600);
    });

    it('a few jobs beside many lines a newer version wrote are no waste', async () => {
      const future = Array.from({ length: 60 }, (_, i) => JSON.stringify({ v: 2, note: `from the future ${i}` }));
      writeLog([...Array.from({ length: 10 }, (_, i) => jobLine(job(`j${i}`))), ...future]);
      const blobs = new CountingBlobs(dir);
      const store = await openStore(blobs);
      assert.equal(await store.prune(KEEP_ALL), 0);
      assert.equal(blobs.rewrites, 0);
    });

    it('up to a hundred lines of waste are tolerated; one more and the log is compacted', async () => {
      // 50 jobs added and removed: 100 lines, no job left.
      const churn = Array.from({ length: 50 }, (_, i) => [jobLine(job(`gone${i}`)), removedLine(`gone${i}`, 20)]).flat();
      writeLog(churn);
      const blobs = new CountingBlobs(dir);
      const first = await openStore(blobs);
      await first.prune(KEEP_ALL);
      assert.equal(blobs.rewrites, 0, '100 lines: left as they are');

      writeLog([...churn, removedLine('gone0', 30)]);
      const second = await openStore(blobs);
      await second.prune(KEEP_ALL);
      assert.equal(blobs.rewrites, 1, '101 lines: compacted');
      assert.deepEqual(await reread(), []);
    });

    it("a window's own adds and removals count as waste: the log it grew is compacted", async () => {
      const history = new JobHistory(new FileBlobStore(dir), warn);
      await history.add(Array.from({ length: 150 }, (_, i) => job(`j${i}`)));
      for (let i = 0; i < 150; i++) {
        await history.remove(`j${i}`, 20);
      }
      assert.equal(history.wasteful, true, '300 lines for no job');
      assert.equal(await history.rewrite(new Set(), NOW), true);
      assert.ok(log().split('\n').length < 200, `compacted to the removal marks: ${log().split('\n').length} lines`);
    });

    it('a line cut short by a crash is dropped by the next rewrite, not carried forever', async () => {
      writeFileSync(join(dir, HISTORY_FILE), `${jobLine(job('a'))}\n{"v":1,"job":{"id":"cut\n${jobLine(job('b'))}\n`);
      const history = new JobHistory(new FileBlobStore(dir), warn);
      await history.load();
      assert.deepEqual([...history.values()].map((j) => j.id).sort(), ['a', 'b']);
      assert.equal(await history.rewrite(new Set(), NOW), true);
      assert.doesNotMatch(log(), /"cut/);
      assert.deepEqual(await reread(), ['a', 'b']);
    });
  });

  describe('removals', () => {
    it('a job removed in this window is gone from it at once', async () => {
      const store = await openStore();
      await store.save(job('x'));
      await store.loadHistory();
      await store.remove('x');
      assert.equal(store.get('x'), undefined);
      assert.deepEqual(store.all(), []);
    });

    it('an old copy another window appends after a removal does not bring the job back, even after a rewrite', async () => {
      const a = new JobHistory(new FileBlobStore(dir), warn);
      await a.add([job('x', { updatedAt: 10 })]);
      await a.remove('x', 20);
      assert.equal(await a.rewrite(new Set(), NOW), true);
      // A window that still held the job moves its old copy to the history late.
      const late = new JobHistory(new FileBlobStore(dir), warn);
      await late.add([job('x', { updatedAt: 15 })]);
      assert.deepEqual(await reread(), [], 'the removal mark survived the rewrite');
    });

    it('a removal covers copies up to its own time, the latest removal counts, and a newer change wins', async () => {
      writeLog([
        jobLine(job('tie', { updatedAt: 20 })),
        removedLine('tie', 20),
        jobLine(job('twice', { updatedAt: 10 })),
        removedLine('twice', 20),
        removedLine('twice', 40),
        removedLine('twice', 30),
        jobLine(job('twice', { updatedAt: 35 })),
        removedLine('late', 20),
        jobLine(job('late', { updatedAt: 20 })),
        jobLine(job('late', { updatedAt: 15 })),
        jobLine(job('changed', { updatedAt: 10 })),
        removedLine('changed', 20),
        jobLine(job('changed', { updatedAt: 30, title: 'changed after' })),
        jobLine(job('outlived', { updatedAt: 30 })),
        removedLine('outlived', 20),
        removedLine('never-added', 20),
      ]);
      const history = new JobHistory(new FileBlobStore(dir), warn);
      await history.load();
      assert.deepEqual([...history.values()].map((j) => j.id).sort(), ['changed', 'outlived']);
      assert.equal(history.get('changed')?.title, 'changed after');
    });
  });

  describe('what is read', () => {
    it('a pruning done by another window reaches this one: the dropped job is gone here too', async () => {
      writeLog([jobLine(job('old', { finishedAt: NOW - 90 * DAY_MS })), jobLine(job('new'))]);
      const a = new JobHistory(new FileBlobStore(dir), warn);
      const b = new JobHistory(new FileBlobStore(dir), warn);
      await a.load();
      await b.load();
      assert.equal(await a.rewrite(new Set(['old']), NOW), true);
      await b.load();
      assert.deepEqual([...b.values()].map((j) => j.id).sort(), ['new']);
    });

    it('the copy that wins is the one that supersedes, not the last line (Send Again, then a late old copy)', async () => {
      writeLog([jobLine(job('x', { attempt: 2, updatedAt: 10, title: 'sent again' })), jobLine(job('x', { attempt: 1, updatedAt: 20, title: 'first try' }))]);
      const history = new JobHistory(new FileBlobStore(dir), warn);
      await history.load();
      assert.equal(history.get('x')?.title, 'sent again');
    });

    it('a job this version cannot read is kept through a rewrite, with one warning naming the problem', async () => {
      const future = { ...job('future'), state: 'paused_by_a_newer_version' };
      const line = JSON.stringify({ v: 1, job: future });
      const other = JSON.stringify({ v: 1, job: { ...future, id: 'future-2' } });
      // The same line twice (an append retried during another window's rewrite), and another once.
      writeLog([jobLine(job('a')), line, line, other]);
      const history = new JobHistory(new FileBlobStore(dir), warn);
      await history.load();
      assert.deepEqual(
        [...history.values()].map((j) => j.id),
        ['a'],
      );
      const problem = JobRecordSchema.safeParse(future).error?.issues[0]?.message ?? '';
      assert.ok(problem, 'the record really is unreadable');
      const warning = `Keeping a job in the history this version cannot read: ${problem}`;
      assert.deepEqual(warnings, [warning, warning], 'one warning per unreadable line, however often it is read');
      assert.equal(await history.rewrite(new Set(), NOW), true);
      assert.ok(log().includes(line) && log().includes(other), 'kept verbatim');
    });

    it('a long history is read in slices that let other work run, and the read ends', async () => {
      const blobs = new InstantBlobs();
      await blobs.append(HISTORY_FILE, Array.from({ length: 1000 }, (_, i) => `${jobLine(job(`j${i}`))}\n`).join(''));
      const history = new JobHistory(blobs, warn);
      let turns = 0;
      let done = false;
      const tick = () => {
        if (!done) {
          turns += 1;
          setImmediate(tick);
        }
      };
      setImmediate(tick);
      await within(5_000, 'reading 1000 lines', history.load());
      done = true;
      assert.equal([...history.values()].length, 1000);
      assert.ok(turns >= 3, `other work ran ${turns} times during the read`);
    });
  });
});
