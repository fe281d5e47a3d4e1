// Part of `npm run bench`: what a long history costs. The same measurements with 10 and with 10,000
// finished jobs in storage, in one run: one state change of a running job (persisted), a window's
// start (the store read and every job picked up again), reading the whole history (the job list), and
// the heap it holds. Reported against the targets; nothing asserts a time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/jobs/clock';
import type { JobRecord } from '../../src/jobs/job';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { JobTracker, type ResponsesApi } from '../../src/jobs/jobTracker';
import { MemoryState } from '../support/memoryState';
import { settledHeap } from './heap';

const LIVE_JOBS = 5;
const quietLog = { info() {}, warn() {}, debug() {} };
/** Never called: the running jobs are picked up, and their first polls are not due within the measurement. */
const idleApi: ResponsesApi = {
  createResponse: () => Promise.reject(new Error('not in this benchmark')),
  getResponse: () => Promise.reject(new Error('not in this benchmark')),
};

export interface HistoryFigures {
  readonly finished: number;
  /** Median ms to persist one change of a running job. */
  readonly changeMs: number;
  /** Median ms from a new store to every job picked up (what activation spends on jobs). */
  readonly startMs: number;
  /** Median ms to read the whole history (the first Show Jobs of a window). */
  readonly readHistoryMs: number;
  /** Heap held by the store with the history read, MiB. */
  readonly heapMiB: number;
}

function record(i: number, now: number, extra: Partial<JobRecord>): JobRecord {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    idempotencyKey: `idem-${i}-${'k'.repeat(24)}`,
    responseId: `resp_${i.toString(36).padStart(20, '0')}`,
    state: 'completed',
    serverStatus: 'completed',
    title: `Review · src/features/module${i % 97}/component${i % 13}.ts`,
    instruction: 'Review this code for bugs, security problems and unclear parts. List concrete fixes.',
    model: 'moonshotai/Kimi-K2.5',
    window: 'standard',
    background: true,
    source: {
      uri: `file:///home/user/projects/app/src/features/module${i % 97}/component${i % 13}.ts`,
      fileName: `component${i % 13}.ts`,
      languageId: 'typescript',
      version: 3,
      range: { start: { line: 10, character: 0 }, end: { line: 60, character: 1 } },
      textHash: 'a'.repeat(64),
    },
    createdAt: now - i * 60_000,
    submittedAt: now - i * 60_000 + 300,
    finishedAt: now - i * 60_000 + 240_000,
    serverCreatedAt: Math.floor((now - i * 60_000) / 1000),
    usage: { input: 1800, cached: 600, output: 900, reasoning: 120, total: 2700 },
    seen: true,
    baseUrl: 'https://api.sailresearch.com/v1',
    storageId: 'bench-storage',
    keyId: 'k'.repeat(16),
    updatedAt: now - i * 60_000 + 240_001,
    attempt: 1,
    sendAttempts: 0,
    ...extra,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Storage as a user with `finished` jobs in history and a few running ones would have it. */
async function seed(dir: string, state: MemoryState, finished: number, now: number): Promise<void> {
  const store = new JobStore(state, new FileBlobStore(dir), { warn() {} }, () => now);
  await store.ready;
  for (let i = 0; i < LIVE_JOBS; i++) {
    await store.save(record(1_000_000 + i, now, { state: 'in_progress', finishedAt: undefined, usage: undefined, seen: false }));
  }
  // Each settled job reaches the history the way it does for a user: one change at a time.
  for (let i = 0; i < finished; i++) {
    await store.save(record(i, now, {}));
  }
}

export async function measureHistory(finished: number): Promise<HistoryFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'sail-bench-history-'));
  const state = new MemoryState();
  const now = Date.now();
  try {
    await seed(dir, state, finished, now);
    const starts: number[] = [];
    for (let run = 0; run < 9; run++) {
      const started = performance.now();
      const store = new JobStore(state, new FileBlobStore(dir), { warn() {} });
      const tracker = new JobTracker({ store, api: () => idleApi, clock: systemClock, log: quietLog });
      await tracker.resume();
      starts.push(performance.now() - started);
      tracker.dispose();
    }
    const reads: number[] = [];
    for (let run = 0; run < 3; run++) {
      const store = new JobStore(state, new FileBlobStore(dir), { warn() {} });
      await store.ready;
      const reading = performance.now();
      await store.loadHistory();
      reads.push(performance.now() - reading);
    }

    const base = await settledHeap();
    const store = new JobStore(state, new FileBlobStore(dir), { warn() {} });
    await store.loadHistory();
    const heapMiB = ((await settledHeap()) - base) / 2 ** 20;

    const [running] = store.current();
    const changes: number[] = [];
    let current = running as JobRecord;
    for (let i = 0; i < 50; i++) {
      const next: JobRecord = { ...current, state: i % 2 ? 'in_progress' : 'queued', serverStatus: String(i) };
      const started = performance.now();
      await store.save(next);
      changes.push(performance.now() - started);
      current = store.get(next.id) as JobRecord;
    }
    if (store.all().length !== finished + LIVE_JOBS) {
      throw new Error(`the store lists ${store.all().length} jobs, not ${finished + LIVE_JOBS}`);
    }
    return { finished, changeMs: median(changes), startMs: median(starts), readHistoryMs: median(reads), heapMiB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the table, with the targets and whether they hold. */
export async function benchHistory(): Promise<void> {
  console.log(`3. History: 10 vs 10,000 finished jobs in storage (plus ${LIVE_JOBS} running), same run`);
  const small = await measureHistory(10);
  const large = await measureHistory(10_000);
  console.log('   finished   one change   window start   read all history   heap with history');
  for (const f of [small, large]) {
    console.log(
      `   ${String(f.finished).padStart(8)}   ${f.changeMs.toFixed(2).padStart(7)} ms   ${f.startMs.toFixed(2).padStart(9)} ms   ${f.readHistoryMs.toFixed(1).padStart(12)} ms   ${f.heapMiB.toFixed(1).padStart(12)} MiB`,
    );
  }
  const addedStart = large.startMs - small.startMs;
  const ok = (holds: boolean) => (holds ? 'met' : 'NOT MET');
  console.log(
    `   targets with 10,000: one change ≤ 5 ms (${large.changeMs.toFixed(2)} ms: ${ok(large.changeMs <= 5)}); start adds ≤ 20 ms (${addedStart.toFixed(2)} ms: ${ok(addedStart <= 20)}); heap ≤ 30 MB (${large.heapMiB.toFixed(1)} MiB: ${ok(large.heapMiB <= 30)})`,
  );
  console.log(
    `   (the history is read when the job list or an old result needs it, not at start; one change costs ${(large.changeMs / small.changeMs).toFixed(2)}× the 10-job figure)\n`,
  );
}
