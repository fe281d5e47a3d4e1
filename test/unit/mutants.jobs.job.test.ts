// What a job record says about itself (issue 14: a mutation run of src/jobs/job.ts): which states are
// finished, answered, news, settled; which refusals Send Again, Re-run or the files fallback can help;
// every transition the lifecycle allows; when a job waits or cannot be checked; how a failure becomes
// a stored error; how records of earlier versions are read; what a record must hold.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canTransition,
  endedShort,
  isAnswered,
  isBatch,
  isFinished,
  isGivenUp,
  isLive,
  isPinned,
  isSettled,
  isTroubled,
  isUnseenNews,
  isWaiting,
  jobErrorOf,
  JobRecordSchema,
  JobStateSchema,
  mayHaveReachedSail,
  POLL_TROUBLE_THRESHOLD,
  refusedAsSent,
  refusedBatches,
  refusedTheWindow,
  type JobState,
} from '../../src/jobs/job';
import { SailError } from '../../src/sail/errors';

const STATES = JobStateSchema.options;

describe('job states, grouped', () => {
  it('answered, given up, finished and live, state by state', () => {
    assert.deepEqual(
      STATES.map((s) => [s, isAnswered(s), isGivenUp(s), isFinished(s), isLive(s)]),
      [
        ['submitting', false, false, false, true],
        ['queued', false, false, false, true],
        ['in_progress', false, false, false, true],
        ['completed', true, false, true, false],
        ['incomplete', true, false, true, false],
        ['failed', true, false, true, false],
        ['cancelled', true, false, true, false],
        ['expired', false, true, true, false],
        ['untracked', false, true, true, false],
      ],
    );
  });

  it('news is a finished job not seen, except one the user stopped; settled is finished and no news', () => {
    assert.deepEqual(
      STATES.map((s) => [
        s,
        isUnseenNews({ state: s, seen: false }),
        isUnseenNews({ state: s, seen: true }),
        isSettled({ state: s, seen: false }),
        isSettled({ state: s, seen: true }),
      ]),
      [
        ['submitting', false, false, false, false],
        ['queued', false, false, false, false],
        ['in_progress', false, false, false, false],
        ['completed', true, false, false, true],
        ['incomplete', true, false, false, true],
        ['failed', true, false, false, true],
        ['cancelled', true, false, false, true],
        ['expired', true, false, false, true],
        ['untracked', false, false, true, true],
      ],
    );
  });

  it('pinned only when pinned is true; ended short when cut off, dropped or cancelled', () => {
    assert.deepEqual([isPinned({ pinned: true }), isPinned({ pinned: false }), isPinned({})], [true, false, false]);
    assert.deepEqual(STATES.filter(endedShort), ['incomplete', 'cancelled', 'expired']);
  });

  it('a batch is a batch or its files fallback', () => {
    assert.deepEqual(
      [isBatch({ kind: 'batch' }), isBatch({ kind: 'files' }), isBatch({ kind: 'response' }), isBatch({}), isBatch(undefined)],
      [true, true, false, false, false],
    );
  });
});

describe('refusals and what can help', () => {
  it('may have reached Sail: never confirmed and still sending, or over a day old; never once it has a response id', () => {
    assert.equal(mayHaveReachedSail({ state: 'submitting', responseId: undefined }), true);
    assert.equal(mayHaveReachedSail({ state: 'failed', responseId: undefined, error: { kind: 'stale' } }), true);
    assert.equal(mayHaveReachedSail({ state: 'submitting', responseId: 'resp_1' }), false);
    assert.equal(mayHaveReachedSail({ state: 'failed', responseId: 'resp_1', error: { kind: 'stale' } }), false);
    assert.equal(mayHaveReachedSail({ state: 'failed', responseId: undefined }), false);
  });

  it('refused as sent: failed with invalid_request only', () => {
    assert.equal(refusedAsSent({ state: 'failed', error: { kind: 'invalid_request' } }), true);
    assert.equal(refusedAsSent({ state: 'failed', error: { kind: 'auth' } }), false);
    assert.equal(refusedAsSent({ state: 'failed' }), false);
    assert.equal(refusedAsSent({ state: 'queued', error: { kind: 'invalid_request' } }), false);
  });

  it('refused the window: Sail’s message names the completion window, in either spelling, any case', () => {
    const refused = (detail?: string) => refusedTheWindow({ state: 'failed', error: { kind: 'invalid_request', detail } });
    assert.deepEqual(
      [
        refused('Unsupported completion_window for this model'),
        refused('COMPLETION WINDOW flex is not offered'),
        refused('bad max_output_tokens'),
        refused(undefined),
      ],
      [true, true, false, false],
    );
    assert.equal(refusedTheWindow({ state: 'failed', error: { kind: 'server', detail: 'completion_window' } }), false);
  });

  it('refused batches: a batch never accepted, refused with 404, or with 400 as an invalid request', () => {
    const batch = { kind: 'batch' as const, state: 'failed' as JobState, responseId: undefined };
    assert.equal(refusedBatches({ ...batch, error: { kind: 'not_found' } }), true);
    assert.equal(refusedBatches({ ...batch, error: { kind: 'invalid_request', status: 400 } }), true);
    assert.equal(refusedBatches({ ...batch, error: { kind: 'invalid_request', status: 422 } }), false);
    assert.equal(refusedBatches({ ...batch, error: { kind: 'invalid_request' } }), false);
    assert.equal(refusedBatches({ ...batch, error: { kind: 'server', status: 400 } }), false);
    assert.equal(refusedBatches({ ...batch, error: undefined }), false);
    assert.equal(refusedBatches({ ...batch, kind: 'files', error: { kind: 'not_found' } }), false);
    assert.equal(refusedBatches({ ...batch, state: 'expired', error: { kind: 'not_found' } }), false);
    assert.equal(refusedBatches({ ...batch, responseId: 'batch_1', error: { kind: 'not_found' } }), false);
  });
});

describe('canTransition', () => {
  it('allows exactly the lifecycle’s changes', () => {
    const allowed: Record<JobState, JobState[]> = {
      submitting: ['submitting', 'queued', 'in_progress', 'completed', 'incomplete', 'failed', 'cancelled', 'untracked'],
      queued: ['queued', 'in_progress', 'completed', 'incomplete', 'failed', 'cancelled', 'expired', 'untracked'],
      in_progress: ['queued', 'in_progress', 'completed', 'incomplete', 'failed', 'cancelled', 'expired', 'untracked'],
      completed: ['completed'],
      incomplete: ['incomplete'],
      failed: ['failed', 'submitting'],
      cancelled: ['cancelled'],
      expired: ['expired'],
      untracked: ['untracked'],
    };
    for (const from of STATES) {
      assert.deepEqual(
        STATES.filter((to) => canTransition(from, to)),
        STATES.filter((to) => allowed[from].includes(to)),
        from,
      );
    }
    assert.deepEqual(
      STATES.filter((to) => canTransition(undefined, to)),
      ['submitting'],
      'a new job starts by being sent',
    );
  });
});

describe('waiting and trouble', () => {
  it('a job waits only while live and marked', () => {
    assert.equal(isWaiting({ state: 'queued', waiting: 'noKey' }), true);
    assert.equal(isWaiting({ state: 'submitting', waiting: 'otherKey' }), true);
    assert.equal(isWaiting({ state: 'completed', waiting: 'noKey' }), false);
    assert.equal(isWaiting({ state: 'queued' }), false);
  });

  it('a live job cannot be checked from the third failed poll in a row', () => {
    const trouble = (count: number) => ({ kind: 'network', count, since: 1 });
    assert.equal(POLL_TROUBLE_THRESHOLD, 3);
    assert.equal(isTroubled({ state: 'queued', pollTrouble: trouble(2) }), false);
    assert.equal(isTroubled({ state: 'queued', pollTrouble: trouble(3) }), true);
    assert.equal(isTroubled({ state: 'in_progress', pollTrouble: trouble(9) }), true);
    assert.equal(isTroubled({ state: 'completed', pollTrouble: trouble(9) }), false);
    assert.equal(isTroubled({ state: 'queued' }), false);
    assert.equal(isTroubled(undefined), false);
  });
});

describe('jobErrorOf', () => {
  it('keeps the kind, and the status, code and server message only when there are any', () => {
    assert.deepEqual(jobErrorOf(undefined), { kind: 'error' });
    const bare = jobErrorOf(new SailError('network', 'The connection failed.'));
    assert.deepEqual(bare, { kind: 'network' });
    assert.deepEqual(Object.keys(bare), ['kind']);
    const full = jobErrorOf(new SailError('invalid_request', 'Refused.', { status: 400, code: 'bad_param', serverMessage: 'max_output_tokens must be >= 1' }));
    assert.deepEqual(full, { kind: 'invalid_request', status: 400, code: 'bad_param', detail: 'max_output_tokens must be >= 1' });
  });
});

const RECORD = {
  id: 'j1',
  idempotencyKey: 'k1',
  state: 'queued',
  title: 't',
  instruction: 'i',
  model: 'm',
  background: true,
  createdAt: 1,
};

describe('reading a stored record', () => {
  it('fills in what older records lack: not seen, attempt 1, no send attempts, updated at 0, no answers fetched', () => {
    const record = JobRecordSchema.parse({ ...RECORD, progress: { total: 2, done: 1, failed: 0 } });
    assert.deepEqual(
      [record.seen, record.attempt, record.sendAttempts, record.updatedAt, record.progress],
      [false, 1, 0, 0, { total: 2, done: 1, failed: 0, answered: 0 }],
    );
  });

  it('refuses a record that breaks its bounds', () => {
    const bad: Record<string, unknown>[] = [
      { id: '' },
      { idempotencyKey: '' },
      { idempotencyKey: 'k'.repeat(256) },
      { attempt: 0 },
      { attempt: 1.5 },
      { sendAttempts: -1 },
      { progress: { total: -1, done: 0, failed: 0 } },
      { progress: { total: 1, done: -1, failed: 0 } },
      { progress: { total: 1, done: 0, failed: -1 } },
      { progress: { total: 1, done: 0, failed: 0, answered: -1 } },
      { progress: { total: 1.5, done: 0, failed: 0 } },
      { pollTrouble: { kind: 'network', count: 0, since: 1 } },
      { source: { uri: 'u', fileName: 'f', languageId: 'l', version: 1, range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } } } },
      { source: { uri: 'u', fileName: 'f', languageId: 'l', version: 1, range: { start: { line: 0, character: -1 }, end: { line: 0, character: 0 } } } },
      { source: { uri: 'u', fileName: 'f', languageId: 'l', version: 1.5 } },
      { waiting: 'elsewhere' },
      { window: 'someday' },
    ];
    for (const change of bad) {
      assert.equal(JobRecordSchema.safeParse({ ...RECORD, ...change }).success, false, JSON.stringify(change));
    }
    assert.equal(JobRecordSchema.safeParse({ ...RECORD, idempotencyKey: 'k'.repeat(255), attempt: 2, sendAttempts: 0 }).success, true);
  });

  it('reads every reason a job may wait for', () => {
    for (const waiting of ['invalidBaseUrl', 'otherBaseUrl', 'noKey', 'otherKey'] as const) {
      assert.equal(JobRecordSchema.parse({ ...RECORD, waiting }).waiting, waiting);
    }
  });

  it('reads an error kind it does not know as error', () => {
    assert.deepEqual(JobRecordSchema.parse({ ...RECORD, error: { kind: 'from_the_future', detail: 'x' } }).error, { kind: 'error', detail: 'x' });
  });

  it('migrates the errors of earlier versions: Sail’s message kept for an accepted job, our own words dropped', () => {
    const read = (error: unknown, extra: Record<string, unknown> = {}) => JobRecordSchema.parse({ ...RECORD, ...extra, error }).error;
    // Written before `waiting` existed: the mark is dropped.
    assert.equal(read({ kind: 'elsewhere', message: 'Sent to another base URL.' }), undefined);
    // Never accepted: only the kind stays.
    assert.deepEqual(read({ kind: 'auth', message: 'Sail rejected the API key.' }), { kind: 'auth' });
    assert.deepEqual(read({ message: 'Something.' }), { kind: 'error' });
    assert.deepEqual(read({ kind: 42, message: 'Something.' }), { kind: 'error' });
    // Accepted: a 404 that expired the job is gone; anything else was Sail's failed answer.
    assert.deepEqual(read({ kind: 'not_found', message: 'Not found.' }, { responseId: 'resp_1', state: 'expired' }), { kind: 'gone' });
    assert.deepEqual(read({ kind: 'not_found', message: 'Not found.' }, { responseId: 'resp_1', state: 'failed' }), {
      kind: 'failed',
      code: 'not_found',
      detail: 'Not found.',
    });
    assert.deepEqual(read({ kind: 'server_error', message: 'GPU on fire' }, { responseId: 'resp_1', state: 'failed' }), {
      kind: 'failed',
      code: 'server_error',
      detail: 'GPU on fire',
    });
    assert.deepEqual(read({ kind: 'failed', message: 'model fell over' }, { responseId: 'resp_1', state: 'failed' }), {
      kind: 'failed',
      detail: 'model fell over',
    });
    assert.deepEqual(read({ kind: 'failed', message: '' }, { responseId: 'resp_1', state: 'failed' }), { kind: 'failed' });
    assert.deepEqual(read({ kind: 'failed', message: 7 }, { responseId: 'resp_1', state: 'failed' }), { kind: 'failed' });
    assert.deepEqual(read({ message: 'x' }, { responseId: 'resp_1', state: 'failed' }), { kind: 'failed', code: 'error', detail: 'x' });
    // Expired for another reason than a 404 (an old record): Sail's word is kept, not taken for gone.
    assert.deepEqual(read({ kind: 'server_error', message: 'x' }, { responseId: 'resp_1', state: 'expired' }), {
      kind: 'failed',
      code: 'server_error',
      detail: 'x',
    });
  });

  it('leaves a record without a legacy error as it is, and refuses what is not a record', () => {
    assert.deepEqual(JobRecordSchema.parse({ ...RECORD, error: { kind: 'network' } }).error, { kind: 'network' });
    assert.equal(JobRecordSchema.parse({ ...RECORD, error: undefined }).error, undefined);
    assert.equal(JobRecordSchema.safeParse(null).success, false);
    assert.equal(JobRecordSchema.safeParse({ ...RECORD, error: null }).success, false, 'a null error is refused, not a crash');
    assert.equal(JobRecordSchema.safeParse('j1').success, false);
  });
});
