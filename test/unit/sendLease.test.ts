// The send lease and the index's marks, on their own: which window may send, and which copy may return.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FileBlobStore } from '../../src/jobs/fileBlobStore';
import { IndexSchema, markOf, newest, outdatedBy } from '../../src/jobs/indexFormat';
import type { JobRecord } from '../../src/jobs/job';
import { leaseName, SEND_LEASE_MS, SendLeases } from '../../src/jobs/sendLease';

describe('send lease', () => {
  let dir: string;
  let now: number;
  let blobs: FileBlobStore;
  const lease = (owner: string) => new SendLeases(blobs, owner, () => now);
  const file = (id: string) => join(dir, leaseName(id));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-lease-'));
    blobs = new FileBlobStore(dir);
    now = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a free job is leased to the window asking, for SEND_LEASE_MS', async () => {
    assert.equal(await lease('a').acquire('j'), true);
    assert.deepEqual(JSON.parse(readFileSync(file('j'), 'utf8')), { owner: 'a', until: now + SEND_LEASE_MS });
  });

  it('a window may take its own lease again; another may not until it lapses, and may at the instant it does', async () => {
    const a = lease('a');
    const b = lease('b');
    assert.equal(await a.acquire('j'), true);
    assert.equal(await a.acquire('j'), true, 'its own');
    assert.equal(await b.acquire('j'), false);
    assert.equal(await b.heldElsewhereUntil('j'), now + SEND_LEASE_MS);
    assert.equal(await a.heldElsewhereUntil('j'), undefined, 'not elsewhere: its own');
    now += SEND_LEASE_MS - 1;
    assert.equal(await b.acquire('j'), false, 'a millisecond before it lapses');
    now += 1;
    assert.equal(await b.heldElsewhereUntil('j'), undefined, 'lapsed');
    assert.equal(await b.acquire('j'), true, 'lapsed: taken over');
    assert.equal(JSON.parse(readFileSync(file('j'), 'utf8')).owner, 'b');
  });

  it('an unreadable lease file is taken over', async () => {
    writeFileSync(file('j'), '{ not json');
    assert.equal(await lease('a').acquire('j'), true);
    writeFileSync(file('k'), JSON.stringify({ owner: 'x' }));
    assert.equal(await lease('a').acquire('k'), true, 'no time: not a lease');
  });

  it('release frees only its own lease', async () => {
    const a = lease('a');
    const b = lease('b');
    await a.acquire('j');
    await b.release('j');
    assert.ok(existsSync(file('j')), 'another window cannot release it');
    await a.release('j');
    assert.ok(!existsSync(file('j')));
    assert.equal(await b.acquire('j'), true);
  });

  it('releasing a lease that is not there (removed by hand, say) is no error', async () => {
    const a = lease('a');
    await a.acquire('j');
    rmSync(file('j'));
    await a.release('j');
    await a.release('never-leased');
    assert.ok(!existsSync(file('j')));
  });

  it('a closing window frees every lease it holds at once, and none it does not', async () => {
    const a = lease('a');
    const b = lease('b');
    await a.acquire('j1');
    await a.acquire('j2');
    await b.acquire('j3');
    a.releaseAllNow();
    assert.ok(!existsSync(file('j1')) && !existsSync(file('j2')));
    assert.ok(existsSync(file('j3')), 'b still holds its own');
    a.releaseAllNow();
    // A lease another window took over after this one's lapsed is not this window's to free.
    await a.acquire('j4');
    now += SEND_LEASE_MS;
    await b.acquire('j4');
    a.releaseAllNow();
    assert.equal(JSON.parse(readFileSync(file('j4'), 'utf8')).owner, 'b');
  });
});

describe('the index format', () => {
  const job = (extra: Partial<JobRecord> = {}): JobRecord => ({
    id: 'j',
    idempotencyKey: 'k',
    state: 'completed',
    title: 't',
    instruction: 'i',
    model: 'm',
    background: true,
    createdAt: 1,
    seen: true,
    updatedAt: 10,
    attempt: 1,
    sendAttempts: 0,
    responseId: 'resp_1',
    ...extra,
  });

  it('an index with only a version reads as empty lists', () => {
    assert.deepEqual(IndexSchema.parse({ version: 1 }), { version: 1, jobs: [], removed: [], archived: [] });
  });

  it('keeps the newest marks when there are too many, all of them otherwise', () => {
    const marks = [5, 1, 9, 3].map((at) => ({ ...markOf(job({ id: `j${at}`, updatedAt: at })) }));
    assert.deepEqual(
      newest([...marks], 2).map((m) => m.at),
      [9, 5],
    );
    assert.deepEqual(
      newest([...marks], 4).map((m) => m.at),
      [5, 1, 9, 3],
    );
  });

  it('a copy the moved one beats is outdated; a later attempt or a copy that is news to nobody is not', () => {
    const mark = markOf(job());
    assert.equal(outdatedBy(job({ state: 'in_progress', seen: false, updatedAt: 20 }), mark), true, 'a running copy, even written later');
    assert.equal(outdatedBy(job({ state: 'completed', seen: false, updatedAt: 20 }), mark), true, 'an unseen copy of the same answer');
    assert.equal(outdatedBy(job({ state: 'submitting', attempt: 2, responseId: undefined, updatedAt: 5 }), mark), false, 'Send Again: a new attempt');
    assert.equal(outdatedBy(job({ state: 'completed', updatedAt: 20 }), mark), false, 'the same, changed later (pinned, say)');
    assert.equal(outdatedBy(job(), undefined), false, 'no mark');
    const unknown = markOf(job({ state: 'untracked', responseId: undefined }));
    assert.equal(outdatedBy(job({ state: 'completed', seen: false, responseId: 'resp_9', updatedAt: 1 }), unknown), false, 'an answer beats a stop');
  });
});
