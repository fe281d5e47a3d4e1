import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JOB_INDEX_KEY, JobStore, supersedes, type KeyValueStore } from '../../src/jobs/jobStore';

class SharedState implements KeyValueStore {
  private value: unknown;
  get<T>(): T | undefined {
    return this.value === undefined ? undefined : (JSON.parse(JSON.stringify(this.value)) as T);
  }
  async update(_key: string, value: unknown): Promise<void> {
    this.value = value;
  }
}

function job(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    idempotencyKey: `key-${id}`,
    state: 'queued',
    title: id,
    instruction: 'Explain',
    model: 'moonshotai/Kimi-K2.5',
    background: true,
    createdAt: 1,
    seen: false,
    sendAttempts: 0,
    attempt: 1,
    updatedAt: 0,
    ...extra,
  };
}

describe('JobStore shared by several windows', () => {
  let dir: string;
  let state: SharedState;
  const warnings: string[] = [];
  const open = async () => {
    const store = new JobStore(state, new FileBlobStore(dir), { warn: (m) => warnings.push(m) });
    await store.ready;
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-store-'));
    state = new SharedState();
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('two windows adding jobs keep both', async () => {
    const a = await open();
    const b = await open();
    await a.save(job('x'));
    await b.save(job('y'));
    await a.save({ ...(a.get('x') as JobRecord), state: 'in_progress' });
    const c = await open();
    assert.deepEqual(
      c
        .all()
        .map((j) => j.id)
        .sort(),
      ['x', 'y'],
    );
    assert.equal(c.get('x')?.state, 'in_progress');
  });

  it('the newer change of the same job wins', async () => {
    const a = await open();
    await a.save(job('x'));
    const b = await open();
    await b.save({ ...(b.get('x') as JobRecord), state: 'in_progress' });
    await a.save({ ...(a.get('x') as JobRecord), waiting: 'noKey' });
    const c = await open();
    assert.equal(c.get('x')?.waiting, 'noKey', 'a later change is kept');
  });

  it('a finished job is not made unfinished again by a window writing its older copy', async () => {
    const a = await open();
    await a.save(job('x'));
    const b = await open();
    // Window b finishes the job; window a, still holding the running copy, writes it afterwards.
    await b.save({ ...(b.get('x') as JobRecord), state: 'completed', finishedAt: 5 });
    await a.save({ ...(a.get('x') as JobRecord), state: 'in_progress', waiting: 'noKey' });
    assert.equal(a.get('x')?.state, 'completed', 'the writing window takes the finished copy in');
    const c = await open();
    assert.equal(c.get('x')?.state, 'completed');
  });

  it('an answer wins over Stop Tracking or expiry from a window that had not seen it', async () => {
    const a = await open();
    await a.save(job('x'));
    const b = await open();
    await b.save({ ...(b.get('x') as JobRecord), state: 'completed', finishedAt: 5 });
    await a.save({ ...(a.get('x') as JobRecord), state: 'untracked', finishedAt: 6 });
    const c = await open();
    assert.equal(c.get('x')?.state, 'completed', 'the paid-for answer is kept');
  });

  it('Send Again (a new attempt) does make a failed job unfinished again, in every window', async () => {
    const a = await open();
    await a.save({ ...job('x'), state: 'failed' });
    const b = await open();
    await b.save({ ...(b.get('x') as JobRecord), state: 'submitting', attempt: 2 });
    await a.save({ ...(a.get('x') as JobRecord), seen: true });
    const c = await open();
    assert.equal(c.get('x')?.state, 'submitting');
  });

  it('a removed job stays removed when a window that still had it writes', async () => {
    const a = await open();
    await a.save(job('x'));
    const b = await open();
    await a.remove('x');
    await b.save(job('y'));
    const c = await open();
    assert.deepEqual(
      c.all().map((j) => j.id),
      ['y'],
    );
  });

  it('keeps, and writes back, a job this version cannot read', async () => {
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: [{ id: 'future', state: 'teleported' }], removed: [] });
    const a = await open();
    await a.save(job('x'));
    assert.equal(warnings.length, 1);
    const written = state.get<{ jobs: { id: string }[] }>();
    assert.deepEqual(written?.jobs.map((j) => j.id).sort(), ['future', 'x']);
  });

  it('an index written by a newer version is never overwritten by this one: saving refuses, and says to reload', async () => {
    await state.update(JOB_INDEX_KEY, { version: 99, jobs: [job('x')] });
    const a = await open();
    assert.equal(a.all().length, 0);
    assert.match(warnings.join('\n'), /newer version/);
    await assert.rejects(a.save(job('y')), /newer version.*reload/i);
    const stored = state.get<{ version: number; jobs: { id: string }[] }>();
    assert.equal(stored?.version, 99, 'the newer index is left as it was');
    assert.deepEqual(
      stored?.jobs.map((j) => j.id),
      ['x'],
    );
    assert.equal(a.get('y'), undefined, 'the refused change is not kept in memory either');
  });

  it('one damaged tombstone does not drop the rest of the job list', async () => {
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: [job('x')], removed: [{ id: 7 }, { id: 'gone', at: 5 }] });
    const a = await open();
    assert.deepEqual(
      a.all().map((j) => j.id),
      ['x'],
    );
  });
});

describe('JobStore details a window relies on', () => {
  let dir: string;
  let state: SharedState;
  const warnings: string[] = [];
  const open = async (now?: () => number, folder = dir) => {
    const store = new JobStore(state, new FileBlobStore(folder), { warn: (m) => warnings.push(m) }, now);
    await store.ready;
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-store-'));
    state = new SharedState();
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the list an earlier version stored under sail.jobs, with fields it did not write yet', async () => {
    await state.update('sail.jobs', { version: 1, jobs: [job('old')] });
    const a = await open();
    assert.deepEqual(
      a.all().map((j) => j.id),
      ['old'],
    );
    await a.save(job('new'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(state.get<{ removed: unknown[] }>()?.removed, []);
  });

  it('lists the newest job first', async () => {
    const a = await open();
    for (const [id, createdAt] of [
      ['b', 2],
      ['c', 3],
      ['a', 1],
    ] as const) {
      await a.save(job(id, { createdAt }));
    }
    assert.deepEqual(
      a.all().map((j) => j.id),
      ['c', 'b', 'a'],
    );
  });

  it('stamps every change later than the last, even within one millisecond', async () => {
    const a = await open(() => 1000);
    await a.save(job('x'));
    const first = a.get('x')?.updatedAt ?? 0;
    await a.save({ ...(a.get('x') as JobRecord), state: 'in_progress' });
    assert.ok((a.get('x')?.updatedAt ?? 0) > first);
  });

  it("a change made after another window's (whose clock runs ahead) still wins", async () => {
    const ahead = await open(() => 5_000_000);
    await ahead.save(job('x'));
    const behind = await open(() => 1_000);
    await behind.save({ ...(behind.get('x') as JobRecord), state: 'in_progress' });
    assert.equal(behind.get('x')?.state, 'in_progress');
    assert.equal((await open()).get('x')?.state, 'in_progress');
  });

  it('removing a job deletes its request and answer files, and it stays gone in the window that removed it', async () => {
    const a = await open();
    const b = await open();
    await a.save(job('x'));
    await a.writePayload('x', 'request', { input: 'hi' });
    await a.writePayload('x', 'response', { output: [] });
    await a.remove('x');
    assert.equal(await a.readPayload('x', 'request'), undefined);
    assert.equal(await a.readPayload('x', 'response'), undefined);
    // A window that still had it hears of the removal when it writes next.
    await b.save(job('y'));
    assert.equal(b.get('x'), undefined);
    assert.deepEqual(
      b.all().map((j) => j.id),
      ['y'],
    );
    assert.deepEqual(warnings, [], 'a missing payload is not a damaged one');
  });

  it('forgets a removal after 30 days, not before', async () => {
    const day = 24 * 60 * 60_000;
    let now = 1_000_000;
    const a = await open(() => now);
    await a.save(job('x'));
    await a.remove('x');
    now += 29 * day;
    await a.save(job('y'));
    assert.deepEqual(
      state.get<{ removed: { id: string }[] }>()?.removed.map((r) => r.id),
      ['x'],
    );
    now += 2 * day;
    await a.save(job('z'));
    assert.deepEqual(state.get<{ removed: unknown[] }>()?.removed, []);
  });

  it('windows on two hosts (VS Code Remote) share the list, not the files: each keeps the other’s jobs', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'sail-store-remote-'));
    try {
      const local = await open();
      const remote = await open(undefined, otherDir);
      await local.save(job('x'));
      await remote.save(job('y'));
      const again = await open();
      assert.deepEqual(
        again
          .all()
          .map((j) => j.id)
          .sort(),
        ['x', 'y'],
      );
      assert.notEqual(local.storageId, remote.storageId, 'their files are in different places');
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('keeps one storage id per folder, across windows and reloads', async () => {
    const a = await open();
    assert.match(a.storageId, /^[0-9a-f-]{36}$/);
    assert.equal((await open()).storageId, a.storageId);
    await new FileBlobStore(dir).write('storage-id', ' kept-id\n');
    assert.equal((await open()).storageId, 'kept-id');
  });

  it('a damaged file copy is ignored with a warning; an unreadable list is kept aside as it was', async () => {
    await state.update(JOB_INDEX_KEY, { version: 1, jobs: [job('x')] });
    await new FileBlobStore(dir).write('index.json', '{ not json');
    const a = await open();
    assert.deepEqual(
      a.all().map((j) => j.id),
      ['x'],
    );
    assert.match(warnings.join('\n'), /job list file is not valid JSON/);

    warnings.length = 0;
    await state.update(JOB_INDEX_KEY, 'garbage');
    rmSync(join(dir, 'index.json'));
    const b = await open();
    assert.match(warnings.join('\n'), /stored job list has an unknown format.*index\.unknown-format\.json/);
    await b.save(job('y'));
    const kept = await new FileBlobStore(dir).read('index.unknown-format.json');
    assert.equal(kept, '"garbage"');
  });

  it('opening an empty store warns about nothing', async () => {
    await open();
    assert.deepEqual(warnings, []);
  });
});

describe('supersedes: which of two copies of a job wins', () => {
  const at = (updatedAt: number, extra: Partial<JobRecord> = {}) => job('x', { updatedAt, ...extra });

  it('a later attempt wins, whatever its state or time', () => {
    assert.equal(supersedes(at(1, { attempt: 2, state: 'submitting' }), at(9, { state: 'completed' })), true);
    assert.equal(supersedes(at(9, { state: 'completed' }), at(1, { attempt: 2, state: 'submitting' })), false);
  });

  it('within an attempt: answered beats given up beats unfinished, whatever the time', () => {
    assert.equal(supersedes(at(1, { state: 'completed' }), at(9, { state: 'expired' })), true);
    assert.equal(supersedes(at(9, { state: 'expired' }), at(1, { state: 'completed' })), false);
    assert.equal(supersedes(at(9, { state: 'untracked' }), at(1, { state: 'failed' })), false);
    assert.equal(supersedes(at(1, { state: 'untracked' }), at(9, { state: 'in_progress' })), true);
    assert.equal(supersedes(at(9, { state: 'in_progress' }), at(1, { state: 'incomplete' })), false);
  });

  it('between two answered copies, the one the user has seen wins: a second window finishing it late does not make it news again', () => {
    assert.equal(supersedes(at(9, { state: 'completed', seen: false }), at(1, { state: 'completed', seen: true })), false);
    assert.equal(supersedes(at(1, { state: 'completed', seen: true }), at(9, { state: 'completed', seen: false })), true);
  });

  it('otherwise the newer change wins, and a copy does not beat itself', () => {
    assert.equal(supersedes(at(2), at(1)), true);
    assert.equal(supersedes(at(1), at(2)), false);
    assert.equal(supersedes(at(1), at(1)), false);
    assert.equal(supersedes(at(2, { state: 'cancelled' }), at(1, { state: 'completed' })), true);
  });
});

describe('FileBlobStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-blobs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes, reads back and deletes; a missing blob reads as undefined', async () => {
    const blobs = new FileBlobStore(join(dir, 'new-folder'));
    assert.equal(await blobs.read('a.json'), undefined);
    await blobs.write('a.json', '{"a":1}');
    assert.equal(await blobs.read('a.json'), '{"a":1}');
    await blobs.delete('a.json');
    assert.equal(await blobs.read('a.json'), undefined);
    await blobs.delete('a.json');
  });

  it('refuses names that could leave its folder', async () => {
    const blobs = new FileBlobStore(dir);
    for (const name of ['../evil.json', 'ok/../../evil.json', 'a/b', '']) {
      await assert.rejects(blobs.write(name, 'x'), /Invalid blob name/, name);
    }
  });

  it('a read that fails for another reason than a missing file is an error, not "missing"', async () => {
    const blobs = new FileBlobStore(dir);
    mkdirSync(join(dir, 'folder.json'));
    await assert.rejects(blobs.read('folder.json'), /EISDIR/);
  });
});
