/**
 * The soak test of the job core: many jobs across asap, standard and flex, sent from two windows (two
 * JobStores and JobTrackers over one key-value store and one folder), against the simulator over real
 * HTTP, while a seeded generator resets connections, answers 429 (with absurd Retry-After values
 * too), 5xx, 409, malformed JSON and transient 404s, stalls, takes the network away for minutes,
 * fails storage writes, and reloads windows mid-submit and mid-poll. Virtual time (SoakClock) makes
 * hours of Sail time take seconds. Afterwards it counts what must never happen: a result Sail made
 * but we did not store, an inference run twice, a job failed although Sail would have answered it, a
 * live job nothing will move; and how long after the network came back every result was stored.
 *
 * The same seed makes the same jobs, outages, and sequences of faults and storage failures; which
 * request meets which fault can still shift when real time decides a timeout (a stall).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAnswered, isFinished, type JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JOB_INDEX_KEY, JobStore, supersedes, type KeyValueStore } from '../../src/jobs/jobStore';
import { JobTracker, type ResponsesApi, type TrackerLogger } from '../../src/jobs/jobTracker';
import { SailClient } from '../../src/sail/client';
import type { CreateResponseRequest, SailResponse } from '../../src/sail/schemas';
import { startSimulator, type Simulator } from '../sim';
import type { PickedRequest, RequestFault } from '../sim/faults';
import { MemoryState } from '../support/memoryState';
import { SoakClock } from './soakClock';
import { TrackedBlobs } from './trackedBlobs';

export type SoakWindow = 'asap' | 'standard' | 'flex';

export interface SoakOptions {
  /** Jobs to submit, spread over `spreadMs` and both windows. */
  readonly jobs: number;
  readonly seed: number;
  /** Virtual time over which the jobs are submitted (default 2 h). */
  readonly spreadMs?: number;
  /** Network outages while jobs are submitted (default 3), each 2–10 min; a last one always ends the run. */
  readonly outages?: number;
  /** Share of requests that meet a fault while online (default 0.2). */
  readonly faultRate?: number;
  /** Share of storage writes that fail (default 0.03). */
  readonly writeFailureRate?: number;
  /** Most window reloads (default jobs / 10). */
  readonly reloads?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** What `npm test` runs: a few dozen jobs, seconds of real time. */
export const SHORT_SOAK = { jobs: 30, spreadMs: 60 * 60_000, outages: 2, writeFailureRate: 0.1 } as const;
/** What the bench and `npm run soak` run: a few hundred jobs over three hours of Sail time. */
export const LONG_SOAK = { jobs: 300, spreadMs: 3 * 60 * 60_000, outages: 4 } as const;

export interface BadJob {
  readonly id: string;
  readonly problem: 'lost' | 'wrongly failed' | 'stuck' | 'duplicated';
  readonly window: string | undefined;
  readonly state: string | undefined;
  readonly detail: string;
  /** The job's last log lines, from every window. */
  readonly log: readonly string[];
}

export interface SoakResult {
  readonly seed: number;
  readonly jobs: number;
  /** Results Sail made (or jobs we told the user were sent) with no result stored in the end. */
  readonly lost: number;
  /** Inferences Sail ran beyond one per job (per Idempotency-Key), plus any under a key no job has. */
  readonly duplicated: number;
  /** Jobs that ended failed or expired although Sail had (or would have) answered them. */
  readonly wronglyFailed: number;
  /** Jobs still live at the end with nothing scheduled that moved them. */
  readonly stuck: number;
  /** Virtual ms from the network's return (the last outage) until every result Sail had ready was stored and every unanswered request accepted. */
  readonly recoveryMs: number;
  /** The last log lines of the job that took longest to recover after the network returned. */
  readonly slowestToRecover: readonly string[];
  /** The same after each outage while jobs were still being sent (faults go on meanwhile). */
  readonly outageRecoveryMs: readonly number[];
  readonly outageMs: readonly number[];
  readonly byWindow: Readonly<Record<SoakWindow, number>>;
  /** Submits that failed (a storage write failed, or a reload interrupted it): the user was told, or the window was gone. */
  readonly notWrittenDown: number;
  readonly completed: number;
  readonly reloads: { readonly midSubmit: number; readonly midPoll: number };
  readonly faults: Readonly<Record<string, number>>;
  /** POSTs Sail saw while another under the same Idempotency-Key was still being handled (answered 409). */
  readonly concurrentDuplicates: number;
  readonly failedWrites: number;
  readonly requests: number;
  readonly virtualMs: number;
  readonly realMs: number;
  readonly bad: readonly BadJob[];
}

const MODEL = 'moonshotai/Kimi-K2.5';
const START = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;
/** After the network returns for good: the longest flex job, the re-send cap, and slack. */
const SETTLE_MS = 4 * 60 * MINUTE;
const ABSURD_RETRY_AFTER = ['1000000000000', '-5', 'soon', '1e12', 'Fri, 31 Dec 9999 23:59:59 GMT', '0', '3600'];

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Window {
  readonly name: string;
  readonly generation: number;
  readonly tracker: JobTracker;
  readonly client: SailClient;
}

interface Submission {
  readonly index: number;
  readonly window: SoakWindow;
  /** Which window sends it. */
  readonly from: 'A' | 'B';
  readonly at: number;
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  // One stream per concern, so that a request more or less (a timeout that real time decided) does
  // not change the plan, the storage failures or the ids.
  const stream = (k: number) => seededRandom(options.seed + k * 0x9e3779b9);
  const plan = stream(0);
  const faultRandom = stream(1);
  const storageRandom = stream(2);
  const jitter = stream(3);
  const ids = stream(4);
  const chance = (random: () => number, p: number) => random() < p;
  const pick = <T>(items: readonly T[], random = faultRandom): T => items[Math.floor(random() * items.length)];
  const say = options.log ?? (() => {});
  const spreadMs = options.spreadMs ?? 2 * 60 * MINUTE;
  const faultRate = options.faultRate ?? 0.2;
  const writeFailureRate = options.writeFailureRate ?? 0.03;
  let reloadsLeft = options.reloads ?? Math.max(2, Math.round(options.jobs / 10));
  const realStart = Date.now();

  const clock = new SoakClock(START);
  const faults: Record<string, number> = {};
  const count = (what: string) => (faults[what] = (faults[what] ?? 0) + 1);
  const reloads = { midSubmit: 0, midPoll: 0 };
  let failedWrites = 0;
  let writesFail = true;
  const jobLog = new Map<string, string[]>();

  // The plan, drawn first so the same seed gives the same jobs and outages.
  const submissions: Submission[] = Array.from({ length: options.jobs }, (_, index) => ({
    index,
    window: pick(['asap', 'standard', 'flex'] as const, plan),
    from: pick(['A', 'B'] as const, plan),
    at: START + Math.round(plan() * spreadMs),
  })).sort((a, b) => a.at - b.at);
  const outages: { from: number; to: number }[] = [];
  for (let i = 0; i < (options.outages ?? 3); i++) {
    const from = START + Math.round(plan() * spreadMs);
    outages.push({ from, to: from + Math.round((2 + plan() * 8) * MINUTE) });
  }
  const lastSubmit = submissions.at(-1)?.at ?? START;
  const finalOutage = { from: lastSubmit + MINUTE, to: lastSubmit + MINUTE + Math.round((3 + plan() * 7) * MINUTE) };
  outages.sort((a, b) => a.from - b.from);
  const allOutages = [...outages, finalOutage];
  const offline = (at: number) => allOutages.some((o) => at >= o.from && at < o.to);
  const networkBack = finalOutage.to;

  const sim = await startSimulator({ now: () => clock.now(), sleep: clock.parkedSleep, inFlightDuplicates: 'conflict', requestLogLimit: 100 });
  const dir = mkdtempSync(join(tmpdir(), 'sail-soak-'));
  const state = new MemoryState();
  const failing = () => {
    if (writesFail && chance(storageRandom, writeFailureRate)) {
      failedWrites += 1;
      return true;
    }
    return false;
  };
  const sharedState = new FlakyState(state, clock, failing);
  const sharedBlobs = new TrackedBlobs(new FileBlobStore(dir), clock, failing);

  const windows = new Map<string, Window>();
  const disposed: Window[] = [];
  const acceptedAt = new Map<string, number>();
  const answeredAt = new Map<string, number>();
  const promised = new Set<string>();
  let notWrittenDown = 0;

  const logFor = (name: string): TrackerLogger => {
    const note = (level: string) => (message: string) => {
      const id = /\bjob ([0-9a-f]{8}-[0-9a-f-]{27})/i.exec(message)?.[1];
      if (id) {
        const lines = jobLog.get(id) ?? [];
        lines.push(`${new Date(clock.now()).toISOString().slice(11, 19)} ${name} ${level} ${message}`);
        jobLog.set(id, lines.slice(-25));
      }
    };
    return { info: note('info'), warn: note('warn'), debug: note('debug') };
  };

  const open = (name: string, generation: number): Window => {
    const store = new JobStore(sharedState, sharedBlobs, { warn: (m) => logFor(`${name}${generation}`).warn(m) }, () => clock.now());
    const client = new SailClient({
      baseUrl: sim.baseUrl,
      getApiKey: async () => sim.apiKey,
      userAgent: `soak/${name}/${generation}`,
      // Real milliseconds: a stall costs this much real time, and nothing else waits on real timers.
      timeouts: { connectMs: 2_000, headersMs: 10_000, readHeadersMs: 150, bodyMs: 150 },
      sleep: clock.sleep,
      random: jitter,
      now: () => clock.now(),
    });
    const api: ResponsesApi = {
      createResponse: (body, o) => clock.track(() => client.createResponse(body, o)),
      getResponse: (id, o) => clock.track(() => client.getResponse(id, o)),
    };
    const tracker = new JobTracker({
      store,
      api: () => api,
      clock,
      log: logFor(`${name}${generation}`),
      baseUrl: () => sim.baseUrl,
      apiKey: async () => sim.apiKey,
      random: jitter,
      newId: () => uuid(ids),
    });
    tracker.onDidChange(({ job }) => {
      if (job.responseId !== undefined || isFinished(job.state)) {
        acceptedAt.set(job.id, Math.min(acceptedAt.get(job.id) ?? Infinity, clock.now()));
      }
      if (isAnswered(job.state)) {
        answeredAt.set(job.id, Math.min(answeredAt.get(job.id) ?? Infinity, clock.now()));
      }
    });
    const window = { name, generation, tracker, client };
    windows.set(name, window);
    void tracker.resume().catch((error: unknown) => say(`  window ${name}: resume failed: ${String(error)}`));
    return window;
  };

  const reload = (name: string, during: 'midSubmit' | 'midPoll') => {
    const old = windows.get(name);
    if (!old) {
      return;
    }
    reloads[during] += 1;
    for (const job of old.tracker.jobs()) {
      if (!isFinished(job.state)) {
        logFor(`${name}${old.generation}`).info(`Job ${job.id}: window reloaded (${job.state})`);
      }
    }
    old.tracker.dispose();
    // Its requests on the wire finish on their own (their answers are not recorded); the client is closed at the end.
    disposed.push(old);
    open(name, old.generation + 1);
  };

  sim.faults.pick((request) => {
    const at = clock.now();
    if (offline(at)) {
      count('offline');
      return { fault: 'reset_before_record' };
    }
    const [, name, generation] = (request.headers['user-agent'] ?? '').split('/');
    const window = windows.get(name);
    // Reloads come mostly mid-submit: that is where two windows send one job at once.
    const reloadChance = request.method === 'POST' ? 0.1 : 0.01;
    if (reloadsLeft > 0 && window && String(window.generation) === generation && chance(faultRandom, reloadChance)) {
      reloadsLeft -= 1;
      setImmediate(() => reload(name, request.method === 'POST' ? 'midSubmit' : 'midPoll'));
      // Held a moment, so the reload happens while the request is on the wire.
      return { fault: 'slow_headers', delayMs: 20 };
    }
    if (!chance(faultRandom, faultRate)) {
      return undefined;
    }
    const fault = randomFault(request, pick, faultRandom);
    count(faultName(fault));
    return fault;
  });

  open('A', 1);
  open('B', 1);

  for (const s of submissions) {
    clock.setTimer(() => {
      const window = windows.get(s.from);
      if (!window) {
        return;
      }
      const { tracker } = window;
      tracker.submit({ request: requestFor(s), title: `Soak ${s.index}`, instruction: 'Explain' }).then(
        (record) => {
          // A window reloaded mid-submit never told anyone: its job is kept only if it was written down.
          if (windows.get(window.name) === window) {
            promised.add(record.id);
          }
        },
        () => {
          notWrittenDown += 1;
        },
      );
    }, s.at - START);
  }
  for (const outage of allOutages) {
    clock.setTimer(() => say(`  ${time(clock.now())} network down for ${Math.round((outage.to - outage.from) / 1000)} s`), outage.from - START);
  }
  clock.setTimer(() => {
    writesFail = false;
    sim.faults.pick(undefined);
    say(`  ${time(clock.now())} network back for good; no more faults`);
  }, networkBack - START);

  // Snapshots at each outage's end: what had to recover.
  const pendingAt = new Map<number, { stored: string[]; accepted: string[] }>();
  for (const outage of allOutages) {
    clock.setTimer(() => pendingAt.set(outage.to, pendingAfter(currentJobs(), sim, outage.to)), outage.to - START);
  }

  const currentJobs = (): Map<string, JobRecord> => {
    const jobs = new Map<string, JobRecord>();
    const add = (job: JobRecord) => {
      const known = jobs.get(job.id);
      if (!known || supersedes(job, known)) {
        jobs.set(job.id, job);
      }
    };
    for (const raw of readIndex(state)) {
      add(raw);
    }
    for (const w of windows.values()) {
      w.tracker.jobs().forEach(add);
    }
    return jobs;
  };

  const currentJobsIds = () => [...currentJobs().keys()];

  const everythingDone = () => {
    if (clock.now() < networkBack) {
      return false;
    }
    const jobs = currentJobs();
    return [...promised].every((id) => jobs.has(id)) && [...jobs.values()].every((j) => isFinished(j.state));
  };
  const ranOut = !(await clock.run(everythingDone, networkBack + SETTLE_MS));
  const virtualMs = clock.now() - START;
  say(`  ${time(clock.now())} run over${ranOut ? ' (no timer left)' : ''}; counting`);

  // What each open window holds of a job, and whether it will ask Sail about it.
  const seenBy = (id: string) =>
    [...windows.values()]
      .map((w) => {
        const job = w.tracker.get(id);
        const next = w.tracker.nextPollAt(id);
        return `${w.name}${w.generation}: ${job?.state ?? 'unknown'}${next === undefined ? ', no poll' : `, next poll ${time(next)}`}`;
      })
      .join('; ');
  const windowViews = new Map(currentJobsIds().map((id) => [id, seenBy(id)]));
  for (const w of [...windows.values(), ...disposed]) {
    w.tracker.dispose();
  }
  await Promise.all([...windows.values(), ...disposed].map((w) => w.client.close().catch(() => undefined)));

  // What a new window sees: the merged list and the files, read with nothing failing.
  const final = new JobStore(state, new FileBlobStore(dir), { warn() {} }, () => clock.now());
  await final.ready;
  const bad: BadJob[] = [];
  const flag = (id: string, problem: BadJob['problem'], job: JobRecord | undefined, detail: string) =>
    bad.push({ id, problem, window: job?.window, state: job?.state, detail, log: jobLog.get(id) ?? [] });

  const inferences = sim.counters.snapshot().inferencesByIdempotencyKey;
  const keys = new Set<string>();
  let duplicated = 0;
  let completed = 0;
  const byWindow: Record<SoakWindow, number> = { asap: 0, standard: 0, flex: 0 };
  for (const job of final.all()) {
    keys.add(job.idempotencyKey);
    if (job.window === 'asap' || job.window === 'standard' || job.window === 'flex') {
      byWindow[job.window] += 1;
    }
    const ran = inferences[job.idempotencyKey] ?? 0;
    const stored = (await final.readPayload(job.id, 'response')) as SailResponse | undefined;
    if (job.state === 'completed' && stored) {
      completed += 1;
    }
    if (ran > 1) {
      duplicated += ran - 1;
      flag(job.id, 'duplicated', job, `${ran} inferences under its key`);
    }
    if (ran >= 1 && !stored) {
      flag(job.id, 'lost', job, `Sail ran it${job.responseId ? ` as ${job.responseId}` : ' (its id never reached us)'}, no result is stored`);
    }
    if ((job.state === 'failed' || job.state === 'expired') && stored?.status !== 'failed') {
      flag(
        job.id,
        'wrongly failed',
        job,
        `${job.state} (${job.error?.kind ?? 'no error'}${job.error?.detail ? `: ${job.error.detail}` : ''}), Sail ${ran ? 'ran it' : 'never ran it'}`,
      );
    }
    if (!isFinished(job.state)) {
      flag(
        job.id,
        'stuck',
        job,
        `still ${job.state}${job.waiting ? ` waiting (${job.waiting})` : ''} at the end; sendAttempts ${job.sendAttempts}; windows: ${windowViews.get(job.id) ?? 'none'}`,
      );
    }
  }
  for (const id of promised) {
    if (!final.get(id)) {
      flag(id, 'lost', undefined, 'submitted (the user was told so), but not in the job list');
    }
  }
  for (const [key, ran] of Object.entries(inferences)) {
    if (!keys.has(key)) {
      duplicated += ran;
      bad.push({ id: key, problem: 'duplicated', window: undefined, state: undefined, detail: `${ran} inference(s) under a key no job has`, log: [] });
    }
  }

  let slowest: string | undefined;
  const recovery = (at: number): number => {
    const pending = pendingAt.get(at);
    if (!pending) {
      return NaN;
    }
    let last = at;
    const consider = (id: string, when: number | undefined) => {
      if ((when ?? Infinity) > last) {
        last = when ?? Infinity;
        slowest = id;
      }
    };
    pending.stored.forEach((id) => consider(id, answeredAt.get(id)));
    pending.accepted.forEach((id) => consider(id, acceptedAt.get(id)));
    return last - at;
  };
  const outageRecoveryMs = outages.map((o) => recovery(o.to));
  slowest = undefined;
  const recoveryMs = recovery(finalOutage.to);

  const result: SoakResult = {
    seed: options.seed,
    jobs: options.jobs,
    lost: new Set(bad.filter((b) => b.problem === 'lost').map((b) => b.id)).size,
    duplicated,
    wronglyFailed: bad.filter((b) => b.problem === 'wrongly failed').length,
    stuck: bad.filter((b) => b.problem === 'stuck').length,
    recoveryMs,
    slowestToRecover: slowest === undefined ? [] : (jobLog.get(slowest) ?? []).slice(-8),
    outageRecoveryMs,
    outageMs: allOutages.map((o) => o.to - o.from),
    byWindow,
    notWrittenDown,
    completed,
    reloads,
    faults,
    concurrentDuplicates: sim.counters.concurrentDuplicates(),
    failedWrites,
    requests: Object.values(sim.counters.snapshot().requests).reduce((a, b) => a + b, 0),
    virtualMs,
    realMs: Date.now() - realStart,
    bad,
  };
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/** Jobs whose result Sail had ready at `at` but we had not stored, and jobs written down but not accepted. */
function pendingAfter(jobs: Map<string, JobRecord>, sim: Simulator, at: number): { stored: string[]; accepted: string[] } {
  const stored: string[] = [];
  const accepted: string[] = [];
  for (const job of jobs.values()) {
    if (isFinished(job.state)) {
      continue;
    }
    if (job.responseId === undefined) {
      accepted.push(job.id);
    } else if ((sim.timing(job.responseId)?.terminalAtMs ?? Infinity) <= at) {
      stored.push(job.id);
    }
  }
  return { stored, accepted };
}

function readIndex(state: KeyValueStore): JobRecord[] {
  const index = state.get<{ jobs?: JobRecord[] }>(JOB_INDEX_KEY);
  return (index?.jobs ?? []).filter((j): j is JobRecord => typeof j === 'object' && j !== null && typeof j.id === 'string');
}

function requestFor(s: Submission): CreateResponseRequest {
  return {
    model: MODEL,
    input: `Soak job ${s.index}: explain what line ${s.index} of this file does.`,
    // Sail refuses asap in the background: asap is a foreground request that waits for its answer.
    background: s.window !== 'asap',
    store: true,
    metadata: { completion_window: s.window },
  };
}

/**
 * One of the faults a request of this kind can meet. Stalls cost real time (the client's timeouts
 * are real), so they are a smaller share.
 */
function randomFault(request: PickedRequest, pick: <T>(items: readonly T[]) => T, random: () => number): RequestFault {
  if (random() < 0.15) {
    return pick<RequestFault>([{ fault: 'stalled_body' }, { fault: 'slow_headers', delayMs: request.method === 'POST' ? 50 : 300 }]);
  }
  const retryAfter = random() < 0.5 ? String(1 + Math.floor(random() * 30)) : pick(ABSURD_RETRY_AFTER);
  const common: RequestFault[] = [
    { fault: 'reset_before_record' },
    { fault: 'http_error', status: 429, retryAfter },
    { fault: 'http_error', status: pick([500, 502, 503, 504] as const) },
    { fault: 'malformed_json' },
  ];
  if (request.route === 'createResponse') {
    return pick([
      ...common,
      { fault: 'reset_after_record' },
      { fault: 'http_error', status: 409 },
      { fault: 'slow_accept', delayMs: Math.round(random() * 60_000) },
    ]);
  }
  return pick([...common, { fault: 'http_error', status: 404 }, { fault: 'wrong_shape' }]);
}

function faultName(fault: RequestFault): string {
  if (fault.fault === 'http_error') {
    const absurd = fault.retryAfter !== undefined && !/^\d+$/.test(fault.retryAfter) ? ' (absurd Retry-After)' : '';
    const huge = fault.retryAfter !== undefined && /^\d+$/.test(fault.retryAfter) && Number(fault.retryAfter) > 60 ? ' (absurd Retry-After)' : '';
    return `HTTP ${fault.status}${absurd || huge}`;
  }
  return fault.fault.replace(/_/g, ' ');
}

function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

function time(ms: number): string {
  const s = Math.round((ms - START) / 1000);
  return `+${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m${String(s % 60).padStart(2, '0')}s`;
}

/** globalState whose writes sometimes fail, as a full disk would; shared by both windows. */
class FlakyState implements KeyValueStore {
  constructor(
    private readonly inner: KeyValueStore,
    private readonly clock: SoakClock,
    private readonly fails: () => boolean,
  ) {}

  get<T>(key: string): T | undefined {
    return this.inner.get<T>(key);
  }

  update(key: string, value: unknown): Promise<void> {
    return this.clock.track(async () => {
      if (this.fails()) {
        throw new Error('ENOSPC: no space left on device (soak)');
      }
      await this.inner.update(key, value);
    });
  }
}

/** The result as a table, for the bench and `npm run soak`. */
export function formatSoak(r: SoakResult): string {
  const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(0)} s` : 'never');
  const lines = [
    `   seed ${r.seed}: ${r.jobs} jobs (asap ${r.byWindow.asap}, standard ${r.byWindow.standard}, flex ${r.byWindow.flex}), two windows, ${(r.virtualMs / 3_600_000).toFixed(1)} h of Sail time in ${(r.realMs / 1000).toFixed(1)} s`,
    `   ${r.requests} requests; faults: ${Object.entries(r.faults)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `   outages ${r.outageMs.map((ms) => s(ms)).join(', ')}; ${r.failedWrites} failed storage writes; reloads mid-submit ${r.reloads.midSubmit}, mid-poll ${r.reloads.midPoll}; ${r.concurrentDuplicates} concurrent duplicate POST(s) under one key; ${r.notWrittenDown} submit(s) refused at once`,
    '',
    '   results lost                       ' + r.lost,
    '   duplicate inferences (simulator)   ' + r.duplicated,
    '   jobs wrongly failed                ' + r.wronglyFailed,
    '   jobs stuck with nothing scheduled  ' + r.stuck,
    `   time to recover after the network returns  ${s(r.recoveryMs)} (after earlier outages, faults still on: ${r.outageRecoveryMs.map(s).join(', ') || 'none'})`,
    `   completed ${r.completed} of ${r.byWindow.asap + r.byWindow.standard + r.byWindow.flex} written down`,
  ];
  if (r.slowestToRecover.length > 0) {
    lines.push('   slowest to recover:', ...r.slowestToRecover.map((l) => `       ${l}`));
  }
  for (const b of r.bad.slice(0, 10)) {
    lines.push(`   ! ${b.problem}: job ${b.id} (${b.window ?? '?'}, ${b.state ?? 'missing'}): ${b.detail}`);
    for (const l of b.log.slice(-8)) {
      lines.push(`       ${l}`);
    }
  }
  return lines.join('\n');
}

export function soakPassed(r: SoakResult): boolean {
  return r.lost === 0 && r.duplicated === 0 && r.wronglyFailed === 0 && r.stuck === 0;
}
