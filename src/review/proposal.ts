/**
 * What an answer proposes for the file it was about: the fenced code block that is clearly the whole
 * new file, or why there is none. Review Changes shows that block as a diff and may apply it, so a
 * wrong guess would overwrite someone's file: when in doubt, this says "no" and why.
 */
import * as l10n from '@vscode/l10n';
import MarkdownIt from 'markdown-it';
import { hashText } from '../jobs/prompt';

/** The file an answer was about. */
export interface ProposalFile {
  /** Its path (a URI's path or a file-system path): its name in the answer picks the block. */
  readonly path: string;
  /** VS Code's language id, e.g. `typescript`. */
  readonly languageId: string;
  /**
   * The text the answer is about (what was sent, or the file as it is now): the proposal takes its
   * line endings and final newline, and a proposal equal to it is nothing to change.
   */
  readonly sentText?: string;
}

/** How the block was chosen. */
export type ProposalBasis = 'only' | 'named' | 'language';

/** Why an answer proposes nothing usable for its file; `noProposalText` words it. */
export type NoProposalReason = 'noCode' | 'otherLanguage' | 'otherFile' | 'ambiguous' | 'elided' | 'fragment' | 'unchanged';

export type Proposal =
  { readonly found: true; readonly text: string; readonly basis: ProposalBasis } | { readonly found: false; readonly reason: NoProposalReason };

/** One fenced block of an answer. */
interface Block {
  readonly content: string;
  /** The fence's language, lower case; '' when it has none. */
  readonly language: string;
  readonly info: string;
  /** The last line of the paragraph or heading right before the fence, if the fence follows one. */
  readonly before: string;
  readonly lines: number;
}

/**
 * Names a fence may carry for a VS Code language id, beyond the id itself and the file's extension.
 * A fence with a name not listed for the file's language is "another language" (a shell command, a
 * diff, sample output), never the file.
 */
const LANGUAGE_NAMES: Readonly<Record<string, readonly string[]>> = {
  typescript: ['ts', 'mts', 'cts'],
  typescriptreact: ['tsx', 'ts', 'typescript'],
  javascript: ['js', 'mjs', 'cjs', 'node'],
  javascriptreact: ['jsx', 'js', 'javascript'],
  python: ['py', 'python3', 'py3'],
  shellscript: ['sh', 'bash', 'shell', 'zsh'],
  csharp: ['cs', 'c#'],
  cpp: ['c++', 'cc', 'cxx', 'hpp', 'hxx', 'h'],
  c: ['h'],
  go: ['golang'],
  rust: ['rs'],
  ruby: ['rb'],
  kotlin: ['kt', 'kts'],
  markdown: ['md'],
  yaml: ['yml'],
  jsonc: ['json', 'json5'],
  html: ['htm', 'xhtml'],
  xml: ['svg'],
  powershell: ['ps1', 'pwsh'],
  dockerfile: ['docker'],
  makefile: ['make', 'mk'],
  plaintext: ['text', 'txt', 'plain'],
};

/** Below this share of the sent lines, a block is a piece of the file, not the file (with at least FRAGMENT_MIN_LINES sent). */
const FRAGMENT_SHARE = 0.25;
const FRAGMENT_MIN_LINES = 10;
/** Among blocks in the file's language, the longest is the file only when it has at least this many times the lines of the next. */
const LONGEST_FACTOR = 2;

/** Comment openers of the common languages, for recognising "// … rest unchanged" lines. */
const COMMENT = String.raw`(?:\/\/|#|--|;|\/\*+|<!--|'|%)`;
/** Lines that stand for code the model left out: the block is not the whole file. */
const ELISIONS: readonly RegExp[] = [
  // `// ...`, `# … existing code …`, `/* ... */`
  new RegExp(String.raw`^\s*${COMMENT}\s*(?:\.{3}|…)`),
  // `// rest of the file unchanged`, `# (rest of the code)`
  new RegExp(
    String.raw`^\s*${COMMENT}\s*\(?\s*(?:the\s+)?(?:rest|remainder)\s+of\s+(?:the\s+)?(?:file|code|class|module|function|implementation|component|methods)\b`,
    'i',
  ),
  // `// existing methods unchanged`, `# other tests omitted`
  new RegExp(
    String.raw`^\s*${COMMENT}\s*\(?\s*(?:existing|other|remaining|previous)\s+\w+(?:\s+\w+)?\s+(?:unchanged|omitted|stay the same|remain the same|as before)\b`,
    'i',
  ),
  // `... rest of the code`, `… existing code …` without a comment
  /^\s*(?:\.{3}|…)\s*(?:the\s+)?(?:rest|remainder|existing|remaining|other|unchanged)\b/i,
];

let parser: MarkdownIt.MarkdownIt | undefined;

function blocksOf(answer: string): Block[] {
  // Only the parse is used: nothing is rendered, so no HTML or link rules matter here.
  parser ??= new MarkdownIt({ html: false });
  const tokens = parser.parse(answer, {});
  const blocks: Block[] = [];
  tokens.forEach((token, index) => {
    if (token.type !== 'fence' || !token.content.trim()) {
      return;
    }
    const previous = tokens[index - 1];
    const inline = previous && (previous.type === 'paragraph_close' || previous.type === 'heading_close') ? tokens[index - 2] : undefined;
    const before = inline?.type === 'inline' ? (inline.content.split('\n').pop() ?? '') : '';
    blocks.push({
      content: token.content,
      language: fenceLanguage(token.info),
      info: token.info,
      before,
      lines: lineCount(token.content),
    });
  });
  return blocks;
}

/** The language of a fence's info string: `ts`, `ts title="a.ts"`, `ts:src/a.ts`, `{.ts}`, or a file name (`src/a.ts`). */
function fenceLanguage(info: string): string {
  const first = info.trim().split(/\s+/)[0] ?? '';
  const word = (first.replace(/^\{?\.?/, '').split(/[:,{}=]/)[0] ?? '').toLowerCase();
  if (/[/\\]/.test(word) || /^[^.]+\.[a-z][a-z0-9]*$/.test(word)) {
    return extensionOf(word);
  }
  return word;
}

function extensionOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

function baseName(path: string): string {
  const normalized = path.replace(/\\/g, '/');
  return normalized.slice(normalized.lastIndexOf('/') + 1);
}

function lineCount(text: string): number {
  return text.replace(/\n$/, '').split('\n').length;
}

/** Whether a fence's language is the file's: its id, its extension, or a usual name for it. */
function isFileLanguage(language: string, file: ProposalFile): boolean {
  const id = file.languageId.toLowerCase();
  return language === id || language === extensionOf(file.path) || (LANGUAGE_NAMES[id]?.includes(language) ?? false);
}

/**
 * Whether a text names the file: its base name as a word of its own (`a.ts`, `` `src/a.ts` ``,
 * `**a.ts**:`), and when the mention has folders, they are the end of the file's path.
 */
export function namesFile(text: string, path: string): boolean {
  const normalizedPath = path.replace(/\\/g, '/');
  const base = baseName(normalizedPath);
  if (!base) {
    return false;
  }
  if (!/^[\w.\-@+~]+$/.test(base)) {
    // A name with spaces or other marks: no word boundary to find, so any mention counts.
    return text.includes(base);
  }
  for (const match of text.matchAll(/[\w.\-@+~/\\]+/g)) {
    const mention = match[0].replace(/\\/g, '/').replace(/\.+$/, '').replace(/^\.\//, '');
    if (mention === base || normalizedPath === mention || (mention.endsWith(`/${base}`) && normalizedPath.endsWith(`/${mention.replace(/^\/+/, '')}`))) {
      return true;
    }
  }
  return false;
}

/** Whether a fence's info string carries a file name (`ts src/b.ts`, `title="b.ts"`) and it is not this file's. */
function labelsOtherFile(info: string, path: string): boolean {
  const names = info.match(/[\w\-/\\.]*[\w-]\.[A-Za-z][A-Za-z0-9]*/g) ?? [];
  return names.length > 0 && !namesFile(info, path);
}

/** The text's line ending: CRLF when most of its lines end so. */
function usesCrlf(text: string): boolean {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
  return crlf > lf;
}

/** The proposal in the shape of `like`: its line endings, and a final newline only if it has one. */
export function fitTo(proposal: string, like: string | undefined): string {
  let text = proposal.replace(/\r\n/g, '\n');
  if (like === undefined || like === '') {
    return text;
  }
  if (/\n$/.test(like)) {
    text = text.endsWith('\n') ? text : `${text}\n`;
  } else {
    text = text.replace(/\n$/, '');
  }
  return usesCrlf(like) ? text.replace(/\n/g, '\r\n') : text;
}

/** Same text, whatever the line endings and trailing newlines. */
export function sameText(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\r\n/g, '\n').replace(/\n+$/, '');
  return norm(a) === norm(b);
}

function leavesOut(block: Block): boolean {
  return block.content.split('\n').some((line) => ELISIONS.some((pattern) => pattern.test(line)));
}

/** The block that is clearly the whole file, or why none is. */
function choose(blocks: readonly Block[], file: ProposalFile): { block: Block; basis: ProposalBasis } | NoProposalReason {
  if (blocks.length === 0) {
    return 'noCode';
  }
  // A block in another language (a shell command, a diff, sample output), or labelled with another
  // file's name, is never the file.
  const inLanguage = blocks.filter((b) => b.language === '' || isFileLanguage(b.language, file));
  const usable = inLanguage.filter((b) => !labelsOtherFile(b.info, file.path));
  if (usable.length === 0) {
    return inLanguage.length ? 'otherFile' : 'otherLanguage';
  }
  const named = usable.filter((b) => namesFile(b.info, file.path) || namesFile(b.before, file.path));
  if (named.length === 1 && named[0]) {
    return { block: named[0], basis: 'named' };
  }
  if (named.length > 1) {
    return 'ambiguous';
  }
  if (blocks.length === 1 && usable[0]) {
    return { block: usable[0], basis: 'only' };
  }
  // Blocks tagged with the file's language first; untagged ones only when there are none.
  const tagged = usable.filter((b) => b.language !== '');
  const pool = [...(tagged.length ? tagged : usable)].sort((a, b) => b.lines - a.lines);
  const [longest, next] = pool;
  if (longest && (!next || longest.lines >= LONGEST_FACTOR * next.lines)) {
    return { block: longest, basis: 'language' };
  }
  return 'ambiguous';
}

/**
 * What the answer proposes as the file's new content: the one fenced block; or the one that names
 * the file (in its info string or the line before it); or the longest in the file's language when it
 * is clearly the longest. Not a block that leaves parts out (`// ...`), nor one much shorter than
 * what was sent, nor one that changes nothing.
 */
export function proposalFor(answer: string, file: ProposalFile): Proposal {
  const chosen = choose(blocksOf(answer), file);
  if (typeof chosen === 'string') {
    return { found: false, reason: chosen };
  }
  const { block, basis } = chosen;
  if (leavesOut(block)) {
    return { found: false, reason: 'elided' };
  }
  const sentLines = file.sentText === undefined ? 0 : lineCount(file.sentText.replace(/\r\n/g, '\n'));
  if (sentLines >= FRAGMENT_MIN_LINES && block.lines < FRAGMENT_SHARE * sentLines) {
    return { found: false, reason: 'fragment' };
  }
  const text = fitTo(block.content, file.sentText);
  if (file.sentText !== undefined && sameText(text, file.sentText)) {
    return { found: false, reason: 'unchanged' };
  }
  return { found: true, text, basis };
}

/** Why an answer proposes nothing for its file, in words that follow a file name and a colon. */
export function noProposalText(reason: NoProposalReason): string {
  switch (reason) {
    case 'noCode':
      return l10n.t('the answer has no code block');
    case 'otherLanguage':
      return l10n.t('the answer’s code is in another language than the file');
    case 'otherFile':
      return l10n.t('the answer’s code is labelled with another file’s name');
    case 'ambiguous':
      return l10n.t('the answer has several code blocks and none is clearly the whole file');
    case 'elided':
      return l10n.t('the answer’s code leaves parts of the file out (“…”)');
    case 'fragment':
      return l10n.t('the answer’s code is only a small part of the file');
    case 'unchanged':
      return l10n.t('the answer’s code is the same as the file: nothing to change');
  }
}

/** Whether the text differs from what was sent; false when nothing was recorded to compare with. */
export function changedSinceSent(currentText: string, sentHash: string | undefined): boolean {
  return sentHash !== undefined && hashText(currentText) !== sentHash;
}

/**
 * The smallest single replacement that turns `current` into `proposed` (offsets into `current`): the
 * common start and end stay, so cursors, folds and breakpoints outside the change keep their place.
 * It never splits a CRLF pair or a surrogate pair.
 */
export function replacementFor(current: string, proposed: string): { start: number; end: number; text: string } {
  const max = Math.min(current.length, proposed.length);
  let start = 0;
  while (start < max && current.charCodeAt(start) === proposed.charCodeAt(start)) {
    start++;
  }
  let endCurrent = current.length;
  let endProposed = proposed.length;
  while (endCurrent > start && endProposed > start && current.charCodeAt(endCurrent - 1) === proposed.charCodeAt(endProposed - 1)) {
    endCurrent--;
    endProposed--;
  }
  const splits = (s: string, i: number) => i > 0 && i < s.length && ((s[i - 1] === '\r' && s[i] === '\n') || isHighSurrogate(s.charCodeAt(i - 1)));
  while (start > 0 && (splits(current, start) || splits(proposed, start))) {
    start--;
  }
  while (splits(current, endCurrent) || splits(proposed, endProposed)) {
    endCurrent++;
    endProposed++;
  }
  return { start, end: endCurrent, text: proposed.slice(start, endProposed) };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
