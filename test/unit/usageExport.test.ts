// Sail: Export Usage's file formats: CSV that a spreadsheet reads as data (never as a formula, even
// from a model id or a folder name someone else chose), and JSON with the same rows and a note that
// costs are estimates.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCsv, toJson } from '../../src/usage/exportUsage';
import type { UsageRow } from '../../src/usage/usageLedger';

function row(extra: Partial<UsageRow> = {}): UsageRow {
  return {
    day: '2027-01-15',
    folder: 'app',
    model: 'moonshotai/Kimi-K2.5',
    window: 'flex',
    jobs: 2,
    input: 4000,
    cached: 3250,
    output: 410,
    reasoning: 100,
    total: 4410,
    costUsd: 0.1 + 0.2,
    asapCostUsd: 0.5,
    savedUsd: 0.5 - 0.2,
    unpriced: 0,
    cacheHitRatio: 0.8125,
    pricesDates: ['2027-01-01'],
    ...extra,
  };
}

/** RFC 4180 fields of a CSV text, for checking what a reader gets back. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  assert.equal(field + record.join(''), '', 'the text ends with a line break');
  return records;
}

describe('usage export', () => {
  it('writes CSV with a header row, CRLF line ends and one line per row', () => {
    const csv = toCsv([row(), row({ day: '2027-01-16', costUsd: undefined, asapCostUsd: undefined, savedUsd: undefined, unpriced: 2, pricesDates: [] })]);
    assert.ok(csv.endsWith('\r\n'));
    assert.equal(csv.split('\r\n').length, 4, 'header, two rows, and the final line break');
    const [header, first, second] = parseCsv(csv);
    assert.deepEqual(header, [
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
    ]);
    assert.deepEqual(first, [
      '2027-01-15',
      'app',
      'moonshotai/Kimi-K2.5',
      'flex',
      '2',
      '4000',
      '3250',
      '410',
      '100',
      '4410',
      '0.3',
      '0.5',
      '0.3',
      '0',
      '2027-01-01',
    ]);
    assert.deepEqual(second?.slice(10), ['', '', '', '2', ''], 'unknown costs are empty, not 0');
  });

  it('quotes fields holding commas, quotes or line breaks, and reads back to the same text', () => {
    const folder = 'my "app", v2\nnext line';
    const csv = toCsv([row({ folder, model: 'a,b' })]);
    assert.ok(csv.includes('"my ""app"", v2\nnext line"'));
    const [, fields] = parseCsv(csv);
    assert.equal(fields?.[1], folder);
    assert.equal(fields?.[2], 'a,b');
    assert.equal(fields?.length, 15);
  });

  it('never lets a spreadsheet run a model id or folder name as a formula', () => {
    const hostile = ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'];
    const csv = toCsv(hostile.map((name) => row({ folder: name, model: name })));
    const [, ...records] = parseCsv(csv);
    assert.equal(records.length, hostile.length);
    for (const [i, fields] of records.entries()) {
      assert.equal(fields[1], `'${hostile[i]}`);
      assert.equal(fields[2], `'${hostile[i]}`);
    }
    assert.ok(!/(^|,)[=+\-@]/m.test(csv.replaceAll(/"[^"]*"/g, '')), 'no unquoted cell starts a formula');
  });

  it('names windows as Sail does now: standard is balanced', () => {
    const csv = toCsv([row({ window: 'standard' }), row({ window: 'auto' }), row({ window: 'flex' })]);
    assert.deepEqual(
      parseCsv(csv)
        .slice(1)
        .map((fields) => fields[3]),
      ['balanced', 'auto', 'flex'],
    );
    assert.equal(JSON.parse(toJson([row({ window: 'standard' })], 0)).rows[0].window, 'balanced');
  });

  it('writes numbers as numbers, a negative saving included, and plain names untouched', () => {
    const [, fields] = parseCsv(toCsv([row({ savedUsd: -0.25, folder: 'a=b', model: 'x-1' })]));
    assert.equal(fields?.[12], '-0.25');
    assert.deepEqual(fields?.slice(1, 3), ['a=b', 'x-1']);
  });

  it('writes JSON with a note that costs are estimates, the same rows, and null for unknown costs', () => {
    const json = JSON.parse(toJson([row(), row({ costUsd: undefined, asapCostUsd: undefined, savedUsd: undefined, unpriced: 2 })], Date.UTC(2027, 0, 15, 12)));
    assert.equal(json.format, 'sail-usage');
    assert.equal(json.version, 1);
    assert.equal(json.exportedAt, '2027-01-15T12:00:00.000Z');
    assert.match(json.pricesNote, /estimate/i);
    assert.deepEqual(json.rows[0], {
      day: '2027-01-15',
      folder: 'app',
      model: 'moonshotai/Kimi-K2.5',
      window: 'flex',
      jobs: 2,
      inputTokens: 4000,
      cachedInputTokens: 3250,
      outputTokens: 410,
      reasoningTokens: 100,
      totalTokens: 4410,
      costUsd: 0.3,
      asapCostUsd: 0.5,
      savedVsAsapUsd: 0.3,
      unpricedJobs: 0,
      pricesDates: ['2027-01-01'],
    });
    assert.deepEqual([json.rows[1].costUsd, json.rows[1].asapCostUsd, json.rows[1].savedVsAsapUsd, json.rows[1].unpricedJobs], [null, null, null, 2]);
    assert.deepEqual(Object.keys(json.rows[1]), Object.keys(json.rows[0]));
  });

  it('writes an empty list as a header only, or no rows', () => {
    assert.equal(parseCsv(toCsv([])).length, 1);
    assert.deepEqual(JSON.parse(toJson([], 0)).rows, []);
  });
});
