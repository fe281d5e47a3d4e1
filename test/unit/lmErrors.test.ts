import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SailError } from '../../src/sail/errors';
import { lmFailureOf } from '../../src/lm/errors';

describe('lmFailureOf', () => {
  it('makes a refused key NoPermissions, an unknown model NotFound and a rate limit Blocked, with the user message', () => {
    const auth = new SailError('auth', 'POST /responses failed with HTTP 401', { status: 401, userMessage: 'Sail refused the API key.' });
    assert.deepEqual(lmFailureOf(auth), { kind: 'error', code: 'NoPermissions', message: 'Sail refused the API key.' });
    const gone = new SailError('not_found', 'x', { status: 404, userMessage: 'Not there.' });
    assert.deepEqual(lmFailureOf(gone), { kind: 'error', code: 'NotFound', message: 'Not there.' });
    const model = new SailError('invalid_request', 'x', { status: 400, code: 'model_not_found', userMessage: 'No such model.' });
    assert.deepEqual(lmFailureOf(model), { kind: 'error', code: 'NotFound', message: 'No such model.' });
    const limited = new SailError('rate_limited', 'x', { status: 429, userMessage: 'Slow down.' });
    assert.deepEqual(lmFailureOf(limited), { kind: 'error', code: 'Blocked', message: 'Slow down.' });
  });

  it('gives other failures no code, and a cancelled request is a cancellation', () => {
    for (const kind of ['forbidden', 'invalid_request', 'server', 'timeout', 'network', 'unexpected_response'] as const) {
      assert.deepEqual(lmFailureOf(new SailError(kind, 'x', { userMessage: 'Failed.' })), { kind: 'error', code: undefined, message: 'Failed.' });
    }
    assert.deepEqual(lmFailureOf(new SailError('aborted', 'x')), { kind: 'cancelled' });
  });
});
