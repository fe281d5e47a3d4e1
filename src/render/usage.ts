import * as l10n from '@vscode/l10n';
import { formatDuration as formatDurationIn, type DurationWords } from './duration';
import type { SailUsage } from '../sail/schemas';

export interface UsageRow {
  readonly label: string;
  readonly value: string;
  /** The raw count, for tests and sorting. */
  readonly tokens: number;
}

const numberFormat = new Intl.NumberFormat('en-US');

/** The token-usage table of a result: input, cached, output, reasoning, total. */
export function usageRows(usage: SailUsage): UsageRow[] {
  const rows: [string, number][] = [
    [l10n.t('Input tokens'), usage.input_tokens],
    [l10n.t('Cached input tokens'), usage.input_tokens_details.cached_tokens],
    [l10n.t('Output tokens'), usage.output_tokens],
    [l10n.t('Reasoning tokens'), usage.output_tokens_details.reasoning_tokens],
    [l10n.t('Total tokens'), usage.total_tokens],
  ];
  return rows.map(([label, tokens]) => ({ label, tokens, value: numberFormat.format(tokens) }));
}

/** The words for durations in the user's language. */
export function durationWords(): DurationWords {
  return { milliseconds: l10n.t('{0} ms'), seconds: l10n.t('{0} s'), minutes: l10n.t('{0} min {1} s'), hours: l10n.t('{0} h {1} min') };
}

/** "850 ms", "12 s", "4 min 05 s", "2 h 03 min", in the user's language. */
export function formatDuration(ms: number): string {
  return formatDurationIn(ms, durationWords());
}
