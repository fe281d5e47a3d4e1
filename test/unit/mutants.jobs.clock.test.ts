// The system clock, the poll policy's defaults and a batch's manifest (issue 14: survivors of a
// mutation run of src/jobs/clock.ts, pollPolicy.ts and batchManifest.ts): a cleared timer never fires,
// failed polls back off 5 s, 10 s, 20 s, a young job counts as gone only after ten minutes of 404s, and
// a manifest names only item ids Sail accepts, whole.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseManifest } from '../../src/jobs/batchManifest';
import { systemClock } from '../../src/jobs/clock';
import { DEFAULT_POLL_POLICY, nextPollDelay } from '../../src/jobs/pollPolicy';

describe('systemClock', () => {
  it('a cleared timer does not fire', async () => {
    let fired = false;
    const handle = systemClock.setTimer(() => (fired = true), 1);
    systemClock.clearTimer(handle);
    // A timer set later for longer fires after the cleared one would have.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fired, false);
  });
});

describe('the default poll policy', () => {
  it('backs off 5 s, 10 s, 20 s after consecutive failed polls, up to the longest interval', () => {
    const failed = (consecutiveErrors: number) => nextPollDelay({ window: 'standard', ageMs: 0, previousIntervalMs: 0, focused: true, consecutiveErrors });
    assert.deepEqual([1, 2, 3, 20].map(failed), [5_000, 10_000, 20_000, 30 * 60_000]);
  });

  it('counts a young job gone only after ten minutes of 404s', () => {
    assert.equal(DEFAULT_POLL_POLICY.goneAfterMs, 10 * 60 * 1000);
  });
});

describe('parseManifest', () => {
  const item = (customId: string) => ({ customId, uri: 'file:///w/a.ts', path: 'a.ts', languageId: 'typescript' });

  it('takes a manifest without a skipped list as skipping nothing', () => {
    assert.deepEqual(parseManifest({ items: [item('a-ts')] }), { items: [item('a-ts')], skipped: [] });
  });

  it('refuses an item id Sail would not accept, anywhere in it: the whole id must match', () => {
    assert.ok(parseManifest({ items: [item('a'.repeat(64))] }));
    for (const bad of ['../a-ts', 'a-ts/..', 'A-ts', `${'a'.repeat(64)}b`, '_a', '']) {
      assert.equal(parseManifest({ items: [item(bad)] }), undefined, bad);
    }
  });
});
