// Part of `npm run bench`: what the Sail view and the window picker cost the extension host. The
// view's first level (the groups, and the rows of the groups that open by themselves) with 10 and
// with 10,000 jobs in the history; the window picker's figures for a 1 KB and a 512 KB request (the
// largest file sail.maxFileSizeKB allows by default). Reported as times and ratios against the small
// case in the same run; nothing asserts a time. Targets (issue 10): first level ≤ 50 ms with 10,000
// jobs; the picker adds ≤ 100 ms before it shows.
import type { JobRecord } from '../../src/jobs/job';
import { windowChoice } from '../../src/render/cost';
import { groupJobs, jobDescription } from '../../src/render/jobGroups';
import { priceCatalog } from '../../src/usage/catalog';
import { estimateInputTokens, estimateOutputTokens, estimateWindows } from '../../src/usage/estimate';

const HOUR = 60 * 60_000;
const WINDOWS = ['asap', 'standard', 'flex', undefined] as const;

function jobs(count: number, now: number): JobRecord[] {
  return Array.from({ length: count }, (_, i): JobRecord => {
    const createdAt = now - i * HOUR;
    return {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      idempotencyKey: `key-${i}`,
      // A few running and unseen at the top, then the history.
      state: i < 3 ? 'in_progress' : i % 17 === 0 ? 'failed' : 'completed',
      title: `Explain the loop in line ${i} · file${i % 40}.ts`,
      instruction: 'Explain the loop',
      model: 'moonshotai/Kimi-K2.6',
      window: WINDOWS[i % WINDOWS.length],
      background: true,
      createdAt,
      finishedAt: i < 3 ? undefined : createdAt + 5 * 60_000,
      seen: i >= 6,
      sendAttempts: 0,
      attempt: 1,
      updatedAt: createdAt,
      usage: i < 3 ? undefined : { input: 1200, cached: 300, output: 600, reasoning: 100, total: 1800 },
    };
  });
}

function median(times: number[]): number {
  return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? NaN;
}

function timed(runs: number, work: () => number): number {
  const times: number[] = [];
  let sink = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    sink += work();
    times.push(performance.now() - started);
  }
  if (sink === 0) {
    throw new Error('nothing was computed');
  }
  return median(times);
}

/** The groups, and the row text of every job in the groups that open by themselves (all but older days). */
function firstLevel(list: readonly JobRecord[], now: number): number {
  const groups = groupJobs(list, now);
  const newestDay = groups.find((g) => g.kind === 'day');
  let rows = groups.length;
  for (const group of groups) {
    if (group.kind !== 'day' || group === newestDay) {
      for (const job of group.jobs) {
        rows += jobDescription(job, '5 min ago').length > 0 ? 1 : 0;
      }
    }
  }
  return rows;
}

function picker(text: string): number {
  const catalog = priceCatalog();
  const input = estimateInputTokens(text);
  const output = estimateOutputTokens(input, null);
  return estimateWindows(catalog, 'moonshotai/Kimi-K2.6', { input, cached: 0, output: output.tokens }).map(windowChoice).length;
}

export function benchView(): void {
  console.log('5. The Sail view and the window picker (host-side work, same run)');
  const now = Date.now();
  const small = jobs(10, now);
  const large = jobs(10_000, now);
  const smallMs = timed(50, () => firstLevel(small, now));
  const largeMs = timed(20, () => firstLevel(large, now));
  console.log(
    `   first level with 10 jobs: ${smallMs.toFixed(3)} ms; with 10,000: ${largeMs.toFixed(2)} ms (${(largeMs / smallMs).toFixed(0)}×; target ≤ 50 ms)`,
  );
  const kb = 'x'.repeat(1024);
  const big = 'x'.repeat(512 * 1024);
  const pickerSmall = timed(200, () => picker(kb));
  const pickerLarge = timed(200, () => picker(big));
  console.log(
    `   window picker figures for a 1 KB request: ${pickerSmall.toFixed(3)} ms; 512 KB: ${pickerLarge.toFixed(3)} ms (${(pickerLarge / pickerSmall).toFixed(1)}×; target ≤ 100 ms; counted from the length, nothing waits for the network)\n`,
  );
}
