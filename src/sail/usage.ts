/**
 * Sail's Usage API (`GET /v1/usage` on its own host, same key): the account's balance, spend and
 * window mix. It is not in Sail's OpenAPI document and its fields are known only from the docs, so
 * the schema is tolerant field by field: a missing, null or odd field leaves that one figure
 * unknown instead of making the whole summary unreadable. Only a body with none of the figures at
 * all (an error page, another endpoint's answer) is refused. Money is in cents, as Sail sends it.
 */
import { z } from 'zod';
import { SailError } from './errors';
import { COMPLETION_WINDOWS, parseWindow, windowName } from './windows';

/** The periods Sail sums over; `period` is the current billing period. Sail's default is `30d`. */
export const USAGE_RANGES = ['24h', '7d', '30d', 'period'] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];

export interface UsageTokens {
  readonly total?: number;
  readonly input?: number;
  readonly output?: number;
  readonly cached?: number;
}

/** The figures of one period; every one may be unknown. */
export interface UsagePeriod {
  readonly periodSpendCents?: number;
  /** Cents per day at the current rate of spending. */
  readonly burnRateCentsPerDay?: number;
  readonly avgCostPerDayCents?: number;
  readonly tokens: UsageTokens;
}

export interface UsageSummary extends UsagePeriod {
  /** The range Sail says it summed over, as sent (e.g. `30d`). */
  readonly range?: string;
  /** Undefined when unknown, and always when `balanceUnavailable`. */
  readonly balanceCents?: number;
  /** Sail said it cannot tell the balance now (e.g. its billing system did not answer). */
  readonly balanceUnavailable: boolean;
  /** At the current burn rate; undefined when Sail does not say (nothing spent, or no balance). */
  readonly daysRemaining?: number;
  readonly planType?: string;
  readonly modelCount?: number;
  /** Share of use per completion window, keys as Sail sent them (legacy names included: see foldWindowMix). */
  readonly windowMix: Readonly<Record<string, number>>;
  readonly priorPeriod?: UsagePeriod;
}

/** A finite number, or a numeric string (money sent as a decimal string); anything else is unknown. */
const figure = z
  .preprocess((value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value), z.number())
  .optional()
  .catch(undefined);
const count = z
  .preprocess((value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value), z.number().nonnegative())
  .optional()
  .catch(undefined);
const text = z.string().trim().min(1).max(100).optional().catch(undefined);

const TokensSchema = z
  .object({ total: count, input: count, output: count, cached: count })
  .catch({ total: undefined, input: undefined, output: undefined, cached: undefined })
  .optional()
  .transform((tokens): UsageTokens => dropUndefined({ ...tokens }));

/** Entries that are not a non-negative number are dropped, the rest kept. */
const WindowMixSchema = z
  .record(z.string(), z.unknown())
  .catch({})
  .optional()
  .transform((mix) => {
    const kept: Record<string, number> = {};
    for (const [key, value] of Object.entries(mix ?? {})) {
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && key.trim() !== '') {
        kept[key] = value;
      }
    }
    return kept;
  });

const periodFields = {
  period_spend: figure,
  burn_rate: figure,
  avg_cost_per_day: figure,
  tokens: TokensSchema,
};

function period(wire: { period_spend?: number; burn_rate?: number; avg_cost_per_day?: number; tokens: UsageTokens }): UsagePeriod {
  return dropUndefined({
    periodSpendCents: wire.period_spend,
    burnRateCentsPerDay: wire.burn_rate,
    avgCostPerDayCents: wire.avg_cost_per_day,
    tokens: wire.tokens,
  });
}

const PriorPeriodSchema = z
  .object(periodFields)
  .optional()
  .catch(undefined)
  .transform((wire) => (wire === undefined ? undefined : period(wire)));

export const UsageSummarySchema: z.ZodType<UsageSummary> = z
  .object({
    range: text,
    ...periodFields,
    balance: figure,
    balance_unavailable: z.boolean().optional().catch(undefined),
    days_remaining: figure,
    plan_type: text,
    model_count: count,
    sla_mix: WindowMixSchema,
    prior_period: PriorPeriodSchema,
  })
  .refine(
    (wire) =>
      wire.balance_unavailable !== undefined ||
      [wire.period_spend, wire.burn_rate, wire.avg_cost_per_day, wire.balance, wire.days_remaining].some((v) => v !== undefined) ||
      Object.keys(wire.tokens).length > 0 ||
      Object.keys(wire.sla_mix).length > 0,
    { message: 'none of the usage figures is present' },
  )
  .transform((wire): UsageSummary => {
    const balanceUnavailable = wire.balance_unavailable === true;
    return dropUndefined({
      ...period(wire),
      range: wire.range,
      balanceCents: balanceUnavailable ? undefined : wire.balance,
      balanceUnavailable,
      daysRemaining: wire.days_remaining,
      planType: wire.plan_type,
      modelCount: wire.model_count,
      windowMix: wire.sla_mix,
      priorPeriod: wire.prior_period,
    });
  });

export interface WindowShare {
  /** The current name of the window, or the key as Sail sent it when it is not one we know. */
  readonly window: string;
  readonly fraction: number;
}

/** Known windows under their current names, fastest first. */
const WINDOW_ORDER: readonly string[] = COMPLETION_WINDOWS.map(windowName);

/**
 * The window mix under current names: the Usage API still reports use under older keys (`15min` is
 * now `priority`, `24hr` `flex`, `standard` `balanced`; see windows.ts), each added to its
 * successor. Known windows fastest first, then any others by share; windows with no share left out.
 */
export function foldWindowMix(mix: Readonly<Record<string, number>>): WindowShare[] {
  const folded = new Map<string, number>();
  for (const [key, fraction] of Object.entries(mix)) {
    const window = parseWindow(key);
    const name = window === undefined ? key : windowName(window);
    folded.set(name, (folded.get(name) ?? 0) + fraction);
  }
  const rank = (window: string) => (WINDOW_ORDER.includes(window) ? WINDOW_ORDER.indexOf(window) : WINDOW_ORDER.length);
  return [...folded]
    .filter(([, fraction]) => fraction > 0)
    .map(([window, fraction]) => ({ window, fraction }))
    .sort((a, b) => rank(a.window) - rank(b.window) || b.fraction - a.fraction || a.window.localeCompare(b.window));
}

/** Leaves absent figures out, so `'x' in summary` and deepEqual mean "Sail said so". */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Why the account figures are missing; render/account words each one. */
export type AccountProblem = 'auth' | 'refused' | 'notServed' | 'network' | 'server' | 'unreadable' | 'error';

/** What a failed fetch of the summary means for the user. */
export function accountProblemOf(error: unknown): AccountProblem {
  if (!(error instanceof SailError)) {
    return 'error';
  }
  switch (error.kind) {
    case 'auth':
      return 'auth';
    case 'forbidden':
      return 'refused';
    case 'not_found':
      return 'notServed';
    case 'network':
    case 'timeout':
      return 'network';
    case 'server':
    case 'rate_limited':
      return 'server';
    case 'unexpected_response':
      return 'unreadable';
    default:
      return 'error';
  }
}
