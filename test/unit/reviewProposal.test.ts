import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashText } from '../../src/jobs/prompt';
import { changedSinceSent, fitTo, namesFile, noProposalText, proposalFor, replacementFor, sameText, type ProposalFile } from '../../src/review/proposal';

const file: ProposalFile = { path: '/w/src/add.ts', languageId: 'typescript' };
const ADD = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
const ADD_FIXED = 'export function add(a: number, b: number): number {\n  return a + b; // checked\n}\n';
const fence = (info: string, code: string, marks = '```') => `${marks}${info}\n${code}${code.endsWith('\n') ? '' : '\n'}${marks}`;

function proposed(answer: string, about: ProposalFile = file): string {
  const result = proposalFor(answer, about);
  assert.ok(result.found, `expected a proposal, got ${result.found ? '' : result.reason}`);
  return result.text;
}

function refused(answer: string, about: ProposalFile = file): string {
  const result = proposalFor(answer, about);
  assert.ok(!result.found, 'expected no proposal');
  return result.reason;
}

describe('proposalFor: which block is the file', () => {
  it('takes the only block, with or without a language', () => {
    assert.equal(proposed(`Here you go:\n\n${fence('ts', ADD_FIXED)}\n\nDone.`), ADD_FIXED);
    assert.equal(proposed(fence('', ADD_FIXED)), ADD_FIXED);
    const result = proposalFor(fence('typescript', ADD_FIXED), file);
    assert.deepEqual(result, { found: true, text: ADD_FIXED, basis: 'only' });
  });

  it('says there is nothing when the answer has no code, or only empty blocks', () => {
    assert.equal(refused('The function looks fine; nothing to change.'), 'noCode');
    assert.equal(refused('Inline `code` is not a block.'), 'noCode');
    assert.equal(refused(fence('ts', '\n  \n')), 'noCode');
    assert.equal(refused(''), 'noCode');
  });

  it('ignores indented code, which a nested list makes by accident', () => {
    assert.equal(refused(`Steps:\n\n    npm test\n    npm run lint\n`), 'noCode');
  });

  it('never takes a block in another language: a command, a diff, sample output', () => {
    assert.equal(refused(fence('bash', 'npm test\n')), 'otherLanguage');
    assert.equal(refused(`${fence('diff', '- a\n+ b\n')}\n\n${fence('console', '3\n')}`), 'otherLanguage');
    assert.equal(proposed(`Run:\n\n${fence('sh', 'npm test\n')}\n\nThe file:\n\n${fence('ts', ADD_FIXED)}`), ADD_FIXED);
  });

  it('knows the usual names of a language and the file’s extension', () => {
    assert.equal(proposed(fence('ts', 'x\n'), { path: '/w/a.tsx', languageId: 'typescriptreact' }), 'x\n');
    assert.equal(proposed(fence('py', 'x = 1\n'), { path: '/w/a.py', languageId: 'python' }), 'x = 1\n');
    assert.equal(proposed(fence('c++', 'int x;\n'), { path: '/w/a.cc', languageId: 'cpp' }), 'int x;\n');
    assert.equal(proposed(fence('vue', '<template/>\n'), { path: '/w/App.vue', languageId: 'vue' }), '<template/>\n');
    assert.equal(proposed(fence('{.ts}', 'x\n')), 'x\n');
    assert.equal(refused(fence('python', 'x = 1\n')), 'otherLanguage');
  });

  it('takes the block whose info string names the file among several', () => {
    const answer = [fence('ts src/other.ts', 'other\n'), fence('ts src/add.ts', ADD_FIXED), fence('ts', 'snippet\n')].join('\n\n');
    assert.deepEqual(proposalFor(answer, file), { found: true, text: ADD_FIXED, basis: 'named' });
    assert.equal(proposed([fence('typescript:src/add.ts', ADD_FIXED), fence('ts', 'x\n')].join('\n\n')), ADD_FIXED);
    assert.equal(proposed([fence('add.ts', ADD_FIXED), fence('ts', 'x\n')].join('\n\n')), ADD_FIXED);
    assert.equal(proposed([fence('ts title="add.ts"', ADD_FIXED), fence('ts', 'x\n')].join('\n\n')), ADD_FIXED);
  });

  it('never takes a block labelled with another file’s name, even the only one', () => {
    assert.equal(refused(fence('ts src/other.ts', ADD_FIXED)), 'otherFile');
    assert.equal(refused(fence('ts title="other.ts"', ADD_FIXED)), 'otherFile');
    assert.equal(refused(fence('other.ts', ADD_FIXED)), 'otherFile');
    assert.equal(proposed(`${fence('ts other.ts', 'other\n')}\n\n${fence('ts', ADD_FIXED)}`), ADD_FIXED);
  });

  it('takes the block whose preceding line names the file', () => {
    const answer = `Two files change.\n\n**\`src/other.ts\`**:\n\n${fence('ts', 'other\n')}\n\n### add.ts\n${fence('ts', ADD_FIXED)}\n`;
    assert.equal(proposed(answer), ADD_FIXED);
    assert.equal(proposed(`The updated add.ts:\n${fence('ts', ADD_FIXED)}\n\nAnd a test:\n${fence('ts', 'test\n')}`), ADD_FIXED);
  });

  it('does not take another file whose name contains this one’s, nor the same name in another folder', () => {
    assert.equal(namesFile('see add.test.ts', '/w/src/add.ts'), false);
    assert.equal(namesFile('see myadd.ts', '/w/src/add.ts'), false);
    assert.equal(namesFile('see lib/add.ts', '/w/src/add.ts'), false);
    assert.equal(namesFile('see src/add.ts.', '/w/src/add.ts'), true);
    assert.equal(namesFile('see `./src/add.ts`', '/w/src/add.ts'), true);
    assert.equal(namesFile('see src\\add.ts', 'C:\\w\\src\\add.ts'), true);
    assert.equal(namesFile('in my file.ts we', '/w/my file.ts'), true);
  });

  it('refuses when two blocks name the file: it cannot tell which one is meant', () => {
    assert.equal(refused(`Before, add.ts:\n${fence('ts', ADD)}\n\nAfter, add.ts:\n${fence('ts', ADD_FIXED)}`), 'ambiguous');
  });

  it('takes the longest block in the file’s language when it clearly is the longest', () => {
    const whole = 'line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n';
    assert.deepEqual(proposalFor(`${fence('ts', whole)}\n\nThe key change:\n\n${fence('ts', 'line 3\n')}`, file), {
      found: true,
      text: whole,
      basis: 'language',
    });
    assert.equal(refused(`${fence('ts', 'a\nb\nc\n')}\n\n${fence('ts', 'd\ne\n')}`), 'ambiguous');
  });

  it('prefers blocks tagged with the file’s language to untagged ones', () => {
    assert.equal(proposed(`${fence('', 'output line\n'.repeat(10))}\n\n${fence('ts', ADD_FIXED)}`), ADD_FIXED);
  });

  it('reads a longer fence around a block that holds fences, and tilde fences', () => {
    const markdownFile: ProposalFile = { path: '/w/README.md', languageId: 'markdown' };
    const readme = '# Title\n\n```ts\nconst a = 1;\n```\n\nText.\n';
    assert.equal(proposed(`Here it is:\n\n${fence('markdown', readme, '````')}\n`, markdownFile), readme);
    assert.equal(proposed(fence('ts', ADD_FIXED, '~~~')), ADD_FIXED);
    assert.equal(proposed(`${fence('ts', 'const s = "```";\n', '````')}`), 'const s = "```";\n');
  });

  it('reads an answer with CRLF line endings, and gives the proposal the sent text’s line endings', () => {
    const crlf = (s: string) => s.replace(/\n/g, '\r\n');
    assert.equal(proposed(crlf(`Fixed:\n\n${fence('ts', ADD_FIXED)}\n`)), ADD_FIXED);
    assert.equal(proposed(fence('ts', ADD_FIXED), { ...file, sentText: crlf(ADD) }), crlf(ADD_FIXED));
    assert.equal(proposed(crlf(fence('ts', ADD_FIXED)), { ...file, sentText: crlf(ADD) }), crlf(ADD_FIXED));
  });

  it('keeps the sent text’s final newline, or its lack of one (a selection)', () => {
    assert.equal(proposed(fence('ts', 'return a - b;\n'), { ...file, sentText: 'return a + b;' }), 'return a - b;');
    assert.equal(proposed(fence('ts', 'x'), { ...file, sentText: 'y\n' }), 'x\n');
  });

  it('says there is nothing to change when the block is the text as sent', () => {
    assert.equal(refused(fence('ts', ADD), { ...file, sentText: ADD }), 'unchanged');
    assert.equal(refused(fence('ts', ADD), { ...file, sentText: ADD.replace(/\n/g, '\r\n').replace(/\r\n$/, '') }), 'unchanged');
  });

  it('refuses a block that leaves parts of the file out', () => {
    for (const line of [
      '// ...',
      '  // … existing code …',
      '# ... rest of the file',
      '/* ... */',
      '<!-- ... -->',
      '// rest of the file unchanged',
      '// Existing methods unchanged',
      '... rest of the code',
    ]) {
      assert.equal(refused(fence('ts', `import x from 'x';\n${line}\nexport const y = 1;\n`)), 'elided', line);
    }
  });

  it('does not mistake spreads, Python’s Ellipsis or ordinary comments for left-out code', () => {
    const code = 'const all = [...rest];\nf(...args);\n// keep the order unchanged\n';
    assert.equal(proposed(fence('ts', code)), code);
    const stub = 'def f():\n    ...\n';
    assert.equal(proposed(fence('python', stub), { path: '/w/a.py', languageId: 'python' }), stub);
  });

  it('refuses a block that is a small part of a long file', () => {
    const sent = Array.from({ length: 40 }, (_, i) => `const v${i} = ${i};`).join('\n') + '\n';
    assert.equal(refused(fence('ts', 'const v3 = 4;\n'), { ...file, sentText: sent }), 'fragment');
    const shorter = sent.split('\n').slice(0, 30).join('\n') + '\n';
    assert.equal(proposed(fence('ts', shorter), { ...file, sentText: sent }), shorter);
    assert.equal(proposed(fence('ts', 'x\n'), { ...file, sentText: 'a\nb\nc\n' }), 'x\n', 'a short text may shrink');
  });

  it('has words for every reason', () => {
    for (const reason of ['noCode', 'otherLanguage', 'otherFile', 'ambiguous', 'elided', 'fragment', 'unchanged'] as const) {
      assert.ok(noProposalText(reason).length > 10, reason);
    }
  });
});

describe('fitTo and sameText', () => {
  it('leaves the proposal as it is with nothing to fit it to', () => {
    assert.equal(fitTo('a\nb\n', undefined), 'a\nb\n');
    assert.equal(fitTo('a\r\nb\r\n', ''), 'a\nb\n');
  });

  it('takes the line ending most lines of the sent text use', () => {
    assert.equal(fitTo('a\nb\n', 'x\r\ny\r\nz\n'), 'a\r\nb\r\n');
    assert.equal(fitTo('a\nb\n', 'x\r\ny\nz\n'), 'a\nb\n');
  });

  it('compares texts whatever their line endings and final newlines', () => {
    assert.ok(sameText('a\r\nb\r\n', 'a\nb'));
    assert.ok(!sameText('a\nb', 'a\n b'));
  });
});

describe('changedSinceSent', () => {
  it('compares the text with the hash of what was sent', () => {
    assert.equal(changedSinceSent(ADD, hashText(ADD)), false);
    assert.equal(changedSinceSent(ADD_FIXED, hashText(ADD)), true);
  });

  it('cannot tell without a hash, and says unchanged', () => {
    assert.equal(changedSinceSent(ADD, undefined), false);
  });
});

describe('replacementFor', () => {
  const apply = (current: string, r: { start: number; end: number; text: string }) => current.slice(0, r.start) + r.text + current.slice(r.end);

  it('replaces only what differs between the common start and end', () => {
    const r = replacementFor(ADD, ADD_FIXED);
    assert.equal(apply(ADD, r), ADD_FIXED);
    assert.equal(r.text, ' // checked');
    assert.equal(r.start, ADD.indexOf(';') + 1);
  });

  it('handles equal texts, insertions, deletions and whole replacements', () => {
    for (const [a, b] of [
      ['same', 'same'],
      ['', 'new'],
      ['old', ''],
      ['abc', 'xyz'],
      ['aaa', 'aaaa'],
      ['abab', 'ab'],
    ] as const) {
      assert.equal(apply(a, replacementFor(a, b)), b, `${a} → ${b}`);
    }
    assert.deepEqual(replacementFor('same', 'same'), { start: 4, end: 4, text: '' });
  });

  it('never splits a CRLF pair or a surrogate pair', () => {
    const a = 'x\r\ny';
    const b = 'x\ny';
    const r = replacementFor(a, b);
    assert.equal(apply(a, r), b);
    assert.ok(!(a[r.start - 1] === '\r' && a[r.start] === '\n'));
    const emojiA = 'a😀b';
    const emojiB = 'a😁b';
    const e = replacementFor(emojiA, emojiB);
    assert.equal(apply(emojiA, e), emojiB);
    assert.equal(e.text, '😁');
  });
});
