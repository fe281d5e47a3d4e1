import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { promptCacheKey } from '../../src/jobs/prompt';

const workspace = 'file:///home/alice/secret-project';
const file = `${workspace}/src/payroll.ts`;

describe('prompt-cache key: derived from the workspace, revealing no path', () => {
  it('is stable for one install, so requests from one workspace share cached prefixes', () => {
    assert.equal(promptCacheKey('workspace', { workspace, file }, 'salt-a'), promptCacheKey('workspace', { workspace, file: `${workspace}/b.ts` }, 'salt-a'));
  });

  it('differs between installs, so the same path gives unrelated keys on two machines', () => {
    assert.notEqual(promptCacheKey('workspace', { workspace, file }, 'salt-a'), promptCacheKey('workspace', { workspace, file }, 'salt-b'));
  });

  it('cannot be confirmed by hashing a guessed path', () => {
    const key = promptCacheKey('file', { workspace, file }, 'salt-a') ?? '';
    const guess = createHash('sha256').update(file).digest('hex');
    assert.ok(!guess.startsWith(key.replace(/^vscode-/, '')), 'the key is a plain hash of the path');
    assert.ok(!key.includes('alice') && !key.includes('payroll'));
  });

  it('is absent when turned off', () => {
    assert.equal(promptCacheKey('off', { workspace, file }, 'salt-a'), undefined);
  });
});
