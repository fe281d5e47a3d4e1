// What Sail's answer does to a job, and fetching a missing answer again (issue 14: survivors of a
// mutation run of src/jobs/poller.ts): the user's choice wins over a late answer, a change Sail reports
// is recorded and nothing else is, a finished job stops being polled, an answer is fetched once.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import type { JobKind, RemoteStatus } from '../../src/jobs/kinds';
import { JobLedger, type JobChange } from '../../src/jobs/ledger';
import { JobPoller } from '../../src/jobs/poller';
import { DEFAULT_POLL_POLICY } from '../../src/jobs/pollPolicy';
import { SailError } from '../../src/sail/errors';
import { keyId } from '../../src/sail/keyId';
import { MemoryState } from '../support/memoryState';
import { VirtualClock } from '../support/virtualClock';
import { waitFor } from '../support/waitFor';

const NOW = 1_800_000_000_000;
const USAGE = { input: 7, cached: 2, output: 5, reasoning: 1, total: 12 };

function job(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    idempotencyKey: `key-${id}`,
    state: 'queued',
    serverStatus: 'queued',
    responseId: `resp_${id}`,
    title: id,
    instruction: 'Explain',
    model: 'moonshotai/Kimi-K2.5',
    background: true,
    createdAt: NOW,
    submittedAt: NOW,
    seen: false,
    sendAttempts: 1,
    attempt: 1,
    updatedAt: 0,
    ...extra,
  };
}

/** A kind whose every poll answers queued, for a poller of its own. */
function kindForKeyless(): JobKind {
  return {
    name: 'response',
    send: () => Promise.reject(new Error('not sent in these tests')),
    fetch: async () => ({ state: 'queued', serverStatus: 'queued' }),
  };
}

describe('poller: what an answer does to a job', () => {
  let dir: string;
  let store: JobStore;
  let ledger: JobLedger;
  let poller: JobPoller;
  let changes: JobChange[];
  let fetches: { id: string; apiKey?: string }[];
  let answers: (() => Promise<RemoteStatus>)[];
  let always: (() => Promise<RemoteStatus>) | undefined;
  let clock: VirtualClock;
  const info: string[] = [];
  const debug: string[] = [];
  let apiKey: string | undefined;
  let baseUrl: string | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sail-poller-'));
    store = new JobStore(new MemoryState(), new FileBlobStore(dir), { warn: () => undefined }, () => NOW);
    await store.ready;
    info.length = 0;
    debug.length = 0;
    clock = new VirtualClock(NOW);
    always = undefined;
    ledger = new JobLedger(store, clock, { info: (m) => info.push(m), warn: () => undefined, debug: (m) => debug.push(m) });
    fetches = [];
    answers = [];
    apiKey = 'sk_test_one';
    baseUrl = 'https://sail.example/v1';
    const kind: JobKind = {
      name: 'response',
      send: () => Promise.reject(new Error('not sent in these tests')),
      fetch: (id, options) => {
        fetches.push({ id, apiKey: options.apiKey });
        const next = answers.shift() ?? always;
        return next ? next() : Promise.reject(new Error('no answer scripted'));
      },
    };
    poller = new JobPoller(ledger, { kinds: { response: kind }, apiKey: async () => apiKey, baseUrl: () => baseUrl });
    changes = [];
    ledger.onDidChange((change) => changes.push(change));
  });
  afterEach(async () => {
    poller.dispose();
    ledger.dispose();
    // A poll's last write may still be on its way (the tests wait for what it changed in memory).
    await clock.advance(0);
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  });

  /** Stores a job as the lifecycle allows (submitting first). */
  async function seed(record: JobRecord): Promise<JobRecord> {
    await ledger.update({ ...record, state: 'submitting' }, undefined);
    if (record.state !== 'submitting') {
      await ledger.update(record, 'submitting');
    }
    changes.length = 0;
    debug.length = 0;
    return store.get(record.id) as JobRecord;
  }

  describe('apply', () => {
    it('a late answer does not overrule the user: a job removed, stopped or sent again is left as it is', async () => {
      assert.equal(await poller.apply(job('gone'), { state: 'completed', serverStatus: 'completed' }), true);
      assert.equal(store.get('gone'), undefined);

      const stopped = await seed(job('stopped', { state: 'cancelled', finishedAt: NOW }));
      assert.equal(await poller.apply({ ...stopped, state: 'queued' }, { state: 'in_progress', serverStatus: 'in_progress' }), true);
      assert.equal(store.get('stopped')?.state, 'cancelled');

      const again = await seed(job('again', { attempt: 2 }));
      assert.equal(await poller.apply({ ...again, attempt: 1 }, { state: 'in_progress', serverStatus: 'in_progress' }), true);
      assert.equal(store.get('again')?.state, 'queued');
      assert.deepEqual(changes, []);
    });

    it('records what changed, clears what a fresh answer settles, and changes nothing when nothing changed', async () => {
      const a = await seed(job('a'));
      assert.equal(await poller.apply(a, { state: 'queued', serverStatus: 'queued' }), false);
      assert.deepEqual(changes, [], 'the same answer again: no write, no event');

      assert.equal(await poller.apply(a, { state: 'queued', serverStatus: 'pending_capacity' }), false);
      assert.equal(store.get('a')?.serverStatus, 'pending_capacity', "Sail's own word is recorded");

      const current = store.get('a') as JobRecord;
      await poller.apply({ ...current, keyId: 'rotated' }, { state: 'queued', serverStatus: 'pending_capacity' });
      assert.equal(store.get('a')?.keyId, 'rotated', 'a copy the caller changed (the key that read it) is recorded');

      for (const stale of [
        { error: { kind: 'network' as const } },
        { waiting: 'noKey' as const },
        { missingSince: NOW - 1000 },
        { pollTrouble: { kind: 'network', count: 2, since: NOW - 1000 } },
      ]) {
        await ledger.update({ ...(store.get('a') as JobRecord), ...stale }, 'queued');
        const withStale = store.get('a') as JobRecord;
        await poller.apply(withStale, { state: 'queued', serverStatus: 'pending_capacity' });
        const after = store.get('a') as JobRecord;
        assert.deepEqual(
          [after.error, after.waiting, after.missingSince, after.pollTrouble],
          [undefined, undefined, undefined, undefined],
          JSON.stringify(stale),
        );
      }
    });

    it('a finished answer is stored, logged with its tokens, and the job is no longer polled', async () => {
      const a = await seed(job('a'));
      poller.track(a);
      assert.equal(poller.has('a'), true);
      const answer = { id: 'resp_a', status: 'completed' };
      assert.equal(await poller.apply(a, { state: 'completed', serverStatus: 'completed', usage: USAGE, answer }), true);
      assert.equal(store.get('a')?.state, 'completed');
      assert.deepEqual(await store.readPayload('a', 'response'), answer);
      assert.equal(poller.has('a'), false);
      const b = await seed(job('b'));
      await poller.apply(b, { state: 'failed', serverStatus: 'failed', error: { kind: 'failed' }, answer: {} });
      assert.deepEqual(info, ['Job a completed (12 tokens)', 'Job b failed (0 tokens)']);
    });
  });

  describe('apply: a batch while it runs', () => {
    const batch = (extra: Partial<JobRecord> = {}) => job('b', { kind: 'batch', progress: { total: 3, done: 1, failed: 0, answered: 0 }, ...extra });
    const running = (progress: { total: number; done: number; failed: number; answered: number }, answer?: unknown): RemoteStatus => ({
      state: 'in_progress',
      serverStatus: `${progress.done}/${progress.total}`,
      progress,
      answer,
    });

    it('records a change of Sail’s counts, each count on its own, and keeps the item statuses', async () => {
      const b = await seed(batch({ state: 'in_progress', serverStatus: 'x' }));
      const items = { items: { i0: { state: 'completed', status: 'COMPLETED' } } };
      for (const progress of [
        { total: 4, done: 1, failed: 0, answered: 0 },
        { total: 4, done: 2, failed: 0, answered: 0 },
        { total: 4, done: 2, failed: 1, answered: 0 },
      ]) {
        changes.length = 0;
        const current = store.get('b') as JobRecord;
        assert.equal(await poller.apply(current, { ...running(progress, items), serverStatus: 'x' }), false);
        assert.equal(changes.length, 1, JSON.stringify(progress));
        assert.deepEqual(store.get('b')?.progress, progress);
      }
      assert.deepEqual(await store.readPayload('b', 'response'), items);
      changes.length = 0;
      await poller.apply(store.get('b') as JobRecord, { ...running({ total: 4, done: 2, failed: 1, answered: 0 }, items), serverStatus: 'x' });
      assert.deepEqual(changes, [], 'the same counts: nothing written');
      assert.ok(b);
    });

    it('keeps how many answers this machine fetched, which Sail does not know', async () => {
      const b = await seed(batch({ progress: { total: 3, done: 3, failed: 0, answered: 2 } }));
      await poller.apply(b, running({ total: 4, done: 3, failed: 0, answered: 0 }));
      assert.deepEqual(store.get('b')?.progress, { total: 4, done: 3, failed: 0, answered: 2 });
      const fresh = await seed(job('c', { kind: 'batch' }));
      await poller.apply(fresh, { ...running({ total: 2, done: 0, failed: 0, answered: 0 }), serverStatus: 'queued', state: 'queued' });
      assert.deepEqual(store.get('c')?.progress, { total: 2, done: 0, failed: 0, answered: 0 }, 'first counts: none fetched');
    });

    it('a pending answer without item statuses stores no answer file; a new state alone is a change', async () => {
      const a = await seed(job('a'));
      await poller.apply(a, { state: 'in_progress', serverStatus: 'queued' });
      assert.equal(store.get('a')?.state, 'in_progress');
      assert.equal(await store.readPayload('a', 'response'), undefined);
    });
  });

  it('a tracked job is counted and has a next check; untracked, it has none; a disposed poller takes no more jobs', async () => {
    const a = await seed(job('a'));
    poller.track(a, NOW + 5_000);
    assert.deepEqual([poller.size, poller.has('a'), poller.nextPollAt('a')], [1, true, NOW + 5_000]);
    poller.untrack('a');
    assert.deepEqual([poller.size, poller.has('a'), poller.nextPollAt('a')], [0, false, undefined]);
    poller.dispose();
    poller.track(a);
    assert.equal(poller.has('a'), false);
  });

  describe('a 404 while polling', () => {
    const HOUR = 60 * 60_000;
    const notFound = () => Promise.reject(new SailError('not_found', 'Not found.'));

    it("near the end of Sail's 48 h (46 h after sending), the first 404 means gone: the job expires", async () => {
      const a = await seed(job('a', { createdAt: NOW - 46 * HOUR, submittedAt: NOW - 46 * HOUR }));
      answers.push(notFound);
      poller.track(a, NOW);
      await clock.advance(0);
      await waitFor(() => store.get('a')?.state !== 'queued', { timeoutMs: 3_000, what: 'the outcome of the 404' });
      assert.equal(fetches.length, 1);
      assert.deepEqual([store.get('a')?.state, store.get('a')?.error], ['expired', { kind: 'gone' }]);
      await waitFor(() => !poller.has('a'), { timeoutMs: 3_000, what: 'the expired job dropped by the poller' });
    });

    it('a job sent an hour ago (though written two days ago) is not gone at the first 404; it is once Sail keeps saying so', async () => {
      const a = await seed(job('a', { createdAt: NOW - 47 * HOUR, submittedAt: NOW - HOUR }));
      always = notFound;
      poller.track(a, NOW);
      const expired = () => store.get('a')?.state === 'expired';
      /** Each 404 either logs "asking again" or expires the job: wait for that before moving on. */
      const settled = () =>
        waitFor(() => expired() || info.length === fetches.length, { timeoutMs: 3_000, what: () => `the poll's outcome (${JSON.stringify(store.get('a'))})` });
      await clock.advance(0);
      await settled();
      assert.equal(store.get('a')?.state, 'queued', 'one 404 can be a replica lagging behind');
      assert.equal(store.get('a')?.missingSince, NOW);
      assert.deepEqual(info, ['Job a: Sail answered 404; asking again before treating it as gone']);
      for (let step = 0; step < 180 && !expired(); step++) {
        await clock.advance(60_000);
        await settled();
      }
      assert.ok(fetches.length >= 2);
      assert.deepEqual([store.get('a')?.state, store.get('a')?.error], ['expired', { kind: 'gone' }]);
      assert.equal(store.get('a')?.missingSince, NOW, 'the first 404 is when it went missing');
      assert.ok((store.get('a')?.finishedAt ?? 0) - NOW >= DEFAULT_POLL_POLICY.goneAfterMs, 'not before Sail kept answering 404 for goneAfterMs');
    });
  });

  describe('a poll and the key it was read with', () => {
    /** Runs the poll due now and waits until `done` holds. */
    async function pollNow(a: JobRecord, done: () => boolean, what: string): Promise<void> {
      poller.track(a, clock.now());
      await clock.advance(0);
      await waitFor(done, { timeoutMs: 3_000, what: () => `${what} (${JSON.stringify(store.get(a.id))})` });
      poller.untrack(a.id);
    }

    it('a job Sail shows under a rotated key takes that key; read with its own key, nothing is written', async () => {
      const a = await seed(job('a', { keyId: keyId('sk_test_one') }));
      answers.push(async () => ({ state: 'queued', serverStatus: 'queued' }));
      await pollNow(a, () => fetches.length === 1, 'the poll');
      await clock.advance(0);
      assert.deepEqual(changes, [], 'same key, same answer: no write');
      apiKey = 'sk_test_rotated';
      answers.push(async () => ({ state: 'queued', serverStatus: 'queued' }));
      await pollNow(a, () => store.get('a')?.keyId === keyId('sk_test_rotated'), 'the rotated key recorded');
    });

    it('a 404 under another key makes the job wait for its own key; it is not taken for gone', async () => {
      const a = await seed(job('a', { keyId: 'someone-else' }));
      answers.push(() => Promise.reject(new SailError('not_found', 'Not found.')));
      await pollNow(a, () => store.get('a')?.waiting === 'otherKey', 'waiting for its key');
      assert.equal(store.get('a')?.state, 'queued');
      assert.equal(store.get('a')?.missingSince, undefined);
    });

    it('a job without a response id, or already finished, is not asked about and no longer polled', async () => {
      const unsent = await seed(job('unsent', { responseId: undefined }));
      const done = await seed(job('done', { state: 'completed', finishedAt: NOW }));
      for (const a of [unsent, done]) {
        poller.track(a, clock.now());
      }
      await clock.advance(0);
      await waitFor(() => !poller.has('unsent') && !poller.has('done'), { timeoutMs: 3_000, what: 'both dropped by the poller' });
      assert.deepEqual(fetches, []);
    });

    it('a failed poll under another key leaves the job waiting for its own key', async () => {
      const a = await seed(job('a', { keyId: 'someone-else', waiting: 'otherKey' }));
      answers.push(() => Promise.reject(new SailError('network', 'The connection failed.')));
      await pollNow(a, () => store.get('a')?.pollTrouble?.count === 1, 'the failure counted');
      assert.equal(store.get('a')?.waiting, 'otherKey');
    });

    it('failed polls are counted from the first one, and a failure under its own key ends a wait', async () => {
      const a = await seed(job('a', { waiting: 'noKey' }));
      answers.push(() => Promise.reject(new SailError('network', 'The connection failed.')));
      await pollNow(a, () => store.get('a')?.pollTrouble?.count === 1, 'one failure counted');
      assert.equal(store.get('a')?.waiting, undefined, 'it no longer waits for its key');
      assert.deepEqual(store.get('a')?.pollTrouble, { kind: 'network', count: 1, since: NOW });
      await clock.advance(60_000);
      answers.push(() => Promise.reject(new Error('garbage')));
      await pollNow(store.get('a') as JobRecord, () => store.get('a')?.pollTrouble?.count === 2, 'two failures counted');
      assert.deepEqual(store.get('a')?.pollTrouble, { kind: 'error', count: 2, since: NOW });
      assert.deepEqual(debug.slice(-2), ['Poll of job a failed (network); the job keeps running', 'Poll of job a failed (error); the job keeps running']);
    });
  });

  describe('fetchAgain (an answer another host stored)', () => {
    const answered = (extra: Partial<JobRecord> = {}) => job('done', { state: 'completed', finishedAt: NOW, baseUrl: 'https://sail.example/v1', ...extra });
    const finishedStatus =
      (answer: unknown): (() => Promise<RemoteStatus>) =>
      async () => ({ state: 'completed', serverStatus: 'completed', answer });

    it('fetches it once, with the current key, stores it, and says so; two callers share one GET', async () => {
      await seed(answered());
      answers.push(finishedStatus({ id: 'resp_done' }));
      const [first, second] = await Promise.all([poller.fetchAgain('done'), poller.fetchAgain('done')]);
      assert.deepEqual([first, second], [{ id: 'resp_done' }, { id: 'resp_done' }]);
      assert.deepEqual(fetches, [{ id: 'resp_done', apiKey: 'sk_test_one' }]);
      assert.deepEqual(await store.readPayload('done', 'response'), { id: 'resp_done' });
      assert.deepEqual(info, ['Fetched the answer of job done from Sail again (it was not stored here)']);
      assert.equal(await poller.fetchAgain('done'), undefined);
      assert.equal(fetches.length, 1, 'not asked for again');
    });

    it('asks again after a failure that may pass, never after Sail said 404 (its 48 h are over)', async () => {
      await seed(answered());
      answers.push(() => Promise.reject(new SailError('network', 'The connection failed.')));
      assert.equal(await poller.fetchAgain('done'), undefined);
      answers.push(async () => ({ state: 'in_progress', serverStatus: 'in_progress' }));
      assert.equal(await poller.fetchAgain('done'), undefined, 'not finished by Sail: nothing to store');
      answers.push(() => Promise.reject(new SailError('not_found', 'Not found.')));
      assert.equal(await poller.fetchAgain('done'), undefined);
      assert.equal(await poller.fetchAgain('done'), undefined);
      assert.equal(fetches.length, 3);
      assert.deepEqual(debug, ['Could not fetch the answer of job done again (network)', 'Could not fetch the answer of job done again (not_found)']);
    });

    it('does not ask for a job without a response id, one that was not answered, sent elsewhere or with another key', async () => {
      await seed(job('unsent', { state: 'failed', finishedAt: NOW, responseId: undefined }));
      await seed(job('expired', { state: 'expired', finishedAt: NOW }));
      await seed(answered({ id: 'elsewhere', baseUrl: 'https://other.example/v1' }));
      await seed(answered({ id: 'otherkey', keyId: 'someone-else' }));
      for (const id of ['unsent', 'expired', 'elsewhere', 'otherkey', 'unknown']) {
        assert.equal(await poller.fetchAgain(id), undefined, id);
      }
      assert.deepEqual(fetches, []);
    });
  });

  describe('what a poll tells the scheduler (issue 14: the survivors left on branch jobsmut)', () => {
    const HOUR = 60 * 60_000;
    const notFound = () => new SailError('not_found', 'Not found.');
    /** The poll due now has come back: the job is no longer tracked, or its next check was planned. */
    const polled = (id: string) =>
      waitFor(() => !poller.has(id) || poller.nextPollAt(id) !== clock.now(), {
        timeoutMs: 3_000,
        what: () => `the poll of ${id} to come back (${JSON.stringify(store.get(id))})`,
      });
    /** A pending answer plans the next check 1 s on for a fresh job (the ramp's floor); a failed poll 5 s (the back-off). */
    const PENDING = NOW + DEFAULT_POLL_POLICY.minMs;
    const FAILED = NOW + DEFAULT_POLL_POLICY.errorBackoffMs;

    it('a pending answer plans the ramp, three times slower while the window is unfocused', async () => {
      const a = await seed(job('a'));
      always = async () => ({ state: 'queued', serverStatus: 'queued' });
      poller.track(a, NOW);
      await clock.advance(0);
      await polled('a');
      assert.equal(poller.nextPollAt('a'), PENDING);
      poller.untrack('a');
      poller.setFocused(false);
      poller.track(a, NOW);
      await clock.advance(0);
      await polled('a');
      assert.equal(poller.nextPollAt('a'), NOW + 3 * DEFAULT_POLL_POLICY.minMs);
    });

    it('a job Sail still runs, not polled yet, is polled on from its age: since it was sent, else from now', async () => {
      // Ten minutes after sending a standard-like job (typical 5 min) is late: the watch interval, 24 s.
      const sent = await seed(job('sent', { submittedAt: NOW - 10 * 60_000, createdAt: NOW - 10 * 60_000 }));
      assert.equal(await poller.apply(sent, { state: 'in_progress', serverStatus: 'in_progress' }), false);
      assert.equal(poller.nextPollAt('sent'), NOW + 24_000);
      const unsent = await seed(job('unsent', { submittedAt: undefined, createdAt: NOW - 10 * 60_000 }));
      assert.equal(await poller.apply(unsent, { state: 'in_progress', serverStatus: 'in_progress' }), false);
      assert.equal(poller.nextPollAt('unsent'), PENDING, 'no time of sending: young, from now');
      // Tracked directly, a job without a time of sending is as old as its record.
      const old = await seed(job('old', { submittedAt: undefined, createdAt: NOW - 10 * 60_000 }));
      poller.track(old);
      assert.equal(poller.nextPollAt('old'), NOW + 24_000);
    });

    it('each pending answer grows the ramp: 1 s, then 2 s', async () => {
      const a = await seed(job('a'));
      always = async () => ({ state: 'queued', serverStatus: 'queued' });
      poller.track(a, NOW);
      await clock.advance(0);
      await polled('a');
      assert.equal(poller.nextPollAt('a'), PENDING);
      await clock.advance(DEFAULT_POLL_POLICY.minMs);
      await polled('a');
      assert.equal(poller.nextPollAt('a'), PENDING + 2 * DEFAULT_POLL_POLICY.minMs);
      assert.equal(fetches.length, 2);
    });

    it('a failed poll waits for Sail’s Retry-After when it is longer than the back-off', async () => {
      const a = await seed(job('a'));
      answers.push(() => Promise.reject(new SailError('rate_limited', 'Slow down.', { status: 429, retryAfterMs: 60_000 })));
      poller.track(a, NOW);
      await clock.advance(0);
      await polled('a');
      assert.equal(poller.nextPollAt('a'), NOW + 60_000);
    });

    it('an answer for a job stopped while its poll was out ends its polling', async () => {
      const a = await seed(job('a'));
      answers.push(async () => {
        await ledger.update({ ...(store.get('a') as JobRecord), state: 'untracked', finishedAt: NOW }, 'queued');
        return { state: 'in_progress', serverStatus: 'in_progress' };
      });
      poller.track(a, NOW);
      await clock.advance(0);
      await polled('a');
      assert.equal(poller.has('a'), false);
      assert.equal(store.get('a')?.state, 'untracked');
    });

    it('a poll asks with the current key and counts itself; a pending answer under the same key writes nothing', async () => {
      const a = await seed(job('a', { keyId: keyId('sk_test_one') }));
      always = async () => ({ state: 'queued', serverStatus: 'queued' });
      poller.track(a, NOW);
      await clock.advance(0);
      await polled('a');
      assert.deepEqual(fetches, [{ id: 'resp_a', apiKey: 'sk_test_one' }]);
      assert.equal(poller.stats.polls, 1);
      assert.deepEqual(changes, []);
    });

    it('pollSoon brings a job’s next check to now', async () => {
      const a = await seed(job('a'));
      poller.track(a, NOW + HOUR);
      poller.pollSoon('a');
      assert.equal(poller.nextPollAt('a'), NOW);
    });

    it('a job that waits for its base URL or key is a failed poll: it backs off', async () => {
      const a = await seed(job('a', { baseUrl: 'https://other.example/v1' }));
      poller.track(a, NOW);
      await clock.advance(0);
      await polled('a');
      assert.equal(store.get('a')?.waiting, 'otherBaseUrl');
      assert.equal(poller.nextPollAt('a'), FAILED);
      assert.deepEqual(fetches, []);
    });

    it('a job removed before its poll is dropped without asking Sail', async () => {
      const a = await seed(job('a'));
      poller.track(a, NOW);
      await store.remove('a');
      await clock.advance(0);
      await polled('a');
      assert.equal(poller.has('a'), false);
      assert.deepEqual(fetches, []);
    });

    it('a 404 while the key or the base URL changed is a failed poll that marks nothing', async () => {
      for (const change of [() => (apiKey = 'sk_test_two'), () => (baseUrl = 'https://moved.example/v1')]) {
        apiKey = 'sk_test_one';
        baseUrl = 'https://sail.example/v1';
        const a = await seed(job('a'));
        answers.push(async () => {
          change();
          throw notFound();
        });
        poller.track(a, NOW);
        await clock.advance(0);
        await polled('a');
        assert.equal(poller.nextPollAt('a'), FAILED);
        assert.deepEqual([store.get('a')?.missingSince, store.get('a')?.waiting, store.get('a')?.state], [undefined, undefined, 'queued']);
        assert.deepEqual(info, []);
        poller.untrack('a');
      }
    });

    it('a 404 under another key, and a young job’s first 404, are failed polls; a gone job is done', async () => {
      const other = await seed(job('other', { keyId: 'someone-else' }));
      answers.push(() => Promise.reject(notFound()));
      poller.track(other, NOW);
      await clock.advance(0);
      await polled('other');
      assert.equal(poller.nextPollAt('other'), FAILED);
      poller.untrack('other');

      const young = await seed(job('young'));
      answers.push(() => Promise.reject(notFound()));
      poller.track(young, NOW);
      await clock.advance(0);
      await polled('young');
      assert.equal(poller.nextPollAt('young'), FAILED);
      assert.equal(store.get('young')?.missingSince, NOW);
    });

    it('a 404 exactly goneAfterMs after the first one, or exactly 46 h after sending, means gone', async () => {
      const missing = await seed(job('missing', { missingSince: NOW - DEFAULT_POLL_POLICY.goneAfterMs }));
      const old = await seed(job('old', { submittedAt: NOW - 46 * HOUR }));
      always = () => Promise.reject(notFound());
      poller.track(missing, NOW);
      poller.track(old, NOW);
      await clock.advance(0);
      await polled('missing');
      await polled('old');
      assert.deepEqual([store.get('missing')?.state, store.get('old')?.state], ['expired', 'expired']);
      assert.deepEqual([poller.has('missing'), poller.has('old')], [false, false]);
    });

    it('a job stopped while its poll was out gets no trouble count and no 404 mark, and is dropped', async () => {
      for (const [id, failure] of [
        ['network', () => new SailError('network', 'The connection failed.')],
        ['missing', notFound],
      ] as const) {
        const a = await seed(job(id));
        answers.push(async () => {
          await ledger.update({ ...(store.get(id) as JobRecord), state: 'untracked', finishedAt: NOW }, 'queued');
          throw failure();
        });
        poller.track(a, NOW);
        await clock.advance(0);
        await polled(id);
        const after = store.get(id);
        assert.deepEqual([after?.state, after?.pollTrouble, after?.missingSince], ['untracked', undefined, undefined], id);
      }
      assert.equal(poller.has('missing'), false, 'a 404 for a stopped job ends its polling');
    });

    it('without a key reader, a poll keeps the key the job was sent with', async () => {
      const keyless = new JobPoller(ledger, { kinds: { response: kindForKeyless() }, baseUrl: () => baseUrl });
      try {
        const a = await seed(job('a', { keyId: keyId('sk_test_one') }));
        keyless.track(a, NOW);
        await clock.advance(0);
        await waitFor(() => keyless.nextPollAt('a') !== NOW, { timeoutMs: 3_000, what: 'the keyless poll' });
        assert.equal(store.get('a')?.keyId, keyId('sk_test_one'));
        assert.deepEqual(changes, [], 'the same answer: nothing written');
      } finally {
        keyless.dispose();
      }
    });

    it('a fetch-again that fails with something other than Sail’s error says "error"', async () => {
      await seed(job('done', { state: 'completed', finishedAt: NOW }));
      answers.push(() => Promise.reject(new Error('disk full')));
      assert.equal(await poller.fetchAgain('done'), undefined);
      assert.deepEqual(debug, ['Could not fetch the answer of job done again (error)']);
    });
  });
});
