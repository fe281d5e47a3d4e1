/**
 * The usage ledger's rows as a file the user keeps: CSV for a spreadsheet, JSON for a script. Model ids
 * come from the server and folder names from the disk, so in CSV a text cell that a spreadsheet would
 * read as a formula is made plain text first.
 */
import * as l10n from '@vscode/l10n';
import { isCompletionWindow, windowName } from '../sail/windows';
import type { UsageRow } from './usageLedger';

export type UsageExportFormat = 'csv' | 'json';

const CSV_COLUMNS = [
  'day',
  'folder',
  'model',
  'window',
  'jobs',
  'input_tokens',
  'cached_input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'total_tokens',
  'cost_usd',
  'asap_cost_usd',
  'saved_vs_asap_usd',
  'unpriced_jobs',
  'prices_dates',
] as const;

/** Cells a spreadsheet would run as a formula (or, after a tab or carriage return, might). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180: a header row, CRLF line ends, fields quoted when they hold a quote, a comma or a line break. */
export function toCsv(rows: readonly UsageRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      [
        text(row.day),
        text(row.folder),
        text(row.model),
        text(shownWindow(row.window)),
        row.jobs,
        row.input,
        row.cached,
        row.output,
        row.reasoning,
        row.total,
        usd(row.costUsd),
        usd(row.asapCostUsd),
        usd(row.savedUsd),
        row.unpriced,
        text(row.pricesDates.join(' ')),
      ].join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The rows with a note that costs are estimates; absent costs are null, so every row has the same keys. */
export function toJson(rows: readonly UsageRow[], exportedAt: number): string {
  return `${JSON.stringify(
    {
      format: 'sail-usage',
      version: 1,
      exportedAt: new Date(exportedAt).toISOString(),
      pricesNote: l10n.t(
        'Costs are estimates from the token counts and the published prices on the dates given, not an invoice. Jobs without a price are counted in unpricedJobs and left out of the costs.',
      ),
      rows: rows.map((row) => ({
        day: row.day,
        folder: row.folder,
        model: row.model,
        window: shownWindow(row.window),
        jobs: row.jobs,
        inputTokens: row.input,
        cachedInputTokens: row.cached,
        outputTokens: row.output,
        reasoningTokens: row.reasoning,
        totalTokens: row.total,
        costUsd: usdOrNull(row.costUsd),
        asapCostUsd: usdOrNull(row.asapCostUsd),
        savedVsAsapUsd: usdOrNull(row.savedUsd),
        unpricedJobs: row.unpriced,
        pricesDates: row.pricesDates,
      })),
    },
    null,
    2,
  )}\n`;
}

/** The window by the name people know it by now (`balanced`, not the id `standard`); `auto` and unknown ones as stored. */
function shownWindow(window: string): string {
  return isCompletionWindow(window) ? windowName(window) : window;
}

/** A text cell: never a formula, quoted when it must be. */
function text(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function usd(value: number | undefined): string {
  return value === undefined ? '' : String(roundUsd(value));
}

function usdOrNull(value: number | undefined): number | null {
  return value === undefined ? null : roundUsd(value);
}

/** To a millionth of a dollar: sums of estimates carry no more precision than that, only float noise. */
function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
