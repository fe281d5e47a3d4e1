// The price table, cost arithmetic and estimates (src/usage/catalog.ts, estimate.ts, render/cost.ts):
// what a finished job cost, what it would have cost at asap, and what a request will cost per window.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig } from '../../src/config';
import { BUILTIN_PRICES_DATE, priceCatalog } from '../../src/usage/catalog';
import { costOf, estimateInputTokens, estimateOutputTokens, estimateWindows, jobCost } from '../../src/usage/estimate';
import { costText, formatUsd, savedText, windowChoice } from '../../src/render/cost';
import { parseWindow, windowName } from '../../src/sail/windows';
import { buildRequest } from '../../src/jobs/prompt';
import { WindowMemory } from '../../src/usage/windowMemory';
import { MemoryState } from '../support/memoryState';

const K26 = 'moonshotai/Kimi-K2.6';

describe('cost of a finished job', () => {
  const catalog = priceCatalog();

  it('prices uncached input, cached input and output (reasoning included) each at its own rate', () => {
    // Kimi-K2.6 flex: 0.35 input, 0.10 cached, 2.00 output per million.
    const cost = jobCost(catalog, { model: K26, window: 'flex', usage: { input: 1_000_000, cached: 400_000, output: 500_000 } });
    assert.ok(cost);
    assert.equal(cost.costUsd.toFixed(6), (0.6 * 0.35 + 0.4 * 0.1 + 0.5 * 2).toFixed(6));
    assert.equal(cost.pricesDate, BUILTIN_PRICES_DATE);
  });

  it('says what the same usage would have cost at asap, and what was saved', () => {
    const cost = jobCost(catalog, { model: K26, window: 'flex', usage: { input: 1_000_000, cached: 0, output: 1_000_000 } });
    assert.ok(cost);
    assert.equal(cost.asapCostUsd?.toFixed(2), '5.00');
    assert.equal(cost.costUsd.toFixed(2), '2.35');
    assert.equal(savedText(cost), 'saved ≈ $2.65 against asap');
    assert.equal(costText(cost), `≈ $2.35 (estimate, prices of ${BUILTIN_PRICES_DATE})`);
  });

  it('claims no saving for a job that ran at asap', () => {
    const cost = jobCost(catalog, { model: K26, window: 'asap', usage: { input: 1000, cached: 0, output: 1000 } });
    assert.ok(cost);
    assert.equal(savedText(cost), undefined);
  });

  it('prices cached tokens as input when the cached price is unknown, and never counts more cached than input', () => {
    assert.equal(costOf({ input: 1, output: 2 }, { input: 1_000_000, cached: 500_000, output: 0 }), 1);
    assert.equal(costOf({ input: 1, cachedInput: 0.5, output: 2 }, { input: 100, cached: 1000, output: 0 }), 100 * 0.5 * 1e-6);
  });

  it('has no figure for a model or window without a price, or a job without usage or window', () => {
    assert.equal(jobCost(catalog, { model: 'someone/unknown', window: 'flex', usage: { input: 1, cached: 0, output: 1 } }), undefined);
    assert.equal(jobCost(catalog, { model: K26, window: 'priority', usage: { input: 1, cached: 0, output: 1 } }), undefined);
    assert.equal(jobCost(catalog, { model: K26, window: undefined, usage: { input: 1, cached: 0, output: 1 } }), undefined);
    assert.equal(jobCost(catalog, { model: K26, window: 'flex' }), undefined);
  });
});

describe('the price table and sail.modelCatalog', () => {
  it('lists a known model’s windows fastest first, and every window for an unknown model', () => {
    const catalog = priceCatalog();
    assert.deepEqual(catalog.windowsOf('zai-org/GLM-5.3'), ['standard', 'flex']);
    assert.equal(catalog.knowsWindows('zai-org/GLM-5.3'), true);
    assert.deepEqual(catalog.windowsOf('someone/unknown'), ['asap', 'priority', 'standard', 'flex']);
    assert.equal(catalog.knowsWindows('someone/unknown'), false);
  });

  it('lays the user’s prices over the table, under either name of balanced, and dates them as the user’s', () => {
    const { config, problems } = readConfig(
      reader({
        modelCatalog: {
          [K26]: { prices: { balanced: { input: 9, output: 9 } } },
          'my/model': { windows: ['flex', 'asap'], prices: { flex: { input: 1, output: 1 } } },
        },
      }),
    );
    assert.deepEqual(problems, []);
    const catalog = priceCatalog(config.modelCatalog);
    assert.deepEqual(catalog.priceOf(K26, 'standard'), { input: 9, output: 9 });
    assert.equal(catalog.priceOf(K26, 'flex')?.input, 0.35, 'the other windows keep the shipped prices');
    assert.equal(catalog.pricesDate(K26), undefined);
    assert.deepEqual(catalog.windowsOf('my/model'), ['asap', 'flex']);
    assert.equal(catalog.pricesDate('zai-org/GLM-5.3'), BUILTIN_PRICES_DATE);
  });

  it('refuses a negative price or an unknown window name in the setting, and says which setting', () => {
    const { config, problems } = readConfig(reader({ modelCatalog: { x: { prices: { flex: { input: -1, output: 1 } } } } }));
    assert.deepEqual(config.modelCatalog, {});
    assert.equal(problems[0]?.setting, 'sail.modelCatalog');
    assert.equal(readConfig(reader({ modelCatalog: { x: { windows: ['someday'] } } })).problems[0]?.setting, 'sail.modelCatalog');
  });
});

describe('balanced, the current name of standard', () => {
  it('reads either name, and the usage API’s legacy keys, as one window; shows the current name', () => {
    assert.equal(parseWindow('balanced'), 'standard');
    assert.equal(parseWindow('standard'), 'standard');
    assert.equal(parseWindow('24hr'), 'flex');
    assert.equal(parseWindow('15min'), 'priority');
    assert.equal(parseWindow('tomorrow'), undefined);
    assert.equal(windowName('standard'), 'balanced');
    assert.equal(windowName('flex'), 'flex');
  });

  it('accepts sail.completionWindow = balanced and sends the window Sail knows', () => {
    const { config, problems } = readConfig(reader({ completionWindow: 'balanced' }));
    assert.deepEqual(problems, []);
    assert.equal(buildRequest(config, 'x').metadata?.completion_window, 'standard');
    assert.equal(buildRequest(config, 'x', { completionWindow: 'flex' }).metadata?.completion_window, 'flex');
  });
});

describe('estimates before sending', () => {
  it('counts about four characters a token, and estimates the answer from the input or the configured ceiling', () => {
    assert.equal(estimateInputTokens('x'.repeat(4001)), 1001);
    assert.deepEqual(estimateOutputTokens(4000, null), { tokens: 3000, ceiling: false });
    assert.deepEqual(estimateOutputTokens(10, null), { tokens: 256, ceiling: false });
    assert.deepEqual(estimateOutputTokens(1_000_000, null), { tokens: 8192, ceiling: false });
    assert.deepEqual(estimateOutputTokens(10, 500), { tokens: 500, ceiling: true });
  });

  it('offers each window the model runs in, fastest first, with this request’s cost and the saving against asap', () => {
    const rows = estimateWindows(priceCatalog(), K26, { input: 1_000_000, cached: 0, output: 1_000_000 });
    assert.deepEqual(
      rows.map((r) => [r.window, r.costUsd?.toFixed(2)]),
      [
        ['asap', '5.00'],
        ['standard', '3.45'],
        ['flex', '2.35'],
      ],
    );
    assert.equal(windowChoice(rows[2]).price, '≈ $2.35 for this request, ≈ 53 % below asap');
    assert.equal(windowChoice(rows[0]).price, '≈ $5.00 for this request');
    assert.equal(windowChoice(rows[1]).name, 'balanced');
    assert.deepEqual(
      rows.map((r) => windowChoice(r).time),
      ['typically seconds', 'typically about 5 minutes', 'best effort, typically hours'],
    );
  });

  it('says "price unknown" for a model without prices, with Sail’s usual discount', () => {
    const rows = estimateWindows(priceCatalog(), 'someone/unknown', { input: 1000, cached: 0, output: 1000 });
    assert.equal(rows.length, 4);
    assert.equal(
      rows.every((r) => r.costUsd === undefined),
      true,
    );
    assert.equal(windowChoice(rows[3]).price, 'price unknown, ≈ 80 % below asap by Sail’s usual rates');
    assert.equal(windowChoice(rows[0]).price, 'price unknown');
  });
});

describe('money in words', () => {
  it('shows dollars and cents, two significant digits below a dollar, and a floor for the tiniest', () => {
    assert.equal(formatUsd(12.345), '$12.35');
    assert.equal(formatUsd(0.42), '$0.42');
    assert.equal(formatUsd(0.0031), '$0.0031');
    assert.equal(formatUsd(0), '$0.00');
    assert.equal(formatUsd(0.00001), '< $0.0001');
  });
});

function reader(values: Record<string, unknown>) {
  return {
    get: <T>(key: string) => values[key] as T | undefined,
    inspect: <T>(key: string) => ({ globalValue: values[key] as T | undefined }),
  };
}

describe('the window remembered per instruction', () => {
  it('offers the window last chosen for the same instruction, keeps no instruction text, and forgets the oldest past 200', async () => {
    const state = new MemoryState();
    const memory = new WindowMemory(state);
    assert.equal(memory.get('Explain'), undefined);
    await memory.set('Explain', 'flex');
    await memory.set('Review', 'asap');
    assert.equal(memory.get('Explain'), 'flex');
    assert.equal(memory.get('  Explain  '), 'flex', 'the same instruction, spaced differently');
    assert.equal(memory.get('Review'), 'asap');
    assert.doesNotMatch(JSON.stringify([...state.values]), /Explain|Review/);
    for (let i = 0; i < 200; i++) {
      await memory.set(`instruction ${i}`, 'standard');
    }
    assert.equal(memory.get('Explain'), undefined, 'the oldest choices go first');
    await new WindowMemory(state).set('instruction 0', 'flex');
    assert.equal(new WindowMemory(state).get('instruction 0'), 'flex');
  });
});
