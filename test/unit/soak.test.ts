// The short soak (the long one is `npm run soak` and the bench): a few dozen jobs from two windows
// through every fault the simulator has, outages, failed storage writes and reloads, in virtual time.
// A new seed each run, printed, so a failure can be repeated with `npm run soak -- --short --seed N`.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSoak, runSoak, SHORT_SOAK } from '../soak/soak';

const seed = process.env.SAIL_SOAK_SEED !== undefined ? Number(process.env.SAIL_SOAK_SEED) : Math.floor(Math.random() * 2 ** 31);

describe('soak: the job core under faults, outages, failing storage and reloads', () => {
  it(`no result lost, no inference twice, no job wrongly failed, none stuck (seed ${seed})`, async () => {
    const result = await runSoak({ ...SHORT_SOAK, seed });
    const table = formatSoak(result);
    console.log(table);
    const repeat = `repeat with: SAIL_SOAK_SEED=${seed} node --test out/test/unit/soak.test.js, or npm run soak -- --short --seed ${seed}`;
    assert.ok(result.byWindow.asap + result.byWindow.standard + result.byWindow.flex > 0, 'jobs were written down');
    assert.ok(Object.keys(result.faults).length > 3, `faults were injected (${JSON.stringify(result.faults)})`);
    assert.deepEqual(
      { lost: result.lost, duplicated: result.duplicated, wronglyFailed: result.wronglyFailed, stuck: result.stuck },
      { lost: 0, duplicated: 0, wronglyFailed: 0, stuck: 0 },
      `${repeat}\n${table}`,
    );
    assert.ok(Number.isFinite(result.recoveryMs), `every result was stored after the network returned (${repeat})`);
  });
});
