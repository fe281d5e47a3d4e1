// When the account figures are fetched, and what a view sees meanwhile: nothing until asked, at
// most once per interval unless forced, one request for concurrent askers, an answer for an old key
// dropped, failures as a problem — against the simulator's Usage API over real HTTP.
import * as assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AccountFigures, type AccountFiguresDeps } from '../../src/sail/accountFigures';
import { SailClient } from '../../src/sail/client';
import { startSimulator, type Simulator } from '../sim/index';

const MODEL = 'moonshotai/Kimi-K2.5';
const OTHER_KEY = 'sk_sim_second';
const REFRESH_MS = 5 * 60_000;

describe('AccountFigures against the simulator', () => {
  let wall = 2_000_000_000;
  let sim: Simulator;
  let client: SailClient;

  before(async () => {
    sim = await startSimulator({ now: () => wall, apiKeys: ['sk_sim_test', OTHER_KEY], retentionMs: Number.MAX_SAFE_INTEGER });
    client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => undefined, env: {}, sleep: async () => {} });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });
  beforeEach(() => sim.reset());

  /** The figures over `client`, with a clock the test moves and a count of change events. */
  function figures(overrides: Partial<AccountFiguresDeps> = {}) {
    const clock = { monotonic: 0 };
    const events = { changes: 0 };
    let key: string | undefined = sim.apiKey;
    let address: string | undefined = sim.baseUrl;
    const subject = new AccountFigures({
      usageBaseUrl: () => address,
      api: () => client,
      apiKey: async () => key,
      log: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
      onDidChange: () => events.changes++,
      monotonic: () => clock.monotonic,
      now: () => 1234,
      refreshMs: REFRESH_MS,
      ...overrides,
    });
    return {
      subject,
      clock,
      events,
      setKey: (value: string | undefined) => (key = value),
      setAddress: (value: string | undefined) => (address = value),
    };
  }

  const requests = () => sim.counters.requests('GET', 'getUsage');

  it('fetches nothing until asked, then holds the summary with when it was fetched', async () => {
    const { subject, events } = figures();
    assert.deepEqual(subject.current(), { kind: 'loading' });
    assert.equal(requests(), 0);
    await subject.refresh();
    const state = subject.current();
    assert.equal(state.kind, 'ok');
    assert.equal(state.kind === 'ok' && state.summary.balanceCents, 2_500);
    assert.equal(state.kind === 'ok' && state.fetchedAt, 1234);
    assert.equal(requests(), 1);
    assert.ok(events.changes >= 1);
  });

  it('is off, and asks Sail nothing, without an address or without a key', async () => {
    const noAddress = figures();
    noAddress.setAddress(undefined);
    noAddress.subject.restart();
    assert.deepEqual(noAddress.subject.current(), { kind: 'off' });
    await noAddress.subject.refresh(true);
    assert.deepEqual(noAddress.subject.current(), { kind: 'off' });

    const noKey = figures();
    noKey.setKey(undefined);
    await noKey.subject.refresh(true);
    assert.deepEqual(noKey.subject.current(), { kind: 'off' });
    assert.equal(requests(), 0);
  });

  it('fetches at most once per interval unless forced', async () => {
    const { subject, clock } = figures();
    await subject.refresh();
    clock.monotonic += REFRESH_MS - 1;
    await subject.refresh();
    assert.equal(requests(), 1, 'within the interval: nothing sent');
    clock.monotonic += 1;
    await subject.refresh();
    assert.equal(requests(), 2, 'the interval passed');
    await subject.refresh(true);
    assert.equal(requests(), 3, 'forced');
  });

  it('shares one request between callers that ask while it is on the way, forced or not', async () => {
    const { subject } = figures();
    await Promise.all([subject.refresh(), subject.refresh(true), subject.refresh()]);
    assert.equal(requests(), 1);
    assert.equal(subject.current().kind, 'ok');
  });

  it('keeps showing the last figures while a new fetch is on the way', async () => {
    const { subject } = figures();
    await subject.refresh();
    sim.faults.inject({ route: 'getUsage', fault: 'slow_headers', delayMs: 200 });
    const pending = subject.refresh(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(subject.current().kind, 'ok');
    await pending;
    assert.equal(subject.current().kind, 'ok');
  });

  it('turns a refusal into a problem, and does not ask again until the interval passes or it is forced', async () => {
    const { subject, clock } = figures();
    sim.faults.inject({ route: 'getUsage', fault: 'http_error', status: 404 });
    await subject.refresh();
    assert.deepEqual(subject.current(), { kind: 'unavailable', problem: 'notServed' });
    await subject.refresh();
    assert.equal(requests(), 1);
    clock.monotonic += REFRESH_MS;
    await subject.refresh();
    assert.equal(subject.current().kind, 'ok');
  });

  it('a key that Sail refuses is an auth problem', async () => {
    const { subject, setKey } = figures();
    setKey('sk_not_an_account');
    await subject.refresh();
    assert.deepEqual(subject.current(), { kind: 'unavailable', problem: 'auth' });
  });

  it('drops an answer for the old key when the key changes while it is on the way, and fetches for the new one', async () => {
    // The first account has spent something; the second has not.
    const { response } = await client.createResponse(
      { model: MODEL, input: 'spend a little', background: true, metadata: { completion_window: 'standard' } },
      { apiKey: sim.apiKey },
    );
    wall += 60 * 60_000;
    assert.equal((await client.getResponse(response.id, { apiKey: sim.apiKey })).status, 'completed');

    const { subject, setKey } = figures();
    sim.faults.inject({ route: 'getUsage', fault: 'slow_headers', delayMs: 300 });
    const old = subject.refresh();
    await new Promise((resolve) => setTimeout(resolve, 50));
    setKey(OTHER_KEY);
    subject.restart();
    assert.deepEqual(subject.current(), { kind: 'loading' }, 'the old figures are not shown for the new key');
    await old;
    await subject.refresh(); // shares the new key's request
    const state = subject.current();
    assert.equal(state.kind, 'ok');
    assert.equal(state.kind === 'ok' && state.summary.periodSpendCents, 0, "the new key's account, not the old one's");
    assert.equal(requests(), 2);
  });

  it('does not fetch on a key change before anyone asked', async () => {
    const { subject } = figures();
    subject.restart();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(requests(), 0);
    assert.deepEqual(subject.current(), { kind: 'loading' });
  });

  it('after dispose, a late answer changes nothing and tells no one', async () => {
    const { subject, events } = figures();
    sim.faults.inject({ route: 'getUsage', fault: 'slow_headers', delayMs: 150 });
    const pending = subject.refresh();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const changes = events.changes;
    subject.dispose();
    await pending;
    assert.equal(events.changes, changes);
    assert.notEqual(subject.current().kind, 'ok');
  });
});
