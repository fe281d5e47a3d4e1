// The job core's façade, as commands and views use it (issue 14: survivors of a mutation run of
// src/jobs/jobTracker.ts): what a new job is written down as, what a reload picks up, what Send Again,
// Stop, Remove, Pin, Mark Seen, a settings change, focus and "refresh" do to a job and its polls.
//
// Against the simulator on 127.0.0.1, with the tracker on the virtual clock: a poll or re-send happens
// only when the test moves time, so "not polled" and "polled at once" are read off the schedule.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { JobTracker, type JobChange, type JobTrackerOptions } from '../../src/jobs/jobTracker';
import { SailClient } from '../../src/sail/client';
import { keyId } from '../../src/sail/keyId';
import type { CreateResponseRequest } from '../../src/sail/schemas';
import { startSimulator, type Simulator } from '../sim';
import { MemoryState } from '../support/memoryState';
import { VirtualClock } from '../support/virtualClock';
import { waitFor } from '../support/waitFor';

const OTHER_ACCOUNT = 'sk_sim_other_account';
/** How long something on the wire may take here before a test calls it late. */
const DEADLINE_MS = 5_000;

function request(text: string, extra: Partial<CreateResponseRequest> = {}): CreateResponseRequest {
  return { model: 'moonshotai/Kimi-K2.5', input: text, background: true, store: true, metadata: { completion_window: 'flex' }, ...extra };
}

describe('JobTracker: the façade, against the simulator', () => {
  let sim: Simulator;
  let dir: string;
  let state: MemoryState;
  let clock: VirtualClock;
  let ids: number;
  const open: { dispose(): void }[] = [];
  const clients: SailClient[] = [];

  interface Window {
    t: JobTracker;
    store: JobStore;
    clock: VirtualClock;
    changes: JobChange[];
    log: { info: string[]; warn: string[] };
  }

  function client(): SailClient {
    const c = new SailClient({
      baseUrl: sim.baseUrl,
      getApiKey: async () => sim.apiKey,
      retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttemptsPost: 1, maxAttemptsGet: 1 },
    });
    clients.push(c);
    return c;
  }

  /** A window: its own store over the shared list and files, on its own clock (the shared one by default). */
  async function window(options: Partial<JobTrackerOptions> = {}, own = clock): Promise<Window> {
    const log = { info: [] as string[], warn: [] as string[] };
    const store = new JobStore(state, new FileBlobStore(dir), { warn: (m) => log.warn.push(m) }, () => own.now());
    const api = client();
    const t = new JobTracker({
      store,
      api: () => api,
      clock: own,
      log: { info: (m) => log.info.push(m), warn: (m) => log.warn.push(m), debug: () => undefined },
      newId: () => `id-${++ids}`,
      ...options,
    });
    open.push(t);
    await t.ready();
    const changes: JobChange[] = [];
    t.onDidChange((change) => changes.push(change));
    return { t, store, clock: own, changes, log };
  }

  /** Waits (bounded) until the job is as `probe` wants it. */
  async function until(t: JobTracker, id: string, what: string, probe: (job: JobRecord | undefined) => boolean): Promise<JobRecord | undefined> {
    await waitFor(() => probe(t.get(id)), { timeoutMs: DEADLINE_MS, what: () => `${what} (the job is ${JSON.stringify(t.get(id))})` });
    return t.get(id);
  }

  /** Lets the polls and re-sends due by then go, and Sail answer them. */
  async function settle(w: Window, ms = 0): Promise<void> {
    await w.clock.advance(ms);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await w.clock.advance(0);
  }

  const gets = () => sim.counters.requests('GET', 'getResponse');
  const posts = () => sim.counters.requests('POST', 'createResponse');

  before(async () => {
    sim = await startSimulator({ timeScale: 5000, apiKeys: ['sk_sim_test', OTHER_ACCOUNT] });
  });

  beforeEach(() => {
    sim.reset();
    // Sail keeps every job running until a test lets it finish.
    sim.hold(true);
    dir = mkdtempSync(join(tmpdir(), 'sail-tracker-'));
    state = new MemoryState();
    clock = new VirtualClock(Date.now());
    ids = 0;
  });

  afterEach(() => {
    for (const o of open.splice(0)) {
      o.dispose();
    }
    sim.hold(false);
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim.close();
  });

  describe('submit', () => {
    it('writes the job down, request first, as the user asked for it, then sends it and hands back the job as it is now', async () => {
      const w = await window({ baseUrl: () => sim.baseUrl, apiKey: async () => sim.apiKey });
      let requestFileFirst: boolean | undefined;
      w.t.onDidChange((change) => (requestFileFirst ??= existsSync(join(dir, `${change.job.id}.request.json`))));
      const source = { uri: 'file:///a.ts', fileName: 'a.ts', languageId: 'typescript', version: 3 };
      const sent = await w.t.submit({ request: request('Explain: a'), title: 'Explain a', instruction: 'Explain', source });
      assert.equal(requestFileFirst, true, 'the request is on disk before the record says there is a job');
      const [first] = w.changes;
      assert.equal(first.previous, undefined);
      assert.deepEqual(
        { ...first.job, updatedAt: 'stamped by the store' },
        {
          id: 'id-1',
          idempotencyKey: 'id-2',
          state: 'submitting',
          title: 'Explain a',
          instruction: 'Explain',
          model: 'moonshotai/Kimi-K2.5',
          window: 'flex',
          background: true,
          source,
          createdAt: clock.now(),
          baseUrl: sim.baseUrl,
          storageId: w.store.storageId,
          seen: false,
          sendAttempts: 0,
          attempt: 1,
          updatedAt: 'stamped by the store',
        },
      );
      assert.ok(w.log.info.includes('Job id-1 created (moonshotai/Kimi-K2.5, window flex)'), w.log.info.join('\n'));
      assert.equal(sent.state, 'queued', 'the job as Sail accepted it, not as first written');
      assert.ok(sent.responseId?.startsWith('resp_'));
      assert.equal(sent.keyId, keyId(sim.apiKey));
      assert.deepEqual(await w.t.request('id-1'), request('Explain: a'));
      assert.equal(posts(), 1);
    });

    it('a request without a window or background flag is written down as such', async () => {
      const w = await window();
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 503 });
      const bare: CreateResponseRequest = { model: 'moonshotai/Kimi-K2.5', input: 'Explain: b', store: true };
      const job = await w.t.submit({ request: bare, title: 'B', instruction: 'B' });
      assert.equal(job.state, 'submitting', 'Sail did not take it: waiting to be sent again');
      assert.equal(job.background, false);
      assert.equal(job.window, undefined);
      assert.ok(w.log.info.includes('Job id-1 created (moonshotai/Kimi-K2.5, window auto)'), w.log.info.join('\n'));
    });
  });

  describe('resume (a reload)', () => {
    it('polls running jobs at once, re-sends unanswered ones, says so, and lets the views catch up', async () => {
      const first = await window();
      const running = await first.t.submit({ request: request('Explain: running'), title: 'R', instruction: 'R' });
      await clock.advance(1_000);
      sim.faults.inject({ route: 'createResponse', fault: 'reset_before_record' });
      const unanswered = await first.t.submit({ request: request('Explain: unanswered'), title: 'U', instruction: 'U' });
      assert.equal(unanswered.state, 'submitting');
      first.t.dispose();

      const next = await window();
      assert.equal(next.t.nextPollAt(running.id), undefined, 'not polled before resume');
      await next.t.resume();
      assert.ok(next.log.info.includes('Resuming 1 running job(s); re-sending 1 unanswered request(s)'), next.log.info.join('\n'));
      assert.equal(next.t.get(unanswered.id)?.state, 'queued', 're-sent and accepted');
      assert.equal(next.t.nextPollAt(running.id), clock.now(), 'the running job is asked about at once');
      const newest = next.changes[0];
      assert.equal(newest.job.id, unanswered.id, 'the newest job is announced first');
      assert.equal(newest.previous, 'submitting');
    });

    it('says so when there are only running jobs, or only unanswered ones', async () => {
      const first = await window();
      const running = await first.t.submit({ request: request('Explain: only running'), title: 'OR', instruction: 'OR' });
      first.t.dispose();
      const next = await window();
      await next.t.resume();
      assert.ok(next.log.info.includes('Resuming 1 running job(s); re-sending 0 unanswered request(s)'), next.log.info.join('\n'));
      assert.deepEqual(
        next.changes.map((c) => [c.job.id, c.previous]),
        [[running.id, 'queued']],
        'the views are told the list may have changed',
      );
      await next.t.stopTracking(running.id);
      sim.faults.inject({ route: 'createResponse', fault: 'reset_before_record' });
      await next.t.submit({ request: request('Explain: only unanswered'), title: 'OU', instruction: 'OU' });
      next.t.dispose();
      const last = await window();
      await last.t.resume();
      assert.ok(last.log.info.includes('Resuming 0 running job(s); re-sending 1 unanswered request(s)'), last.log.info.join('\n'));
    });

    it('with nothing to pick up, says nothing and announces nothing', async () => {
      const w = await window();
      await w.t.resume();
      assert.equal(w.log.info.length, 0);
      assert.deepEqual(w.changes, []);
    });

    it('a finished job is not polled again', async () => {
      const first = await window();
      const job = await first.t.submit({ request: request('Explain: done'), title: 'D', instruction: 'D' });
      sim.finishAll();
      await settle(first, 60 * 60_000);
      await until(first.t, job.id, 'the job to finish', (j) => j?.state === 'completed');
      first.t.dispose();
      const next = await window();
      await next.t.resume();
      assert.equal(next.t.nextPollAt(job.id), undefined);
      assert.equal(next.t.currentJobs()[0]?.id, job.id, 'still news: the user has not seen it');
    });
  });

  describe('Send Again', () => {
    it('is not needed for an unknown job, one Sail accepted, or one that finished', async () => {
      const w = await window();
      const accepted = await w.t.submit({ request: request('Explain: c'), title: 'C', instruction: 'C' });
      assert.equal(await w.t.retry('no-such-job'), 'not_needed');
      assert.equal(await w.t.retry(accepted.id), 'not_needed');
      await w.t.stopTracking(accepted.id);
      assert.equal(await w.t.retry(accepted.id), 'not_needed');
      const untracked = { ...(w.t.get(accepted.id) as JobRecord), responseId: undefined, id: 'stopped-unsent' };
      await w.store.save(untracked);
      assert.equal(await w.t.retry('stopped-unsent'), 'not_needed', 'stopped before Sail answered: nothing to send again');
      assert.equal(posts(), 1);
    });

    it('sends a refused job again as a new attempt, bound to the key and base URL set now', async () => {
      const key = { current: 'sk_not_a_key' };
      // What sail.baseUrl says; the client below always reaches the simulator.
      const setting = { baseUrl: 'https://old.example/v1' };
      const w = await window({ apiKey: async () => key.current, baseUrl: () => setting.baseUrl });
      const refused = await w.t.submit({ request: request('Explain: d'), title: 'D', instruction: 'D' });
      assert.equal(refused.state, 'failed');
      assert.equal(refused.baseUrl, 'https://old.example/v1');
      key.current = sim.apiKey;
      setting.baseUrl = sim.baseUrl;
      assert.equal(await w.t.retry(refused.id), 'sent');
      const again = w.t.get(refused.id);
      assert.equal(again?.state, 'queued');
      assert.equal(again?.attempt, 2);
      assert.equal(again?.sendAttempts, 0);
      assert.equal(again?.error, undefined);
      assert.equal(again?.keyId, keyId(sim.apiKey));
      assert.equal(again?.baseUrl, sim.baseUrl);
      assert.equal(again?.idempotencyKey, refused.idempotencyKey, 'its own idempotency key');
    });

    it('sends a job refused more than a day ago: the user asked, so it is not too old', async () => {
      const w = await window();
      const refused = await w.t.submit({ request: request('Explain: dc', { temperature: 7 }), title: 'DC', instruction: 'DC' });
      await clock.advance(25 * 60 * 60_000);
      assert.equal(await w.t.retry(refused.id), 'sent');
      assert.equal(w.t.get(refused.id)?.error?.kind, 'invalid_request', 'sent and refused again, not failed as stale');
      assert.equal(posts(), 2);
    });

    it('sends an unanswered job again at once, instead of waiting for its re-send', async () => {
      const w = await window();
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 503 });
      const job = await w.t.submit({ request: request('Explain: da'), title: 'DA', instruction: 'DA' });
      assert.equal(job.state, 'submitting');
      assert.equal(await w.t.retry(job.id), 'sent');
      assert.equal(w.t.get(job.id)?.state, 'queued');
      assert.equal(w.t.get(job.id)?.attempt, 2);
    });

    it('a job from this host whose request file is gone is tried, and says it was lost', async () => {
      const w = await window();
      const refused = await w.t.submit({ request: request('Explain: db', { temperature: 7 }), title: 'DB', instruction: 'DB' });
      rmSync(join(dir, `${refused.id}.request.json`));
      assert.equal(await w.t.retry(refused.id), 'sent');
      assert.deepEqual(w.t.get(refused.id)?.error, { kind: 'lost' });
      assert.equal(await w.t.sendAsNew(refused.id, (r) => r), undefined, 'nothing to send as a new job either');
      assert.equal(await w.t.sendAsNew('no-such-job', (r) => r), undefined);
      assert.equal(posts(), 1);
    });

    it('a job written down on another host whose request is here after all is sent', async () => {
      const w = await window();
      const refused = await w.t.submit({ request: request('Explain: e', { temperature: 7 }), title: 'E', instruction: 'E' });
      assert.equal(refused.state, 'failed');
      await w.store.save({ ...(w.t.get(refused.id) as JobRecord), storageId: 'another-host' });
      assert.equal(await w.t.retry(refused.id), 'sent');
      assert.equal(posts(), 2);
    });
  });

  describe('Stop, Remove, Mark Seen, Pin', () => {
    it('Stop ends polling and marks the job stopped now; a finished or unknown job has nothing to stop', async () => {
      const w = await window();
      const job = await w.t.submit({ request: request('Explain: f'), title: 'F', instruction: 'F' });
      assert.notEqual(w.t.nextPollAt(job.id), undefined);
      await clock.advance(1_000);
      assert.equal(await w.t.stopTracking(job.id), true);
      assert.equal(w.t.get(job.id)?.state, 'untracked');
      assert.equal(w.t.get(job.id)?.finishedAt, clock.now());
      assert.equal(w.t.nextPollAt(job.id), undefined);
      assert.equal(await w.t.stopTracking(job.id), false, 'already stopped');
      assert.equal(await w.t.stopTracking('no-such-job'), false);
      const before = gets();
      await settle(w, 24 * 60 * 60_000);
      assert.equal(gets(), before, 'never asked about again');
    });

    it('Stop on a job waiting to be re-sent cancels the re-send', async () => {
      const w = await window({ resendBaseMs: 1_000 });
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 503 });
      const job = await w.t.submit({ request: request('Explain: g'), title: 'G', instruction: 'G' });
      assert.equal(job.state, 'submitting');
      assert.equal(await w.t.stopTracking(job.id), true);
      await settle(w, 60 * 60_000);
      assert.equal(posts(), 1, 'not sent again');
      assert.equal(w.t.get(job.id)?.state, 'untracked');
    });

    it('Remove deletes the job, stops its polls and re-sends, and tells the views', async () => {
      const w = await window({ resendBaseMs: 1_000 });
      const running = await w.t.submit({ request: request('Explain: h'), title: 'H', instruction: 'H' });
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 503 });
      const unsent = await w.t.submit({ request: request('Explain: i'), title: 'I', instruction: 'I' });
      w.changes.length = 0;
      await w.t.remove(running.id);
      await w.t.remove(unsent.id);
      await w.t.remove('no-such-job');
      assert.deepEqual(
        w.changes.map((c) => [c.job.id, c.previous, c.removed]),
        [
          [running.id, 'queued', true],
          [unsent.id, 'submitting', true],
        ],
      );
      assert.deepEqual(w.t.jobs(), []);
      assert.equal(w.t.nextPollAt(running.id), undefined);
      const [g, p] = [gets(), posts()];
      await settle(w, 60 * 60_000);
      assert.deepEqual([gets(), posts()], [g, p], 'neither polled nor re-sent');
      assert.equal(await w.t.request(unsent.id), undefined, 'its files went with it');
    });

    it('Mark Seen marks a finished job once, and leaves a running one alone', async () => {
      const w = await window();
      const job = await w.t.submit({ request: request('Explain: j'), title: 'J', instruction: 'J' });
      await w.t.markSeen(job.id);
      assert.equal(w.t.get(job.id)?.seen, false, 'running: nothing to see yet');
      sim.finishAll();
      await settle(w, 60 * 60_000);
      await until(w.t, job.id, 'the job to finish', (j) => j?.state === 'completed');
      await w.t.markSeen(job.id);
      assert.equal((await w.t.find(job.id))?.seen, true);
      assert.deepEqual(w.t.currentJobs(), [], 'seen: no longer news');
      const count = w.changes.length;
      await w.t.markSeen(job.id);
      await w.t.markSeen('no-such-job');
      assert.equal(w.changes.length, count, 'seen already: no change');
    });

    it('Pin and Unpin; pinning a pinned job changes nothing', async () => {
      const w = await window();
      const job = await w.t.submit({ request: request('Explain: k'), title: 'K', instruction: 'K' });
      await w.t.setPinned(job.id, true);
      assert.equal(w.t.get(job.id)?.pinned, true);
      const count = w.changes.length;
      await w.t.setPinned(job.id, true);
      assert.equal(w.changes.length, count);
      await w.t.setPinned(job.id, false);
      assert.equal(w.t.get(job.id)?.pinned, undefined, 'unpinned is no mark at all');
      const unpinned = w.changes.length;
      await w.t.setPinned(job.id, false);
      await w.t.setPinned('no-such-job', true);
      assert.equal(w.changes.length, unpinned);
    });
  });

  describe('when to ask Sail again', () => {
    async function troubled(w: Window, id: string): Promise<void> {
      await w.store.save({ ...(w.t.get(id) as JobRecord), pollTrouble: { kind: 'network', count: 3, since: clock.now() } });
    }

    it('refresh asks about the job at once', async () => {
      const w = await window();
      const job = await w.t.submit({ request: request('Explain: l'), title: 'L', instruction: 'L' });
      assert.ok((w.t.nextPollAt(job.id) ?? 0) > clock.now());
      w.t.refresh(job.id);
      assert.equal(w.t.nextPollAt(job.id), clock.now());
    });

    it('a settings change: troubled and waiting jobs go on at once, the others keep their schedule', async () => {
      const key = { current: sim.apiKey };
      const w = await window({ apiKey: async () => key.current });
      const plain = await w.t.submit({ request: request('Explain: m'), title: 'M', instruction: 'M' });
      const trouble = await w.t.submit({ request: request('Explain: n'), title: 'N', instruction: 'N' });
      const waiting = await w.t.submit({ request: request('Explain: o'), title: 'O', instruction: 'O' });
      await troubled(w, trouble.id);
      await w.store.save({ ...(w.t.get(waiting.id) as JobRecord), waiting: 'otherKey' });
      key.current = '';
      const unsent = await w.t.submit({ request: request('Explain: p'), title: 'P', instruction: 'P' });
      assert.equal(w.t.get(unsent.id)?.waiting, 'noKey');
      key.current = sim.apiKey;
      const planned = w.t.nextPollAt(plain.id);
      await w.t.reconsider();
      assert.equal(w.t.nextPollAt(trouble.id), clock.now(), 'a troubled job is asked about at once');
      assert.equal(w.t.nextPollAt(waiting.id), clock.now(), 'a waiting job is asked about at once');
      assert.equal(w.t.nextPollAt(plain.id), planned, 'the others keep their schedule');
      await until(w.t, unsent.id, 'the waiting request to be sent', (j) => j?.state === 'queued');
      assert.equal(posts(), 4);
    });

    it('out of focus, polls slow down; back in focus, they come back in', async () => {
      const w = await window();
      const job = await w.t.submit({ request: request('Explain: ra'), title: 'RA', instruction: 'RA' });
      w.t.setFocused(false);
      w.t.refresh(job.id);
      await settle(w);
      await waitFor(() => gets() === 1 && (w.t.nextPollAt(job.id) ?? 0) > clock.now(), { timeoutMs: DEADLINE_MS, what: 'a poll while unfocused' });
      const unfocused = (w.t.nextPollAt(job.id) ?? 0) - clock.now();
      w.t.setFocused(true);
      const focused = (w.t.nextPollAt(job.id) ?? 0) - clock.now();
      assert.ok(focused < unfocused, `next poll in ${unfocused} ms unfocused, ${focused} ms once focused`);
    });

    it('back in focus, troubled jobs are asked about at once; out of focus, not', async () => {
      const w = await window();
      const plain = await w.t.submit({ request: request('Explain: r'), title: 'R', instruction: 'R' });
      const trouble = await w.t.submit({ request: request('Explain: s'), title: 'S', instruction: 'S' });
      await troubled(w, trouble.id);
      const planned = w.t.nextPollAt(trouble.id);
      w.t.setFocused(false);
      assert.equal(w.t.nextPollAt(trouble.id), planned, 'leaving does not hurry anything');
      w.t.setFocused(true);
      assert.equal(w.t.nextPollAt(trouble.id), clock.now());
      assert.notEqual(w.t.nextPollAt(plain.id), clock.now());
    });
  });

  describe('a window closing', () => {
    it('asks and sends nothing more, and records no answer that arrives after', async () => {
      const w = await window({ resendBaseMs: 1_000 });
      const running = await w.t.submit({ request: request('Explain: z1'), title: 'Z1', instruction: 'Z1' });
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 503 });
      const unsent = await w.t.submit({ request: request('Explain: z2'), title: 'Z2', instruction: 'Z2' });
      sim.faults.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 100 });
      const late = w.t.submit({ request: request('Explain: z3'), title: 'Z3', instruction: 'Z3' });
      await waitFor(() => posts() === 3, { timeoutMs: DEADLINE_MS, what: 'the third POST' });
      w.t.dispose();
      const [g, p] = [gets(), posts()];
      const answered = await late;
      assert.equal(answered.state, 'submitting', 'the answer came too late to be recorded');
      await settle(w, 60 * 60_000);
      assert.deepEqual([gets(), posts()], [g, p], 'neither polled nor re-sent');
      assert.equal(existsSync(join(dir, `${answered.id}.lease.json`)), false, 'its send lease is freed for the next window');
      const next = await window();
      assert.equal(next.t.get(answered.id)?.responseId, undefined, 'the next window asks Sail again');
      assert.equal(next.t.get(running.id)?.state, 'queued');
      assert.equal(next.t.get(unsent.id)?.state, 'submitting');
    });
  });

  describe('answers and lists', () => {
    it('the answer is read from the files, fetched from Sail when it is not here, and missing when neither has it', async () => {
      const w = await window();
      const job = await w.t.submit({ request: request('Explain: t'), title: 'T', instruction: 'T' });
      sim.finishAll();
      await settle(w, 60 * 60_000);
      await until(w.t, job.id, 'the job to finish', (j) => j?.state === 'completed');
      const kept = await w.t.response(job.id);
      assert.equal(kept?.id, job.responseId);
      rmSync(join(dir, `${job.id}.response.json`));
      const before = gets();
      const fetched = await w.t.response(job.id);
      assert.equal(fetched?.id, job.responseId, 'fetched again from Sail');
      assert.equal(gets(), before + 1);
      assert.equal(await w.t.response('no-such-job'), undefined);
      assert.deepEqual(w.log.warn, [], 'a missing answer is not a damaged one');
    });

    it('a damaged answer is not shown, and the log says so', async () => {
      const w = await window();
      const job = await w.t.submit({ request: request('Explain: u'), title: 'U', instruction: 'U' });
      writeFileSync(join(dir, `${job.id}.response.json`), JSON.stringify({ id: 42 }));
      assert.equal(await w.t.response(job.id), undefined);
      assert.ok(w.log.warn.includes(`Stored result of job ${job.id} is damaged; not showing it.`), w.log.warn.join('\n'));
    });

    it('the history is read on demand: a new window lists settled jobs only once it has read it', async () => {
      const first = await window();
      const job = await first.t.submit({ request: request('Explain: v'), title: 'V', instruction: 'V' });
      sim.finishAll();
      await settle(first, 60 * 60_000);
      await until(first.t, job.id, 'the job to finish', (j) => j?.state === 'completed');
      await first.t.markSeen(job.id);
      first.t.dispose();
      const next = await window();
      assert.deepEqual(next.t.jobs(), []);
      await next.t.loadHistory();
      assert.deepEqual(
        next.t.jobs().map((j) => j.id),
        [job.id],
      );
      assert.deepEqual(next.t.currentJobs(), []);
    });

    it('retention: says how many jobs it removed, and nothing when none', async () => {
      const w = await window();
      assert.equal(await w.t.prune({ maxAgeMs: 1, maxJobs: 1 }), 0);
      assert.equal(w.log.info.length, 0);
      await w.store.save({
        id: 'old',
        idempotencyKey: 'old-key',
        state: 'completed',
        responseId: 'resp_old',
        title: 'old',
        instruction: 'x',
        model: 'm',
        background: true,
        createdAt: 1,
        finishedAt: 2,
        seen: true,
        updatedAt: 0,
        attempt: 1,
        sendAttempts: 0,
      });
      assert.equal(await w.t.prune({ maxAgeMs: 1, maxJobs: 10 }), 1);
      assert.ok(w.log.info.includes("Removed 1 job(s) past the history's retention"), w.log.info.join('\n'));
    });

    it('counts its polls', async () => {
      const w = await window();
      const job = await w.t.submit({ request: request('Explain: w'), title: 'W', instruction: 'W' });
      assert.equal(w.t.pollStats.polls, 0);
      w.t.refresh(job.id);
      await settle(w);
      await waitFor(() => w.t.pollStats.polls === 1, { timeoutMs: DEADLINE_MS, what: 'one poll' });
    });
  });

  describe('a job this window sent', () => {
    it('is never said to be sent by another window, even when a key change sends it once more after its POST', async () => {
      let key: Promise<string | undefined> = Promise.resolve(undefined);
      const w = await window({ apiKey: () => key });
      const job = await w.t.submit({ request: request('Explain: k'), title: 'K', instruction: 'K' });
      assert.equal(w.t.get(job.id)?.waiting, 'noKey');
      // The key is set, and changed again before the first send has read it (Set API Key, then a
      // settings change): the job goes once that send is done.
      let give!: (value: string) => void;
      key = new Promise((resolve) => (give = resolve));
      await w.t.reconsider();
      await w.t.reconsider();
      give(sim.apiKey);
      await until(w.t, job.id, 'the job to be accepted', (j) => j?.state === 'queued');
      // The second send ends as soon as it finds the job accepted; the first gives its lease back before.
      const lease = join(dir, `${job.id}.lease.json`);
      await waitFor(() => !existsSync(lease), { timeoutMs: DEADLINE_MS, what: 'the send lease to be given back' });
      await settle(w);
      assert.equal(posts(), 1);
      assert.deepEqual(
        w.log.info.filter((m) => m.includes('another window')),
        [],
        'this window sent it: the output channel must not say another one did',
      );
      assert.deepEqual(
        w.changes.filter((c) => c.job.id === job.id && c.previous === c.job.state && c.job.state === 'queued'),
        [],
        'no second "queued" for the views',
      );
    });
  });

  describe('a job another window sent', () => {
    it('is announced here, followed here, and not sent a second time', async () => {
      const first = await window({ resendBaseMs: 1_000 });
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 503 });
      const job = await first.t.submit({ request: request('Explain: x'), title: 'X', instruction: 'X' });
      assert.equal(job.state, 'submitting');
      // Another window (its own clock) sends it first.
      const second = await window({}, new VirtualClock(clock.now()));
      await second.t.resume();
      assert.equal(second.t.get(job.id)?.state, 'queued');
      // This window's re-send comes due: it finds the job accepted and follows it instead.
      const before = gets();
      first.changes.length = 0;
      await first.clock.advance(1_000);
      await until(first.t, job.id, 'the job to be followed here', (j) => j?.state === 'queued');
      await waitFor(() => first.t.nextPollAt(job.id) !== undefined, { timeoutMs: DEADLINE_MS, what: 'the job to be polled here' });
      assert.ok(first.log.info.includes(`Job ${job.id} was sent by another window (queued)`), first.log.info.join('\n'));
      const change = first.changes.find((c) => c.job.id === job.id);
      assert.equal(change?.previous, 'submitting');
      assert.equal(change?.before?.state, 'submitting');
      // Asked about at once: the poll goes without time moving on.
      await first.clock.advance(0);
      await waitFor(() => gets() === before + 1, { timeoutMs: DEADLINE_MS, what: () => `a poll of the job (${gets() - before} so far)` });
      assert.equal(posts(), 2, 'the first, refused, and the other window’s');
    });

    it('one the other window saw finish is announced, not polled', async () => {
      const first = await window({ resendBaseMs: 1_000 });
      sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 503 });
      const job = await first.t.submit({ request: request('Explain: y'), title: 'Y', instruction: 'Y' });
      const theirs = new VirtualClock(clock.now());
      const second = await window({}, theirs);
      await second.t.resume();
      sim.finishAll();
      await settle({ ...second, clock: theirs }, 60 * 60_000);
      await until(second.t, job.id, 'the job to finish there', (j) => j?.state === 'completed');
      first.changes.length = 0;
      const before = gets();
      await first.clock.advance(1_000);
      const said = `Job ${job.id} was sent by another window (completed)`;
      await waitFor(() => first.log.info.includes(said), { timeoutMs: DEADLINE_MS, what: () => `the answer to be seen here: ${first.log.info.join('; ')}` });
      assert.equal(first.t.get(job.id)?.state, 'completed');
      assert.equal(first.changes.find((c) => c.job.id === job.id)?.previous, 'submitting', 'the views are told');
      assert.equal(first.t.nextPollAt(job.id), undefined, 'not polled: it is over');
      await settle(first, 60 * 60_000);
      assert.equal(gets(), before);
    });
  });
});

describe('JobTracker: a new job and the system clock', () => {
  it('a job submitted after the system clock was set back a day is sent, not failed as too old', async () => {
    const sim = await startSimulator({ timeScale: 5000 });
    const dir = mkdtempSync(join(tmpdir(), 'sail-tracker-clock-'));
    const c = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, retry: { maxAttemptsPost: 1 } });
    let wallJump = 0;
    let steady = 1_000;
    const virtual = new VirtualClock(Date.now());
    const clock = {
      now: () => virtual.now() + wallJump,
      monotonic: () => steady,
      setTimer: virtual.setTimer.bind(virtual),
      clearTimer: virtual.clearTimer.bind(virtual),
    };
    const store = new JobStore(new MemoryState(), new FileBlobStore(dir), { warn: () => undefined }, () => clock.now());
    const t = new JobTracker({ store, api: () => c, clock, log: { info: () => undefined, warn: () => undefined, debug: () => undefined } });
    try {
      await t.ready();
      wallJump = -25 * 60 * 60_000;
      steady += 1_000;
      const job = await t.submit({ request: request('Explain: clock'), title: 'C', instruction: 'C' });
      assert.equal(job.state, 'queued');
      assert.equal(job.error, undefined);
    } finally {
      t.dispose();
      await c.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
