import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLL_POLICY, nextPollDelay, typicalTurnTime, type CompletionWindow, type PollContext } from '../../src/jobs/pollPolicy';

/** The poll times a job of `window` would see, focused and error-free, up to `untilMs` of age. */
function schedule(window: CompletionWindow | undefined, untilMs: number): number[] {
  const times: number[] = [];
  let age = 0;
  let previous = 0;
  while (age <= untilMs) {
    const delay = nextPollDelay({ window, ageMs: age, previousIntervalMs: previous, focused: true, consecutiveErrors: 0 });
    age += delay;
    previous = delay;
    times.push(age);
  }
  return times;
}

const base: PollContext = { window: 'standard', ageMs: 0, previousIntervalMs: 0, focused: true, consecutiveErrors: 0 };

describe('nextPollDelay', () => {
  it('polls soon after submission, then backs off', () => {
    const times = schedule('standard', 60_000);
    assert.equal(times[0], DEFAULT_POLL_POLICY.minMs);
    assert.equal(schedule('flex', 60_000)[0], typicalTurnTime('flex') / 400);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(
      gaps.every((g, i) => i === 0 || g >= gaps[i - 1]),
      `gaps grow: ${gaps.join(',')}`,
    );
  });

  for (const window of ['priority', 'standard', 'flex'] as const) {
    it(`${window}: ≤ 25 polls by the typical turn time, and a watch interval ≤ 10 % of it there`, () => {
      const typical = typicalTurnTime(window);
      const times = schedule(window, typical);
      const before = times.filter((t) => t <= typical);
      assert.ok(before.length <= 25, `${before.length} polls`);
      const around = times.filter((t) => t >= typical * 0.8 && t <= typical * 1.5);
      const gaps = around.slice(1).map((t, i) => t - around[i]);
      assert.ok(gaps.length > 0);
      assert.ok(Math.max(...gaps) <= typical * 0.1, `max gap ${Math.max(...gaps)} ms`);
    });
  }

  it('ramps up by at most a quarter of the typical time, and lands exactly where watching starts', () => {
    for (const window of ['priority', 'standard', 'flex'] as const) {
      const typical = typicalTurnTime(window);
      const watchStart = typical * DEFAULT_POLL_POLICY.watchFrom;
      const times = schedule(window, watchStart);
      const ramp = times.filter((t) => t <= watchStart);
      const gaps = ramp.slice(1).map((t, i) => t - ramp[i]);
      assert.ok(Math.max(...gaps) <= typical / 4, `${window}: largest ramp gap ${Math.max(...gaps)} ms`);
      assert.ok(times.includes(watchStart), `${window}: a poll at ${watchStart} ms`);
      const watchMs = Math.max(DEFAULT_POLL_POLICY.minMs, typical * DEFAULT_POLL_POLICY.watchFraction);
      assert.equal(times.at(-1), watchStart + watchMs, `${window}: then every ${watchMs} ms`);
    }
    // Exactly twice the typical time is already late: the interval stretches from there.
    assert.equal(nextPollDelay({ ...base, ageMs: 2 * typicalTurnTime('standard'), previousIntervalMs: 60_000 }), 75_000);
  });

  it('flex needs far fewer polls than 1-second polling', () => {
    const typical = typicalTurnTime('flex');
    const polls = schedule('flex', typical).filter((t) => t <= typical).length;
    assert.ok(polls * 500 <= typical / 1000, `${polls} polls: at most 1/500 of naive 1-second polling`);
  });

  it('stretches late jobs but never beyond the maximum interval', () => {
    const late = nextPollDelay({ ...base, ageMs: 10 * typicalTurnTime('standard'), previousIntervalMs: 60_000 });
    assert.equal(late, 75_000);
    const veryLate = nextPollDelay({ ...base, window: 'flex', ageMs: 1e9, previousIntervalMs: DEFAULT_POLL_POLICY.maxMs });
    assert.equal(veryLate, DEFAULT_POLL_POLICY.maxMs);
  });

  it('slows down while the window is unfocused', () => {
    const focused = nextPollDelay({ ...base, ageMs: 250_000 });
    const unfocused = nextPollDelay({ ...base, ageMs: 250_000, focused: false });
    assert.equal(unfocused, focused * DEFAULT_POLL_POLICY.unfocusedFactor);
  });

  it('backs off after failed polls and honours Retry-After', () => {
    const first = nextPollDelay({ ...base, ageMs: 200_000, consecutiveErrors: 1 });
    const third = nextPollDelay({ ...base, ageMs: 200_000, consecutiveErrors: 3 });
    assert.equal(third, first * 4);
    assert.equal(nextPollDelay({ ...base, ageMs: 200_000, retryAfterMs: 120_000 }), 120_000);
  });

  it('uses the default turn time when Sail picks the window', () => {
    assert.equal(typicalTurnTime(undefined), DEFAULT_POLL_POLICY.typicalMs.default);
    assert.deepEqual(schedule(undefined, 60_000), schedule('standard', 60_000));
  });
});
