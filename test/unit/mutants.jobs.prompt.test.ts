// What a request carries (issue 14: survivors of a mutation run of src/jobs/prompt.ts): the estimate
// counts instructions and input, Re-run changes only model and window, a refused request rebuilt from
// the settings keeps what it sent, a prompt file's overrides win over the settings one field at a time,
// and a window the settings spell in an old or unknown way is sent as Sail reads it.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig, type SailConfig } from '../../src/config';
import {
  backgroundFor,
  buildInput,
  buildRequest,
  endUserId,
  fenceFor,
  notTextReason,
  promptCacheKey,
  rebuildRequest,
  requestText,
  tooLargeReason,
  withModelAndWindow,
} from '../../src/jobs/prompt';
import type { CreateResponseRequest } from '../../src/sail/schemas';

function config(changes: Partial<SailConfig> = {}): SailConfig {
  const { config: defaults } = readConfig({ get: () => undefined, inspect: () => undefined });
  return { ...defaults, ...changes };
}

describe('requestText: what the token estimate counts', () => {
  it('is the instructions, then the input; a structured input counts as its JSON', () => {
    assert.equal(requestText({ model: 'm', input: 'code', instructions: 'Be brief. ' }), 'Be brief. code');
    assert.equal(requestText({ model: 'm', input: 'code' }), 'code', 'no instructions: the input alone');
    const items = [{ role: 'user', content: 'hi' }] as unknown as CreateResponseRequest['input'];
    assert.equal(requestText({ model: 'm', input: items }), '[{"role":"user","content":"hi"}]');
  });
});

describe('backgroundFor', () => {
  it('asap is never background, flex always, the rest as preferred', () => {
    assert.deepEqual(
      (['asap', 'flex', 'priority', 'standard', 'auto'] as const).map((w) => [backgroundFor(w, true), backgroundFor(w, false)]),
      [
        [false, false],
        [true, true],
        [true, false],
        [true, false],
        [true, false],
      ],
    );
  });
});

describe('withModelAndWindow (Re-run)', () => {
  const sent: CreateResponseRequest = {
    model: 'a/b',
    input: 'x',
    background: true,
    store: true,
    prompt_cache_key: 'vscode-k',
    metadata: { completion_window: 'flex' },
  };

  it('to auto leaves no metadata at all when the window was the only entry', () => {
    const rerun = withModelAndWindow(sent, 'c/d', 'auto', true);
    assert.deepEqual(rerun, { model: 'c/d', input: 'x', background: true, store: true, prompt_cache_key: 'vscode-k' });
    assert.equal('metadata' in rerun, false);
  });

  it('does not change the request it was given', () => {
    const before = structuredClone(sent);
    withModelAndWindow(sent, 'c/d', 'asap', true);
    withModelAndWindow(sent, 'c/d', 'auto', true);
    assert.deepEqual(sent, before);
  });

  it('a request sent without metadata gets the new window only', () => {
    const plain: CreateResponseRequest = { model: 'a/b', input: 'x' };
    assert.deepEqual(withModelAndWindow(plain, 'c/d', 'priority', false), {
      model: 'c/d',
      input: 'x',
      background: false,
      metadata: { completion_window: 'priority' },
    });
    assert.deepEqual(withModelAndWindow(plain, 'c/d', 'auto', false), { model: 'c/d', input: 'x', background: false });
  });
});

describe('rebuildRequest (Send Again with the settings as they are now)', () => {
  it('keeps the input, the cache key, the user and the format; takes everything else from the settings', () => {
    const format = { type: 'json_schema' as const, name: 'findings', schema: { type: 'object' } };
    const previous: CreateResponseRequest = {
      model: 'old/model',
      input: 'the code',
      background: false,
      temperature: 1.5,
      prompt_cache_key: 'vscode-k',
      user: 'vscode-user-u',
      text: { format },
      metadata: { completion_window: 'asap' },
    };
    assert.deepEqual(rebuildRequest(config({ model: 'new/model', completionWindow: 'flex', temperature: 0.2 }), previous), {
      model: 'new/model',
      input: 'the code',
      background: true,
      store: true,
      truncation: 'disabled',
      metadata: { completion_window: 'flex' },
      temperature: 0.2,
      text: { format },
      prompt_cache_key: 'vscode-k',
      user: 'vscode-user-u',
    });
  });

  it("a prompt file's job takes what the prompt file sets now over the settings, its format included (or none)", () => {
    const previous: CreateResponseRequest = {
      model: 'no-such/model',
      input: 'the code',
      background: false,
      text: { format: { type: 'json_schema', name: 'old', schema: { type: 'object' } } },
      metadata: { completion_window: 'asap' },
    };
    const format = { type: 'json_schema' as const, name: 'findings', schema: { type: 'object' } };
    const prompt = {
      model: 'fixed/model',
      completionWindow: 'priority' as const,
      reasoningEffort: 'high' as const,
      maxOutputTokens: 900,
      temperature: 0.3,
      format,
    };
    const rebuilt = rebuildRequest(config({ model: 'setting/model', completionWindow: 'flex', temperature: 1 }), previous, { prompt });
    assert.deepEqual(
      { model: rebuilt.model, window: rebuilt.metadata?.completion_window, effort: rebuilt.reasoning?.effort, limit: rebuilt.max_output_tokens },
      { model: 'fixed/model', window: 'priority', effort: 'high', limit: 900 },
    );
    assert.equal(rebuilt.temperature, 0.3);
    assert.deepEqual(rebuilt.text?.format, format);
    // The prompt file no longer asks for JSON: the rebuilt request does not either.
    assert.equal(rebuildRequest(config(), previous, { prompt: { model: 'fixed/model' } }).text, undefined);
    // What the prompt file leaves out comes from the settings.
    const sparse = rebuildRequest(config({ model: 'setting/model', completionWindow: 'flex' }), previous, { prompt: {} });
    assert.deepEqual([sparse.model, sparse.metadata?.completion_window], ['setting/model', 'flex']);
  });

  it('a batch item keeps the window it was sent in (a batch runs only in some), whatever the settings or prompt say', () => {
    const item: CreateResponseRequest = { model: 'm', input: 'x', background: true, metadata: { completion_window: 'standard' } };
    const rebuilt = rebuildRequest(config({ completionWindow: 'asap' }), item, { prompt: { completionWindow: 'priority' }, keepWindow: true });
    assert.equal(rebuilt.metadata?.completion_window, 'standard');
    assert.equal(rebuilt.background, true);
    assert.equal(rebuildRequest(config({ completionWindow: 'asap' }), { model: 'm', input: 'x' }, { keepWindow: true }).metadata, undefined, 'none sent: auto');
  });

  it('sends a structured input as its JSON text', () => {
    const items = [{ role: 'user', content: 'hi' }] as unknown as CreateResponseRequest['input'];
    assert.equal(rebuildRequest(config(), { model: 'm', input: items }).input, '[{"role":"user","content":"hi"}]');
  });
});

describe('buildRequest: settings and overrides, one field at a time', () => {
  it('sends the window the setting names as Sail reads it: balanced as standard, anything unknown as auto', () => {
    assert.deepEqual(buildRequest(config({ completionWindow: 'balanced' as SailConfig['completionWindow'] }), 'x').metadata, { completion_window: 'standard' });
    const unknown = buildRequest(config({ completionWindow: 'someday' as SailConfig['completionWindow'] }), 'x');
    assert.equal('metadata' in unknown, false);
    assert.equal(buildRequest(config({ completionWindow: 'flex' }), 'x', { completionWindow: 'auto' }).metadata, undefined, 'a prompt file may say auto');
  });

  it('an override of 0 or a limit set only in the prompt file is sent; the settings’ null sends none', () => {
    const request = buildRequest(config({ maxOutputTokens: null, temperature: null, topP: null }), 'x', { maxOutputTokens: 50, temperature: 0 });
    assert.equal(request.max_output_tokens, 50);
    assert.equal(request.temperature, 0);
    assert.equal('top_p' in request, false);
    const none = buildRequest(config({ maxOutputTokens: null, temperature: null, topP: null }), 'x');
    assert.deepEqual(Object.keys(none).sort(), ['background', 'input', 'model', 'store', 'truncation']);
  });

  it('a prompt file’s effort wins over a setting of default', () => {
    assert.deepEqual(buildRequest(config({ reasoningEffort: 'default' }), 'x', { reasoningEffort: 'medium' }).reasoning, { effort: 'medium' });
  });

  it('an empty cache key or user is not sent', () => {
    const request = buildRequest(config(), 'x', { cacheKey: '', user: '' });
    assert.equal('prompt_cache_key' in request, false);
    assert.equal('user' in request, false);
  });

  it('instructions are sent as written, surrounding spaces included', () => {
    assert.equal(buildRequest(config({ instructions: '  Be brief.\n' }), 'x').instructions, '  Be brief.\n');
  });
});

describe('fences and reasons', () => {
  it('a fence is three backticks for plain code and one longer than the longest run otherwise', () => {
    assert.equal(fenceFor('plain'), '```');
    assert.equal(fenceFor('a `b` c'), '```');
    assert.equal(fenceFor('``` and `````'), '``````');
    const input = buildInput({ instruction: 'x', text: 'a ```` b', fileName: 'f', languageId: 'md' });
    assert.equal(input.split('\n')[2], '`````md');
  });

  it('the workspace key falls back to the file only when there is no workspace', () => {
    const SALT = 's';
    assert.notEqual(promptCacheKey('workspace', { workspace: '/w', file: '/f' }, SALT), promptCacheKey('file', { file: '/f' }, SALT));
    assert.equal(promptCacheKey('workspace', {}, SALT), undefined);
  });

  it('a too-large file names the limit rounded down to whole KB', () => {
    assert.equal(
      tooLargeReason(4000, 2047, 'a.ts'),
      'a.ts is 4 KB, over the 1 KB limit (sail.maxFileSizeKB). Select the part you need and use Send Selection.',
    );
  });

  it('only the first 8 KB are looked at for NUL bytes, and only the first 64 KB are decoded', () => {
    const early = new Uint8Array(9000).fill(0x61);
    early[8191] = 0;
    assert.equal(notTextReason(early, 'e.bin'), 'e.bin looks like a binary file; Sail accepts text only.');
    const late = new Uint8Array(70_000).fill(0x61);
    late[66_000] = 0xff;
    assert.equal(notTextReason(late, 'late.txt'), undefined, 'bad bytes past 64 KB are not read');
    const bad = new Uint8Array(100).fill(0x61);
    bad[50] = 0xff;
    assert.equal(notTextReason(bad, 'bad.txt'), 'bad.txt is not UTF-8 text; Sail accepts text only.');
  });
});

describe('ids that must not change between versions', () => {
  it('the end-user id and the cache key of an install stay the same after an update (Sail would see a new user, a cold cache)', () => {
    assert.equal(endUserId('install', 'salt-a'), 'vscode-user-b2b913fb5a3931cd2ed9ff6559cc7c90');
    assert.equal(promptCacheKey('workspace', { workspace: '/home/me/proj' }, 'install-salt'), 'vscode-95a03367e7e856d85b7827e4cbbb08ba');
  });
});
