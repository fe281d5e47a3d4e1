// Part of `npm run bench`: what a long usage ledger costs the Sail view. The same measurements with 10
// and with 10,000 answered jobs in the ledger, in one run: reading the file (a window's first look),
// the summary the view shows on every change, and all rows (an export). Reported as ratios against
// the 10-job figures; nothing asserts a time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlobStore } from '../../src/jobs/fileBlobStore';
import { dayAtOffset, type UsageEntry } from '../../src/usage/usageEntry';
import { USAGE_FILE, UsageLedger } from '../../src/usage/usageLedger';

const DAY_MS = 24 * 60 * 60_000;
const MODELS = ['moonshotai/Kimi-K2.5', 'deepseek-ai/DeepSeek-V3.2', 'zai-org/GLM-4.6', 'Qwen/Qwen3-Coder'];
const WINDOWS = ['asap', 'priority', 'standard', 'flex'];
const FOLDERS = ['app', 'api', 'docs'];

export interface UsageFigures {
  readonly jobs: number;
  readonly rows: number;
  /** Median ms to read the whole ledger into a new instance. */
  readonly loadMs: number;
  /** Median ms of one summary(). */
  readonly summaryMs: number;
  /** Median ms of one rows() without a filter. */
  readonly rowsMs: number;
}

/** A user's ledger: jobs over the last 90 days, three folders, four models and windows, most priced. */
function entry(i: number, now: number): UsageEntry {
  const at = now - (i % 90) * DAY_MS - (i % 7) * 60_000;
  const input = 1000 + (i % 13) * 100;
  return {
    v: 1,
    jobId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    attempt: 1,
    at,
    day: dayAtOffset(0)(at),
    folder: FOLDERS[i % FOLDERS.length] as string,
    model: MODELS[i % MODELS.length] as string,
    window: WINDOWS[(i >> 2) % WINDOWS.length] as string,
    input,
    cached: input / 4,
    output: 600,
    reasoning: 100,
    total: input + 600,
    ...(i % 10 !== 0 && { costUsd: 0.0012, asapCostUsd: 0.003, pricesDate: '2027-01-01' }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function timed(runs: number, work: () => void): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return median(times);
}

export async function measureUsage(jobs: number): Promise<UsageFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'sail-bench-usage-'));
  const now = Date.now();
  try {
    writeFileSync(join(dir, USAGE_FILE), Array.from({ length: jobs }, (_, i) => `${JSON.stringify(entry(i, now))}\n`).join(''));
    const loads: number[] = [];
    let ledger: UsageLedger | undefined;
    for (let run = 0; run < 5; run++) {
      ledger = new UsageLedger(new FileBlobStore(dir), { dayOf: dayAtOffset(0) });
      const started = performance.now();
      await ledger.load();
      loads.push(performance.now() - started);
    }
    const usage = ledger as UsageLedger;
    if (usage.size !== jobs) {
      throw new Error(`the ledger counts ${usage.size} jobs, not ${jobs}`);
    }
    let sink = 0;
    const summaryMs = timed(200, () => {
      sink += usage.summary(now).month.jobs;
    });
    const rowsMs = timed(50, () => {
      sink += usage.rows().length;
    });
    if (sink === 0) {
      throw new Error('nothing was summed');
    }
    return { jobs, rows: usage.rows().length, loadMs: median(loads), summaryMs, rowsMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the table and the ratios. */
export async function benchUsage(): Promise<void> {
  console.log('4. Usage ledger: 10 vs 10,000 answered jobs (90 days, 3 folders, 4 models, 4 windows), same run');
  const small = await measureUsage(10);
  const large = await measureUsage(10_000);
  console.log('       jobs    rows   read the file     summary()        rows()');
  for (const f of [small, large]) {
    console.log(
      `   ${String(f.jobs).padStart(8)}  ${String(f.rows).padStart(6)}   ${f.loadMs.toFixed(2).padStart(10)} ms   ${f.summaryMs.toFixed(3).padStart(8)} ms   ${f.rowsMs.toFixed(3).padStart(8)} ms`,
    );
  }
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  console.log(
    `   10,000 against 10: summary() ${ratio(large.summaryMs, small.summaryMs)}, rows() ${ratio(large.rowsMs, small.rowsMs)} (sums are kept per group as lines are read: they grow with the ${large.rows} groups, not the jobs), reading ${ratio(large.loadMs, small.loadMs)}\n`,
  );
}
