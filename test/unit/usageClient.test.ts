// The account figures over real HTTP: SailClient.getUsageSummary against the simulator's Usage API —
// figures derived from the responses the account ran, the balance and its absence, and every way the
// endpoint can refuse (each mapped to a problem in our own words), with the key kept out of errors and logs.
import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { accountProblemText, formatWindowMix } from '../../src/render/account';
import { SailClient, type SailClientOptions } from '../../src/sail/client';
import { SailError } from '../../src/sail/errors';
import { accountProblemOf, type UsageSummary } from '../../src/sail/usage';
import { startSimulator, type Simulator } from '../sim/index';
import { call, loadSailSchemas, type WireError } from '../sim/testing';

const MODEL = 'moonshotai/Kimi-K2.5';
const OTHER_KEY = 'sk_sim_other_account';
const HOUR = 60 * 60_000;

const clients: SailClient[] = [];
const allText: string[] = [];

function usageClient(baseUrl: string, apiKey: string, overrides: Partial<SailClientOptions> = {}): { client: SailClient; slept: number[] } {
  const slept: number[] = [];
  const log = (message: string) => void allText.push(message);
  const client = new SailClient({
    baseUrl,
    getApiKey: async () => apiKey,
    logger: { trace: log, debug: log, info: log, warn: log, error: log },
    sleep: async (ms) => void slept.push(ms),
    random: () => 0.5,
    env: {},
    ...overrides,
  });
  clients.push(client);
  return { client, slept };
}

async function failure(action: Promise<unknown>): Promise<SailError> {
  try {
    await action;
  } catch (error) {
    assert.ok(error instanceof SailError, `expected a SailError, got ${String(error)}`);
    allText.push(error.message, error.userMessage);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('the Usage API through SailClient, against the simulator', () => {
  /** The simulator's wall clock, moved by the tests: jobs finish when it passes their window. */
  let wall = 1_000_000_000;
  let sim: Simulator;
  let legacy: Simulator;

  before(async () => {
    const options = { now: () => wall, apiKeys: ['sk_sim_test', OTHER_KEY], retentionMs: Number.MAX_SAFE_INTEGER };
    sim = await startSimulator(options);
    legacy = await startSimulator({ ...options, legacyStatuses: true });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([sim, legacy].map((s) => s?.close()));
    const leaked = allText.filter((text) => text.includes('sk_sim_test') || text.includes(OTHER_KEY));
    assert.deepEqual(leaked, [], 'no key in any error or log line');
  });

  beforeEach(() => {
    for (const s of [sim, legacy]) {
      s.reset();
      s.setAccount({ balanceCents: 2_500, balanceUnavailable: false });
    }
  });

  /** Sends background jobs, one per window, and returns the tokens Sail reports for each once done. */
  async function runJobs(target: Simulator, apiKey: string, windows: string[]): Promise<number[]> {
    const { client } = usageClient(target.baseUrl, apiKey);
    const ids: string[] = [];
    for (const window of windows) {
      const { response } = await client.createResponse({
        model: MODEL,
        input: `Explain ${window} billing`,
        background: true,
        metadata: { completion_window: window },
      });
      ids.push(response.id);
    }
    wall += 3 * HOUR; // past every window (flex: about 2 h)
    const tokens: number[] = [];
    for (const id of ids) {
      tokens.push((await client.getResponse(id)).usage.total_tokens);
    }
    return tokens;
  }

  it('counts the tokens and spend of finished responses only, and takes the spend off the balance', async () => {
    const { client } = usageClient(sim.baseUrl, sim.apiKey);
    await client.createResponse({ model: MODEL, input: 'still running', background: true, metadata: { completion_window: 'flex' } });
    const running = await client.getUsageSummary('period');
    assert.equal(running.periodSpendCents, 0);
    assert.equal(running.tokens.total, 0);
    assert.equal(running.balanceCents, 2_500);
    assert.equal(running.daysRemaining, undefined, 'nothing spent: no end in sight');

    sim.reset();
    const tokens = await runJobs(sim, sim.apiKey, ['standard', 'flex']);
    const summary = await client.getUsageSummary('period');
    assert.equal(summary.range, 'period');
    assert.equal(summary.tokens.total, tokens[0] + tokens[1]);
    assert.equal((summary.tokens.input ?? 0) + (summary.tokens.output ?? 0), summary.tokens.total);
    assert.ok((summary.periodSpendCents ?? 0) > 0, `spend ${summary.periodSpendCents}`);
    assert.ok(Math.abs((summary.balanceCents ?? 0) - (2_500 - (summary.periodSpendCents ?? 0))) < 0.001, `balance ${summary.balanceCents}`);
    assert.equal(summary.balanceUnavailable, false);
    assert.equal(summary.modelCount, 1);
    assert.ok(summary.burnRateCentsPerDay !== undefined && summary.burnRateCentsPerDay > 0);
    assert.ok(summary.daysRemaining !== undefined && Math.abs(summary.daysRemaining - (summary.balanceCents ?? 0) / summary.burnRateCentsPerDay) < 0.1);
    assert.deepEqual(Object.keys(summary.windowMix).sort(), ['balanced', 'flex']);
    const shares = Object.values(summary.windowMix);
    assert.ok(Math.abs(shares[0] + shares[1] - 1) < 0.001);
  });

  it('counts only the account of the key that asks', async () => {
    await runJobs(sim, OTHER_KEY, ['standard']);
    const mine = await usageClient(sim.baseUrl, sim.apiKey).client.getUsageSummary();
    assert.equal(mine.periodSpendCents, 0);
    assert.equal(mine.balanceCents, 2_500);
    const theirs = await usageClient(sim.baseUrl, OTHER_KEY).client.getUsageSummary();
    assert.ok((theirs.periodSpendCents ?? 0) > 0);
  });

  it('sums over the range asked for, with the range before it as the prior period', async () => {
    await runJobs(sim, sim.apiKey, ['standard']);
    wall += 30 * HOUR;
    const { client } = usageClient(sim.baseUrl, sim.apiKey);
    const day = await client.getUsageSummary('24h');
    const week = await client.getUsageSummary('7d');
    assert.equal(day.range, '24h');
    assert.equal(day.periodSpendCents, 0);
    assert.ok((day.priorPeriod?.periodSpendCents ?? 0) > 0, 'yesterday is the prior period');
    assert.ok((week.periodSpendCents ?? 0) > 0);
    assert.equal(week.priorPeriod?.periodSpendCents, 0);
    const byDefault = await client.getUsageSummary();
    assert.equal(byDefault.range, '30d', "Sail's default range");
  });

  it('reports the window mix under the legacy keys when the simulator speaks the old vocabulary, folded back by the view', async () => {
    await runJobs(legacy, legacy.apiKey, ['priority', 'standard', 'flex']);
    const summary = await usageClient(legacy.baseUrl, legacy.apiKey).client.getUsageSummary('period');
    assert.deepEqual(Object.keys(summary.windowMix).sort(), ['15min', '24hr', 'standard']);
    assert.match(formatWindowMix(summary.windowMix) ?? '', /^priority \d+ %, balanced \d+ %, flex \d+ %$/);
  });

  it('says when the balance is unavailable, with the spend still there', async () => {
    await runJobs(sim, sim.apiKey, ['standard']);
    sim.setAccount({ balanceUnavailable: true });
    const summary: UsageSummary = await usageClient(sim.baseUrl, sim.apiKey).client.getUsageSummary('period');
    assert.equal(summary.balanceUnavailable, true);
    assert.equal(summary.balanceCents, undefined);
    assert.equal(summary.daysRemaining, undefined);
    assert.ok((summary.periodSpendCents ?? 0) > 0);
  });

  it('reports the configured balance, changed at run time in-process or through the admin API', async () => {
    const { client } = usageClient(sim.baseUrl, sim.apiKey);
    sim.setAccount({ balanceCents: 123_456 });
    assert.equal((await client.getUsageSummary()).balanceCents, 123_456);
    const admin = sim.baseUrl.replace(/\/v1$/, '/__sim/account');
    assert.equal((await fetch(admin, { method: 'POST', body: JSON.stringify({ balanceCents: 42, balanceUnavailable: true }) })).status, 204);
    assert.equal((await client.getUsageSummary()).balanceUnavailable, true);
    assert.equal((await fetch(admin, { method: 'POST', body: JSON.stringify({ balanceCents: 'lots' }) })).status, 400);
    sim.setAccount({ balanceUnavailable: false });
    assert.equal((await client.getUsageSummary()).balanceCents, 42);
  });

  it('a key Sail does not accept: auth, not retried, in our words', async () => {
    const { client, slept } = usageClient(sim.baseUrl, 'sk_not_an_account');
    const error = await failure(client.getUsageSummary());
    assert.equal(error.kind, 'auth');
    assert.equal(error.status, 401);
    assert.deepEqual(slept, []);
    assert.equal(accountProblemOf(error), 'auth');
  });

  it('an address that does not serve the Usage API: 404, unavailable with a reason naming the setting', async () => {
    const elsewhere = sim.baseUrl.replace(/\/v1$/, '/v2');
    const error = await failure(usageClient(elsewhere, sim.apiKey).client.getUsageSummary());
    assert.equal(error.kind, 'not_found');
    assert.equal(accountProblemOf(error), 'notServed');
    assert.match(accountProblemText(accountProblemOf(error)), /sail\.usageBaseUrl/);

    sim.faults.inject({ route: 'getUsage', fault: 'http_error', status: 404 });
    const refused = await failure(usageClient(sim.baseUrl, sim.apiKey).client.getUsageSummary());
    assert.equal(accountProblemOf(refused), 'notServed');
  });

  it('a 403 page from a gateway on the way is a refusal', async () => {
    const gateway = createServer((_req, res) => res.writeHead(403, { 'content-type': 'text/html' }).end('<h1>Blocked by policy</h1>'));
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = gateway.address() as AddressInfo;
      const error = await failure(usageClient(`http://127.0.0.1:${port}/v1`, sim.apiKey).client.getUsageSummary());
      assert.equal(error.kind, 'forbidden');
      assert.equal(accountProblemOf(error), 'refused');
    } finally {
      await new Promise((resolve) => gateway.close(resolve));
    }
  });

  it('a body that is not a usage summary, or not JSON: unreadable', async () => {
    sim.faults.inject({ route: 'getUsage', fault: 'wrong_shape' });
    const wrong = await failure(usageClient(sim.baseUrl, sim.apiKey).client.getUsageSummary());
    assert.equal(wrong.kind, 'unexpected_response');
    assert.equal(accountProblemOf(wrong), 'unreadable');
    sim.faults.inject({ route: 'getUsage', fault: 'malformed_json' });
    const broken = await failure(usageClient(sim.baseUrl, sim.apiKey).client.getUsageSummary());
    assert.equal(accountProblemOf(broken), 'unreadable');
  });

  it('retries a 503 as any read-only GET, then reads the summary', async () => {
    sim.faults.inject({ route: 'getUsage', fault: 'http_error', status: 503 });
    const { client, slept } = usageClient(sim.baseUrl, sim.apiKey);
    const summary = await client.getUsageSummary();
    assert.equal(summary.balanceCents, 2_500);
    assert.equal(slept.length, 1);
    assert.equal(sim.counters.requests('GET', 'getUsage'), 2);
  });

  it('an unreachable Usage API is a network problem', async () => {
    const { client } = usageClient('http://127.0.0.1:9/v1', sim.apiKey, { retry: { maxAttemptsGet: 1 } });
    const error = await failure(client.getUsageSummary());
    assert.equal(accountProblemOf(error), 'network');
  });

  it('keeps the key out of the error when the endpoint quotes it back', async () => {
    sim.faults.inject({ route: 'getUsage', fault: 'echo_key', status: 401 });
    const error = await failure(usageClient(sim.baseUrl, sim.apiKey).client.getUsageSummary());
    assert.ok(!error.message.includes(sim.apiKey) && !error.userMessage.includes(sim.apiKey), error.message);
  });

  it('the simulator: the same auth as the rest, Sail-shaped errors, and a 400 naming an unknown range', async () => {
    const spec = loadSailSchemas({ patched: true });
    const noKey = await call<WireError>(sim, 'GET', '/usage', { apiKey: null });
    const badRange = await call<WireError>(sim, 'GET', '/usage?range=1y');
    assert.deepEqual([noKey.status, badRange.status], [401, 400]);
    assert.equal(badRange.body.error.param, 'range');
    for (const body of [noKey.body, badRange.body]) {
      assert.deepEqual(spec.errors('#/components/schemas/ErrorResponse', body), []);
    }
    const ok = await call<Record<string, unknown>>(sim, 'GET', '/usage?range=24h');
    assert.equal(ok.body.object, 'usage.summary');
  });
});
