import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PollScheduler, type PollOutcome, type PollTarget } from '../../src/jobs/pollScheduler';
import { VirtualClock } from '../support/virtualClock';

function target(jobId: string, clock: VirtualClock, window: PollTarget['window'] = 'standard'): PollTarget {
  return { jobId, window, submittedAt: clock.now() };
}

describe('PollScheduler', () => {
  it('polls a job until it is done, then forgets it', async () => {
    const clock = new VirtualClock();
    const doneAt = clock.now() + 300_000;
    const polledAt: number[] = [];
    const scheduler = new PollScheduler({
      clock,
      poll: async () => {
        polledAt.push(clock.now());
        return clock.now() >= doneAt ? { kind: 'done' } : { kind: 'pending' };
      },
    });
    scheduler.track(target('a', clock));
    await clock.advance(400_000);
    assert.equal(scheduler.has('a'), false);
    const detectedAt = polledAt.at(-1) ?? 0;
    assert.ok(detectedAt >= doneAt && detectedAt - doneAt <= 30_000, `detected ${detectedAt - doneAt} ms late`);
    assert.ok(polledAt.length <= 25, `${polledAt.length} polls`);
    assert.equal(clock.pendingTimers, 0);
  });

  it('keeps at most maxInFlight polls on the wire, with one timer for all jobs', async () => {
    const clock = new VirtualClock();
    let inFlight = 0;
    let maxSeen = 0;
    const release: (() => void)[] = [];
    const scheduler = new PollScheduler({
      clock,
      maxInFlight: 3,
      poll: () => {
        inFlight += 1;
        maxSeen = Math.max(maxSeen, inFlight);
        return new Promise<PollOutcome>((resolve) => {
          release.push(() => {
            inFlight -= 1;
            resolve({ kind: 'done' });
          });
        });
      },
    });
    for (let i = 0; i < 50; i++) {
      scheduler.track(target(`job${i}`, clock));
    }
    assert.equal(clock.pendingTimers, 1);
    await clock.advance(1_000);
    assert.equal(inFlight, 3);
    // One answer per job: a scheduler that kept polling finished jobs would never empty the queue.
    for (let answered = 0; release.length > 0; answered++) {
      assert.ok(answered < 50, 'more than one poll per job');
      release.shift()?.();
      await clock.advance(0);
    }
    assert.equal(maxSeen, 3);
    assert.equal(scheduler.stats.maxInFlightSeen, 3);
    assert.equal(scheduler.size, 0);
    assert.equal(scheduler.stats.polls, 50);
  });

  it('a failing poll never drops the job: it backs off and tries again', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    const scheduler = new PollScheduler({
      clock,
      poll: async () => {
        calls += 1;
        if (calls <= 3) {
          throw new Error('network down');
        }
        return { kind: 'done' };
      },
    });
    scheduler.track(target('a', clock));
    await clock.advance(60_000);
    assert.equal(calls, 4);
    assert.equal(scheduler.stats.failedPolls, 3);
    assert.equal(scheduler.has('a'), false);
  });

  it('waits for Retry-After before the next poll', async () => {
    const clock = new VirtualClock();
    const polledAt: number[] = [];
    const scheduler = new PollScheduler({
      clock,
      poll: async () => {
        polledAt.push(clock.now());
        return polledAt.length === 1 ? { kind: 'failed', retryAfterMs: 90_000 } : { kind: 'done' };
      },
    });
    scheduler.track(target('a', clock), clock.now());
    await clock.advance(200_000);
    assert.equal(polledAt.length, 2);
    assert.equal(polledAt[1] - polledAt[0], 90_000);
  });

  it('polls less while unfocused, and catches up when focus returns', async () => {
    const clock = new VirtualClock();
    let polls = 0;
    const scheduler = new PollScheduler({ clock, focused: false, poll: async () => (polls++, { kind: 'pending' }) });
    scheduler.track(target('a', clock, 'priority'));
    const unfocusedDue = scheduler.nextPollAt('a') ?? 0;
    scheduler.setFocused(true);
    const focusedDue = scheduler.nextPollAt('a') ?? 0;
    assert.ok(focusedDue < unfocusedDue, 'focus pulls the next poll in');
    await clock.advance(focusedDue - clock.now());
    assert.equal(polls, 1);
    scheduler.dispose();
  });

  it('an unfocused spell does not stretch the schedule once focus is back', async () => {
    const clock = new VirtualClock();
    const polledAt: number[] = [];
    const scheduler = new PollScheduler({ clock, focused: false, poll: async () => (polledAt.push(clock.now()), { kind: 'pending' }) });
    scheduler.track(target('a', clock, 'priority'));
    await clock.advance(20 * 60_000);
    scheduler.setFocused(true);
    const due = (scheduler.nextPollAt('a') ?? 0) - clock.now();
    // Focused, a priority job this late is checked at least every few minutes.
    assert.ok(due <= 5 * 60_000, `next poll in ${due} ms`);
    scheduler.dispose();
  });

  it('untrack stops polling, even with a poll on the wire', async () => {
    const clock = new VirtualClock();
    let polls = 0;
    const scheduler = new PollScheduler({ clock, poll: async () => (polls++, { kind: 'pending' }) });
    scheduler.track(target('a', clock), clock.now());
    await clock.advance(0);
    scheduler.untrack('a');
    await clock.advance(3_600_000);
    assert.equal(polls, 1);
    assert.equal(clock.pendingTimers, 0);
  });

  it('pollSoon moves a job to the front', async () => {
    const clock = new VirtualClock();
    let polls = 0;
    const scheduler = new PollScheduler({ clock, poll: async () => (polls++, { kind: 'pending' }) });
    scheduler.track(target('a', clock, 'flex'));
    scheduler.pollSoon('a');
    await clock.advance(0);
    assert.equal(polls, 1);
    scheduler.dispose();
    assert.equal(clock.pendingTimers, 0);
  });

  it("pollSoon while that job's poll is out: it is asked again as soon as that poll is back", async () => {
    const clock = new VirtualClock();
    let polls = 0;
    let release = () => {};
    const scheduler = new PollScheduler({
      clock,
      poll: () => {
        polls += 1;
        return new Promise<PollOutcome>((resolve) => {
          release = () => resolve({ kind: 'failed' });
        });
      },
    });
    scheduler.track(target('a', clock, 'flex'));
    scheduler.pollSoon('a');
    await clock.advance(0);
    assert.equal(polls, 1);
    // The key comes back while that poll is on the wire: the answer must not wait for the error backoff.
    scheduler.pollSoon('a');
    release();
    await clock.advance(0);
    assert.equal(polls, 2);
    scheduler.dispose();
  });

  it('backs off 5 s, 10 s, 20 s after consecutive failed polls; a pending answer is no failure', async () => {
    const clock = new VirtualClock();
    const polledAt: number[] = [];
    const scheduler = new PollScheduler({
      clock,
      poll: async () => {
        polledAt.push(clock.now());
        return polledAt.length <= 3 ? { kind: 'failed' } : polledAt.length === 4 ? { kind: 'pending' } : { kind: 'done' };
      },
    });
    scheduler.track(target('a', clock), clock.now());
    await clock.advance(0);
    await clock.advance(40_000);
    const gaps = polledAt.slice(1, 4).map((t, i) => t - polledAt[i]);
    assert.deepEqual(gaps, [5_000, 10_000, 20_000]);
    assert.equal(scheduler.stats.failedPolls, 3);
    scheduler.dispose();
  });

  it('polls the most overdue job first when slots are short', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    const scheduler = new PollScheduler({ clock, maxInFlight: 1, poll: async (t) => (order.push(t.jobId), { kind: 'done' }) });
    // All three are overdue at once (e.g. after the machine slept): the one due longest ago goes first.
    const now = clock.now();
    scheduler.track(target('late', clock), now - 300);
    scheduler.track(target('latest', clock), now - 500);
    scheduler.track(target('soon', clock), now - 100);
    await clock.advance(1_000);
    assert.deepEqual(order, ['latest', 'late', 'soon']);
  });

  it('a job untracked with its poll on the wire frees the slot for the next, and re-tracking it keeps the new entry', async () => {
    const clock = new VirtualClock();
    const release = new Map<string, (outcome: PollOutcome) => void>();
    const polled: string[] = [];
    const scheduler = new PollScheduler({
      clock,
      maxInFlight: 1,
      poll: (t) => {
        polled.push(t.jobId);
        return new Promise<PollOutcome>((resolve) => release.set(t.jobId, resolve));
      },
    });
    scheduler.track(target('a', clock), clock.now());
    scheduler.track(target('b', clock), clock.now() + 1);
    await clock.advance(10);
    assert.deepEqual(polled, ['a'], 'one slot');
    scheduler.untrack('a');
    scheduler.track(target('a', clock), clock.now() + 60_000);
    release.get('a')?.({ kind: 'done' });
    await clock.advance(0);
    assert.deepEqual(polled, ['a', 'b'], 'the slot went to b');
    assert.equal(scheduler.has('a'), true, "the old poll's answer does not end the new tracking");
    scheduler.dispose();
  });

  it('asks nothing about jobs it does not track, and does nothing once disposed', async () => {
    const clock = new VirtualClock();
    let polls = 0;
    const scheduler = new PollScheduler({ clock, poll: async () => (polls++, { kind: 'pending' }) });
    assert.equal(scheduler.nextPollAt('nope'), undefined);
    scheduler.pollSoon('nope');
    scheduler.track(target('a', clock));
    scheduler.untrack('a');
    assert.equal(clock.pendingTimers, 0, 'no timer for nothing');
    scheduler.track(target('b', clock));
    scheduler.dispose();
    assert.equal(scheduler.has('b'), false);
    scheduler.track(target('c', clock), clock.now());
    await clock.advance(3_600_000);
    assert.equal(polls, 0);
    assert.equal(clock.pendingTimers, 0);
  });
});
