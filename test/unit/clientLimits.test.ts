import * as assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SailClient } from '../../src/sail/client';
import { SailError } from '../../src/sail/errors';
import { startSimulator, type Simulator } from '../sim';

// A poll that never answers must not hold a slot for as long as a foreground POST may take, and
// many requests at once must not open a connection each.
describe('SailClient limits', () => {
  let sim: Simulator;
  const clients: SailClient[] = [];

  function client(options: Partial<ConstructorParameters<typeof SailClient>[0]> = {}): SailClient {
    const c = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, retry: { maxAttemptsGet: 1, maxAttemptsPost: 1 }, ...options });
    clients.push(c);
    return c;
  }

  before(async () => {
    sim = await startSimulator({ timeScale: 1000 });
  });

  beforeEach(() => sim.reset());

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim.close();
  });

  it('a poll gets a short header timeout of its own, while a POST keeps the long one', async () => {
    const c = client({ timeouts: { headersMs: 5_000, readHeadersMs: 150 } });
    sim.faults.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 400 });
    const { response } = await c.createResponse({
      model: 'moonshotai/Kimi-K2.5',
      input: 'Explain: x',
      background: true,
      metadata: { completion_window: 'flex' },
    });
    sim.faults.inject({ route: 'getResponse', fault: 'slow_headers', delayMs: 3_000 });
    const poll = c.getResponse(response.id);
    const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error('the poll waited for the POST-sized timeout')), 2_000));
    await assert.rejects(Promise.race([poll, deadline]), (error: unknown) => error instanceof SailError && error.kind === 'timeout');
  });

  it('twenty requests at once share a bounded pool of connections', async () => {
    const c = client();
    const { response } = await c.createResponse({
      model: 'moonshotai/Kimi-K2.5',
      input: 'Explain: y',
      background: true,
      metadata: { completion_window: 'flex' },
    });
    sim.faults.inject({ route: 'getResponse', fault: 'slow_headers', delayMs: 100, times: 20 });
    await Promise.all(Array.from({ length: 20 }, () => c.getResponse(response.id)));
    assert.ok(c.stats.connectionsOpened <= 8, `${c.stats.connectionsOpened} connections for 20 requests`);
  });
});
