// The response kind in the job core's words (issue 14: the survivors of a mutation run of
// src/jobs/kinds.ts): a running job shows as running, a failure keeps Sail's error code only when
// Sail gave one, and the kind answers to the name jobs are stored under.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindOf, responseKind, responseStatus, type ResponsesApi } from '../../src/jobs/kinds';
import { SailResponseSchema } from '../../src/sail/schemas';

const USAGE = {
  input_tokens: 7,
  input_tokens_details: { cached_tokens: 2 },
  output_tokens: 5,
  output_tokens_details: { reasoning_tokens: 1 },
  total_tokens: 12,
};

function response(status: string, extra: Record<string, unknown> = {}) {
  return SailResponseSchema.parse({
    id: 'resp_1',
    object: 'response',
    created_at: 1_800_000_000,
    status,
    model: 'moonshotai/Kimi-K2.5',
    output: [],
    usage: status === 'queued' || status === 'in_progress' ? null : USAGE,
    ...extra,
  });
}

const noApi = (): ResponsesApi => {
  throw new Error('not called');
};

describe('response kind: what the job core reads', () => {
  it('a queued job shows as queued and a running one as running, with Sail’s own word kept', () => {
    assert.deepEqual(responseStatus(response('queued')), { state: 'queued', serverStatus: 'queued' });
    assert.deepEqual(responseStatus(response('in_progress')), { state: 'in_progress', serverStatus: 'in_progress' });
  });

  it('a failure keeps Sail’s error code when it gave one, and has no code when it did not', () => {
    const coded = responseStatus(response('failed', { error: { code: 'server_error', message: 'The model crashed.' } }));
    assert.deepEqual(coded.error, { kind: 'failed', code: 'server_error', detail: 'The model crashed.' });
    const bare = responseStatus(response('failed', { error: { message: 'Something went wrong.' } }));
    assert.deepEqual(bare.error, { kind: 'failed', detail: 'Something went wrong.' });
    assert.ok(bare.error && !('code' in bare.error), 'no code key at all');
    assert.equal(responseStatus(response('completed')).error, undefined);
  });

  it('the kind answers to the name jobs without a kind are stored under', () => {
    const kind = responseKind(noApi);
    assert.equal(kind.name, 'response');
    assert.equal(kindOf({ response: kind }, {}), kind);
  });
});
