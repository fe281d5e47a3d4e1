/** Money and estimates in words: the cost line of a job, and a window's choice in the picker. */
import * as l10n from '@vscode/l10n';
import { windowName, type CompletionWindow } from '../sail/windows';
import type { JobCost, WindowEstimate } from '../usage/estimate';

const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const cents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 2 });

/** "$12.34", "$0.42", "$0.0031" (two significant digits below a dollar), "< $0.0001". */
export function formatUsd(amount: number): string {
  if (amount === 0) {
    return dollars.format(0);
  }
  if (Math.abs(amount) < 0.0001) {
    return `< ${cents.format(0.0001)}`;
  }
  return Math.abs(amount) >= 1 ? dollars.format(amount) : cents.format(amount);
}

/** "prices of 2026-09-13", or "your prices" for sail.modelCatalog's. */
export function pricesLabel(date: string | undefined): string {
  return date ? l10n.t('estimate, prices of {0}', date) : l10n.t('estimate, your prices from sail.modelCatalog');
}

/** "≈ $0.0042 (estimate, prices of 2026-09-13)". */
export function costText(cost: JobCost): string {
  return l10n.t('≈ {0} ({1})', formatUsd(cost.costUsd), pricesLabel(cost.pricesDate));
}

/** "saved ≈ $0.0168 against asap", when the asap price is known and something was saved. */
export function savedText(cost: JobCost): string | undefined {
  if (cost.asapCostUsd === undefined || cost.asapCostUsd - cost.costUsd <= 0) {
    return undefined;
  }
  return l10n.t('saved ≈ {0} against asap', formatUsd(cost.asapCostUsd - cost.costUsd));
}

/** "≈ 80 % below asap" from a price ratio; undefined for asap itself. */
export function belowAsapText(vsAsap: number): string | undefined {
  const below = Math.round((1 - vsAsap) * 100);
  return below > 0 ? l10n.t('≈ {0} % below asap', below) : undefined;
}

/** "typically seconds", "typically about a minute", "typically about 5 minutes", "best effort, typically hours". */
export function typicalTimeText(window: CompletionWindow, typicalMs: number): string {
  if (window === 'flex') {
    return l10n.t('best effort, typically hours');
  }
  const minutes = Math.round(typicalMs / 60_000);
  return minutes < 1 ? l10n.t('typically seconds') : minutes === 1 ? l10n.t('typically about a minute') : l10n.t('typically about {0} minutes', minutes);
}

/** A window's row in a picker: its name, then time and price. */
export function windowChoice(estimate: WindowEstimate): { name: string; time: string; price: string } {
  const relative = belowAsapText(estimate.vsAsap);
  const price =
    estimate.costUsd !== undefined
      ? relative
        ? l10n.t('≈ {0} for this request, {1}', formatUsd(estimate.costUsd), relative)
        : l10n.t('≈ {0} for this request', formatUsd(estimate.costUsd))
      : relative
        ? l10n.t('price unknown, {0} by Sail’s usual rates', relative)
        : l10n.t('price unknown');
  return { name: windowName(estimate.window), time: typicalTimeText(estimate.window, estimate.typicalMs), price };
}

/** The usage summary's figures in words: cost and tokens today and this month, cache hits, saving. */
export function usageSummaryText(summary: { today: UsageTotalsLike; month: UsageTotalsLike }): { description: string; lines: [string, string][] } {
  const money = (totals: UsageTotalsLike) => (totals.costUsd !== undefined ? l10n.t('≈ {0}', formatUsd(totals.costUsd)) : l10n.t('no price known'));
  const tokens = (totals: UsageTotalsLike) => l10n.t('{0} tokens in {1} jobs', totals.total.toLocaleString('en-US'), totals.jobs);
  const lines: [string, string][] = [
    [l10n.t('Today'), `${money(summary.today)} · ${tokens(summary.today)}`],
    [l10n.t('This month'), `${money(summary.month)} · ${tokens(summary.month)}`],
  ];
  if (summary.month.cacheHitRatio !== undefined) {
    lines.push([l10n.t('Cache hits this month'), l10n.t('{0} % of input tokens', Math.round(summary.month.cacheHitRatio * 100))]);
  }
  if (summary.month.savedUsd !== undefined && summary.month.savedUsd > 0) {
    lines.push([l10n.t('Saved against asap this month'), l10n.t('≈ {0}', formatUsd(summary.month.savedUsd))]);
  }
  if (summary.month.unpriced > 0) {
    lines.push([l10n.t('Jobs without a known price this month'), String(summary.month.unpriced)]);
  }
  const description = l10n.t('today {0} · this month {1}', money(summary.today), money(summary.month));
  return { description, lines };
}

/** What usageSummaryText reads of the ledger's totals. */
export interface UsageTotalsLike {
  readonly jobs: number;
  readonly total: number;
  readonly costUsd?: number;
  readonly savedUsd?: number;
  readonly unpriced: number;
  readonly cacheHitRatio?: number;
}
