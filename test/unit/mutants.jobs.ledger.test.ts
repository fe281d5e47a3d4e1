// The ledger every job change goes through (issue 14: the survivors of a mutation run of
// src/jobs/ledger.ts): a refused change leaves the job as it was, a closed window records nothing,
// "waiting" is said once and only about the job as the caller saw it.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { describeError, JobLedger, type JobChange } from '../../src/jobs/ledger';
import { SailError } from '../../src/sail/errors';
import { MemoryState } from '../support/memoryState';
import { VirtualClock } from '../support/virtualClock';

const NOW = 1_800_000_000_000;

function job(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    idempotencyKey: `key-${id}`,
    state: 'queued',
    title: id,
    instruction: 'Explain',
    model: 'moonshotai/Kimi-K2.5',
    background: true,
    createdAt: NOW,
    seen: false,
    sendAttempts: 1,
    attempt: 1,
    updatedAt: 0,
    ...extra,
  };
}

describe('job ledger: what it records and refuses', () => {
  let dir: string;
  let store: JobStore;
  let ledger: JobLedger;
  let changes: JobChange[];
  const lines = { info: [] as string[], warn: [] as string[], debug: [] as string[] };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sail-ledger-'));
    store = new JobStore(new MemoryState(), new FileBlobStore(dir), { warn: () => undefined }, () => NOW);
    await store.ready;
    lines.info = [];
    lines.warn = [];
    lines.debug = [];
    ledger = new JobLedger(store, new VirtualClock(NOW), {
      info: (m) => lines.info.push(m),
      warn: (m) => lines.warn.push(m),
      debug: (m) => lines.debug.push(m),
    });
    changes = [];
    ledger.onDidChange((change) => changes.push(change));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Puts a job in the store as the lifecycle allows: new, then submitting, then `state`. */
  async function seed(record: JobRecord): Promise<JobRecord> {
    await ledger.update({ ...record, state: 'submitting' }, undefined);
    if (record.state !== 'submitting') {
      await ledger.update(record, 'submitting');
    }
    changes.length = 0;
    lines.debug.length = 0;
    return store.get(record.id) as JobRecord;
  }

  describe('update', () => {
    it('logs each change of state once, with the state it came from ("new" for a new job), and not a change of details', async () => {
      await ledger.update(job('a', { state: 'submitting' }), undefined);
      await ledger.update(job('a', { state: 'queued' }), 'submitting');
      await ledger.update(job('a', { state: 'queued', title: 'renamed' }), 'queued');
      assert.deepEqual(lines.debug, ['Job a: new → submitting', 'Job a: submitting → queued']);
      assert.equal(changes.length, 3, 'every change is told to the views');
      assert.equal(store.get('a')?.title, 'renamed');
    });

    it('refuses a change the lifecycle does not allow: the stored job stays as it was, and the log says why', async () => {
      await seed(job('done', { state: 'completed', finishedAt: NOW, seen: false }));
      await ledger.update({ ...(store.get('done') as JobRecord), state: 'in_progress' }, 'completed');
      assert.equal(store.get('done')?.state, 'completed', 'a finished job is not brought back');
      assert.deepEqual(changes, []);
      await ledger.update(job('fresh', { state: 'queued' }), undefined);
      assert.equal(store.get('fresh'), undefined, 'a new job must start by being sent');
      assert.deepEqual(lines.warn, ['Job done: refused an impossible change completed → in_progress', 'Job fresh: refused an impossible change new → queued']);
    });

    it('a disposed ledger (a window closing) records nothing and tells nobody', async () => {
      await seed(job('a'));
      const heard: JobChange[] = [];
      ledger.onDidChange((change) => heard.push(change));
      assert.equal(ledger.disposed, false);
      ledger.dispose();
      assert.equal(ledger.disposed, true);
      await ledger.update({ ...(store.get('a') as JobRecord), state: 'in_progress' }, 'queued');
      assert.equal(store.get('a')?.state, 'queued', 'the next window asks Sail again');
      ledger.emit({ job: store.get('a') as JobRecord, previous: 'queued' });
      assert.deepEqual(heard, [], 'no view hears of changes after the window closed');
      assert.deepEqual(changes, []);
    });
  });

  describe('markWaiting and clearWaiting', () => {
    it('says once why a job waits', async () => {
      const a = await seed(job('a'));
      await ledger.markWaiting(a, 'noKey');
      await ledger.markWaiting(a, 'noKey');
      assert.equal(store.get('a')?.waiting, 'noKey');
      assert.deepEqual(lines.info, ['Job a waits for its base URL or API key (noKey)']);
      assert.equal(changes.length, 1);
      await ledger.markWaiting(a, 'invalidBaseUrl');
      assert.equal(store.get('a')?.waiting, 'invalidBaseUrl', 'a new reason is said too');
    });

    it('leaves alone a job that is gone, finished, moved on or sent again since the caller looked', async () => {
      await ledger.markWaiting(job('unknown'), 'noKey');
      assert.equal(store.get('unknown'), undefined);

      const finished = await seed(job('finished', { state: 'completed', finishedAt: NOW }));
      await ledger.markWaiting(finished, 'noKey');

      const moved = await seed(job('moved', { state: 'in_progress' }));
      await ledger.markWaiting({ ...moved, state: 'queued' }, 'noKey');

      const again = await seed(job('again', { attempt: 2 }));
      await ledger.markWaiting({ ...again, attempt: 1 }, 'noKey');

      for (const id of ['finished', 'moved', 'again']) {
        assert.equal(store.get(id)?.waiting, undefined, id);
      }
      assert.deepEqual(changes, []);
      assert.deepEqual(lines.info, []);
    });

    it('clearWaiting lets a waiting job go on, and does nothing for a job that does not wait or is gone', async () => {
      const a = await seed(job('a'));
      await ledger.markWaiting(a, 'otherBaseUrl');
      changes.length = 0;
      await ledger.clearWaiting(a);
      assert.equal(store.get('a')?.waiting, undefined);
      assert.equal(store.get('a')?.state, 'queued');
      assert.equal(changes.length, 1);
      await ledger.clearWaiting(a);
      await ledger.clearWaiting(job('unknown'));
      assert.equal(changes.length, 1, 'nothing to clear: no change told');
    });
  });

  it('describeError: a SailError by its kind, another error by its message, anything else as text', () => {
    assert.equal(describeError(new SailError('network', 'The connection failed.')), 'network');
    assert.equal(describeError(new Error('disk full')), 'disk full');
    assert.equal(describeError(42), '42');
  });
});
