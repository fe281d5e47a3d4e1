/**
 * Sums of ledger entries: tokens, estimated cost, what asap would have cost, and how many jobs had no
 * price. A cost sums only the jobs that had one, so it is a lower bound when `unpriced` is not 0.
 */
import type { UsageEntry } from './usageEntry';

export interface UsageTotals {
  readonly jobs: number;
  readonly input: number;
  readonly cached: number;
  readonly output: number;
  readonly reasoning: number;
  readonly total: number;
  /** The summed estimate of the jobs that had a price; undefined when none had. */
  readonly costUsd?: number;
  /** The summed asap estimate of the jobs that had an asap price; undefined when none had. */
  readonly asapCostUsd?: number;
  /** asap cost − cost, over the jobs whose both costs are known; undefined when there were none. */
  readonly savedUsd?: number;
  /** Jobs whose cost was not known (no price for their model and window when they finished). */
  readonly unpriced: number;
  /** Cached input tokens ÷ input tokens; undefined without input. */
  readonly cacheHitRatio?: number;
}

/** Totals being summed. */
export type Sums = { -readonly [K in keyof UsageTotals]: UsageTotals[K] };

export function emptyTotals(): Sums {
  return { jobs: 0, input: 0, cached: 0, output: 0, reasoning: 0, total: 0, unpriced: 0 };
}

/** Adds one entry to running sums. */
export function addEntry(sums: Sums, entry: UsageEntry): void {
  sums.jobs += 1;
  sums.input += entry.input;
  sums.cached += entry.cached;
  sums.output += entry.output;
  sums.reasoning += entry.reasoning;
  sums.total += entry.total;
  if (entry.costUsd === undefined) {
    sums.unpriced += 1;
  } else {
    sums.costUsd = (sums.costUsd ?? 0) + entry.costUsd;
  }
  if (entry.asapCostUsd !== undefined) {
    sums.asapCostUsd = (sums.asapCostUsd ?? 0) + entry.asapCostUsd;
    if (entry.costUsd !== undefined) {
      sums.savedUsd = (sums.savedUsd ?? 0) + entry.asapCostUsd - entry.costUsd;
    }
  }
}

/** Adds sums made by addEntry (or this) to running sums. */
export function addTotals(sums: Sums, more: UsageTotals): void {
  sums.jobs += more.jobs;
  sums.input += more.input;
  sums.cached += more.cached;
  sums.output += more.output;
  sums.reasoning += more.reasoning;
  sums.total += more.total;
  sums.unpriced += more.unpriced;
  sums.costUsd = plus(sums.costUsd, more.costUsd);
  sums.asapCostUsd = plus(sums.asapCostUsd, more.asapCostUsd);
  sums.savedUsd = plus(sums.savedUsd, more.savedUsd);
}

/** A frozen copy with the cache-hit ratio worked out. */
export function finish(sums: UsageTotals): UsageTotals {
  const { jobs, input, cached, output, reasoning, total, costUsd, asapCostUsd, savedUsd, unpriced } = sums;
  return Object.freeze({
    jobs,
    input,
    cached,
    output,
    reasoning,
    total,
    ...(costUsd !== undefined && { costUsd }),
    ...(asapCostUsd !== undefined && { asapCostUsd }),
    ...(savedUsd !== undefined && { savedUsd }),
    unpriced,
    ...(input > 0 && { cacheHitRatio: cached / input }),
  });
}

function plus(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : a + b;
}
