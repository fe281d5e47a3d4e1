// Sail's Usage API (`GET /v1/usage`, sail-api.md §2.10): the account's figures, derived from the
// responses this simulator ran — their tokens once they are finished, priced per window — and a
// starting balance. Not in Sail's OpenAPI document. All money in cents, as Sail sends it.
import type { SimClock } from './clock';
import { badRequest } from './errors';
import type { Job } from './jobs';
import type { CompletionWindow } from './models';

export const USAGE_RANGES = ['24h', '7d', '30d', 'period'] as const;
type UsageRange = (typeof USAGE_RANGES)[number];

const DAY_MS = 24 * 60 * 60_000;
/** Virtual ms each range sums over; the simulated billing period is 30 days. */
const RANGE_MS: Record<UsageRange, number> = { '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, period: 30 * DAY_MS };

/**
 * The simulator's own prices, in cents per million tokens (not Sail's: roughly its ratios, each
 * window cheaper than the one before). Cached input tokens cost a tenth of the input price.
 */
const PRICES: Record<CompletionWindow, { input: number; output: number }> = {
  asap: { input: 100, output: 400 },
  priority: { input: 50, output: 200 },
  standard: { input: 35, output: 140 },
  flex: { input: 20, output: 80 },
};

/** `sla_mix` keys: Sail's current names, or with legacy statuses its older ones (`15min`, `standard`, `24hr`). */
const MIX_KEYS: Record<CompletionWindow, string> = { asap: 'asap', priority: 'priority', standard: 'balanced', flex: 'flex' };
const LEGACY_MIX_KEYS: Record<CompletionWindow, string> = { asap: 'asap', priority: '15min', standard: 'standard', flex: '24hr' };

export interface AccountSettings {
  /** The account's credit before anything the simulator ran; the balance is this minus what was spent. */
  balanceCents: number;
  /** Answer `balance_unavailable: true` and no balance, as Sail does when it cannot tell. */
  balanceUnavailable: boolean;
}

interface Totals {
  spend: number;
  input: number;
  output: number;
  cached: number;
}

export class AccountBook {
  /** Every response ever run, kept past retention: spend outlives the stored answer. */
  private readonly billed: Job[] = [];

  constructor(
    private readonly clock: SimClock,
    readonly settings: AccountSettings,
    private readonly legacyNames: boolean,
  ) {}

  record(job: Job): void {
    this.billed.push(job);
  }

  clear(): void {
    this.billed.length = 0;
  }

  /** The `usage.summary` object over the responses `inAccount` accepts (the caller's account). */
  summary(rawRange: string | null, inAccount: (job: Job) => boolean): Record<string, unknown> {
    const range = (rawRange ?? '30d') as UsageRange;
    if (!(USAGE_RANGES as readonly string[]).includes(range)) {
      throw badRequest('range', `range must be one of ${USAGE_RANGES.join(', ')}.`);
    }
    const rangeMs = RANGE_MS[range];
    const days = rangeMs / DAY_MS;
    const mine = this.billed.filter((job) => inAccount(job) && this.endedAgo(job) !== undefined);
    const current = mine.filter((job) => (this.endedAgo(job) ?? Infinity) < rangeMs);
    const prior = mine.filter((job) => {
      const ago = this.endedAgo(job) ?? Infinity;
      return ago >= rangeMs && ago < 2 * rangeMs;
    });
    const now = totals(current);
    const before = totals(prior);
    const spentEver = totals(mine).spend;
    const burnRate = cents(now.spend / days);
    const { balanceUnavailable } = this.settings;
    const balance = balanceUnavailable ? null : cents(Math.max(0, this.settings.balanceCents - spentEver));
    const mix: Record<string, number> = {};
    const tokensOf = (job: Job) => (job.result.status === 'failed' ? 0 : job.result.usage.total_tokens);
    const allTokens = current.reduce((sum, job) => sum + tokensOf(job), 0);
    for (const job of current) {
      const key = (this.legacyNames ? LEGACY_MIX_KEYS : MIX_KEYS)[job.request.window];
      mix[key] = (mix[key] ?? 0) + (allTokens > 0 ? tokensOf(job) / allTokens : 0);
    }
    return {
      object: 'usage.summary',
      range,
      period_spend: cents(now.spend),
      burn_rate: burnRate,
      balance,
      balance_unavailable: balanceUnavailable,
      days_remaining: balance === null || burnRate === 0 ? null : Math.round((balance / burnRate) * 10) / 10,
      plan_type: 'prepaid',
      model_count: new Set(current.map((job) => job.request.model.id)).size,
      tokens: tokens(now),
      avg_cost_per_day: burnRate,
      sla_mix: Object.fromEntries(Object.entries(mix).map(([key, share]) => [key, Math.round(share * 10_000) / 10_000])),
      prior_period: { range, period_spend: cents(before.spend), burn_rate: cents(before.spend / days), tokens: tokens(before) },
    };
  }

  /** Virtual ms since the job became terminal (as JobStore.status decides it); undefined while it runs. */
  private endedAgo(job: Job): number | undefined {
    const ago = this.clock.virtualSince(job.createdAtMs) - job.durationMs;
    return ago >= 0 ? ago : undefined;
  }
}

function totals(jobs: Job[]): Totals {
  const sum: Totals = { spend: 0, input: 0, output: 0, cached: 0 };
  for (const job of jobs) {
    if (job.result.status === 'failed') {
      continue; // Sail bills no tokens for a failed response.
    }
    const { input_tokens, output_tokens, input_tokens_details } = job.result.usage;
    const price = PRICES[job.request.window];
    const cached = input_tokens_details.cached_tokens;
    sum.spend += ((input_tokens - cached) * price.input + cached * price.input * 0.1 + output_tokens * price.output) / 1_000_000;
    sum.input += input_tokens;
    sum.output += output_tokens;
    sum.cached += cached;
  }
  return sum;
}

function tokens(sum: Totals): Record<string, number> {
  return { total: sum.input + sum.output, input: sum.input, output: sum.output, cached: sum.cached };
}

/** Cents to 1/10,000 of a cent: a job's tokens cost fractions of a cent. */
function cents(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
