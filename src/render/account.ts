/**
 * The account figures in words: money (Sail sends cents), the burn rate, days remaining, the window
 * mix under current window names, and why the figures are missing. Pure and translatable; the
 * status bar and the Sail view decide where the lines go. Window names in the mix come from the
 * server: a surface that interprets markup escapes them (uiText's `markdown`/`plain`).
 */
import * as l10n from '@vscode/l10n';
import { foldWindowMix, type AccountProblem, type UsageSummary } from '../sail/usage';

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const wholeNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `1234` → "$12.34"; a positive amount under a cent → "< $0.01", so a small spend never reads as nothing. */
export function formatCents(cents: number): string {
  if (cents > 0 && cents < 1) {
    return l10n.t('< {0}', money.format(0.01));
  }
  if (cents < 0 && cents > -1) {
    return l10n.t('> {0}', money.format(-0.01));
  }
  return money.format(cents / 100);
}

/** "$1.23 a day". */
export function formatBurnRate(centsPerDay: number): string {
  return l10n.t('{0} a day', formatCents(centsPerDay));
}

/** Whole days left, rounded down (better early than late): "less than a day", "1 day", "12 days". */
export function formatDaysRemaining(days: number): string {
  if (days < 1) {
    return l10n.t('less than a day');
  }
  const whole = Math.floor(days);
  return whole === 1 ? l10n.t('1 day') : l10n.t('{0} days', wholeNumber.format(whole));
}

export interface WindowMixPart {
  /** The current window name (legacy keys folded in), or Sail's key as sent when unknown. */
  readonly window: string;
  /** Whole percent of the mix, "< 1" for a trace. */
  readonly percent: string;
}

/**
 * The mix as shares of its total, so fractions and percentages read the same: "balanced 60 %",
 * "flex 40 %". Empty when Sail reported none.
 */
export function windowMixParts(mix: Readonly<Record<string, number>>): WindowMixPart[] {
  const shares = foldWindowMix(mix);
  const total = shares.reduce((sum, share) => sum + share.fraction, 0);
  return shares.map(({ window, fraction }) => {
    const percent = (fraction / total) * 100;
    return { window, percent: percent < 0.5 ? '< 1' : wholeNumber.format(percent) };
  });
}

/** "balanced 60 %, flex 40 %", or undefined when Sail reported no mix. */
export function formatWindowMix(mix: Readonly<Record<string, number>>): string | undefined {
  const parts = windowMixParts(mix);
  return parts.length ? parts.map((part) => l10n.t('{0} {1} %', part.window, part.percent)).join(', ') : undefined;
}

export type AccountFigure = 'balance' | 'spend' | 'burnRate' | 'daysRemaining' | 'windowMix';

export interface AccountLine {
  readonly figure: AccountFigure;
  readonly label: string;
  /** Our words and numbers, except the window mix, whose window names are Sail's. */
  readonly value: string;
}

/**
 * The figures Sail reported, in the order a person reads them: balance, spend this period, burn
 * rate, days remaining, window mix. A figure Sail did not send is left out; an unavailable balance
 * says so.
 */
export function accountLines(summary: UsageSummary): AccountLine[] {
  const lines: AccountLine[] = [];
  if (summary.balanceUnavailable) {
    lines.push({ figure: 'balance', label: l10n.t('Balance'), value: l10n.t('not available from Sail just now') });
  } else if (summary.balanceCents !== undefined) {
    lines.push({ figure: 'balance', label: l10n.t('Balance'), value: formatCents(summary.balanceCents) });
  }
  if (summary.periodSpendCents !== undefined) {
    lines.push({ figure: 'spend', label: spendLabel(summary.range), value: formatCents(summary.periodSpendCents) });
  }
  const burnRate = summary.burnRateCentsPerDay ?? summary.avgCostPerDayCents;
  if (burnRate !== undefined) {
    lines.push({ figure: 'burnRate', label: l10n.t('Burn rate'), value: formatBurnRate(burnRate) });
  }
  if (summary.daysRemaining !== undefined && !summary.balanceUnavailable) {
    lines.push({ figure: 'daysRemaining', label: l10n.t('Days remaining'), value: formatDaysRemaining(summary.daysRemaining) });
  }
  const mix = formatWindowMix(summary.windowMix);
  if (mix !== undefined) {
    lines.push({ figure: 'windowMix', label: l10n.t('Window mix'), value: mix });
  }
  return lines;
}

function spendLabel(range: string | undefined): string {
  switch (range) {
    case '24h':
      return l10n.t('Spend, last 24 hours');
    case '7d':
      return l10n.t('Spend, last 7 days');
    case '30d':
      return l10n.t('Spend, last 30 days');
    default:
      return l10n.t('Spend this period');
  }
}

/** Our own words for each problem, saying what the user can do; never the server's text. */
export function accountProblemText(problem: AccountProblem): string {
  switch (problem) {
    case 'auth':
      return l10n.t('Sail did not accept the API key for the account figures.');
    case 'refused':
      return l10n.t('The Usage API refused the request (HTTP 403): a proxy or gateway may be blocking it.');
    case 'notServed':
      return l10n.t('No account figures at this address: check sail.usageBaseUrl, or set it empty to turn them off.');
    case 'network':
      return l10n.t('The Usage API could not be reached; the figures will be fetched again later.');
    case 'server':
      return l10n.t('The Usage API is having trouble; the figures will be fetched again later.');
    case 'unreadable':
      return l10n.t('The Usage API answered with something that is not a usage summary: check sail.usageBaseUrl.');
    case 'error':
      return l10n.t('The account figures could not be fetched; see the Sail log.');
  }
}
