// The poll scheduler's plan (issue 14: survivors of a mutation run of src/jobs/pollScheduler.ts): a
// focus change pulls in only what focus shortens and leaves a chosen time alone, and a good answer after
// a failure ends the back-off at once.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLL_POLICY } from '../../src/jobs/pollPolicy';
import { PollScheduler, type PollOutcome } from '../../src/jobs/pollScheduler';
import { VirtualClock } from '../support/virtualClock';

const NOW = 1_000_000;
const HOUR = 60 * 60_000;

describe('PollScheduler: focus and a chosen first poll', () => {
  it('a first poll set for later stays there when the window loses focus, or is told it has focus again', () => {
    const clock = new VirtualClock(NOW);
    const scheduler = new PollScheduler({ clock, poll: async () => ({ kind: 'pending' }) });
    scheduler.track({ jobId: 'a', window: 'standard', submittedAt: NOW }, NOW + HOUR);
    scheduler.setFocused(true);
    assert.equal(scheduler.nextPollAt('a'), NOW + HOUR, 'already focused: nothing to re-plan');
    scheduler.setFocused(false);
    assert.equal(scheduler.nextPollAt('a'), NOW + HOUR, 'losing focus never brings a poll closer');
    scheduler.dispose();
  });
});

describe('PollScheduler: after a failed poll', () => {
  it('a pending answer ends the back-off: the ramp goes on from its start, not from the back-off', async () => {
    const clock = new VirtualClock(NOW);
    const outcomes: PollOutcome[] = [{ kind: 'failed' }, { kind: 'pending' }, { kind: 'pending' }];
    const polledAt: number[] = [];
    const scheduler = new PollScheduler({
      clock,
      poll: async () => (polledAt.push(clock.now()), outcomes.shift() ?? { kind: 'pending' }),
    });
    scheduler.track({ jobId: 'a', window: 'standard', submittedAt: NOW }, NOW);
    await clock.advance(0);
    assert.equal(scheduler.nextPollAt('a'), NOW + DEFAULT_POLL_POLICY.errorBackoffMs);
    await clock.advance(DEFAULT_POLL_POLICY.errorBackoffMs);
    const afterPending = NOW + DEFAULT_POLL_POLICY.errorBackoffMs;
    // Five seconds into a standard job the ramp is at its floor, 1 s; then it doubles.
    assert.equal(scheduler.nextPollAt('a'), afterPending + DEFAULT_POLL_POLICY.minMs);
    await clock.advance(DEFAULT_POLL_POLICY.minMs);
    assert.equal(scheduler.nextPollAt('a'), afterPending + DEFAULT_POLL_POLICY.minMs + 2 * DEFAULT_POLL_POLICY.minMs);
    assert.deepEqual(polledAt, [NOW, afterPending, afterPending + DEFAULT_POLL_POLICY.minMs]);
    scheduler.dispose();
  });

  it('a failed poll then a second failure backs off from the first; Retry-After does not outlive the failure', async () => {
    const clock = new VirtualClock(NOW);
    const outcomes: PollOutcome[] = [{ kind: 'failed', retryAfterMs: 60_000 }, { kind: 'pending' }];
    const scheduler = new PollScheduler({ clock, poll: async () => outcomes.shift() ?? { kind: 'pending' } });
    scheduler.track({ jobId: 'a', window: 'standard', submittedAt: NOW }, NOW);
    await clock.advance(0);
    assert.equal(scheduler.nextPollAt('a'), NOW + 60_000);
    await clock.advance(60_000);
    // A minute in, a standard job's ramp (1 s, doubling from nothing) starts again at 1 s.
    assert.equal(scheduler.nextPollAt('a'), NOW + 60_000 + DEFAULT_POLL_POLICY.minMs);
    scheduler.dispose();
  });
});
