import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { systemClock, type Clock } from '../../src/jobs/clock';
import { FileBlobStore, JOB_INDEX_KEY, JobStore } from '../../src/jobs/jobStore';
import { refusedTheWindow } from '../../src/jobs/job';
import { JobTracker } from '../../src/jobs/jobTracker';
import { DEFAULT_POLL_POLICY, type PollPolicy } from '../../src/jobs/pollPolicy';
import { jobErrorText } from '../../src/render/jobErrors';
import { SailClient } from '../../src/sail/client';
import { keyId } from '../../src/sail/keyId';
import type { CreateResponseRequest } from '../../src/sail/schemas';
import { startSimulator, type Simulator } from '../sim';
import { isTerminal, pollResponse } from '../sim/testing';
import { VirtualClock } from '../support/virtualClock';
import { waitFor, within } from '../support/waitFor';
import { MemoryState } from '../support/memoryState';

const TIME_SCALE = 5000;
/**
 * How long a job may take here before a test calls it late: a standard job runs ≈ 60 ms at this
 * scale (a priority one 12 ms), polled every few ms; a second and more is clearly late, even on a
 * busy machine.
 */
const JOB_DEADLINE_MS = 5_000;

/** The simulator runs 5000× faster than real time; so does this schedule. */
const FAST_POLICY: PollPolicy = {
  ...DEFAULT_POLL_POLICY,
  typicalMs: { asap: 4, priority: 12, standard: 60, flex: 1440, default: 60 },
  minMs: 2,
  errorBackoffMs: 4,
  goneAfterMs: 120,
};

/** A second account the simulator accepts: it sees none of the first one's responses. */
const OTHER_ACCOUNT = 'sk_sim_other_account';
/** The first account's new key, after the user rotated the old one. */
const ROTATED_KEY = 'sk_sim_rotated';

const quietLog = { info() {}, warn() {}, debug() {} };

function request(text: string, window: 'standard' | 'flex' | 'priority' = 'standard', extra: Partial<CreateResponseRequest> = {}): CreateResponseRequest {
  return { model: 'moonshotai/Kimi-K2.5', input: text, background: true, store: true, metadata: { completion_window: window }, ...extra };
}

describe('JobTracker against the simulator', () => {
  let sim: Simulator;
  let dir: string;
  let state: MemoryState;
  const open: { dispose(): void }[] = [];
  const clients: SailClient[] = [];

  function client(retry: Partial<{ maxAttemptsPost: number; maxAttemptsGet: number }> = {}): SailClient {
    const c = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, retry: { baseDelayMs: 1, maxDelayMs: 5, ...retry } });
    clients.push(c);
    return c;
  }

  function tracker(api = client(), key?: () => string, clock: Clock = systemClock): { tracker: JobTracker; store: JobStore; warnings: string[] } {
    const warnings: string[] = [];
    const store = new JobStore(state, new FileBlobStore(dir), { warn: (m) => warnings.push(m) });
    const log = { ...quietLog, warn: (m: string) => warnings.push(m) };
    const t = new JobTracker({
      store,
      api: () => api,
      clock,
      log,
      policy: FAST_POLICY,
      apiKey: key && (async () => key()),
    });
    open.push(t);
    return { tracker: t, store, warnings };
  }

  /** Resolves once the job is finished (and written down); fails, naming its state, once it is clearly late. */
  function finished(t: JobTracker, id: string): Promise<void> {
    return until(t, id, (job) => job !== undefined && !['submitting', 'queued', 'in_progress'].includes(job.state));
  }

  /**
   * Resolves once `probe` holds for the job, checked at each change the tracker announces (so after
   * it was written down); fails, showing the job, once that is clearly late.
   */
  async function until(t: JobTracker, id: string, probe: (job: ReturnType<JobTracker['get']>) => boolean): Promise<void> {
    let sub: { dispose(): void } | undefined;
    const reached = new Promise<void>((resolve) => {
      const check = () => {
        if (probe(t.get(id))) {
          resolve();
        }
      };
      sub = t.onDidChange(check);
      check();
    });
    try {
      await within(reached, { timeoutMs: JOB_DEADLINE_MS, what: () => `job ${id} to change (it is ${JSON.stringify(t.get(id)) ?? 'not in the list'})` });
    } finally {
      sub?.dispose();
    }
  }

  before(async () => {
    sim = await startSimulator({ timeScale: TIME_SCALE, apiKeys: ['sk_sim_test', OTHER_ACCOUNT, ROTATED_KEY], sharedAccounts: [['sk_sim_test', ROTATED_KEY]] });
  });

  beforeEach(() => {
    sim.reset();
    dir = mkdtempSync(join(tmpdir(), 'sail-jobs-'));
    state = new MemoryState();
  });

  after(async () => {
    for (const o of open) {
      o.dispose();
    }
    await Promise.all(clients.map((c) => c.close()));
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a job to completion and keeps the answer and its usage locally', async () => {
    const { tracker: t } = tracker();
    const job = await t.submit({ request: request('Explain this: const x = 1;'), title: 'Explain', instruction: 'Explain' });
    assert.ok(job.responseId?.startsWith('resp_'));
    await finished(t, job.id);
    const done = t.get(job.id);
    assert.equal(done?.state, 'completed');
    assert.ok((done?.usage?.total ?? 0) > 0);
    assert.equal(done?.usage?.total, (done?.usage?.input ?? 0) + (done?.usage?.output ?? 0));
    // A new store over the same storage (the next window) has the answer without asking Sail.
    const reopened = new JobStore(state, new FileBlobStore(dir), { warn() {} });
    const stored = (await reopened.readPayload(job.id, 'response')) as { output: unknown[] };
    assert.ok(Array.isArray(stored.output) && stored.output.length > 0);
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });

  it('a reload while the job runs: the next tracker re-attaches by polling and nothing runs twice', async () => {
    // Sail keeps the job running until the test ends it: on a busy machine a priority job (≈ 60 ms
    // here) could otherwise be in progress, or done, by the time the window reloads.
    sim.hold(true);
    const first = tracker();
    const job = await first.tracker.submit({ request: request('Review: let a = b;', 'priority'), title: 'Review', instruction: 'Review' });
    assert.equal(job.state, 'queued');
    first.tracker.dispose();
    const second = tracker();
    await second.tracker.resume();
    assert.equal(second.tracker.get(job.id)?.state, 'queued');
    sim.finishAll();
    await finished(second.tracker, job.id);
    assert.equal(second.tracker.get(job.id)?.state, 'completed');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1);
  });

  it('a POST cut off after Sail recorded it is re-sent with the same key after a reload, and runs once', async () => {
    sim.faults.inject({ route: 'createResponse', fault: 'reset_after_record' });
    const first = tracker(client({ maxAttemptsPost: 1 }));
    const job = await first.tracker.submit({ request: request('Document: function f() {}'), title: 'Document', instruction: 'Document' });
    assert.equal(job.state, 'submitting', 'no answer: the job waits to be re-sent');
    assert.equal(job.responseId, undefined);
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1, 'Sail did run it');
    first.tracker.dispose();

    const second = tracker();
    await second.tracker.resume();
    await finished(second.tracker, job.id);
    assert.equal(second.tracker.get(job.id)?.state, 'completed');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1, 'the re-send was replayed, not run again');
    assert.equal(sim.counters.requests('POST', 'createResponse'), 2);
  });

  it('a reload while the POST is still out: the job was written down first, so the next window re-sends it and it runs once', async () => {
    // Sail records the job, then holds its answer back: the window closes with the POST on the wire.
    sim.faults.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 200 });
    const first = tracker(client({ maxAttemptsPost: 1 }));
    const submitting = first.tracker.submit({ request: request('Explain: held'), title: 'Held', instruction: 'Held' });
    await waitFor(() => sim.counters.totalInferences() === 1, { timeoutMs: JOB_DEADLINE_MS, what: 'Sail to record the POST' });
    first.tracker.dispose();

    const second = tracker();
    await second.tracker.resume();
    const [job, ...others] = second.tracker.jobs();
    assert.ok(job, 'the job is in the list although its POST had not answered');
    assert.deepEqual(others, []);
    await finished(second.tracker, job.id);
    assert.equal(second.tracker.get(job.id)?.state, 'completed');
    assert.equal(sim.counters.requests('POST', 'createResponse'), 2, 'the held POST and the re-send');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1, 'the re-send was replayed, not run again');
    assert.equal(sim.counters.totalInferences(), 1);
    // The held answer reaches a closed window: it changes nothing.
    await within(submitting, { timeoutMs: JOB_DEADLINE_MS, what: 'the held POST to answer' });
    assert.equal(second.tracker.get(job.id)?.state, 'completed');
  });

  it('a POST that failed is sent again on its own, not before Retry-After, without a reload', async () => {
    const clock = new VirtualClock(Date.now());
    sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 429, retryAfterSeconds: 30 });
    const { tracker: t } = tracker(client({ maxAttemptsPost: 1 }), undefined, clock);
    const job = await t.submit({ request: request('Explain: later'), title: 'Later', instruction: 'Later' });
    assert.equal(job.state, 'submitting', 'a refused-for-now POST waits to be sent again');
    assert.equal(job.error?.kind, 'rate_limited');
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1);

    // Sail asked for 30 s, more than the tracker's own first back-off (5 s): nothing goes before then.
    await clock.advance(29_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1, 'not sent again before Retry-After');

    await clock.advance(1_000);
    await waitFor(() => t.get(job.id)?.responseId !== undefined, {
      timeoutMs: JOB_DEADLINE_MS,
      what: () => `the job to be sent again and accepted (it is ${JSON.stringify(t.get(job.id))})`,
    });
    assert.equal(sim.counters.requests('POST', 'createResponse'), 2);
    assert.equal(t.get(job.id)?.error, undefined);
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });

  it('failed polls never fail a job', async () => {
    sim.faults.inject({ route: 'getResponse', fault: 'http_error', status: 503, times: 6 });
    const { tracker: t } = tracker(client({ maxAttemptsGet: 1 }));
    const job = await t.submit({ request: request('Explain: x'), title: 'Explain', instruction: 'Explain' });
    await finished(t, job.id);
    assert.equal(t.get(job.id)?.state, 'completed');
    assert.ok(t.pollStats.failedPolls >= 6);
  });

  it("a job Sail fails ends failed, with Sail's message", async () => {
    sim.faults.inject({ fault: 'fail_job', message: 'model overloaded' });
    const { tracker: t } = tracker();
    const job = await t.submit({ request: request('Explain: y'), title: 'Explain', instruction: 'Explain' });
    await finished(t, job.id);
    const failed = t.get(job.id);
    assert.equal(failed?.state, 'failed');
    assert.match(jobErrorText(failed?.error, failed?.baseUrl), /model overloaded/);
  });

  it('a request Sail refuses fails at once, is not re-sent, and runs nothing', async () => {
    const { tracker: t } = tracker();
    const job = await t.submit({ request: request('x', 'standard', { temperature: 7 }), title: 'Bad', instruction: 'Bad' });
    assert.equal(job.state, 'failed');
    assert.equal(job.error?.kind, 'invalid_request');
    assert.equal(sim.counters.totalInferences(), 0);
  });

  it('a window the model does not run in is refused, and the job says so, so that Re-run is offered', async () => {
    const { tracker: t } = tracker();
    // Kimi-K2.6 runs in asap, balanced and flex: not priority.
    const job = await t.submit({ request: request('x', 'priority', { model: 'moonshotai/Kimi-K2.6' }), title: 'Wrong window', instruction: 'x' });
    assert.equal(job.state, 'failed');
    assert.equal(refusedTheWindow(job), true);
    assert.match(job.error?.detail ?? '', /flex/, 'Sail’s message names the windows it does support');
    const other = await t.submit({ request: request('x', 'standard', { temperature: 7 }), title: 'Bad', instruction: 'x' });
    assert.equal(refusedTheWindow(other), false, 'another refusal is not about the window');
  });

  it('a job Sail no longer has (404) ends expired', async () => {
    const shortLived = await startSimulator({ timeScale: TIME_SCALE, retentionMs: 1 });
    try {
      const c = new SailClient({ baseUrl: shortLived.baseUrl, getApiKey: async () => shortLived.apiKey });
      clients.push(c);
      const { tracker: t } = tracker(c);
      const job = await t.submit({ request: request('Explain: z', 'flex'), title: 'Explain', instruction: 'Explain' });
      await finished(t, job.id);
      assert.equal(t.get(job.id)?.state, 'expired');
    } finally {
      await shortLived.close();
    }
  });

  /**
   * A job whose POST got no answer (the connection cut, after or before Sail recorded it), written
   * down by a window that then closed. `make` builds that window's tracker.
   */
  async function unconfirmedJob(text: string, fault: 'reset_after_record' | 'reset_before_record', make = () => tracker(client({ maxAttemptsPost: 1 }))) {
    sim.faults.inject({ route: 'createResponse', fault });
    const first = make();
    const job = await first.tracker.submit({ request: request(text), title: text, instruction: text });
    assert.equal(job.state, 'submitting', 'no answer: the job waits to be re-sent');
    first.tracker.dispose();
    return job;
  }

  /** A client and tracker whose API key the test switches, as a person running Set API Key would. */
  function switchableKey(retry: Partial<{ maxAttemptsPost: number }> = {}) {
    const key = { current: sim.apiKey };
    const c = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => key.current, retry: { baseDelayMs: 1, maxDelayMs: 5, ...retry } });
    clients.push(c);
    return { key, c, make: () => tracker(c, () => key.current) };
  }

  it("after switching to another account's key, a running job waits for its own key instead of expiring", async () => {
    const { key, make } = switchableKey();
    const { tracker: t } = make();
    // Held at Sail until the key is switched: a poll that came first would just find it running.
    sim.hold(true);
    const job = await t.submit({ request: request('Explain: const k = 1;'), title: 'K', instruction: 'K' });
    key.current = OTHER_ACCOUNT;
    await until(t, job.id, (j) => j?.waiting !== undefined);
    assert.equal(t.get(job.id)?.waiting, 'otherKey');
    // Sail finishes it meanwhile; the tracker still waits rather than expiring it.
    sim.finishAll();
    sim.hold(false);
    const atSail = await pollResponse(sim, job.responseId ?? '', isTerminal);
    assert.equal(atSail.at(-1)?.status, 'completed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(['queued', 'in_progress'].includes(t.get(job.id)?.state ?? ''), `still running here, not expired: ${t.get(job.id)?.state}`);
    assert.equal(t.get(job.id)?.waiting, 'otherKey');

    key.current = sim.apiKey;
    await t.reconsider();
    await finished(t, job.id);
    assert.equal(t.get(job.id)?.state, 'completed');
    assert.equal(t.get(job.id)?.error, undefined);
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });

  it('after rotating to a new key of the same account, a running job is fetched with the new key', async () => {
    const { key, make } = switchableKey();
    const { tracker: t } = make();
    // Held at Sail until the key is rotated: a poll that came first would just find it running.
    sim.hold(true);
    const job = await t.submit({ request: request('Explain: const r = 2;'), title: 'R', instruction: 'R' });
    key.current = ROTATED_KEY;
    sim.finishAll();
    sim.hold(false);
    await finished(t, job.id);
    const done = t.get(job.id);
    assert.equal(done?.state, 'completed');
    assert.equal(done?.keyId, keyId(ROTATED_KEY), 'the key that could read it is its key from now on');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });

  it('with no key set, jobs wait instead of failing, and go on once a key is set', async () => {
    sim.faults.inject({ route: 'createResponse', fault: 'reset_after_record' });
    const { key, make } = switchableKey({ maxAttemptsPost: 1 });
    const first = make();
    const unconfirmed = await first.tracker.submit({ request: request('Document: const n = 0;'), title: 'N', instruction: 'N' });
    const running = await first.tracker.submit({ request: request('Explain: const m = 0;'), title: 'M', instruction: 'M' });
    first.tracker.dispose();

    key.current = '';
    const next = make();
    await next.tracker.resume();
    await until(next.tracker, running.id, (j) => j?.waiting !== undefined);
    for (const id of [unconfirmed.id, running.id]) {
      assert.ok(['submitting', 'queued'].includes(next.tracker.get(id)?.state ?? ''), `${id} still unfinished`);
      assert.equal(next.tracker.get(id)?.waiting, 'noKey');
    }

    key.current = sim.apiKey;
    await next.tracker.reconsider();
    await finished(next.tracker, unconfirmed.id);
    await finished(next.tracker, running.id);
    assert.equal(next.tracker.get(unconfirmed.id)?.state, 'completed');
    assert.equal(next.tracker.get(running.id)?.state, 'completed');
    assert.equal(sim.counters.totalInferences(), 2);
  });

  it('while sail.baseUrl is invalid, an unconfirmed request waits instead of failing, and goes once it is fixed', async () => {
    const job = await unconfirmedJob('Explain: const u = 4;', 'reset_after_record');
    // What the settings say: nothing usable yet.
    const setting: { baseUrl?: string } = {};
    const store = new JobStore(state, new FileBlobStore(dir), { warn() {} });
    const next = new JobTracker({ store, api: () => client(), clock: systemClock, log: quietLog, policy: FAST_POLICY, baseUrl: () => setting.baseUrl });
    open.push(next);
    await next.resume();
    assert.equal(next.get(job.id)?.state, 'submitting');
    assert.equal(next.get(job.id)?.waiting, 'invalidBaseUrl');
    setting.baseUrl = sim.baseUrl;
    await next.reconsider();
    await finished(next, job.id);
    assert.equal(next.get(job.id)?.state, 'completed');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });

  it('a request never confirmed is not re-sent with another key (it would run twice), only with its own', async () => {
    const { key, make } = switchableKey({ maxAttemptsPost: 1 });
    const job = await unconfirmedJob('Document: function g() {}', 'reset_after_record', make);

    key.current = OTHER_ACCOUNT;
    const next = make();
    await next.tracker.resume();
    assert.equal(next.tracker.get(job.id)?.state, 'submitting');
    assert.equal(next.tracker.get(job.id)?.waiting, 'otherKey');
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1, 'not sent with the other key');

    key.current = sim.apiKey;
    await next.tracker.reconsider();
    await finished(next.tracker, job.id);
    assert.equal(next.tracker.get(job.id)?.state, 'completed');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1, 'Sail replayed the recorded job');
    assert.equal(sim.counters.totalInferences(), 1);
  });

  it('Send Again after a refused key goes out with the key set since', async () => {
    const { key, make } = switchableKey();
    key.current = 'sk_not_a_key';
    const { tracker: t } = make();
    const job = await t.submit({ request: request('Explain: w'), title: 'W', instruction: 'W' });
    assert.equal(job.state, 'failed');
    assert.equal(job.error?.kind, 'auth');
    key.current = sim.apiKey;
    await t.retry(job.id);
    await finished(t, job.id);
    assert.equal(t.get(job.id)?.state, 'completed');
    assert.equal(t.get(job.id)?.keyId, keyId(sim.apiKey));
  });

  it('a window on another host (VS Code Remote) shares the list, not the files: it leaves the job alone, then fetches the answer', async () => {
    const job = await unconfirmedJob('Explain: const h = 1;', 'reset_after_record');

    // The same job list, another folder of files.
    const remoteDir = mkdtempSync(join(tmpdir(), 'sail-jobs-remote-'));
    try {
      const remoteStore = new JobStore(state, new FileBlobStore(remoteDir), { warn() {} });
      const remote = new JobTracker({ store: remoteStore, api: () => client(), clock: systemClock, log: quietLog, policy: FAST_POLICY });
      open.push(remote);
      await remote.resume();
      assert.equal(remote.get(job.id)?.state, 'submitting', 'not failed for want of a request file it never had');
      assert.equal(sim.counters.requests('POST', 'createResponse'), 1);

      const again = tracker();
      await again.tracker.resume();
      await finished(again.tracker, job.id);
      assert.equal(again.tracker.get(job.id)?.state, 'completed');

      // The other host's window shows the answer, fetched from Sail since its files lack it.
      const reopened = new JobStore(state, new FileBlobStore(remoteDir), { warn() {} });
      const viewer = new JobTracker({ store: reopened, api: () => client(), clock: systemClock, log: quietLog, policy: FAST_POLICY });
      open.push(viewer);
      await viewer.ready();
      const answer = await viewer.response(job.id);
      assert.ok(answer && answer.output.length > 0);
      assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
    } finally {
      rmSync(remoteDir, { recursive: true, force: true });
    }
  });

  it('Send Again while an attempt is on the wire leaves it to that attempt, whose answer is kept', async () => {
    const job = await unconfirmedJob('Explain: busy', 'reset_before_record');
    // The next window re-sends it, slowly: Send Again arrives while that POST is out.
    sim.faults.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 300 });
    const next = tracker();
    const resuming = next.tracker.resume();
    assert.equal(await next.tracker.retry(job.id), 'busy');
    await resuming;
    await finished(next.tracker, job.id);
    assert.equal(next.tracker.get(job.id)?.state, 'completed');
    assert.ok(next.tracker.get(job.id)?.responseId);
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
    assert.equal(sim.counters.requests('POST', 'createResponse'), 2, 'the cut-off POST and the re-send, no third');
  });

  it("a window on another host does not bind or mark another host's job, and Send Again there says where it is", async () => {
    const job = await unconfirmedJob('Explain: const r = 3;', 'reset_after_record');
    const remoteDir = mkdtempSync(join(tmpdir(), 'sail-jobs-remote-'));
    try {
      const remoteStore = new JobStore(state, new FileBlobStore(remoteDir), { warn() {} });
      const remote = new JobTracker({
        store: remoteStore,
        api: () => client(),
        clock: systemClock,
        log: quietLog,
        policy: FAST_POLICY,
        baseUrl: () => 'https://elsewhere.example/v1',
        apiKey: async () => OTHER_ACCOUNT,
      });
      open.push(remote);
      await remote.resume();
      const seen = remote.get(job.id);
      assert.equal(seen?.state, 'submitting');
      assert.equal(seen?.keyId, undefined, "not bound to this host's key");
      assert.equal(seen?.baseUrl, job.baseUrl, 'nor to its base URL');
      assert.equal(await remote.retry(job.id), 'elsewhere');
      assert.equal(sim.counters.requests('POST', 'createResponse'), 1);
    } finally {
      rmSync(remoteDir, { recursive: true, force: true });
    }
  });

  it('stop tracking ends polling, and says the job goes on at Sail', async () => {
    const { tracker: t } = tracker();
    const job = await t.submit({ request: request('Explain: w', 'flex'), title: 'Explain', instruction: 'Explain' });
    await t.stopTracking(job.id);
    const polls = sim.counters.requests('GET', 'getResponse');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.get(job.id)?.state, 'untracked');
    assert.equal(sim.counters.requests('GET', 'getResponse'), polls);
  });

  it('drops a damaged stored job with a warning and keeps the rest', async () => {
    const { tracker: t } = tracker();
    const job = await t.submit({ request: request('Explain: v'), title: 'Explain', instruction: 'Explain' });
    await finished(t, job.id);
    const index = state.get<{ version: number; savedAt: number; jobs: unknown[] }>(JOB_INDEX_KEY);
    assert.ok(index);
    await state.update(JOB_INDEX_KEY, { ...index, savedAt: index.savedAt + 1, jobs: [...index.jobs, { id: 42, nonsense: true }] });
    const reopened = tracker();
    await reopened.tracker.resume();
    assert.deepEqual(
      reopened.store.all().map((j) => j.id),
      [job.id],
    );
    assert.equal(reopened.warnings.length, 1);
  });

  it('survives a key-value store that lost its last writes (VS Code for the Web): the file copy wins', async () => {
    const { tracker: t } = tracker();
    await t.submit({ request: request('Explain: first'), title: 'First', instruction: 'First' });
    const stale = state.get<unknown>(JOB_INDEX_KEY);
    const job = await t.submit({ request: request('Explain: second', 'priority'), title: 'Second', instruction: 'Second' });
    t.dispose();
    await state.update(JOB_INDEX_KEY, stale);
    const next = tracker();
    await next.tracker.resume();
    assert.ok(next.tracker.get(job.id), 'the job written last is back');
    await finished(next.tracker, job.id);
    assert.equal(next.tracker.get(job.id)?.state, 'completed');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });

  it('a request left unconfirmed for over a day is not re-sent on its own', async () => {
    const job = await unconfirmedJob('Explain: old', 'reset_before_record');
    // A day and a bit later, the next window starts.
    const dayLater: Clock = { ...systemClock, now: () => Date.now() + 25 * 60 * 60_000 };
    const posts = sim.counters.requests('POST', 'createResponse');
    const next = tracker(client(), undefined, dayLater);
    await next.tracker.resume();
    assert.equal(next.tracker.get(job.id)?.state, 'failed');
    assert.match(jobErrorText(next.tracker.get(job.id)?.error), /over a day old/);
    assert.equal(sim.counters.requests('POST', 'createResponse'), posts, 'nothing was sent');
  });

  it('a damaged stored answer reads as missing, with a warning', async () => {
    const { tracker: t, warnings } = tracker();
    const job = await t.submit({ request: request('Explain: u'), title: 'U', instruction: 'U' });
    await finished(t, job.id);
    assert.ok(await t.response(job.id));
    await new FileBlobStore(dir).write(`${job.id}.response.json`, JSON.stringify({ nothing: 'here' }));
    assert.equal(await t.response(job.id), undefined);
    assert.match(warnings.join('\n'), /damaged/);
  });

  it('an unreadable key-value copy is ignored with a warning', async () => {
    await state.update(JOB_INDEX_KEY, 'garbage');
    const reopened = tracker();
    await reopened.tracker.resume();
    assert.equal(reopened.store.all().length, 0);
    assert.match(reopened.warnings.join('\n'), /unknown format/);
  });
});
