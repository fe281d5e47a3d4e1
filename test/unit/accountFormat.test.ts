// The account figures in words: money from cents, burn rate, days remaining, the window mix under
// current names, which lines a summary gives, and our own words for each way the figures can be missing.
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as l10n from '@vscode/l10n';
import { accountLines, accountProblemText, formatBurnRate, formatCents, formatDaysRemaining, formatWindowMix, windowMixParts } from '../../src/render/account';
import { SailError } from '../../src/sail/errors';
import { accountProblemOf, UsageSummarySchema, type AccountProblem } from '../../src/sail/usage';

describe('account figures in words', () => {
  it('writes cents as dollars, with thousands separated', () => {
    assert.equal(formatCents(1234), '$12.34');
    assert.equal(formatCents(0), '$0.00');
    assert.equal(formatCents(1), '$0.01');
    assert.equal(formatCents(123_456_789), '$1,234,567.89');
    assert.equal(formatCents(-250), '-$2.50');
    assert.equal(formatCents(99.6), '$1.00');
  });

  it('never shows a positive spend under a cent as nothing', () => {
    assert.equal(formatCents(0.004), '< $0.01');
    assert.equal(formatCents(0.99), '< $0.01');
    assert.equal(formatCents(-0.3), '> -$0.01');
  });

  it('gives the burn rate per day and whole days remaining, rounded down', () => {
    assert.equal(formatBurnRate(150), '$1.50 a day');
    assert.equal(formatBurnRate(0.2), '< $0.01 a day');
    assert.equal(formatDaysRemaining(0.4), 'less than a day');
    assert.equal(formatDaysRemaining(1.9), '1 day');
    assert.equal(formatDaysRemaining(12.99), '12 days');
    assert.equal(formatDaysRemaining(1234.5), '1,234 days');
  });

  it('writes the window mix under current names, as shares of its total', () => {
    assert.equal(formatWindowMix({ '24hr': 0.3, standard: 0.5, flex: 0.1, '15min': 0.1 }), 'priority 10 %, balanced 50 %, flex 40 %');
    // Percentages instead of fractions read the same.
    assert.equal(formatWindowMix({ balanced: 60, flex: 40 }), 'balanced 60 %, flex 40 %');
    assert.deepEqual(windowMixParts({ flex: 0.999, asap: 0.001 }), [
      { window: 'asap', percent: '< 1' },
      { window: 'flex', percent: '100' },
    ]);
    assert.equal(formatWindowMix({}), undefined);
    assert.equal(formatWindowMix({ flex: 0 }), undefined);
  });
});

describe('accountLines', () => {
  it('gives balance, spend this period, burn rate, days remaining and mix, in that order', () => {
    const summary = UsageSummarySchema.parse({
      range: 'period',
      period_spend: 1234,
      burn_rate: 150,
      balance: 10_000,
      days_remaining: 66.7,
      sla_mix: { standard: 1 },
    });
    assert.deepEqual(
      accountLines(summary).map((line) => [line.figure, line.label, line.value]),
      [
        ['balance', 'Balance', '$100.00'],
        ['spend', 'Spend this period', '$12.34'],
        ['burnRate', 'Burn rate', '$1.50 a day'],
        ['daysRemaining', 'Days remaining', '66 days'],
        ['windowMix', 'Window mix', 'balanced 100 %'],
      ],
    );
  });

  it('leaves out what Sail did not send, and names the range it summed over', () => {
    const summary = UsageSummarySchema.parse({ range: '7d', period_spend: 0.5, avg_cost_per_day: 20 });
    assert.deepEqual(
      accountLines(summary).map((line) => [line.figure, line.label, line.value]),
      [
        ['spend', 'Spend, last 7 days', '< $0.01'],
        ['burnRate', 'Burn rate', '$0.20 a day'],
      ],
    );
  });

  it('says the balance is unavailable, and gives no days remaining without it', () => {
    const summary = UsageSummarySchema.parse({ balance_unavailable: true, balance: null, period_spend: 100, days_remaining: 5 });
    const lines = accountLines(summary);
    assert.deepEqual(
      lines.map((line) => line.figure),
      ['balance', 'spend'],
    );
    assert.equal(lines[0].value, 'not available from Sail just now');
  });
});

describe('why the account figures are missing', () => {
  const cases: [SailError | Error, AccountProblem][] = [
    [new SailError('auth', 'GET /usage failed with HTTP 401', { status: 401 }), 'auth'],
    [new SailError('forbidden', 'GET /usage failed with HTTP 403', { status: 403 }), 'refused'],
    [new SailError('not_found', 'GET /usage failed with HTTP 404', { status: 404 }), 'notServed'],
    [new SailError('network', 'connection refused'), 'network'],
    [new SailError('timeout', 'no headers'), 'network'],
    [new SailError('server', 'HTTP 503', { status: 503 }), 'server'],
    [new SailError('rate_limited', 'HTTP 429', { status: 429 }), 'server'],
    [new SailError('unexpected_response', 'not JSON'), 'unreadable'],
    [new SailError('invalid_request', 'HTTP 400', { status: 400 }), 'error'],
    [new Error('a bug'), 'error'],
  ];

  it('maps each failure to a problem the user can act on', () => {
    assert.deepEqual(
      cases.map(([error]) => accountProblemOf(error)),
      cases.map(([, problem]) => problem),
    );
  });

  it('words each problem in our own sentence, distinct from the others, naming the setting where it helps', () => {
    const problems: AccountProblem[] = ['auth', 'refused', 'notServed', 'network', 'server', 'unreadable', 'error'];
    const texts = problems.map(accountProblemText);
    assert.equal(new Set(texts).size, problems.length);
    assert.match(accountProblemText('notServed'), /sail\.usageBaseUrl/);
    assert.match(accountProblemText('auth'), /API key/);
  });

  describe('translated', () => {
    after(() => l10n.config({ contents: {} }));

    it('through @vscode/l10n, like every word of the pure core', () => {
      l10n.config({ contents: { '{0} a day': '{0} par jour', 'Spend this period': 'Dépenses de la période' } });
      assert.equal(formatBurnRate(150), '$1.50 par jour');
      assert.equal(accountLines(UsageSummarySchema.parse({ period_spend: 1 }))[0].label, 'Dépenses de la période');
    });
  });
});
