import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFinished, JobRecordSchema, JobStateSchema } from '../../src/jobs/job';
import { lineSpan } from '../../src/jobs/lines';

describe('job states', () => {
  it('every state a job can be in is stored and read back; only the last six are finished', () => {
    const unfinished = ['submitting', 'queued', 'in_progress'];
    const finished = ['completed', 'incomplete', 'failed', 'cancelled', 'expired', 'untracked'];
    assert.deepEqual(JobStateSchema.options, [...unfinished, ...finished]);
    for (const state of [...unfinished, ...finished]) {
      const record = JobRecordSchema.parse({
        id: 'x',
        idempotencyKey: 'k',
        state,
        title: 't',
        instruction: 'i',
        model: 'm',
        background: true,
        createdAt: 1,
        updatedAt: 1,
        sendAttempts: 0,
        attempt: 1,
      });
      assert.equal(record.state, state);
      assert.equal(record.seen, false, 'a job read back without the field has not been seen');
      assert.equal(isFinished(record.state), finished.includes(state), state);
    }
  });
});

describe('lineSpan', () => {
  const range = (startLine: number, startChar: number, endLine: number, endChar: number) => ({
    start: { line: startLine, character: startChar },
    end: { line: endLine, character: endChar },
  });

  it('counts lines from 1, both ends included', () => {
    assert.deepEqual(lineSpan(range(0, 0, 2, 5)), { start: 1, end: 3 });
  });

  it('a selection that ends at the very start of a line does not cover that line', () => {
    assert.deepEqual(lineSpan(range(3, 0, 6, 0)), { start: 4, end: 6 });
    assert.deepEqual(lineSpan(range(3, 4, 6, 1)), { start: 4, end: 7 });
  });

  it('an empty selection at the start of a line is that line', () => {
    assert.deepEqual(lineSpan(range(3, 0, 3, 0)), { start: 4, end: 4 });
  });
});
