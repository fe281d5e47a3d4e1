/**
 * The `${name}` variables a prompt file's body may use: the names people already know from VS Code's
 * tasks and launch configurations and from Copilot's prompt files, so a team's prompts read the same
 * here. The glue gathers a `PromptContext` from the editor; this module only validates and expands.
 */

/**
 * What the editor knows when a prompt is sent. The glue fills it in:
 * - `selection`: the selected text; when nothing is selected (the whole file is sent), the file's text.
 * - `file`: the file's absolute path; `relativeFile`: relative to its workspace folder (else `file`).
 * - `fileBasename`: `app.ts`; `fileDirname`: the folder that holds the file.
 * - `workspaceFolder`: the workspace folder's absolute path, or '' outside a workspace.
 * - `diagnostics`: the problems on the selection, already formatted by `formatDiagnostics`.
 * - `date`: today, ISO `yyyy-mm-dd`.
 */
export interface PromptContext {
  selection: string;
  file: string;
  relativeFile: string;
  fileBasename: string;
  fileDirname: string;
  languageId: string;
  workspaceFolder: string;
  diagnostics: string;
  date: string;
}

/** Every variable a body may use, for the docs, the new-prompt template and the unknown-variable message. */
export const PROMPT_VARIABLES: readonly string[] = [
  'selection',
  'selectedText',
  'file',
  'relativeFile',
  'fileBasename',
  'fileBasenameNoExtension',
  'fileDirname',
  'languageId',
  'workspaceFolder',
  'workspaceFolderBasename',
  'diagnostics',
  'date',
];

/**
 * `${name}`, or `\${name}` (escaped: kept as the text `${name}`, for a prompt that talks about
 * template literals). No line breaks or braces inside, so a stray `${` cannot swallow the rest.
 */
const VARIABLE = /(\\?)\$\{([^{}\r\n]*)\}/g;

function isKnown(name: string): boolean {
  return PROMPT_VARIABLES.includes(name);
}

/** The last segment of a path written with either separator (a workspace on Windows, or a URI path). */
function basename(path: string): string {
  const parts = path.split(/[\\/]/).filter((part) => part !== '');
  return parts.at(-1) ?? '';
}

/** `app.test.ts` → `app.test`, as VS Code's `${fileBasenameNoExtension}`; a dotfile keeps its name. */
function withoutExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

function valueOf(name: string, context: PromptContext): string | undefined {
  switch (name) {
    case 'selection':
    case 'selectedText':
      return context.selection;
    case 'file':
      return context.file;
    case 'relativeFile':
      return context.relativeFile;
    case 'fileBasename':
      return context.fileBasename;
    case 'fileBasenameNoExtension':
      return withoutExtension(context.fileBasename);
    case 'fileDirname':
      return context.fileDirname;
    case 'languageId':
      return context.languageId;
    case 'workspaceFolder':
      return context.workspaceFolder;
    case 'workspaceFolderBasename':
      return basename(context.workspaceFolder);
    case 'diagnostics':
      return context.diagnostics;
    case 'date':
      return context.date;
    default:
      return undefined;
  }
}

/**
 * The variables in a body that are not in `PROMPT_VARIABLES`, with the index of their `$` in `body`:
 * a misspelt `${selction}` would otherwise reach the model as it is, and the prompt quietly say less.
 * Escaped ones (`\${x}`) are text, not variables.
 */
export function unknownVariables(body: string): { name: string; index: number }[] {
  const unknown: { name: string; index: number }[] = [];
  for (const match of body.matchAll(VARIABLE)) {
    const [, escape, name] = match;
    if (!escape && !isKnown(name)) {
      unknown.push({ name, index: match.index });
    }
  }
  return unknown;
}

/**
 * The body with each known variable replaced by its value, in one pass: a value that itself holds
 * `${file}` (a selection of a prompt file, say) is sent as written, not expanded again. An unknown
 * variable is left as it is (validation reports it first); `\${name}` becomes the text `${name}`.
 */
export function expandPrompt(body: string, context: PromptContext): string {
  return body.replace(VARIABLE, (whole, escape: string, name: string) => {
    if (escape) {
      return whole.slice(1);
    }
    return valueOf(name, context) ?? whole;
  });
}

export interface DiagnosticItem {
  /** 1-based. */
  readonly line: number;
  readonly severity: 'error' | 'warning' | 'information' | 'hint';
  readonly message: string;
  readonly source?: string;
  readonly code?: string;
}

/**
 * The problems on a selection as the model reads them, one per line in the order given:
 * `line 12: error: Cannot find name 'x' (ts 2304)`; `(none)` when there are none, so a prompt that
 * says "fix these: ${diagnostics}" still reads sensibly. The words are for the model, so not translated.
 */
export function formatDiagnostics(items: readonly DiagnosticItem[]): string {
  if (items.length === 0) {
    return '(none)';
  }
  return items
    .map((item) => {
      // A multi-line message (TypeScript's elaborations) stays on its own line of the list.
      const message = item.message.trim().replace(/\s*\r?\n\s*/g, ' ');
      const origin = [item.source, item.code].filter((part) => part !== undefined && part !== '').join(' ');
      return `line ${item.line}: ${item.severity}: ${message}${origin ? ` (${origin})` : ''}`;
    })
    .join('\n');
}
