import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig, type SailConfig } from '../../src/config';
import { buildInput, buildRequest, endUserId, hashText, promptCacheKey, rebuildRequest, tooLargeReason, unsendableReason } from '../../src/jobs/prompt';
import { codeForEditor } from '../../src/render/markdown';

/** The settings as a fresh install has them, with `changes` on top. */
function config(changes: Partial<SailConfig> = {}): SailConfig {
  const { config: defaults } = readConfig({ get: () => undefined, inspect: () => undefined });
  return { ...defaults, ...changes };
}

describe('buildInput', () => {
  it('says which code follows, then the code fenced with its language, and the instruction last, labelled', () => {
    const input = buildInput({
      instruction: '  Explain this.  ',
      text: 'const x = 1;',
      fileName: 'a.ts',
      languageId: 'typescript',
      lines: { start: 3, end: 7 },
    });
    assert.equal(
      input,
      ['The code below is lines 3–7 of a.ts (language: typescript).', '', '```typescript', 'const x = 1;', '```', '', 'Instruction:', 'Explain this.', ''].join(
        '\n',
      ),
    );
    const whole = buildInput({ instruction: 'Review', text: 'x', fileName: 'b.py', languageId: 'python' });
    assert.equal(
      whole,
      ['The code below is the whole file b.py (language: python).', '', '```python', 'x', '```', '', 'Instruction:', 'Review', ''].join('\n'),
    );
  });

  it('keeps everything before the instruction the same for any instruction, so requests about the same code share a prefix', () => {
    const code = { text: 'const x = 1;\n', fileName: 'a.ts', languageId: 'typescript', lines: { start: 1, end: 1 } };
    const inputs = ['Explain this.', 'Write tests', 'Find the bugs\nand list them'].map((instruction) => buildInput({ ...code, instruction }));
    const stable = 'The code below is lines 1–1 of a.ts (language: typescript).\n\n```typescript\nconst x = 1;\n\n```\n\nInstruction:\n';
    assert.deepEqual(
      inputs.map((input) => input.startsWith(stable)),
      [true, true, true],
    );
    assert.deepEqual(
      inputs.map((input) => input.slice(stable.length)),
      ['Explain this.\n', 'Write tests\n', 'Find the bugs\nand list them\n'],
    );
  });

  it('fences code that holds backtick runs with a longer fence, so the code cannot end it early', () => {
    const text = ['Some docs:', '```js', 'inner();', '```', 'and `x` and ````five````.', 'tail'].join('\n');
    const input = buildInput({ instruction: 'Document', text, fileName: 'README.md', languageId: 'markdown' });
    const lines = input.split('\n');
    const open = lines.findIndex((l) => l.startsWith('`'));
    const fence = /^`+/.exec(lines[open])?.[0] ?? '';
    assert.ok(fence.length > 4, `the fence (${fence.length}) is longer than the longest run in the code (4)`);
    assert.equal(lines[open], `${fence}markdown`);
    const close = lines.indexOf(fence, open + 1);
    assert.equal(lines.slice(open + 1, close).join('\n'), text, 'the code sits verbatim inside the fence');
    assert.deepEqual(lines.slice(close + 1), ['', 'Instruction:', 'Document', ''], 'the instruction follows the closing fence');
    // What a Markdown reader (the model, or this extension) takes as the code block is all of it.
    assert.equal(codeForEditor(input), `${text}\n`);
  });
});

describe('buildRequest', () => {
  it('sends asap in the foreground and flex in the background, whatever sail.background says', () => {
    assert.equal(buildRequest(config({ background: true }), 'x', { completionWindow: 'asap' }).background, false);
    assert.equal(buildRequest(config({ background: false }), 'x', { completionWindow: 'flex' }).background, true);
    assert.equal(buildRequest(config({ background: false, completionWindow: 'flex' }), 'x').background, true);
    assert.equal(buildRequest(config({ background: true, completionWindow: 'asap' }), 'x').background, false);
    // Elsewhere the setting decides.
    for (const window of ['auto', 'priority', 'standard'] as const) {
      assert.equal(buildRequest(config({ background: false }), 'x', { completionWindow: window }).background, false);
      assert.equal(buildRequest(config({ background: true }), 'x', { completionWindow: window }).background, true);
    }
  });

  it('sends only what is set: defaults add no optional field', () => {
    assert.deepEqual(buildRequest(config(), 'hello'), { model: 'moonshotai/Kimi-K2.5', input: 'hello', background: true, store: true, truncation: 'disabled' });
    assert.equal(buildRequest(config({ instructions: '  \n ' }), 'x').instructions, undefined, 'blank instructions are not sent');
  });

  it('carries the window, model, instructions, limits, sampling, reasoning and cache key when set', () => {
    const request = buildRequest(
      config({
        model: 'a/b',
        completionWindow: 'standard',
        instructions: 'Be brief.',
        maxOutputTokens: 100,
        temperature: 0,
        topP: 0.5,
        reasoningEffort: 'high',
      }),
      'x',
      { cacheKey: 'vscode-abc' },
    );
    assert.deepEqual(request, {
      model: 'a/b',
      input: 'x',
      background: true,
      store: true,
      truncation: 'disabled',
      metadata: { completion_window: 'standard' },
      instructions: 'Be brief.',
      max_output_tokens: 100,
      temperature: 0,
      top_p: 0.5,
      reasoning: { effort: 'high' },
      prompt_cache_key: 'vscode-abc',
    });
    const overridden = buildRequest(config({ completionWindow: 'standard' }), 'x', { model: 'c/d', completionWindow: 'priority' });
    assert.equal(overridden.model, 'c/d');
    assert.deepEqual(overridden.metadata, { completion_window: 'priority' });
  });
});

describe('prompt cache key and text hash', () => {
  it('hashes the workspace (or the file without one), never sending the path; off sends none', () => {
    const SALT = 'install-salt';
    const workspace = promptCacheKey('workspace', { workspace: '/home/me/proj', file: '/home/me/proj/a.ts' }, SALT);
    assert.match(workspace ?? '', /^vscode-[0-9a-f]{32}$/);
    assert.doesNotMatch(workspace ?? '', /proj/);
    assert.equal(promptCacheKey('workspace', { workspace: '/home/me/proj', file: '/other.ts' }, SALT), workspace);
    assert.equal(promptCacheKey('workspace', { file: '/x/a.ts' }, SALT), promptCacheKey('file', { workspace: '/w', file: '/x/a.ts' }, SALT));
    assert.notEqual(promptCacheKey('file', { file: '/x/a.ts' }, SALT), promptCacheKey('file', { file: '/x/b.ts' }, SALT));
    assert.equal(promptCacheKey('off', { workspace: '/w', file: '/x/a.ts' }, SALT), undefined);
    assert.equal(promptCacheKey('file', { workspace: '/w' }, SALT), undefined);
  });

  it('tells texts apart by their hash', () => {
    assert.equal(hashText('abc'), hashText('abc'));
    assert.notEqual(hashText('abc'), hashText('abd'));
    assert.match(hashText(''), /^[0-9a-f]{64}$/);
  });
});

describe('the end-user id (sail.endUserId)', () => {
  it('is an anonymous id per installation: the same for one salt, another for another, revealing neither', () => {
    const id = endUserId('install', 'salt-a');
    assert.match(id ?? '', /^vscode-user-[0-9a-f]{32}$/);
    assert.equal(endUserId('install', 'salt-a'), id);
    assert.notEqual(endUserId('install', 'salt-b'), id);
    assert.ok(!(id ?? '').includes('salt'));
    assert.ok((id ?? '').length <= 256, "within Sail's 256-character limit");
  });

  it('goes on the wire as `user`; off sends none; Send Again with new settings keeps it', () => {
    const user = endUserId('install', 'salt-a');
    const request = buildRequest(config(), 'x', { user });
    assert.equal(request.user, user);
    assert.equal(endUserId('off', 'salt-a'), undefined);
    assert.equal('user' in buildRequest(config(), 'x', { user: endUserId('off', 'salt-a') }), false);
    assert.equal(rebuildRequest(config({ temperature: 0.5 }), request).user, user);
  });
});

describe('what cannot be sent', () => {
  it('a file over sail.maxFileSizeKB, saying its size and the limit', () => {
    assert.equal(tooLargeReason(1024, 1024, 'a.ts'), undefined, 'exactly the limit is fine');
    assert.equal(
      tooLargeReason(1025, 1024, 'a.ts'),
      'a.ts is 2 KB, over the 1 KB limit (sail.maxFileSizeKB). Select the part you need and use Send Selection.',
    );
  });

  it('binary files and text that is not UTF-8; UTF-8 text, even cut mid-character, is fine', () => {
    const utf8 = new TextEncoder().encode('héllo — ünïcode');
    assert.equal(unsendableReason(utf8, 1024, 'a.txt'), undefined);
    assert.equal(unsendableReason(utf8.subarray(0, 2), 1024, 'a.txt'), undefined, 'a character cut at the end of the sample');
    assert.match(unsendableReason(new Uint8Array([0x68, 0x00, 0x69]), 1024, 'a.bin') ?? '', /a\.bin looks like a binary file/);
    assert.match(unsendableReason(new Uint8Array([0x68, 0xff, 0xfe, 0x69]), 1024, 'a.txt') ?? '', /a\.txt is not UTF-8 text/);
    assert.match(unsendableReason(new Uint8Array(2048).fill(0x61), 1024, 'big.txt') ?? '', /big\.txt is 2 KB/);
    // A NUL byte past the first 8 KB does not make a file binary.
    const late = new Uint8Array(9000).fill(0x61);
    late[8500] = 0;
    assert.equal(unsendableReason(late, 1_000_000, 'late.txt'), undefined);
  });
});
