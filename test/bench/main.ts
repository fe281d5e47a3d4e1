// `npm run bench`: how the poll scheduler compares with naive 1-second polling, on the simulator,
// in one run; what 1,000 pending jobs cost; the long soak; a 1,000-file batch; what the input layout
// does to prompt caching; activation time and bundle size. Numbers are reported, and ratios are
// against the baseline measured in the same run — nothing here asserts a time. (The soak's counts must be 0: `npm run soak` fails when they are not; here they are reported.)
import { DEFAULT_POLL_POLICY, typicalTurnTime, type CompletionWindow } from '../../src/jobs/pollPolicy';
import { PollScheduler } from '../../src/jobs/pollScheduler';
import { SailClient } from '../../src/sail/client';
import { isTerminal } from '../../src/sail/status';
import { startSimulator, type Simulator } from '../sim';
import { formatSoak, LONG_SOAK, runSoak, soakPassed } from '../soak/soak';
import { DrivenClock } from './drivenClock';
import { settledHeap } from './heap';
import { benchHistory } from './history';
import { benchUsage } from './usage';
import { benchView } from './view';
import { benchBatch } from './batch';
import { benchCache } from './cache';

const NAIVE_INTERVAL_MS = 1_000;

interface Strategy {
  polls: number;
  detectedAt: Map<string, number>;
}

async function withSimulator<T>(clock: DrivenClock, fn: (sim: Simulator, client: SailClient) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ now: () => clock.now() });
  const client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, retry: { maxAttemptsGet: 1 } });
  try {
    return await fn(sim, client);
  } finally {
    await client.close();
    await sim.close();
  }
}

async function createJobs(client: SailClient, window: CompletionWindow, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { response } = await client.createResponse({
      model: 'moonshotai/Kimi-K2.5',
      input: `Benchmark job ${i}: explain the loop in line ${i}.`,
      background: true,
      metadata: { completion_window: window },
    });
    ids.push(response.id);
  }
  return ids;
}

/** Our scheduler and naive 1 s polling, side by side on the same jobs. */
async function compareWindow(window: CompletionWindow, count: number) {
  const clock = new DrivenClock();
  return withSimulator(clock, async (sim, client) => {
    const ids = await createJobs(client, window, count);
    const submittedAt = clock.now();
    const ours: Strategy = { polls: 0, detectedAt: new Map() };
    const naive: Strategy = { polls: 0, detectedAt: new Map() };
    const poll = async (strategy: Strategy, id: string): Promise<boolean> => {
      strategy.polls += 1;
      const response = await clock.track(client.getResponse(id));
      if (isTerminal(response.status)) {
        strategy.detectedAt.set(id, clock.now());
        return true;
      }
      return false;
    };
    const scheduler = new PollScheduler({
      clock,
      maxInFlight: 8,
      poll: async (target) => ((await poll(ours, target.jobId)) ? { kind: 'done' } : { kind: 'pending' }),
    });
    for (const id of ids) {
      scheduler.track({ jobId: id, window, submittedAt });
      const naiveLoop = () =>
        clock.setTimer(() => {
          void clock.track(poll(naive, id)).then((done) => {
            if (!done) {
              naiveLoop();
            }
          });
        }, NAIVE_INTERVAL_MS);
      naiveLoop();
    }
    await clock.run(() => ours.detectedAt.size === ids.length && naive.detectedAt.size === ids.length);
    scheduler.dispose();
    const delay = (strategy: Strategy) => {
      const delays = ids.map((id) => (strategy.detectedAt.get(id) ?? NaN) - (sim.timing(id)?.terminalAtMs ?? NaN));
      return delays.reduce((a, b) => a + b, 0) / delays.length;
    };
    return {
      window,
      jobs: ids.length,
      typicalMs: typicalTurnTime(window),
      ours: { pollsPerJob: ours.polls / ids.length, meanDelayMs: delay(ours) },
      naive: { pollsPerJob: naive.polls / ids.length, meanDelayMs: delay(naive) },
      maxTimers: clock.maxTimers,
    };
  });
}

/** 1,000 jobs pending at once: one scheduler, bounded requests in flight, reused connections. */
async function manyPending(count: number, horizonMs: number) {
  const clock = new DrivenClock();
  return withSimulator(clock, async (_sim, client) => {
    const ids = await createJobs(client, 'flex', count);
    const afterCreate = client.stats;
    await settledHeap();
    const heapBefore = process.memoryUsage().heapUsed;
    let inFlight = 0;
    let maxInFlight = 0;
    const scheduler = new PollScheduler({
      clock,
      maxInFlight: 4,
      poll: async (target) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          const response = await clock.track(client.getResponse(target.jobId));
          return isTerminal(response.status) ? { kind: 'done' } : { kind: 'pending' };
        } finally {
          inFlight -= 1;
        }
      },
    });
    for (const id of ids) {
      scheduler.track({ jobId: id, window: 'flex', submittedAt: clock.now() });
    }
    await settledHeap();
    const heapTracked = process.memoryUsage().heapUsed;
    const heapDelta = heapTracked - heapBefore;
    const end = clock.now() + horizonMs;
    clock.setTimer(() => {}, horizonMs);
    await clock.run(() => clock.now() >= end);
    scheduler.dispose();
    return {
      jobs: count,
      horizonMs,
      polls: scheduler.stats.polls,
      maxInFlight,
      timersPending: clock.maxTimers,
      connectionsOpened: client.stats.connectionsOpened - afterCreate.connectionsOpened,
      requests: client.stats.requests - afterCreate.requests,
      heapDeltaKiB: heapDelta / 1024,
    };
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 0)} s`;
}

async function main(): Promise<void> {
  console.log('Sail for VS Code — benchmarks (simulator on 127.0.0.1, virtual time, real HTTP)\n');
  console.log('1. Polling per completion window: our scheduler vs naive 1-second polling on the same jobs');
  console.log('   (asap is sent as a foreground request — Sail refuses asap in the background — so it is never polled)\n');
  const rows = [];
  for (const [window, count] of [
    ['priority', 20],
    ['standard', 20],
    ['flex', 10],
  ] as const) {
    rows.push(await compareWindow(window, count));
  }
  console.log('   window    jobs  typical   polls/job ours  naive   ratio    mean delay ours         naive');
  for (const r of rows) {
    const delayShare = (100 * r.ours.meanDelayMs) / r.typicalMs;
    console.log(
      `   ${r.window.padEnd(9)} ${String(r.jobs).padStart(4)}  ${seconds(r.typicalMs).padStart(7)}  ${r.ours.pollsPerJob.toFixed(1).padStart(14)}  ${r.naive.pollsPerJob.toFixed(0).padStart(5)}  1/${(r.naive.pollsPerJob / r.ours.pollsPerJob).toFixed(0).padEnd(5)}  ${seconds(r.ours.meanDelayMs).padStart(8)} (${delayShare.toFixed(1)} % of typical)  ${seconds(r.naive.meanDelayMs)}`,
    );
  }
  console.log(
    `   (policy: watch interval ${DEFAULT_POLL_POLICY.watchFraction * 100} % of the typical time from ${DEFAULT_POLL_POLICY.watchFrom * 100} % of it; one timer for all jobs: at most ${Math.max(...rows.map((r) => r.maxTimers))} timers pending, naive's included)\n`,
  );

  console.log('2. 1,000 pending flex jobs for 30 minutes of Sail time');
  const many = await manyPending(1000, 30 * 60_000);
  console.log(`   polls ${many.polls}, at most ${many.maxInFlight} in flight, ${many.connectionsOpened} connection(s) opened for ${many.requests} requests`);
  console.log(
    `   naive 1 s polling would send ${(many.jobs * many.horizonMs) / NAIVE_INTERVAL_MS} requests (${((many.jobs * many.horizonMs) / NAIVE_INTERVAL_MS / Math.max(1, many.polls)).toFixed(0)}× ours)`,
  );
  console.log(`   heap growth from tracking them: ${many.heapDeltaKiB.toFixed(0)} KiB${global.gc ? '' : ' (run with --expose-gc for a stable number)'}\n`);

  await benchHistory();
  await benchUsage();
  benchView();

  const seed = Math.floor(Math.random() * 2 ** 31);
  console.log(
    `6. Soak: ${LONG_SOAK.jobs} jobs from two windows under faults, outages, failing storage and reloads (seed ${seed}; repeat with npm run soak -- --seed ${seed})`,
  );
  const soak = await runSoak({ ...LONG_SOAK, seed });
  console.log(formatSoak(soak));
  if (!soakPassed(soak)) {
    console.log(`   SOAK FAILED (seed ${seed})`);
  }
  console.log('');
  await benchBatch();
  await benchCache();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
