// The job core's reliability promises (issue "job core, second edition"), each against the real
// simulator over HTTP, each with a wait bounded by the behaviour's own deadline.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { clampDelay, MAX_TIMER_MS, systemClock, type Clock } from '../../src/jobs/clock';
import { canTransition, isTroubled, JobRecordSchema, mayHaveReachedSail, refusedAsSent, type JobRecord, type JobState } from '../../src/jobs/job';
import { rebuildRequest } from '../../src/jobs/prompt';
import { readConfig } from '../../src/config';
import { FileBlobStore, JobStore, supersedes, type KeyValueStore } from '../../src/jobs/jobStore';
import { JobTracker, type JobTrackerOptions, type ResponsesApi } from '../../src/jobs/jobTracker';
import { DEFAULT_POLL_POLICY, nextPollDelay } from '../../src/jobs/pollPolicy';
import { canEditWith, jobView } from '../../src/render/jobView';
import { SailClient } from '../../src/sail/client';
import type { CreateResponseRequest, SailResponse } from '../../src/sail/schemas';
import { startSimulator, type Simulator } from '../sim';
import { VirtualClock } from '../support/virtualClock';
import { PollScheduler } from '../../src/jobs/pollScheduler';
import { MemoryState } from '../support/memoryState';
import { FAST_POLICY, isOver, quietLog, until } from '../support/jobWaits';

const TIME_SCALE = 1000;

/** A key-value store whose next write fails, as a full disk would. */
class FailingState implements KeyValueStore {
  failNext = false;
  constructor(private readonly inner: KeyValueStore) {}
  get<T>(key: string): T | undefined {
    return this.inner.get<T>(key);
  }
  async update(key: string, value: unknown): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('ENOSPC: disk full');
    }
    await this.inner.update(key, value);
  }
}

function request(text: string, window: 'standard' | 'flex' = 'standard'): CreateResponseRequest {
  return { model: 'moonshotai/Kimi-K2.5', input: text, background: true, store: true, metadata: { completion_window: window } };
}

describe('job core: reliability', () => {
  let sim: Simulator;
  let dir: string;
  let state: MemoryState;
  const open: { dispose(): void }[] = [];
  const clients: SailClient[] = [];

  function client(): SailClient {
    const c = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttemptsPost: 1 } });
    clients.push(c);
    return c;
  }

  function tracker(options: Partial<JobTrackerOptions> = {}): JobTracker {
    const store = new JobStore(state, new FileBlobStore(dir), { warn() {} });
    const api = client();
    const t = new JobTracker({ store, api: () => api, clock: systemClock, log: quietLog, policy: FAST_POLICY, resendBaseMs: 20, ...options });
    open.push(t);
    return t;
  }

  before(async () => {
    sim = await startSimulator({ timeScale: TIME_SCALE });
  });

  beforeEach(() => {
    sim.reset();
    dir = mkdtempSync(join(tmpdir(), 'sail-core-'));
    state = new MemoryState();
  });

  afterEach(() => {
    for (const o of open.splice(0)) {
      o.dispose();
    }
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one 404 on a young job is a failed poll, not the end: the job still completes', async () => {
    const t = tracker();
    const job = await t.submit({ request: request('Explain: const a = 1;'), title: 'A', instruction: 'A' });
    assert.ok(job.responseId);
    sim.faults.inject({ route: 'getResponse', fault: 'http_error', status: 404 });
    const done = await until(t, job.id, 'the job to end', isOver);
    assert.equal(done?.state, 'completed');
    assert.equal(done?.missingSince, undefined, 'an answer clears the 404 mark');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });

  it('a job Sail keeps answering 404 for ends expired, only once the 404s span goneAfterMs', async () => {
    const t = tracker();
    const job = await t.submit({ request: request('Explain: const b = 2;', 'flex'), title: 'B', instruction: 'B' });
    sim.faults.inject({ route: 'getResponse', fault: 'http_error', status: 404, times: 1_000 });
    const done = await until(t, job.id, 'the job to expire', isOver);
    assert.equal(done?.state, 'expired');
    assert.ok(done?.missingSince !== undefined && done.finishedAt !== undefined);
    assert.ok(done.finishedAt - done.missingSince >= FAST_POLICY.goneAfterMs, 'given up before the 404s spanned goneAfterMs');
  });

  it('near the end of Sail’s 48 h retention, a 404 means gone at once', async () => {
    const offset = { ms: 0 };
    const clock: Clock = { ...systemClock, now: () => Date.now() + offset.ms };
    const t = tracker({ clock, policy: { ...FAST_POLICY, goneAfterMs: 60 * 60_000 } });
    const job = await t.submit({ request: request('Explain: const c = 3;', 'flex'), title: 'C', instruction: 'C' });
    offset.ms = 47 * 60 * 60_000;
    sim.faults.inject({ route: 'getResponse', fault: 'http_error', status: 404 });
    const done = await until(t, job.id, 'the job to expire', isOver);
    assert.equal(done?.state, 'expired');
  });

  it('an absurd Retry-After (past what a timer holds) waits, instead of turning into a burst of POSTs', async () => {
    const delays: number[] = [];
    const clock: Clock = { ...systemClock, setTimer: (cb, ms) => (delays.push(ms), systemClock.setTimer(cb, ms)) };
    const t = tracker({ clock });
    // 30 days: 2.6e9 ms, over setTimeout's 2^31-1 limit, which would fire it after 1 ms.
    sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 429, retryAfterSeconds: 30 * 24 * 3600, times: 50 });
    const job = await t.submit({ request: request('Explain: const d = 4;'), title: 'D', instruction: 'D' });
    assert.equal(job.state, 'submitting');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1, 'sent again at once');
    assert.ok(delays.length > 0 && delays.every((ms) => ms <= 30 * 60_000), `re-send delays ${delays.join(', ')}`);
  });

  it('every delay handed to a timer is clamped to what setTimeout can hold', async () => {
    let fired = false;
    const handle = systemClock.setTimer(() => (fired = true), 2 ** 40);
    await new Promise((resolve) => setTimeout(resolve, 50));
    systemClock.clearTimer(handle);
    assert.equal(fired, false, 'a 2^40 ms timer fired at once');
    assert.equal(clampDelay(2 ** 40), MAX_TIMER_MS);
    assert.equal(clampDelay(Number.POSITIVE_INFINITY), MAX_TIMER_MS);
    assert.equal(clampDelay(Number.NaN), 0);
    assert.equal(clampDelay(-5), 0);
    assert.equal(clampDelay(1500), 1500);
    const delay = nextPollDelay({ window: 'flex', ageMs: 0, previousIntervalMs: 0, focused: true, consecutiveErrors: 1, retryAfterMs: 2 ** 40 });
    assert.ok(delay <= DEFAULT_POLL_POLICY.maxMs, `poll delay ${delay}`);
  });

  it('a key store that throws does not leave the job "sending" with nothing scheduled: it is sent later, once', async () => {
    let calls = 0;
    const t = tracker({
      apiKey: async () => {
        calls += 1;
        if (calls === 1) {
          throw new Error('SecretStorage is not available');
        }
        return sim.apiKey;
      },
    });
    const job = await t.submit({ request: request('Explain: const e = 5;'), title: 'E', instruction: 'E' });
    assert.equal(job.state, 'submitting');
    const done = await until(t, job.id, 'the job to be sent again and end', isOver);
    assert.equal(done?.state, 'completed');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });

  it('a 409 answering a send is ambiguous (another window’s POST may be on the wire): re-sent, runs once', async () => {
    const t = tracker();
    sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 409 });
    const job = await t.submit({ request: request('Explain: const f = 6;'), title: 'F', instruction: 'F' });
    assert.equal(job.state, 'submitting', 'not failed');
    const done = await until(t, job.id, 'the re-send to complete', isOver);
    assert.equal(done?.state, 'completed');
    assert.equal(sim.counters.inferences(job.idempotencyKey), 1);
  });

  it('re-sends after a failed POST are jittered, so jobs that failed together do not return in lock-step', async () => {
    const delays: number[] = [];
    const clock: Clock = { ...systemClock, setTimer: (cb, ms) => (delays.push(ms), systemClock.setTimer(cb, ms)) };
    let r = 0;
    const randoms = [0, 0.999];
    const t = tracker({ clock, resendBaseMs: 10_000, random: () => randoms[r++ % randoms.length] });
    sim.faults.inject({ route: 'createResponse', fault: 'http_error', status: 503, times: 2 });
    await t.submit({ request: request('Explain: const g = 7;'), title: 'G', instruction: 'G' });
    await t.submit({ request: request('Explain: const h = 8;'), title: 'H', instruction: 'H' });
    const resends = delays.filter((ms) => ms >= 1_000);
    assert.equal(resends.length, 2, `delays ${delays.join(', ')}`);
    assert.ok(resends[0] >= 5_000 && resends[0] < 5_100, `first ${resends[0]}`);
    assert.ok(resends[1] > 9_900 && resends[1] <= 10_000, `second ${resends[1]}`);
  });

  it('polls that keep failing (a revoked key) make the job say it cannot be checked, and a new key clears it at once', async () => {
    const key = { current: sim.apiKey };
    const t = tracker({ apiKey: async () => key.current });
    const job = await t.submit({ request: request('Explain: const r = 9;', 'flex'), title: 'R', instruction: 'R' });
    key.current = 'revoked-key-0001';
    const troubled = await until(t, job.id, 'three failed polls', (j) => (j?.pollTrouble?.count ?? 0) >= 3);
    assert.equal(troubled?.pollTrouble?.kind, 'auth');
    assert.ok(isTroubled(troubled));
    const view = jobView({ job: troubled! });
    assert.equal(view.stateLabel, 'Cannot be checked');
    assert.match(view.notice ?? '', /Set API Key/);
    assert.equal(view.tone, 'warning');

    // After six failures the backoff puts the next poll over a second away: the new key must not wait for it.
    await until(t, job.id, 'six failed polls', (j) => (j?.pollTrouble?.count ?? 0) >= 6);
    key.current = sim.apiKey;
    const before = sim.counters.requests('GET', 'getResponse');
    await t.reconsider();
    await until(t, job.id, 'a poll with the good key', () => sim.counters.requests('GET', 'getResponse') > before, 400);
    const cleared = await until(t, job.id, 'the trouble to clear', (j) => j?.pollTrouble === undefined);
    assert.equal(cleared?.state === 'queued' || cleared?.state === 'in_progress' || cleared?.state === 'completed', true);
  });

  it('a request Sail refused as sent goes again with the current settings as a new job', async () => {
    const t = tracker();
    const refused = await t.submit({
      request: { ...request('Explain: const s = 10;'), model: 'no-such/model' },
      title: 'S',
      instruction: 'S',
      prompt: 'file:///w/.sail/prompts/s.md',
    });
    assert.equal(refused.prompt, 'file:///w/.sail/prompts/s.md', 'the prompt file it came from is written down');
    assert.equal(refused.state, 'failed');
    assert.ok(refusedAsSent(refused), 'offered with the current settings');
    assert.ok(!mayHaveReachedSail(refused), 'nothing reached Sail: no double-billing warning');
    const { config } = readConfig({
      get: <T>(key: string) => ({ model: 'moonshotai/Kimi-K2.5', completionWindow: 'standard' })[key] as T,
      inspect: () => undefined,
    });
    const sent = await t.sendAsNew(refused.id, (previous) => rebuildRequest({ ...config, baseUrl: sim.baseUrl }, previous));
    assert.ok(sent && sent.id !== refused.id && sent.idempotencyKey !== refused.idempotencyKey, 'a new job with a new key');
    assert.equal(sent.model, 'moonshotai/Kimi-K2.5');
    assert.equal(sent.prompt, refused.prompt, 'still made from that prompt file');
    const done = await until(t, sent.id, 'the new job to end', isOver);
    assert.equal(done?.state, 'completed');
    assert.equal(t.get(refused.id)?.state, 'failed', 'the refused job stays as it was');
    assert.equal(sim.counters.inferences(sent.idempotencyKey), 1);
  });

  it('Send Again warns before sending a request that may have reached Sail unconfirmed', () => {
    const base = { responseId: undefined, error: undefined };
    assert.ok(mayHaveReachedSail({ ...base, state: 'submitting' }));
    assert.ok(mayHaveReachedSail({ ...base, state: 'failed', error: { kind: 'stale' } }), 'over a day old: Sail may have forgotten its key');
    assert.ok(!mayHaveReachedSail({ ...base, state: 'failed', error: { kind: 'invalid_request' } }));
    assert.ok(!mayHaveReachedSail({ state: 'queued', responseId: 'resp_1', error: undefined }));
  });

  it('a job whose write-down failed is not sent later: the user was told it was not sent', async () => {
    const failing = new FailingState(state);
    const store = new JobStore(failing, new FileBlobStore(dir), { warn() {} });
    const api = client();
    const t = new JobTracker({ store, api: () => api, clock: systemClock, log: quietLog, policy: FAST_POLICY, resendBaseMs: 20 });
    open.push(t);
    failing.failNext = true;
    await assert.rejects(t.submit({ request: request('Explain: const w = 1;'), title: 'W', instruction: 'W' }), /disk full/);
    assert.equal(t.jobs().length, 0, 'the failed job is not kept in memory either');
    // Another job's write succeeds afterwards: it must not carry the failed one along.
    const other = await t.submit({ request: request('Explain: const v = 2;'), title: 'V', instruction: 'V' });
    t.dispose();
    const next = tracker();
    await next.resume();
    assert.deepEqual(
      next.jobs().map((j) => j.id),
      [other.id],
    );
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1, 'only the job the user was told about was sent');
  });

  it('a file write that fails leaves no temporary file behind', async () => {
    const blobs = new FileBlobStore(dir);
    // A non-empty folder where the file should go: the rename fails.
    mkdirSync(join(dir, 'blocked.json', 'inside'), { recursive: true });
    await assert.rejects(blobs.write('blocked.json', '{}'));
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });

  it('on start, unanswered requests are re-sent a few at a time, not all at once', async () => {
    // This window would re-send them itself a minute later; it closes first.
    const first = tracker({ resendBaseMs: 60_000 });
    sim.faults.inject({ route: 'createResponse', fault: 'reset_before_record', times: 10 });
    const jobs: JobRecord[] = [];
    for (let i = 0; i < 10; i++) {
      jobs.push(await first.submit({ request: request(`Explain: const n${i} = ${i};`), title: `N${i}`, instruction: 'N' }));
    }
    first.dispose();
    let inFlight = 0;
    let most = 0;
    const real = client();
    const counting: ResponsesApi = {
      async createResponse(body, options) {
        most = Math.max(most, ++inFlight);
        try {
          return await real.createResponse(body, options);
        } finally {
          inFlight -= 1;
        }
      },
      getResponse: (id, options) => real.getResponse(id, options),
    };
    sim.faults.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 50, times: 10 });
    const next = tracker({ api: () => counting });
    await next.resume();
    assert.ok(most > 1 && most <= 4, `${most} POSTs at once`);
    for (const job of jobs) {
      assert.ok(next.get(job.id)?.responseId, `${job.title} was accepted`);
    }
  });
});

describe('job core: scheduling on a clock that cannot jump', () => {
  it('a wall clock set back an hour neither stalls polling nor changes its pace', async () => {
    const steady = new VirtualClock();
    const wall = { offset: 0 };
    const clock: Clock = {
      now: () => steady.now() + wall.offset,
      monotonic: () => steady.now(),
      setTimer: (cb, ms) => steady.setTimer(cb, ms),
      clearTimer: (handle) => steady.clearTimer(handle),
    };
    // The same job on a clock that never jumps, for comparison.
    const steadyClock: Clock = { now: () => steady.now(), setTimer: (cb, ms) => steady.setTimer(cb, ms), clearTimer: (h) => steady.clearTimer(h) };
    const polls = { jumpy: 0, steady: 0 };
    const scheduler = new PollScheduler({ clock, poll: async () => (polls.jumpy++, { kind: 'pending' }), policy: FAST_POLICY });
    const control = new PollScheduler({ clock: steadyClock, poll: async () => (polls.steady++, { kind: 'pending' }), policy: FAST_POLICY });
    scheduler.track({ jobId: 'j', window: 'standard', submittedAt: clock.now() });
    control.track({ jobId: 'j', window: 'standard', submittedAt: steadyClock.now() });
    await steady.advance(500);
    wall.offset = -60 * 60_000;
    await steady.advance(5_000);
    assert.ok(polls.steady > 5);
    assert.equal(polls.jumpy, polls.steady, 'the jump changed how often the job was polled');
    const next = scheduler.nextPollAt('j');
    assert.ok(
      next !== undefined && Math.abs(next - clock.now() - ((control.nextPollAt('j') ?? 0) - steadyClock.now())) < 1,
      'the next check is shown in wall time',
    );
    control.dispose();
    scheduler.dispose();
  });
});

describe('job core: records and merges', () => {
  const base: JobRecord = {
    id: 'j',
    idempotencyKey: 'k',
    state: 'queued',
    title: 't',
    instruction: 'i',
    model: 'm',
    background: true,
    createdAt: 1,
    seen: false,
    updatedAt: 1,
    attempt: 1,
    sendAttempts: 0,
  };

  it('a copy without Sail’s response id never beats one with it (a refused duplicate cannot erase an accepted job)', () => {
    const accepted: JobRecord = { ...base, responseId: 'resp_1', updatedAt: 1 };
    const refused: JobRecord = { ...base, state: 'failed', error: { kind: 'invalid_request' }, updatedAt: 99 };
    assert.equal(supersedes(refused, accepted), false);
    assert.equal(supersedes(accepted, refused), true);
  });

  it('a record from before typed waiting loads, its old mark dropped', () => {
    const legacy = { ...base, error: { kind: 'elsewhere', message: 'Waiting for its API key' } };
    const parsed = JobRecordSchema.parse(legacy);
    assert.equal(parsed.error, undefined);
    assert.equal(parsed.waiting, undefined);
    const other = JobRecordSchema.parse({ ...base, error: { kind: 'auth', message: 'bad key' } });
    assert.equal(other.error?.kind, 'auth');
  });

  it('only the transitions of the lifecycle are allowed', () => {
    const allowed: Array<[JobState | undefined, JobState]> = [
      [undefined, 'submitting'],
      ['submitting', 'queued'],
      ['submitting', 'completed'],
      ['queued', 'expired'],
      ['failed', 'submitting'],
      ['completed', 'completed'],
    ];
    const refused: Array<[JobState | undefined, JobState]> = [
      [undefined, 'completed'],
      ['completed', 'queued'],
      ['expired', 'completed'],
      ['untracked', 'queued'],
      ['submitting', 'expired'],
      ['cancelled', 'submitting'],
    ];
    for (const [from, to] of allowed) {
      assert.ok(canTransition(from, to), `${from} → ${to} should be allowed`);
    }
    for (const [from, to] of refused) {
      assert.ok(!canTransition(from, to), `${from} → ${to} should be refused`);
    }
  });

  it('a cut-off (incomplete) answer is offered for Copy, never to insert into or replace the user’s code', () => {
    const answer = (status: SailResponse['status']): SailResponse =>
      ({
        id: 'resp_1',
        object: 'response',
        status,
        rawStatus: status,
        model: 'm',
        output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '```ts\nconst x = 1;' }] }],
        usage: {
          input_tokens: 1,
          output_tokens: 1,
          total_tokens: 2,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens_details: { reasoning_tokens: 0 },
        },
      }) as unknown as SailResponse;
    const source = {
      uri: 'file:///a.ts',
      fileName: 'a.ts',
      languageId: 'ts',
      version: 1,
      range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } },
    };
    const cut = jobView({ job: { ...base, state: 'incomplete', source }, response: answer('incomplete') });
    assert.equal(cut.canInsert, false);
    assert.equal(cut.canReplace, false);
    assert.ok(cut.outputHtml, 'the cut-off answer is still shown');
    const whole = jobView({ job: { ...base, state: 'completed', source }, response: answer('completed') });
    assert.equal(whole.canInsert, true);
    assert.equal(whole.canReplace, true);
    assert.equal(canEditWith({ state: 'completed' }, undefined), false, 'no answer stored: nothing to insert');
  });
});
