/**
 * A prompt file: `.sail/prompts/<name>.md`, kept in a team's repository (or in a user folder) so a
 * good instruction and the request options it needs travel together and are reviewed like code.
 *
 * ```
 * ---
 * label: Review for bugs
 * model: moonshotai/Kimi-K2.5
 * window: flex
 * format: ./review.schema.json
 * ---
 * Review ${relativeFile} for bugs. The problems VS Code sees: ${diagnostics}
 * ```
 *
 * Optional YAML front matter between a first line `---` and the next `---` line, then the Markdown
 * body: the instruction, with `${variables}` (see variables.ts). Parsing never throws: a broken file
 * still lists (so the picker can show it, greyed) with every problem located at its line and column,
 * so the author can go straight to it.
 */
import * as l10n from '@vscode/l10n';
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { REASONING_SETTINGS } from '../config';
import { quoted } from '../render/untrusted';
import { parseWindow, type CompletionWindow } from '../sail/windows';
import { schemaProblem } from '../sail/structured';
import { PROMPT_VARIABLES, unknownVariables } from './variables';

/** What a prompt is sent with: the selection, the whole active file, or each of several files (a batch). */
export type PromptMode = 'selection' | 'file' | 'files';
export const PROMPT_MODES = ['selection', 'file', 'files'] as const satisfies readonly PromptMode[];

/** The efforts a prompt may ask for: the setting's values but `default`, which is what leaving it out means. */
export const PROMPT_EFFORTS = REASONING_SETTINGS.filter((effort) => effort !== 'default') as readonly PromptEffort[];
export type PromptEffort = Exclude<(typeof REASONING_SETTINGS)[number], 'default'>;

export interface PromptProblem {
  /** 1-based, in the file as the editor shows it. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Without the location, which the editor shows beside it; `formatProblem` adds it for plain text. */
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export type PromptFormat =
  | { readonly kind: 'inline'; readonly schema: Record<string, unknown>; readonly name?: string; readonly strict?: boolean }
  /** `path` as written, relative to the prompt file; `line` is where it is written, for a problem reading it. */
  | { readonly kind: 'file'; readonly path: string; readonly name?: string; readonly strict?: boolean; readonly line: number };

export interface PromptOptions {
  model?: string;
  /** `balanced` arrives as its id, `standard`. */
  window?: CompletionWindow | 'auto';
  reasoningEffort?: PromptEffort;
  maxOutputTokens?: number;
  temperature?: number;
  format?: PromptFormat;
  mode?: PromptMode;
}

export interface PromptFile {
  /** The file name without `.md`. */
  readonly name: string;
  readonly label: string;
  readonly description?: string;
  readonly options: PromptOptions;
  /** The instruction template, trimmed. */
  readonly body: string;
  /** 1-based line of the body's first non-blank line (or where the body would start, when it is empty). */
  readonly bodyLine: number;
  /** In file order. */
  readonly problems: readonly PromptProblem[];
  /** No problem of severity 'error': the prompt can be sent. */
  readonly valid: boolean;
}

/** The front-matter keys, in the order the docs and the unknown-key warning list them. */
export const PROMPT_KEYS = ['label', 'description', 'model', 'window', 'reasoningEffort', 'maxOutputTokens', 'temperature', 'format', 'mode'] as const;

/** A problem as one line of plain text: `line 4: "window" must be one of …`. */
export function formatProblem(problem: PromptProblem): string {
  return l10n.t('line {0}: {1}', problem.line, problem.message);
}

/** `review.md` (or a path ending in it) → `review`. */
export function promptName(fileName: string): string {
  const base = fileName.split(/[\\/]/).at(-1) ?? fileName;
  return base.replace(/\.md$/i, '');
}

const FENCE = /^---[ \t]*$/;

/** Reads a prompt file's text; `fileName` (a name or a path) gives its name and default label. Never throws. */
export function parsePromptFile(text: string, fileName: string): PromptFile {
  const name = promptName(fileName);
  try {
    return parse(text, name);
  } catch (problem) {
    // A safety net: one odd file must not take the whole list of prompts down with it.
    const message = l10n.t('This prompt file cannot be read: {0}.', problem instanceof Error ? problem.message : String(problem));
    return result(name, { options: {} }, '', 1, [error(1, 1, message)]);
  }
}

function parse(text: string, name: string): PromptFile {
  // The editor shows neither a BOM nor the \r of CRLF: positions are counted without them.
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const lines = source.split('\n');
  const problems: PromptProblem[] = [];
  const fields: Fields = { options: {} };

  let bodyStartLine = 1; // 1-based line where the body's text begins
  if (FENCE.test(lines[0])) {
    const close = lines.findIndex((line, index) => index > 0 && FENCE.test(line));
    if (close < 0) {
      problems.push(error(1, 1, l10n.t('The front matter that starts here is not closed: end it with a line "---" before the instruction.')));
      return result(name, fields, '', 2, problems);
    }
    readFrontMatter(lines.slice(1, close).join('\n'), 1, problems, fields);
    bodyStartLine = close + 2;
  }

  const rawBody = lines.slice(bodyStartLine - 1).join('\n');
  const bodyOffset = lines.slice(0, bodyStartLine - 1).reduce((sum, line) => sum + line.length + 1, 0);
  const body = rawBody.trim();
  const blankLines = /^\s*/.exec(rawBody)?.[0].split('\n').length ?? 1;
  const bodyLine = body ? bodyStartLine + blankLines - 1 : Math.min(bodyStartLine, lines.length);
  if (!body) {
    problems.push(error(bodyLine, 1, l10n.t('The prompt has no instruction: write it below the front matter.')));
  }
  for (const variable of unknownVariables(rawBody)) {
    const at = position(source, bodyOffset + variable.index);
    problems.push(
      error(
        at.line,
        at.column,
        l10n.t(
          'Unknown variable {0}. The variables are {1}; to send the text as it is, write \\{0}.',
          `\${${variable.name}}`,
          PROMPT_VARIABLES.map((known) => `\${${known}}`).join(', '),
        ),
      ),
    );
  }
  return result(name, fields, body, bodyLine, problems);
}

interface Fields {
  label?: string;
  description?: string;
  options: PromptOptions;
}

function result(name: string, fields: Fields, body: string, bodyLine: number, problems: PromptProblem[]): PromptFile {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
  const file: PromptFile = {
    name,
    label: fields.label ?? name,
    options: fields.options,
    body,
    bodyLine,
    problems: sorted,
    valid: !sorted.some((problem) => problem.severity === 'error'),
  };
  return fields.description === undefined ? file : { ...file, description: fields.description };
}

function error(line: number, column: number, message: string): PromptProblem {
  return { line, column, message, severity: 'error' };
}

function warning(line: number, column: number, message: string): PromptProblem {
  return { line, column, message, severity: 'warning' };
}

/** 1-based line and column of an offset in text whose lines end in \n. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** Where YAML positions land in the file: the front matter starts on the line after the opening `---`. */
interface Locator {
  at(node: Node | null | undefined, fallback?: Node | null): { line: number; column: number };
  offset(offset: number): { line: number; column: number };
}

function locator(counter: LineCounter, linesBefore: number): Locator {
  const offset = (at: number) => {
    const { line, col } = counter.linePos(at);
    return { line: Math.max(line, 1) + linesBefore, column: Math.max(col, 1) };
  };
  return {
    offset,
    at: (node, fallback) => offset(node?.range?.[0] ?? fallback?.range?.[0] ?? 0),
  };
}

function readFrontMatter(yamlText: string, linesBefore: number, problems: PromptProblem[], fields: Fields): void {
  const counter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false });
  const where = locator(counter, linesBefore);
  for (const problem of doc.errors) {
    const at = where.offset(problem.pos[0]);
    problems.push(error(at.line, at.column, l10n.t('The front matter is not valid YAML: {0}.', problem.message)));
  }
  for (const problem of doc.warnings) {
    const at = where.offset(problem.pos[0]);
    problems.push(warning(at.line, at.column, l10n.t('YAML: {0}.', problem.message)));
  }
  if (doc.errors.length > 0) {
    return;
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    return; // an empty front matter, or only comments
  }
  if (!isMap(root)) {
    const at = where.at(root);
    problems.push(error(at.line, at.column, l10n.t('The front matter must be keys and values, one a line ("label: Review"); this is {0}.', nodeKind(root))));
    return;
  }
  for (const pair of root.items) {
    const keyNode = isScalar(pair.key) ? pair.key : null;
    const key = keyNode ? String(keyNode.value) : String(pair.key);
    // `model:` with nothing after it is a null scalar with an empty range at the end of the line: point at the key.
    const written = (node: Node) => !node.range || node.range[1] > node.range[0];
    const valueNode = isNode(pair.value) && written(pair.value) ? pair.value : null;
    const keyAt = where.at(pair.key as Node | null);
    const valueAt = where.at(valueNode, pair.key as Node | null);
    const report = (message: string) => problems.push(error(valueAt.line, valueAt.column, message));
    if (!(PROMPT_KEYS as readonly string[]).includes(key)) {
      problems.push(warning(keyAt.line, keyAt.column, unknownKeyMessage(key)));
      continue;
    }
    let value: unknown = null;
    try {
      // Aliases are resolved here; yaml refuses too many of them (a "billion laughs" file) by throwing.
      value = valueNode ? valueNode.toJS(doc as Document) : null;
    } catch (problem) {
      report(l10n.t('"{0}" cannot be read: {1}.', key, problem instanceof Error ? problem.message : String(problem)));
      continue;
    }
    readKey(key as (typeof PROMPT_KEYS)[number], value, report, fields, () =>
      readFormat(value, (isAlias(valueNode) ? valueNode.resolve(doc as Document) : valueNode) ?? (pair.key as Node | null), where, problems),
    );
  }
}

function nodeKind(node: unknown): string {
  return isSeq(node) ? l10n.t('a list') : l10n.t('a single value');
}

/** Close spellings people reach for: `reasoning_effort`, `max-output-tokens`, `Model`. */
function unknownKeyMessage(key: string): string {
  const squash = (text: string) => text.toLowerCase().replace(/[-_\s]/g, '');
  const meant = PROMPT_KEYS.find((known) => squash(known) === squash(key));
  return meant
    ? l10n.t('Unknown key "{0}" (ignored): did you mean "{1}"?', key, meant)
    : l10n.t('Unknown key "{0}" (ignored). The keys are {1}.', key, PROMPT_KEYS.join(', '));
}

const Text = z.string().trim().min(1);
const Tokens = z.number().int().min(1);
const Temperature = z.number().min(0).max(2);
const Effort = z.enum(PROMPT_EFFORTS as [PromptEffort, ...PromptEffort[]]);
const Mode = z.enum(PROMPT_MODES);

function readKey(
  key: (typeof PROMPT_KEYS)[number],
  value: unknown,
  report: (message: string) => void,
  fields: Fields,
  format: () => PromptFormat | undefined,
): void {
  const it = quoted(value);
  switch (key) {
    case 'label':
    case 'model': {
      const text = Text.safeParse(value);
      if (!text.success) {
        report(
          typeof value === 'string'
            ? l10n.t('"{0}" must not be empty.', key)
            : l10n.t('"{0}" must be text (it is {1}); put it in quotes if it looks like a number.', key, it),
        );
      } else if (key === 'label') {
        fields.label = text.data;
      } else {
        fields.options.model = text.data;
      }
      return;
    }
    case 'description':
      if (typeof value === 'string') {
        fields.description = value.trim();
      } else {
        report(l10n.t('"{0}" must be text (it is {1}); put it in quotes if it looks like a number.', key, it));
      }
      return;
    case 'window': {
      const window = value === 'auto' ? 'auto' : parseWindow(value);
      if (window) {
        fields.options.window = window;
      } else {
        report(l10n.t('"window" must be one of asap, priority, balanced, flex, auto (it is {0}).', it));
      }
      return;
    }
    case 'reasoningEffort': {
      const effort = Effort.safeParse(value);
      if (effort.success) {
        fields.options.reasoningEffort = effort.data;
      } else {
        report(l10n.t('"reasoningEffort" must be one of {0} (it is {1}).', PROMPT_EFFORTS.join(', '), it));
      }
      return;
    }
    case 'maxOutputTokens': {
      const tokens = Tokens.safeParse(value);
      if (tokens.success) {
        fields.options.maxOutputTokens = tokens.data;
      } else {
        report(l10n.t('"maxOutputTokens" must be a whole number of at least 1 (it is {0}).', it));
      }
      return;
    }
    case 'temperature': {
      const temperature = Temperature.safeParse(value);
      if (temperature.success) {
        fields.options.temperature = temperature.data;
      } else {
        report(l10n.t('"temperature" must be a number from 0 to 2 (it is {0}).', it));
      }
      return;
    }
    case 'mode': {
      const mode = Mode.safeParse(value);
      if (mode.success) {
        fields.options.mode = mode.data;
      } else {
        report(l10n.t('"mode" must be one of {0} (it is {1}).', PROMPT_MODES.join(', '), it));
      }
      return;
    }
    case 'format': {
      const parsed = format();
      if (parsed) {
        fields.options.format = parsed;
      }
      return;
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `format: ./review.schema.json` (a file beside the prompt), `format: { name, schema, strict }`
 * (`schema` a path or a schema), or `format:` followed by the schema itself.
 */
function readFormat(value: unknown, node: Node | null, where: Locator, problems: PromptProblem[]): PromptFormat | undefined {
  const at = where.at(node);
  const report = (message: string, target: Node | null | undefined = node) => {
    const place = where.at(target, node);
    problems.push(error(place.line, place.column, message));
  };
  if (typeof value === 'string') {
    if (!value.trim()) {
      report(l10n.t('"format" must not be empty: give the path of a JSON Schema file, relative to this prompt file.'));
      return undefined;
    }
    return { kind: 'file', path: value.trim(), line: at.line };
  }
  if (!isRecord(value) || !isMap(node)) {
    report(l10n.t('"format" must be the path of a JSON Schema file, a JSON Schema, or name, schema and strict (it is {0}).', quoted(value)));
    return undefined;
  }
  if (!Object.hasOwn(value, 'schema')) {
    const problem = schemaProblem(value);
    if (problem) {
      report(l10n.t('"format": {0}', problem));
      return undefined;
    }
    return { kind: 'inline', schema: value };
  }
  const child = (key: string) => {
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
    return (pair?.value ?? pair?.key ?? null) as Node | null;
  };
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!['name', 'schema', 'strict'].includes(key)) {
      const place = where.at(pair.key as Node | null, node);
      problems.push(warning(place.line, place.column, l10n.t('Unknown key "format.{0}" (ignored). With "schema", the keys are name, schema and strict.', key)));
    }
  }
  let ok = true;
  const { name, schema, strict } = value;
  if (name !== undefined && !(typeof name === 'string' && name.trim())) {
    report(l10n.t('"format.name" must be text (it is {0}).', quoted(name)), child('name'));
    ok = false;
  }
  if (strict !== undefined && typeof strict !== 'boolean') {
    report(l10n.t('"format.strict" must be true or false (it is {0}).', quoted(strict)), child('strict'));
    ok = false;
  }
  const extra = {
    ...(typeof name === 'string' && name.trim() ? { name: name.trim() } : {}),
    ...(typeof strict === 'boolean' ? { strict } : {}),
  };
  if (typeof schema === 'string' && schema.trim()) {
    return ok ? { kind: 'file', path: schema.trim(), ...extra, line: where.at(child('schema'), node).line } : undefined;
  }
  if (!isRecord(schema)) {
    report(l10n.t('"format.schema" must be the path of a JSON Schema file or a JSON Schema (it is {0}).', quoted(schema)), child('schema'));
    return undefined;
  }
  const problem = schemaProblem(schema);
  if (problem) {
    report(l10n.t('"format.schema": {0}', problem), child('schema'));
    return undefined;
  }
  return ok ? { kind: 'inline', schema, ...extra } : undefined;
}
