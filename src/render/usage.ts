import * as l10n from '@vscode/l10n';
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

/** "850 ms", "12 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '—';
  }
  if (ms < 1_000) {
    return l10n.t('{0} ms', Math.round(ms));
  }
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) {
    return l10n.t('{0} s', seconds);
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return l10n.t('{0} min {1} s', minutes, String(seconds % 60).padStart(2, '0'));
  }
  return l10n.t('{0} h {1} min', Math.floor(minutes / 60), String(minutes % 60).padStart(2, '0'));
}
