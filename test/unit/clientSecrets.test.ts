// A server that quotes back the key it was sent: the client hands out no reply with the key in it,
// whatever field the server put it in (a failed job's error message is stored, shown and logged).
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SailClient } from '../../src/sail/client';
import { withoutSecrets } from '../../src/sail/errors';
import { startSimulator, type Simulator } from '../sim/index';

/** Not shaped like `sk_…`, so only the key itself, not a pattern, can hide it. */
const KEY = 'MARKER-client-0f9e8d7c6b5a+41/32';
const MODEL = 'moonshotai/Kimi-K2.5';

describe('SailClient: replies that quote the key', () => {
  let sim: Simulator;
  let client: SailClient;
  before(async () => {
    // Sail time runs a million times faster; retention is stretched to match, so a slow machine still finds the job.
    sim = await startSimulator({ timeScale: 1_000_000, retentionMs: 1_000_000 * 60_000, apiKeys: [KEY] });
    const log = () => {};
    client = new SailClient({
      baseUrl: sim.baseUrl,
      getApiKey: async () => KEY,
      logger: { trace: log, debug: log, info: log, warn: log, error: log },
      env: {},
    });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  it('a failed job whose error message quotes the key comes back with the key cut out, the rest of the message kept', async () => {
    sim.faults.inject({ route: 'createResponse', fault: 'fail_job', message: `The model failed on the request made with ${KEY}.` });
    const { response } = await client.createResponse({ model: MODEL, input: 'hello', background: true });
    let polled = await client.getResponse(response.id);
    for (let i = 0; polled.status !== 'failed'; i++) {
      assert.ok(i < 100, `the job failed (status ${polled.status})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      polled = await client.getResponse(response.id);
    }
    assert.equal(polled.error?.message, 'The model failed on the request made with [redacted].');
    assert.ok(!JSON.stringify(polled).includes(KEY));
  });

  it('withoutSecrets cuts a secret out of every string, keys of objects included, and leaves other values alone', () => {
    const value = { a: [`x${KEY}y`, 1, null, true], [`k-${KEY}`]: { b: 'Bearer sk_looks_like_a_key_but_is_not_it' } };
    assert.deepEqual(withoutSecrets(value, [KEY]), { a: ['x[redacted]y', 1, null, true], 'k-[redacted]': { b: 'Bearer sk_looks_like_a_key_but_is_not_it' } });
    assert.equal(withoutSecrets(value, []), value, 'no secrets: the same value');
  });
});
