import MarkdownIt from 'markdown-it';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

// The languages people most often ask about; the full highlight.js build would triple the bundle.
const LANGUAGES = {
  bash,
  c,
  cpp,
  csharp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  kotlin,
  markdown,
  php,
  python,
  ruby,
  rust,
  shell,
  sql,
  swift,
  typescript,
  xml,
  yaml,
};
for (const [name, language] of Object.entries(LANGUAGES)) {
  hljs.registerLanguage(name, language);
}

/** Links a reader may follow from model output; everything else renders as plain text. */
const SAFE_LINK = /^(https?:|mailto:)/i;

function createRenderer(): MarkdownIt.MarkdownIt {
  const md = new MarkdownIt({
    // Model output is untrusted: raw HTML is shown as text, never interpreted.
    html: false,
    linkify: true,
    typographer: false,
    highlight(code, lang) {
      const language = lang && hljs.getLanguage(lang) ? lang : undefined;
      if (!language) {
        return '';
      }
      try {
        return hljs.highlight(code, { language, ignoreIllegals: true }).value;
      } catch {
        return '';
      }
    },
  });
  md.validateLink = (url) => SAFE_LINK.test(url.trim());
  const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx].attrSet('rel', 'noopener noreferrer');
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  // markdown-it aligns table columns with inline styles, which the webview's CSP blocks: use classes.
  for (const rule of ['th_open', 'td_open'] as const) {
    md.renderer.rules[rule] = (tokens, idx, options, _env, self) => {
      const token = tokens[idx];
      const align = /text-align:(left|center|right)/.exec(String(token.attrGet('style') ?? ''))?.[1];
      if (align) {
        token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'style');
        token.attrJoin('class', `align-${align}`);
      }
      return self.renderToken(tokens, idx, options);
    };
  }
  return md;
}

let renderer: MarkdownIt.MarkdownIt | undefined;

/**
 * Model output (Markdown) → HTML that is safe to put in a webview: no raw HTML, no script or
 * event-handler attributes, links only to http(s) and mailto, code blocks highlighted by class names
 * (the webview's CSS colours them from the theme).
 */
export function renderMarkdown(text: string): string {
  renderer ??= createRenderer();
  return renderer.render(text);
}

/**
 * The code to put into the editor from an answer: the longest fenced code block (answers usually
 * wrap the full result in one), or the whole answer when it has none.
 */
export function codeForEditor(text: string): string {
  renderer ??= createRenderer();
  const blocks = renderer
    .parse(text, {})
    .filter((t) => t.type === 'fence' || t.type === 'code_block')
    .map((t) => t.content);
  if (blocks.length === 0) {
    return text;
  }
  return blocks.reduce((a, b) => (b.length > a.length ? b : a));
}
