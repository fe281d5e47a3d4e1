import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContextInput, inputSize } from '../../src/batch/contextInput';
import { languageIdForPath } from '../../src/batch/language';
import { estimateInputTokens } from '../../src/usage/estimate';

describe('buildContextInput', () => {
  it('puts every file first, in path order, fenced with its path and language, and the instruction last', () => {
    const input = buildContextInput('  Find the bug.  ', [
      { path: 'src/b.py', text: 'print(1)' },
      { path: 'src/a.ts', text: 'const a = 1;', languageId: 'typescriptreact' },
    ]);
    assert.equal(
      input,
      [
        'The 2 files below are from the workspace, each fenced, with its path and language.',
        '',
        'File src/a.ts (language: typescriptreact):',
        '',
        '```typescriptreact',
        'const a = 1;',
        '```',
        '',
        'File src/b.py (language: python):',
        '',
        '```python',
        'print(1)',
        '```',
        '',
        'Instruction:',
        'Find the bug.',
        '',
      ].join('\n'),
    );
  });

  it('keeps the part before the instruction the same when only the instruction changes (what a prompt cache reuses)', () => {
    const files = [{ path: 'x.md', text: '# x' }];
    const one = buildContextInput('Summarize', files);
    const other = buildContextInput('Translate to French', files);
    const stable = one.slice(0, one.lastIndexOf('Summarize'));
    assert.ok(stable.length > 0 && other.startsWith(stable));
  });

  it('fences a file that holds backtick runs with a longer fence, so it cannot end its block early', () => {
    const text = ['Docs:', '````js', 'x();', '````'].join('\n');
    const input = buildContextInput('Check', [{ path: 'README.md', text }]);
    const lines = input.split('\n');
    const open = lines.findIndex((l) => l.startsWith('`'));
    assert.equal(lines[open], '`````markdown');
    assert.equal(lines.slice(open + 1, lines.indexOf('`````', open + 1)).join('\n'), text);
  });
});

describe('inputSize', () => {
  it('gives UTF-8 bytes and the same token estimate as a single send', () => {
    const input = buildContextInput('Explain', [{ path: 'é.txt', text: 'héllo 🚀' }]);
    const size = inputSize(input);
    assert.equal(size.bytes, Buffer.byteLength(input, 'utf8'));
    assert.ok(size.bytes > input.length, 'multi-byte characters count as their bytes');
    assert.equal(size.estimatedTokens, estimateInputTokens(input));
  });
});

describe('languageIdForPath', () => {
  it("gives VS Code's ids for common extensions and names, plaintext otherwise", () => {
    assert.equal(languageIdForPath('src/a.TS'), 'typescript');
    assert.equal(languageIdForPath('web/App.tsx'), 'typescriptreact');
    assert.equal(languageIdForPath('Dockerfile'), 'dockerfile');
    assert.equal(languageIdForPath('notes'), 'plaintext');
    assert.equal(languageIdForPath('.ts'), 'plaintext', 'a dot file has no extension');
    assert.equal(languageIdForPath('x.constructor'), 'plaintext', "not Object's constructor");
  });
});
