import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JOB_INDEX_KEY, JobStore, type KeyValueStore } from '../../src/jobs/jobStore';

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
