// Sail's Usage API summary is read field by field: whatever Sail leaves out or sends oddly costs that
// one figure, never the whole summary; only a body with no figure at all is refused.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldWindowMix, UsageSummarySchema } from '../../src/sail/usage';

const FULL = {
  object: 'usage.summary',
  range: 'period',
  period_spend: 1234,
  burn_rate: 41.5,
  balance: 10_000,
  balance_unavailable: false,
  days_remaining: 240.9,
  plan_type: 'prepaid',
  model_count: 3,
  tokens: { total: 1500, input: 1000, output: 500, cached: 200 },
  avg_cost_per_day: 40,
  sla_mix: { balanced: 0.6, flex: 0.4 },
  prior_period: { period_spend: 900, burn_rate: 30, tokens: { total: 10, input: 6, output: 4, cached: 0 } },
  a_field_sail_adds_later: { nested: true },
};

describe('the Usage API summary schema', () => {
  it('reads every documented figure, in cents, with the names the extension uses', () => {
    assert.deepEqual(UsageSummarySchema.parse(FULL), {
      range: 'period',
      periodSpendCents: 1234,
      burnRateCentsPerDay: 41.5,
      avgCostPerDayCents: 40,
      tokens: { total: 1500, input: 1000, output: 500, cached: 200 },
      balanceCents: 10_000,
      balanceUnavailable: false,
      daysRemaining: 240.9,
      planType: 'prepaid',
      modelCount: 3,
      windowMix: { balanced: 0.6, flex: 0.4 },
      priorPeriod: { periodSpendCents: 900, burnRateCentsPerDay: 30, tokens: { total: 10, input: 6, output: 4, cached: 0 } },
    });
  });

  it('keeps what is there when most figures are missing', () => {
    assert.deepEqual(UsageSummarySchema.parse({ period_spend: 5 }), { periodSpendCents: 5, tokens: {}, balanceUnavailable: false, windowMix: {} });
    assert.deepEqual(UsageSummarySchema.parse({ balance: 0 }), { balanceCents: 0, tokens: {}, balanceUnavailable: false, windowMix: {} });
  });

  it('costs only the odd field when one is of the wrong type, null or not finite', () => {
    const parsed = UsageSummarySchema.parse({
      ...FULL,
      balance: 'lots',
      burn_rate: null,
      days_remaining: Number.POSITIVE_INFINITY,
      model_count: -2,
      plan_type: 7,
      range: { weird: true },
      tokens: { total: 'many', input: 1000, output: null },
      prior_period: 'last month',
    });
    assert.equal(parsed.balanceCents, undefined);
    assert.equal(parsed.burnRateCentsPerDay, undefined);
    assert.equal(parsed.daysRemaining, undefined);
    assert.equal(parsed.modelCount, undefined);
    assert.equal(parsed.planType, undefined);
    assert.equal(parsed.range, undefined);
    assert.equal(parsed.priorPeriod, undefined);
    assert.deepEqual(parsed.tokens, { input: 1000 });
    assert.equal(parsed.periodSpendCents, 1234, 'the good figures survive');
    assert.deepEqual(parsed.windowMix, { balanced: 0.6, flex: 0.4 });
  });

  it('reads money sent as decimal strings, and a whole tokens object that is not an object as unknown', () => {
    const parsed = UsageSummarySchema.parse({ period_spend: '12.5', balance: ' 300 ', tokens: [1, 2] });
    assert.equal(parsed.periodSpendCents, 12.5);
    assert.equal(parsed.balanceCents, 300);
    assert.deepEqual(parsed.tokens, {});
  });

  it('shows no balance when Sail says it is unavailable, even if a number came with it', () => {
    const parsed = UsageSummarySchema.parse({ ...FULL, balance_unavailable: true, balance: 0 });
    assert.equal(parsed.balanceUnavailable, true);
    assert.equal(parsed.balanceCents, undefined);
    assert.equal(parsed.periodSpendCents, 1234);
    const alone = UsageSummarySchema.parse({ balance_unavailable: true, balance: null });
    assert.equal(alone.balanceUnavailable, true);
  });

  it('keeps legacy and unknown window keys as sent, dropping shares that are not numbers', () => {
    const parsed = UsageSummarySchema.parse({ sla_mix: { '15min': 0.25, '24hr': 0.25, standard: 0.5, nova: 'x', lunar: -1, '': 0.1 } });
    assert.deepEqual(parsed.windowMix, { '15min': 0.25, '24hr': 0.25, standard: 0.5 });
    assert.deepEqual(UsageSummarySchema.parse({ period_spend: 1, sla_mix: ['asap'] }).windowMix, {});
  });

  it('refuses a body with no usage figure at all: an error page, another endpoint, garbage', () => {
    for (const body of [
      {},
      { object: 'surprise', data: 42, note: 'valid JSON' },
      { object: 'list', data: [] },
      42,
      'text',
      null,
      [],
      { tokens: 'x', sla_mix: 3 },
    ]) {
      assert.equal(UsageSummarySchema.safeParse(body).success, false, JSON.stringify(body));
    }
  });
});

describe('foldWindowMix', () => {
  it('adds legacy keys to their current windows: 15min → priority, 24hr → flex, standard → balanced', () => {
    assert.deepEqual(foldWindowMix({ '15min': 0.1, priority: 0.1, '24hr': 0.3, standard: 0.2, balanced: 0.2, asap: 0.1 }), [
      { window: 'asap', fraction: 0.1 },
      { window: 'priority', fraction: 0.2 },
      { window: 'balanced', fraction: 0.4 },
      { window: 'flex', fraction: 0.3 },
    ]);
  });

  it('puts windows it does not know after the known ones, largest first, and leaves out empty shares', () => {
    assert.deepEqual(foldWindowMix({ nova: 0.1, flex: 0.2, lunar: 0.5, asap: 0, toString: 0.2 }), [
      { window: 'flex', fraction: 0.2 },
      { window: 'lunar', fraction: 0.5 },
      { window: 'toString', fraction: 0.2 },
      { window: 'nova', fraction: 0.1 },
    ]);
  });
});
