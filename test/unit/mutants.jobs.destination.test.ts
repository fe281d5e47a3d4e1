// Where a job may go (issue 14: the survivors of a mutation run of src/jobs/destination.ts): the
// key is sent as the user meant it (no stray spaces from a paste), a job sent to another Sail waits,
// and a job keeps the base URL it was first sent to.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { bindTo, blocked, currentDestination, type Here } from '../../src/jobs/destination';

const HERE: Here = { baseUrl: 'https://sail.example/v1', tracksBaseUrl: true, tracksKey: true, apiKey: 'sk_one', keyId: 'one' };

describe('destination: what a job is sent with', () => {
  it('a pasted key with spaces or a line break is sent without them; a blank or missing key is no key', async () => {
    const pasted = await currentDestination({ apiKey: async () => '  sk_live_abc \n' });
    const clean = await currentDestination({ apiKey: async () => 'sk_live_abc' });
    assert.equal(pasted.apiKey, 'sk_live_abc');
    assert.equal(pasted.keyId, clean.keyId, 'the same key, the same account');
    for (const stored of ['   ', undefined]) {
      const none = await currentDestination({ apiKey: async () => stored });
      assert.deepEqual([none.tracksKey, none.apiKey, none.keyId], [true, undefined, undefined]);
      assert.equal(blocked({}, none, 'send'), 'noKey');
    }
  });

  it('a job sent to another base URL waits, for a poll as for a send', () => {
    for (const purpose of ['poll', 'send'] as const) {
      assert.equal(blocked({ baseUrl: 'https://other.example/v1' }, HERE, purpose), 'otherBaseUrl');
      assert.equal(blocked({ baseUrl: HERE.baseUrl }, HERE, purpose), undefined);
    }
  });

  it('a job keeps the base URL and key it was first sent with; a new one takes the current ones', () => {
    const job = { baseUrl: 'https://first.example/v1', keyId: 'first' } as JobRecord;
    assert.deepEqual(bindTo(job, HERE), { baseUrl: 'https://first.example/v1', keyId: 'first' });
    assert.deepEqual(bindTo({} as JobRecord, HERE), { baseUrl: HERE.baseUrl, keyId: 'one' });
  });
});
