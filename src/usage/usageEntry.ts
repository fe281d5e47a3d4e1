/**
 * One line of the usage ledger: what one answered job (one attempt of it) used and cost, copied out
 * of the job record when it finished. The ledger keeps these apart from the job records, so pruning
 * the job history never changes what the user spent.
 */
import { z } from 'zod';
import type { JobRecord } from '../jobs/job';

export const USAGE_VERSION = 1;

const Tokens = z.number().finite().min(0);
const Usd = z.number().finite().min(0);

export const UsageEntrySchema = z.object({
  v: z.literal(USAGE_VERSION),
  jobId: z.string().min(1),
  /** Each Send Again is its own request to Sail, billed on its own. */
  attempt: z.number().int().min(1),
  /** When the job finished (ms). */
  at: z.number(),
  /** The day it finished, `YYYY-MM-DD` in the user's time zone then: a later move does not reshuffle days. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** The workspace folder's name, or '' when the job's file was in none (or in none of the recording window's). */
  folder: z.string(),
  model: z.string(),
  /** The completion window, or 'auto' when Sail chose. A string, so a window a newer version adds still counts. */
  window: z.string(),
  /** Input tokens, cached ones included. */
  input: Tokens,
  cached: Tokens,
  /** Output tokens, reasoning ones included. */
  output: Tokens,
  reasoning: Tokens,
  total: Tokens,
  /** The estimated cost, when a price for the model and window was known. */
  costUsd: Usd.optional(),
  /** What the same tokens would have cost in the asap window, to show what a slower window saved. */
  asapCostUsd: Usd.optional(),
  /** The date of the price list the estimate came from. */
  pricesDate: z.string().optional(),
});
export type UsageEntry = z.infer<typeof UsageEntrySchema>;

/** A job's estimated cost, as the price catalog sees it; empty when its model has no price. */
export interface UsageCost {
  readonly costUsd?: number;
  readonly asapCostUsd?: number;
  readonly pricesDate?: string;
}

/** What the recording window adds to a job's own record. */
export interface UsageContext {
  readonly folder: string;
  readonly cost: UsageCost;
}

/** The window a job without one is counted under: Sail chose it. */
export const AUTO_WINDOW = 'auto';

/** Which entry of a job counts: one line per job and attempt, however many windows record it. */
export function usageKey(entry: Pick<UsageEntry, 'jobId' | 'attempt'>): string {
  return `${entry.jobId}#${entry.attempt}`;
}

/**
 * A job that used tokens Sail bills: a complete or a cut-short answer with its usage. (A failed job
 * carries no usage; a given-up one never got its answer.)
 */
export function countsAsUsage(job: Pick<JobRecord, 'state' | 'usage'>): boolean {
  return (job.state === 'completed' || job.state === 'incomplete') && job.usage !== undefined;
}

/**
 * What the ledger reads of a job: a request whose usage counts. A tracked job is one; so is a request
 * that is no job, such as a language-model provider's (it has its own id).
 */
export type UsageSource = Pick<JobRecord, 'id' | 'attempt' | 'state' | 'model' | 'window' | 'usage' | 'finishedAt' | 'updatedAt'>;

/** The ledger line for a job that counts (see countsAsUsage). */
export function usageEntryOf(job: UsageSource, context: UsageContext, dayOf: (ms: number) => string): UsageEntry {
  const usage = job.usage ?? { input: 0, cached: 0, output: 0, reasoning: 0, total: 0 };
  const at = job.finishedAt ?? job.updatedAt;
  const { costUsd, asapCostUsd, pricesDate } = context.cost;
  return {
    v: USAGE_VERSION,
    jobId: job.id,
    attempt: job.attempt,
    at,
    day: dayOf(at),
    folder: context.folder,
    model: job.model,
    window: job.window ?? AUTO_WINDOW,
    input: usage.input,
    cached: usage.cached,
    output: usage.output,
    reasoning: usage.reasoning,
    total: usage.total,
    ...(isUsd(costUsd) && { costUsd }),
    ...(isUsd(asapCostUsd) && { asapCostUsd }),
    ...(pricesDate !== undefined && { pricesDate }),
  };
}

function isUsd(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value >= 0;
}

/**
 * Whether `next` tells more about the same job than `known`: more tokens (a batch's answers that came
 * in later), then a window that knows the job's workspace
 * folder (the one that sent it) over one that does not, then a known cost over none. Every window
 * reads the lines in the same order, so all of them settle on the same entry.
 */
export function improves(next: UsageEntry, known: UsageEntry): boolean {
  if (next.total !== known.total) {
    // A batch's usage grows as its answers come in (some may be fetched only after a restart).
    return next.total > known.total;
  }
  if ((next.folder !== '') !== (known.folder !== '')) {
    return next.folder !== '';
  }
  return next.costUsd !== undefined && known.costUsd === undefined;
}

/** `YYYY-MM-DD` in this machine's time zone. */
export function localDay(ms: number): string {
  const date = new Date(ms);
  return ymd(date.getFullYear(), date.getMonth() + 1, date.getDate());
}

/** `YYYY-MM-DD` at a fixed offset from UTC, in minutes (east positive): days that tests can predict. */
export function dayAtOffset(offsetMinutes: number): (ms: number) => string {
  return (ms) => {
    const date = new Date(ms + offsetMinutes * 60_000);
    return ymd(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
  };
}

function ymd(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
