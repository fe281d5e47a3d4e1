// Sending a job (issue 14: survivors of a mutation run of src/jobs/sender.ts). What a user would
// notice if the sender got it wrong: a job sent twice or never, a re-send that never comes or comes
// before Sail's Retry-After, a refusal retried for ever, a job marked failed (or sent) that was not,
// two windows POSTing the same job, a job sent with a key or to an address it was not bound to.
//
// A JobSender over a real ledger and store (files in a temporary folder, as in a window), on the
// virtual clock, with a scripted job kind whose POSTs the test answers; the last part sends through
// the real client to the simulator on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { Clock } from '../../src/jobs/clock';
import type { JobRecord, JobState } from '../../src/jobs/job';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { responseKind, type Accepted, type JobKind, type RemoteStatus } from '../../src/jobs/kinds';
import { JobLedger } from '../../src/jobs/ledger';
import { JobSender, type SenderOptions } from '../../src/jobs/sender';
import { leaseName, SEND_LEASE_MS, SendLeases } from '../../src/jobs/sendLease';
import { SailClient } from '../../src/sail/client';
import { SailError } from '../../src/sail/errors';
import { keyId } from '../../src/sail/keyId';
import { startSimulator, type Simulator } from '../sim';
import { MemoryState } from '../support/memoryState';
import { VirtualClock } from '../support/virtualClock';
import { waitFor } from '../support/waitFor';

const NOW = 1_800_000_000_000;
const DAY = 24 * 60 * 60_000;
const REQUEST = { model: 'moonshotai/Kimi-K2.5', input: 'Explain: const x = 1;', background: true, store: true, metadata: { completion_window: 'standard' } };
const QUEUED: RemoteStatus = { state: 'queued', serverStatus: 'queued' };
/** How long a test waits for something the sender does in the background (file writes): clearly late. */
const DEADLINE_MS = 5_000;

/** A clock with a steady time beside the wall time, both moved by the test. */
class SteadyClock extends VirtualClock {
  steady = 1_000;
  wallJump = 0;
  override now(): number {
    return super.now() + this.wallJump;
  }
  monotonic(): number {
    return this.steady;
  }
}

/** Files in a folder, with a hook before a file is created and faults on deletes. */
class HookedBlobs extends FileBlobStore {
  beforeCreate: ((name: string) => Promise<void> | void) | undefined;
  failDelete: ((name: string) => boolean) | undefined;
  override async create(name: string, text: string): Promise<boolean> {
    await this.beforeCreate?.(name);
    return super.create(name, text);
  }
  override async delete(name: string): Promise<void> {
    if (this.failDelete?.(name)) {
      throw new Error('EIO: the disk went away');
    }
    return super.delete(name);
  }
}

function job(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    idempotencyKey: `key-${id}`,
    state: 'submitting',
    title: id,
    instruction: 'Explain',
    model: 'moonshotai/Kimi-K2.5',
    background: true,
    createdAt: NOW,
    seen: false,
    sendAttempts: 0,
    attempt: 1,
    updatedAt: 0,
    ...extra,
  };
}

interface Post {
  id: string;
  idempotencyKey: string;
  apiKey?: string;
  request: unknown;
  /** The job as stored when the POST went out. */
  stored: JobRecord | undefined;
  answer(result: Accepted | Error): void;
}

describe('sender: what happens to a job that is sent', () => {
  let dir: string;
  let state: MemoryState;
  let blobs: HookedBlobs;
  let store: JobStore;
  let ledger: JobLedger;
  let clock: VirtualClock;
  let posts: Post[];
  /** Answers each POST at once when set; otherwise the POST waits for the test to answer it. */
  let answer: ((post: Post) => Accepted | Error) | undefined;
  let accepted: { job: JobRecord; status: RemoteStatus }[];
  let adopted: { job: JobRecord; before: JobRecord | undefined }[];
  let log: { info: string[]; warn: string[]; debug: string[] };
  let apiKey: (() => Promise<string | undefined>) | undefined;
  let baseUrl: (() => string | undefined) | undefined;
  const senders: JobSender[] = [];
  const ledgers: JobLedger[] = [];

  const kind: JobKind = {
    name: 'response',
    send: (request, options) =>
      new Promise<Accepted>((resolve, reject) => {
        const id = [...store.current()].find((j) => j.idempotencyKey === options.idempotencyKey)?.id ?? '?';
        const post: Post = {
          id,
          idempotencyKey: options.idempotencyKey,
          apiKey: options.apiKey,
          request,
          stored: store.get(id),
          answer: (result) => (result instanceof Error ? reject(result) : resolve(result)),
        };
        posts.push(post);
        const now = answer?.(post);
        if (now) {
          post.answer(now);
        }
      }),
    fetch: () => Promise.reject(new Error('not polled in these tests')),
  };

  const ok = (remoteId = 'resp_1'): Accepted => ({ remoteId, serverCreatedAt: 1_700_000_000, status: QUEUED });

  function sender(options: Partial<SenderOptions> = {}, on: { ledger?: JobLedger } = {}): JobSender {
    const l = on.ledger ?? ledger;
    const s = new JobSender(
      l,
      { kinds: { response: kind }, random: () => 0, apiKey, baseUrl, ...options },
      async (j, status) => {
        accepted.push({ job: j, status });
        await l.update({ ...j, state: status.state, serverStatus: status.serverStatus }, 'submitting');
      },
      (j, before) => adopted.push({ job: j, before }),
    );
    senders.push(s);
    return s;
  }

  /** Another window: the same job list and files, its own store, ledger and leases. */
  async function otherWindow(): Promise<{ store: JobStore; ledger: JobLedger }> {
    const s = new JobStore(state, new FileBlobStore(dir), { warn: () => undefined }, () => clock.now());
    await s.ready;
    const l = new JobLedger(s, clock, { info: () => undefined, warn: () => undefined, debug: () => undefined });
    ledgers.push(l);
    return { store: s, ledger: l };
  }

  /** Writes a job down as submit does: its request first, then the record. */
  async function seed(record: JobRecord, withRequest = true): Promise<JobRecord> {
    if (withRequest) {
      await store.writePayload(record.id, 'request', REQUEST);
    }
    const stored = { storageId: store.storageId, ...record };
    await ledger.update({ ...stored, state: 'submitting' }, undefined);
    if (record.state !== 'submitting') {
      await ledger.update(stored, 'submitting');
    }
    return store.get(record.id) as JobRecord;
  }

  /** Lets due re-send timers fire, then waits (bounded) for the sends they started to end. */
  async function advance(s: JobSender, ms: number, ...ids: string[]): Promise<void> {
    await clock.advance(ms);
    await waitFor(() => ids.every((id) => !s.isSending(id)), { timeoutMs: DEADLINE_MS, what: `the sends of ${ids.join(', ')} to end` });
  }

  const stateOf = (id: string): JobState | undefined => store.get(id)?.state;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sail-sender-'));
    state = new MemoryState();
    clock = new VirtualClock(NOW);
    blobs = new HookedBlobs(dir);
    store = new JobStore(state, blobs, { warn: () => undefined }, () => clock.now());
    await store.ready;
    log = { info: [], warn: [], debug: [] };
    ledger = new JobLedger(store, clock, { info: (m) => log.info.push(m), warn: (m) => log.warn.push(m), debug: (m) => log.debug.push(m) });
    ledgers.push(ledger);
    posts = [];
    answer = () => ok();
    accepted = [];
    adopted = [];
    apiKey = undefined;
    baseUrl = undefined;
  });

  afterEach(async () => {
    for (const s of senders.splice(0)) {
      s.dispose();
    }
    for (const l of ledgers.splice(0)) {
      l.dispose();
    }
    for (const p of posts) {
      p.answer(new SailError('aborted', 'test over'));
    }
    await clock.advance(0);
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  });

  describe('an answered POST', () => {
    it('hands the job on with Sail’s id, when it was accepted, and a clean slate; the POST carried its key and body', async () => {
      apiKey = async () => '  sk_test_one  ';
      const s = sender();
      await seed(job('a', { sendAttempts: 3, error: { kind: 'network' } }));
      await clock.advance(1_234);
      await s.send('a');
      assert.equal(posts.length, 1);
      assert.deepEqual(
        { key: posts[0].idempotencyKey, apiKey: posts[0].apiKey, request: posts[0].request },
        { key: 'key-a', apiKey: 'sk_test_one', request: REQUEST },
      );
      assert.equal(accepted.length, 1);
      const [{ job: handed, status }] = accepted;
      assert.equal(handed.responseId, 'resp_1');
      assert.equal(handed.submittedAt, NOW + 1_234);
      assert.equal(handed.serverCreatedAt, 1_700_000_000);
      assert.equal(handed.sendAttempts, 0, 'the failed attempts before are forgotten');
      assert.equal(handed.error, undefined, 'the last failure is no longer shown');
      assert.deepEqual(status, QUEUED);
      assert.equal(stateOf('a'), 'queued');
      assert.ok(
        log.info.some((m) => m === 'Job a accepted by Sail as resp_1 (queued)'),
        log.info.join('\n'),
      );
    });

    it('gives its send lease back, so another window is not held up', async () => {
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      assert.ok(!existsSync(join(dir, leaseName('a'))));
      answer = () => new SailError('server', 'down', { status: 503 });
      await seed(job('b'));
      await s.send('b');
      assert.ok(!existsSync(join(dir, leaseName('b'))), 'after a failed POST too');
    });

    it('a lease that cannot be given back is a warning, not a failed send', async () => {
      const s = sender();
      await seed(job('a'));
      blobs.failDelete = (name) => name === leaseName('a');
      await s.send('a');
      assert.equal(stateOf('a'), 'queued');
      assert.ok(
        log.warn.some((m) => m === 'Job a: could not release its send lease (EIO: the disk went away)'),
        log.warn.join('\n'),
      );
    });
  });

  describe('a refused POST', () => {
    for (const [kindName, status] of [
      ['auth', 401],
      ['forbidden', 403],
      ['invalid_request', 400],
      ['not_found', 404],
    ] as const) {
      it(`${kindName} (${status}) fails the job at once, says why, and is never re-sent`, async () => {
        answer = () => new SailError(kindName, 'no', { status, serverMessage: 'Sail says no' });
        const s = sender();
        await seed(job('a'));
        await s.send('a');
        assert.equal(stateOf('a'), 'failed');
        assert.deepEqual(store.get('a')?.error, { kind: kindName, status, detail: 'Sail says no' });
        assert.equal(clock.pendingTimers, 0, 'no re-send scheduled');
        assert.ok(log.warn.includes(`Job a was refused by Sail (${kindName} ${status})`), log.warn.join('\n'));
      });
    }

    it('a refusal without a status says so without one', async () => {
      answer = () => new SailError('auth', 'no key');
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      assert.equal(stateOf('a'), 'failed');
      assert.ok(log.warn.includes('Job a was refused by Sail (auth)'), log.warn.join('\n'));
    });

    it('a 409 is no refusal (another window’s POST may be on the wire): the job is re-sent', async () => {
      answer = () => new SailError('invalid_request', 'conflict', { status: 409 });
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      assert.equal(stateOf('a'), 'submitting');
      assert.equal(store.get('a')?.sendAttempts, 1);
      answer = () => ok();
      await advance(s, 2_500, 'a');
      assert.equal(posts.length, 2);
      assert.equal(stateOf('a'), 'queued');
    });
  });

  describe('an unanswered POST is re-sent with the same key', () => {
    it('after the first back-off (5 s), jittered between half and all of it', async () => {
      answer = () => new SailError('network', 'reset');
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      assert.equal(stateOf('a'), 'submitting');
      assert.equal(store.get('a')?.sendAttempts, 1);
      assert.deepEqual(store.get('a')?.error, { kind: 'network' });
      assert.ok(log.warn.includes('Job a: sending failed (network); trying again in 3 s'), log.warn.join('\n'));
      await advance(s, 2_499, 'a');
      assert.equal(posts.length, 1, 'not before half the back-off');
      answer = () => ok();
      await advance(s, 1, 'a');
      assert.equal(posts.length, 2);
      assert.equal(posts[1].idempotencyKey, 'key-a', 'the same key: Sail replays instead of running it twice');
      assert.equal(stateOf('a'), 'queued');
    });

    it('the back-off doubles with each failure, up to five minutes', async () => {
      answer = () => new SailError('server', 'down', { status: 503 });
      const waits: number[] = [];
      const setTimer = clock.setTimer.bind(clock);
      clock.setTimer = (callback, ms) => (waits.push(ms), setTimer(callback, ms));
      const s = sender({ random: () => 0.5 });
      await seed(job('a'));
      await s.send('a');
      for (let i = 0; i < 8; i++) {
        await advance(s, waits.at(-1) ?? 0, 'a');
      }
      assert.equal(posts.length, 9, 'each re-send went at its time');
      // Three quarters (the jitter at 0.5) of 5 s, 10 s, 20 s, … capped at 5 min.
      assert.deepEqual(waits, [3_750, 7_500, 15_000, 30_000, 60_000, 120_000, 225_000, 225_000, 225_000]);
      assert.equal(store.get('a')?.sendAttempts, 9);
    });

    it('jobs that failed together come back apart (the jitter is applied)', async () => {
      answer = () => new SailError('server', 'down', { status: 503 });
      let r = 0.5;
      const s = sender({ random: () => r, resendBaseMs: 10_000 });
      await seed(job('a'));
      await s.send('a');
      r = 0;
      await seed(job('b'));
      await s.send('b');
      answer = () => ok();
      await advance(s, 5_000, 'a', 'b');
      assert.deepEqual(
        posts.slice(2).map((p) => p.id),
        ['b'],
        'b after half its back-off',
      );
      await advance(s, 2_500, 'a', 'b');
      assert.deepEqual(
        posts.slice(2).map((p) => p.id),
        ['b', 'a'],
        'a after three quarters',
      );
    });

    it('not before the Retry-After Sail asked for, when it is longer than the back-off', async () => {
      answer = () => new SailError('rate_limited', 'slow down', { status: 429, retryAfterMs: 60_000 });
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      assert.deepEqual(store.get('a')?.error, { kind: 'rate_limited', status: 429 });
      assert.ok(log.warn.includes('Job a: sending failed (rate_limited); trying again in 60 s'), log.warn.join('\n'));
      await advance(s, 59_999, 'a');
      assert.equal(posts.length, 1);
      answer = () => ok();
      await advance(s, 1, 'a');
      assert.equal(posts.length, 2);
    });

    it('a Retry-After shorter than the back-off does not make it sooner', async () => {
      answer = () => new SailError('rate_limited', 'slow down', { status: 429, retryAfterMs: 1_000 });
      const s = sender({ random: () => 0.999_999 });
      await seed(job('a'));
      await s.send('a');
      await advance(s, 4_999, 'a');
      assert.equal(posts.length, 1);
    });

    it('a Retry-After of hours waits at most 30 minutes', async () => {
      answer = () => new SailError('rate_limited', 'slow down', { status: 429, retryAfterMs: 5 * 60 * 60_000 });
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      await advance(s, 30 * 60_000 - 1, 'a');
      assert.equal(posts.length, 1);
      answer = () => ok();
      await advance(s, 1, 'a');
      assert.equal(posts.length, 2);
    });

    it('a failure that is not Sail’s (a bug, a garbled answer) is re-sent too, and recorded as an error', async () => {
      answer = () => new Error('something odd');
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      assert.equal(stateOf('a'), 'submitting');
      assert.deepEqual(store.get('a')?.error, { kind: 'error' });
      assert.ok(log.warn.includes('Job a: sending failed (error); trying again in 3 s'), log.warn.join('\n'));
      assert.equal(clock.pendingTimers, 1);
    });

    it('a re-send cancelled (the job stopped) never goes out', async () => {
      answer = () => new SailError('network', 'reset');
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      s.cancelResend('a');
      s.cancelResend('never-scheduled');
      await advance(s, 60 * 60_000, 'a');
      assert.equal(posts.length, 1);
    });

    it('a closing window cancels its re-sends', async () => {
      answer = () => new SailError('network', 'reset');
      const s = sender();
      await seed(job('a'));
      await seed(job('b'));
      await s.send('a');
      await s.send('b');
      assert.equal(clock.pendingTimers, 2);
      s.dispose();
      assert.equal(clock.pendingTimers, 0);
    });
  });

  describe('the user’s choice wins over the POST’s answer', () => {
    it('a job stopped or removed while its POST was out stays so, and is not re-sent', async () => {
      answer = undefined;
      const s = sender();
      await seed(job('a'));
      await seed(job('b'));
      const sendingA = s.send('a');
      const sendingB = s.send('b');
      await waitFor(() => posts.length === 2, { timeoutMs: DEADLINE_MS, what: 'both POSTs' });
      await ledger.update({ ...(store.get('a') as JobRecord), state: 'untracked', finishedAt: NOW }, 'submitting');
      await store.remove('b');
      posts[0].answer(new SailError('network', 'reset'));
      posts[1].answer(new SailError('auth', 'no', { status: 401 }));
      await Promise.all([sendingA, sendingB]);
      assert.equal(stateOf('a'), 'untracked');
      assert.equal(store.get('b'), undefined);
      assert.equal(clock.pendingTimers, 0);
    });

    it('a cancelled POST (the window closing, the user stopping it) records nothing', async () => {
      answer = () => new SailError('aborted', 'cancelled');
      const s = sender();
      const before = await seed(job('a'));
      await s.send('a');
      assert.deepEqual(store.get('a'), before);
      assert.equal(clock.pendingTimers, 0);
    });

    it('an answer reaching a closed window records nothing and schedules nothing', async () => {
      answer = undefined;
      const s = sender();
      const before = await seed(job('a'));
      const sending = s.send('a');
      await waitFor(() => posts.length === 1, { timeoutMs: DEADLINE_MS, what: 'the POST' });
      ledger.dispose();
      posts[0].answer(new SailError('network', 'reset'));
      await sending;
      assert.deepEqual(store.get('a'), before);
      assert.equal(clock.pendingTimers, 0);
    });

    it('a closed window sends nothing', async () => {
      const s = sender();
      await seed(job('a'));
      ledger.dispose();
      await s.send('a');
      assert.equal(posts.length, 0);
    });

    it('a job no longer being sent (stopped, accepted) is not POSTed', async () => {
      const s = sender();
      await seed(job('a', { state: 'untracked', finishedAt: NOW }));
      await s.send('a');
      await s.send('missing');
      assert.equal(posts.length, 0);
      assert.deepEqual(log.warn, [], 'nothing went wrong');
    });
  });

  describe('one attempt at a time', () => {
    it('a second send while one is on the wire does nothing; a background one goes after it, once', async () => {
      answer = undefined;
      const s = sender();
      await seed(job('a'));
      const first = s.send('a');
      assert.equal(s.isSending('a'), true);
      await s.send('a');
      s.sendInBackground('a');
      s.sendInBackground('a');
      await waitFor(() => posts.length === 1, { timeoutMs: DEADLINE_MS, what: 'the POST' });
      posts[0].answer(new SailError('network', 'reset'));
      await first;
      // The background send went at once after the first attempt ended (the key may have changed).
      await waitFor(() => posts.length === 2, { timeoutMs: DEADLINE_MS, what: 'the second POST' });
      posts[1].answer(ok());
      await waitFor(() => !s.isSending('a'), { timeoutMs: DEADLINE_MS, what: 'the second send to end' });
      assert.equal(s.isSending('a'), false);
      assert.equal(stateOf('a'), 'queued');
      assert.equal(posts.length, 2);
      assert.equal(clock.pendingTimers, 0, 'the re-send the first failure scheduled was dropped');
    });

    it('a job removed while its send broke is left alone, without a second warning', async () => {
      apiKey = async () => {
        await store.remove('a');
        throw new Error('SecretStorage is not available');
      };
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      assert.deepEqual(log.warn, ['Job a: sending was interrupted (SecretStorage is not available)']);
      assert.equal(clock.pendingTimers, 0);
    });

    it('a send that breaks before the POST (the key store throws) is tried again later, once', async () => {
      let calls = 0;
      apiKey = async () => {
        calls += 1;
        if (calls === 1) {
          throw new Error('SecretStorage is not available');
        }
        return 'sk_test_one';
      };
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      assert.equal(posts.length, 0);
      assert.equal(stateOf('a'), 'submitting');
      assert.equal(store.get('a')?.sendAttempts, 1);
      assert.ok(log.warn.includes('Job a: sending was interrupted (SecretStorage is not available)'), log.warn.join('\n'));
      await advance(s, 2_500, 'a');
      assert.equal(posts.length, 1);
      assert.equal(stateOf('a'), 'queued');
    });

    it('when even the failure cannot be written down, that is a warning, and the re-send is still scheduled', async () => {
      answer = () => new SailError('network', 'reset');
      const s = sender();
      await seed(job('a'));
      const save = store.save.bind(store);
      store.save = async () => {
        throw new Error('ENOSPC: disk full');
      };
      try {
        await s.send('a');
      } finally {
        store.save = save;
      }
      assert.ok(log.warn.includes('Job a: sending was interrupted (ENOSPC: disk full)'), log.warn.join('\n'));
      assert.ok(log.warn.includes('Job a: could not record the failure (ENOSPC: disk full)'), log.warn.join('\n'));
      assert.equal(clock.pendingTimers, 1, 'a re-send is scheduled');
      answer = () => ok();
      await advance(s, 5_000, 'a');
      assert.equal(stateOf('a'), 'queued');
    });

    it('on start, unanswered jobs are re-sent four at a time, all of them', async () => {
      answer = undefined;
      const s = sender();
      const ids = ['j0', 'j1', 'j2', 'j3', 'j4', 'j5', 'j6'];
      for (const id of ids) {
        await seed(job(id));
      }
      const all = s.sendAll(ids);
      await waitFor(() => posts.length === 4, { timeoutMs: DEADLINE_MS, what: 'four POSTs' });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(posts.length, 4, 'no fifth before one ends');
      for (let i = 0; i < ids.length; i++) {
        await waitFor(() => posts.length > i, { timeoutMs: DEADLINE_MS, what: `POST ${i + 1}` });
        posts[i].answer(ok(`resp_${i}`));
      }
      await all;
      assert.deepEqual(
        ids.map((id) => stateOf(id)),
        ids.map(() => 'queued'),
      );
      await s.sendAll([]);
    });

    it('a window closing during the start stops re-sending the rest', async () => {
      answer = undefined;
      const s = sender();
      const ids = ['j0', 'j1', 'j2', 'j3', 'j4', 'j5'];
      for (const id of ids) {
        await seed(job(id));
      }
      const all = s.sendAll(ids);
      await waitFor(() => posts.length === 4, { timeoutMs: DEADLINE_MS, what: 'four POSTs' });
      ledger.dispose();
      for (const p of posts) {
        p.answer(ok());
      }
      await all;
      assert.equal(posts.length, 4);
    });
  });

  describe('what is sent, and where', () => {
    it('a request unanswered for over a day is not re-sent on its own (Sail may have forgotten its key): it fails as stale', async () => {
      const s = sender();
      await seed(job('old', { createdAt: NOW - DAY - 1 }));
      await seed(job('day', { createdAt: NOW - DAY }));
      await s.send('old');
      await s.send('day');
      assert.deepEqual(
        posts.map((p) => p.id),
        ['day'],
        'exactly a day old still goes',
      );
      assert.equal(stateOf('old'), 'failed');
      assert.deepEqual(store.get('old')?.error, { kind: 'stale' });
    });

    it('Send Again sends an old request all the same: the user decided', async () => {
      const s = sender();
      await seed(job('old', { createdAt: NOW - 3 * DAY }));
      await s.send('old', true);
      assert.equal(posts.length, 1);
      assert.equal(stateOf('old'), 'queued');
    });

    it('the day is measured on the steady clock: setting the system clock ahead fails nothing, time really passing does', async () => {
      const steady = new SteadyClock(NOW);
      clock = steady;
      ledger = new JobLedger(store, steady, { info: () => undefined, warn: () => undefined, debug: () => undefined });
      ledgers.push(ledger);
      const s = sender();
      await seed(job('young', { createdAt: NOW - DAY + 1_500 }));
      await seed(job('older', { createdAt: NOW - DAY + 500 }));
      // The system clock jumps a day ahead; one second passes.
      steady.wallJump = DAY;
      steady.steady += 1_000;
      await s.send('young');
      await s.send('older');
      assert.equal(stateOf('young'), 'queued', 'a day minus half a second old: sent');
      assert.equal(stateOf('older'), 'failed', 'a day and half a second old: stale');
    });

    it('a job whose request file is missing fails as lost, unless it was written down on another host', async () => {
      const s = sender();
      await seed(job('lost'), false);
      await seed(job('remote', { storageId: 'another-host' }), false);
      await seed(job('remoteOld', { storageId: 'another-host', createdAt: NOW - 2 * DAY }), false);
      await seed(job('mine', { storageId: 'another-host' }));
      for (const id of ['lost', 'remote', 'remoteOld', 'mine']) {
        await s.send(id);
      }
      assert.deepEqual(store.get('lost')?.error, { kind: 'lost' });
      assert.equal(stateOf('lost'), 'failed');
      assert.equal(stateOf('remote'), 'submitting', 'left to the host that has its request');
      assert.equal(store.get('remote')?.error, undefined);
      assert.ok(log.debug.includes('Job remote was written down by another host; leaving it to that host'), log.debug.join('\n'));
      assert.deepEqual(store.get('remoteOld')?.error, { kind: 'stale' }, 'too old to be sent anywhere');
      assert.deepEqual(
        posts.map((p) => p.id),
        ['mine'],
        'a request file here is sent, whoever wrote the record',
      );
    });

    it('a job waits, unsent, for its base URL or key; the lease is not taken', async () => {
      baseUrl = () => 'https://sail.example/v1';
      apiKey = async () => 'sk_test_two';
      const s = sender();
      await seed(job('a', { keyId: keyId('sk_test_one') }));
      await s.send('a');
      assert.equal(posts.length, 0);
      assert.equal(store.get('a')?.waiting, 'otherKey');
      assert.ok(!existsSync(join(dir, leaseName('a'))));
    });

    it('binds the job to the base URL and key before the POST, and clears its waiting mark', async () => {
      baseUrl = () => 'https://sail.example/v1';
      apiKey = async () => 'sk_test_one';
      const s = sender();
      await seed(job('a', { waiting: 'noKey' }));
      await seed(job('b', { baseUrl: 'https://sail.example/v1' }));
      await s.send('a');
      await s.send('b');
      for (const post of posts) {
        assert.equal(post.stored?.baseUrl, 'https://sail.example/v1', `${post.id}: bound before the POST`);
        assert.equal(post.stored?.keyId, keyId('sk_test_one'), `${post.id}: its key recorded before the POST`);
        assert.equal(post.stored?.waiting, undefined, `${post.id}: no longer waiting`);
      }
      assert.equal(posts.length, 2);
    });

    it('without key tracking, the job is still bound to the base URL before the POST', async () => {
      baseUrl = () => 'https://sail.example/v1';
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      assert.equal(posts[0].stored?.baseUrl, 'https://sail.example/v1');
    });

    it('a bound job that was waiting says so no longer once it goes: a failed POST shows its own error', async () => {
      baseUrl = () => 'https://sail.example/v1';
      apiKey = async () => 'sk_test_one';
      answer = () => new SailError('server', 'down', { status: 503 });
      const s = sender();
      await seed(job('a', { baseUrl: 'https://sail.example/v1', keyId: keyId('sk_test_one'), waiting: 'noKey' }));
      await s.send('a');
      assert.equal(posts[0].stored?.waiting, undefined);
      assert.equal(store.get('a')?.waiting, undefined);
      assert.deepEqual(store.get('a')?.error, { kind: 'server', status: 503 });
    });

    it('a job already bound and not waiting is sent as it is, without a write before the POST', async () => {
      baseUrl = () => 'https://sail.example/v1';
      apiKey = async () => 'sk_test_one';
      const s = sender();
      const seeded = await seed(job('a', { baseUrl: 'https://sail.example/v1', keyId: keyId('sk_test_one') }));
      await s.send('a');
      assert.equal(posts[0].stored?.updatedAt, seeded.updatedAt);
    });
  });

  describe('two windows, one job', () => {
    it('a job another window is sending is left to it and looked at again after 15 s', async () => {
      const other = new SendLeases(new FileBlobStore(dir), 'the-other-window', () => clock.now());
      assert.equal(await other.acquire('a'), true);
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      assert.equal(posts.length, 0, 'not POSTed twice');
      assert.equal(stateOf('a'), 'submitting');
      assert.ok(log.debug.includes('Job a is being sent by another window; looking again shortly'), log.debug.join('\n'));
      await advance(s, 14_999, 'a');
      assert.equal(posts.length, 0);
      // The other window had it accepted meanwhile: this one follows it instead of sending.
      const { ledger: theirs } = await otherWindow();
      await theirs.update({ ...(store.get('a') as JobRecord), state: 'queued', responseId: 'resp_theirs' }, 'submitting');
      await other.release('a');
      await advance(s, 1, 'a');
      assert.equal(posts.length, 0);
      assert.equal(adopted.length, 1);
      assert.equal(adopted[0].job.responseId, 'resp_theirs');
      assert.equal(adopted[0].before?.state, 'submitting');
    });

    it('a lease about to lapse is looked at again a second after it does, then taken over', async () => {
      const other = new SendLeases(new FileBlobStore(dir), 'the-other-window', () => clock.now());
      assert.equal(await other.acquire('a'), true);
      await clock.advance(SEND_LEASE_MS - 5_000);
      const s = sender();
      await seed(job('a'));
      await s.send('a');
      await advance(s, 5_999, 'a');
      assert.equal(posts.length, 0);
      await advance(s, 1, 'a');
      assert.equal(posts.length, 1, 'the other window went away mid-send: this one sends it');
    });

    it('a shorter recheck is used as given; a longer one never past the lease', async () => {
      const other = new SendLeases(new FileBlobStore(dir), 'the-other-window', () => clock.now());
      await other.acquire('a');
      const quick = sender({ leaseRecheckMs: 100 });
      await seed(job('a'));
      await quick.send('a');
      await advance(quick, 100, 'a');
      assert.equal(log.debug.filter((m) => m.includes('being sent by another window')).length, 2, 'looked again at 100 ms');
      quick.dispose();
      const slow = sender({ leaseRecheckMs: 60 * 60_000 });
      await slow.send('a');
      const at = clock.now();
      await advance(slow, SEND_LEASE_MS + 1_000 - 100 - 1, 'a');
      assert.equal(posts.length, 0);
      await advance(slow, 1, 'a');
      assert.equal(posts.length, 1, `sent ${clock.now() - at} ms later`);
    });

    it('a job the other window got accepted while this one took the lease is not POSTed again', async () => {
      const s = sender();
      await seed(job('a'));
      const { ledger: theirs } = await otherWindow();
      blobs.beforeCreate = async (name) => {
        if (name === leaseName('a')) {
          blobs.beforeCreate = undefined;
          await theirs.update({ ...(store.get('a') as JobRecord), state: 'queued', responseId: 'resp_theirs' }, 'submitting');
        }
      };
      await s.send('a');
      assert.equal(posts.length, 0);
      assert.ok(!existsSync(join(dir, leaseName('a'))), 'the lease given back');
      assert.equal(adopted.at(-1)?.job.responseId, 'resp_theirs');
    });

    it('a job the user sent again elsewhere while this one took the lease is left to that attempt', async () => {
      const s = sender();
      await seed(job('a'));
      const { ledger: theirs } = await otherWindow();
      blobs.beforeCreate = async (name) => {
        if (name === leaseName('a')) {
          blobs.beforeCreate = undefined;
          await theirs.update({ ...(store.get('a') as JobRecord), attempt: 2 }, 'submitting');
        }
      };
      await s.send('a');
      assert.equal(posts.length, 0);
    });

    it('another window’s progress is followed only when it moved the job on', async () => {
      const s = sender();
      await seed(job('a'));
      await seed(job('b'));
      const { ledger: theirs, store: theirStore } = await otherWindow();
      theirStore.refresh();
      // b: failed there for good (no response id, but the state changed): followed.
      await theirs.update({ ...(theirStore.get('b') as JobRecord), state: 'failed', error: { kind: 'auth' } }, 'submitting');
      await s.send('b');
      assert.deepEqual(
        adopted.map((a) => [a.job.id, a.job.state, a.before?.state]),
        [['b', 'failed', 'submitting']],
      );
      // a: still being sent there: nothing to follow, and this window sends it.
      await s.send('a');
      assert.equal(adopted.length, 1);
      assert.equal(posts.length, 1);
      // b again: failed already known here, no response id: not handed on a second time.
      await s.send('b');
      assert.equal(adopted.length, 1);
    });

    it('a job the user sent again in another window is not handed on as sent there: it is not sent yet', async () => {
      const s = sender();
      await seed(job('a', { state: 'failed', error: { kind: 'network' } }));
      const { ledger: theirs, store: theirStore } = await otherWindow();
      theirStore.refresh();
      // Send Again there: a new attempt, not answered yet (their POST is on the wire, under their lease).
      const other = new SendLeases(new FileBlobStore(dir), 'the-other-window', () => clock.now());
      assert.equal(await other.acquire('a'), true);
      await theirs.update({ ...(theirStore.get('a') as JobRecord), state: 'submitting', error: undefined, attempt: 2 }, 'failed');
      // This window still has the failed copy when a stale send of it runs.
      assert.equal(stateOf('a'), 'failed');
      await s.send('a');
      assert.deepEqual(adopted, [], 'nothing to follow: no response id, and "submitting" is no news');
      assert.equal(posts.length, 0, 'left to the window sending it');
      assert.equal(stateOf('a'), 'submitting');
    });

    it('a lease given back just as this window reads whose it is: looked at again after the recheck, not at once', async () => {
      const other = new SendLeases(new FileBlobStore(dir), 'the-other-window', () => clock.now());
      assert.equal(await other.acquire('a'), true);
      const s = sender();
      await seed(job('a'));
      // The other window's POST ends (unanswered: the job is still to send) between this window's
      // failed acquire and its look at the lease's end.
      const { leases } = store;
      const whenHeld = leases.heldElsewhereUntil.bind(leases);
      leases.heldElsewhereUntil = async (id) => {
        await other.release(id);
        return whenHeld(id);
      };
      await s.send('a');
      assert.equal(posts.length, 0);
      assert.ok(log.debug.includes('Job a is being sent by another window; looking again shortly'), log.debug.join('\n'));
      await advance(s, 14_999, 'a');
      assert.equal(posts.length, 0, 'not at once: by the recheck the other window has usually had it accepted');
      await advance(s, 1, 'a');
      assert.equal(posts.length, 1, 'sent here once the recheck finds it still unsent and free');
    });
  });
});

describe('sender against the simulator', () => {
  let sim: Simulator;
  let dir: string;
  const clients: SailClient[] = [];
  const open: { dispose(): void }[] = [];

  before(async () => {
    sim = await startSimulator({ timeScale: 5000 });
  });
  beforeEach(() => {
    sim.reset();
    dir = mkdtempSync(join(tmpdir(), 'sail-sender-sim-'));
  });
  afterEach(() => {
    for (const o of open.splice(0)) {
      o.dispose();
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim.close();
  });

  async function window(state: MemoryState, clock: Clock) {
    const store = new JobStore(state, new FileBlobStore(dir), { warn: () => undefined }, () => clock.now());
    await store.ready;
    const ledger = new JobLedger(store, clock, { info: () => undefined, warn: () => undefined, debug: () => undefined });
    const client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttemptsPost: 1 } });
    clients.push(client);
    const sender = new JobSender(ledger, { kinds: { response: responseKind(() => client) }, random: () => 0 }, (j, status) =>
      ledger.update({ ...j, state: status.state, serverStatus: status.serverStatus }, 'submitting'),
    );
    open.push(sender, ledger);
    return { store, ledger, sender };
  }

  it('Sail’s Retry-After on a 429 holds the re-send back that long; then it runs once', async () => {
    const clock = new VirtualClock(Date.now());
    const state = new MemoryState();
    const { store, ledger, sender } = await window(state, clock);
    await store.writePayload('r429', 'request', REQUEST);
    await ledger.update(job('r429', { createdAt: clock.now(), storageId: store.storageId }), undefined);
    sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 429, retryAfterSeconds: 20 });
    await sender.send('r429');
    assert.equal(store.get('r429')?.error?.kind, 'rate_limited');
    await clock.advance(19_999);
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1, 'not before Retry-After');
    await clock.advance(1);
    await waitFor(() => store.get('r429')?.responseId !== undefined, {
      timeoutMs: DEADLINE_MS,
      what: () => `the re-send to be accepted: ${JSON.stringify(store.get('r429'))}`,
    });
    assert.equal(sim.counters.requests('POST', 'createResponse'), 2);
    assert.equal(sim.counters.inferences('key-r429'), 1);
  });

  it('a POST cut off after Sail recorded it is re-sent with the same key and runs once', async () => {
    const clock = new VirtualClock(Date.now());
    const { store, ledger, sender } = await window(new MemoryState(), clock);
    await store.writePayload('cut', 'request', REQUEST);
    await ledger.update(job('cut', { createdAt: clock.now(), storageId: store.storageId }), undefined);
    sim.faults.inject({ route: 'createResponse', fault: 'reset_after_record' });
    await sender.send('cut');
    assert.equal(store.get('cut')?.state, 'submitting');
    await clock.advance(2_500);
    await waitFor(() => store.get('cut')?.responseId !== undefined, {
      timeoutMs: DEADLINE_MS,
      what: () => `the re-send to be accepted: ${JSON.stringify(store.get('cut'))}`,
    });
    assert.equal(sim.counters.requests('POST', 'createResponse'), 2);
    assert.equal(sim.counters.inferences('key-cut'), 1, 'replayed, not run twice');
  });

  it('two windows resuming the same job POST it once', async () => {
    const clock = new VirtualClock(Date.now());
    const state = new MemoryState();
    const first = await window(state, clock);
    await first.store.writePayload('two', 'request', REQUEST);
    await first.ledger.update(job('two', { createdAt: clock.now(), storageId: first.store.storageId }), undefined);
    const second = await window(state, clock);
    sim.faults.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 200 });
    await Promise.all([first.sender.sendAll(['two']), second.sender.sendAll(['two'])]);
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1);
    first.store.refresh();
    assert.ok(first.store.get('two')?.responseId);
  });
});

// A request file that is not JSON reads as missing: the job is lost, not sent with garbage.
describe('sender: a damaged request file', () => {
  it('fails the job as lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sail-sender-bad-'));
    try {
      const clock = new VirtualClock(NOW);
      const store = new JobStore(new MemoryState(), new FileBlobStore(dir), { warn: () => undefined }, () => clock.now());
      await store.ready;
      const ledger = new JobLedger(store, clock, { info: () => undefined, warn: () => undefined, debug: () => undefined });
      writeFileSync(join(dir, 'a.request.json'), '{ not json');
      await ledger.update(job('a', { storageId: store.storageId }), undefined);
      let posted = 0;
      const kind: JobKind = { name: 'response', send: () => (posted++, Promise.reject(new Error('no'))), fetch: () => Promise.reject(new Error('no')) };
      const s = new JobSender(ledger, { kinds: { response: kind } }, () => Promise.resolve());
      await s.send('a');
      assert.equal(posted, 0);
      assert.deepEqual(store.get('a')?.error, { kind: 'lost' });
      s.dispose();
      ledger.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
