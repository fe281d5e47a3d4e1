/**
 * Prompt files on disk: each trusted workspace folder's `.sail/prompts/*.md` and the user's prompts
 * folder, read when a send command asks (so an edit shows at once), with their problems in the
 * Problems view. An untrusted workspace's prompt files are never read: they could set any model,
 * window or schema.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parsePromptFile, type PromptFile } from '../prompts/promptFile';
import { schemaPath, WORKSPACE_PROMPTS_FOLDER, type LoadedPrompt } from '../prompts/library';
import { jsonSchemaFormat, schemaProblem } from '../sail/structured';
import type { TextFormat } from '../sail/schemas';
import type { RequestOverrides } from '../jobs/prompt';

/** Bigger than any sensible prompt: a stray file is skipped instead of read whole. */
const MAX_PROMPT_BYTES = 256 * 1024;

export class PromptLibrary implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('sail-prompts');
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    /** The user's prompts folder (all workspaces). */
    readonly userFolder: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      this.diagnostics,
      // Saving a prompt file shows its problems at once, before any send command reads it.
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (this.isPromptFile(document.uri)) {
          this.report(document.uri, parsePromptFile(document.getText(), baseName(document.uri)));
        }
      }),
    ];
  }

  /** Whether `uri` is a prompt file this library reads. */
  isPromptFile(uri: vscode.Uri): boolean {
    if (!uri.path.toLowerCase().endsWith('.md')) {
      return false;
    }
    const folder = uri.path.slice(0, uri.path.lastIndexOf('/'));
    if (folder === this.userFolder.path) {
      return true;
    }
    return vscode.workspace.isTrusted && this.workspaceFolders().some((f) => folder === vscode.Uri.joinPath(f.uri, WORKSPACE_PROMPTS_FOLDER).path);
  }

  /** Every prompt file: the workspace folders' (when trusted), then the user's. Invalid ones too. */
  async load(): Promise<LoadedPrompt[]> {
    // Files deleted, renamed or no longer read (Restricted Mode, a removed folder) lose their problems.
    this.diagnostics.clear();
    const loaded: LoadedPrompt[] = [];
    if (vscode.workspace.isTrusted) {
      for (const folder of this.workspaceFolders()) {
        loaded.push(...(await this.readFolder(vscode.Uri.joinPath(folder.uri, WORKSPACE_PROMPTS_FOLDER), folder.uri, 'workspace', folder.name)));
      }
    }
    loaded.push(...(await this.readFolder(this.userFolder, this.userFolder, 'user')));
    return loaded;
  }

  /**
   * The request's `text.format` for a prompt with a `format`, or why there is none to send: the
   * schema file is missing, outside the prompt's folder tree, not JSON, or not a JSON Schema.
   */
  async format(prompt: LoadedPrompt): Promise<{ format?: TextFormat; schema?: Record<string, unknown> } | { error: string }> {
    const format = prompt.file.options.format;
    if (!format) {
      return {};
    }
    let schema: unknown;
    if (format.kind === 'inline') {
      schema = format.schema;
    } else {
      const promptUri = vscode.Uri.parse(prompt.uri);
      const root = this.rootOf(prompt);
      const where = schemaPath(promptUri.path, format.path, root.path);
      if ('error' in where) {
        return where;
      }
      try {
        const schemaUri = promptUri.with({ path: where.path });
        // The path stays inside; a link in it could still lead out.
        if (!(await staysInside(schemaUri, root))) {
          return { error: vscode.l10n.t('{0}.md: the schema {1} is a link to a file outside {2}; it was not read.', prompt.file.name, format.path, root.path) };
        }
        const bytes = await vscode.workspace.fs.readFile(schemaUri);
        schema = JSON.parse(new TextDecoder().decode(bytes));
      } catch (error) {
        return {
          error: vscode.l10n.t(
            '{0}.md: the schema {1} could not be read: {2}',
            prompt.file.name,
            format.path,
            error instanceof Error ? error.message : String(error),
          ),
        };
      }
    }
    const problem = schemaProblem(schema);
    if (problem) {
      return { error: vscode.l10n.t('{0}.md: {1}', prompt.file.name, problem) };
    }
    const record = schema as Record<string, unknown>;
    return { format: jsonSchemaFormat(format.name ?? prompt.file.name, record, format.strict), schema: record };
  }

  /**
   * What a prompt sets for a request, over the sail.* settings: its options and its output format;
   * or why its format cannot be sent (see `format`).
   */
  async requestOptions(prompt: LoadedPrompt): Promise<{ overrides: RequestOverrides } | { error: string }> {
    const format = await this.format(prompt);
    if ('error' in format) {
      return format;
    }
    const { model, window, reasoningEffort, maxOutputTokens, temperature } = prompt.file.options;
    return { overrides: { model, completionWindow: window, reasoningEffort, maxOutputTokens, temperature, format: format.format } };
  }

  /** The folder a prompt's schema must stay in: its workspace folder, or the user's prompts folder. */
  private rootOf(prompt: LoadedPrompt): vscode.Uri {
    if (prompt.origin === 'user') {
      return this.userFolder;
    }
    const uri = vscode.Uri.parse(prompt.uri);
    return vscode.workspace.getWorkspaceFolder(uri)?.uri ?? uri.with({ path: uri.path.slice(0, uri.path.lastIndexOf('/')) });
  }

  private workspaceFolders(): readonly vscode.WorkspaceFolder[] {
    return vscode.workspace.workspaceFolders ?? [];
  }

  /** `root`: the folder its files must really be in (a workspace folder, or the user's prompts folder). */
  private async readFolder(folder: vscode.Uri, root: vscode.Uri, origin: LoadedPrompt['origin'], folderName?: string): Promise<LoadedPrompt[]> {
    let entries: [string, vscode.FileType][];
    try {
      entries = await vscode.workspace.fs.readDirectory(folder);
    } catch {
      return []; // No such folder: no prompts there.
    }
    const loaded: LoadedPrompt[] = [];
    for (const [name, type] of entries.sort(([a], [b]) => a.localeCompare(b))) {
      // A link is not followed: `.sail/prompts/x.md` linking to ~/.netrc would send that file's text.
      if ((type & vscode.FileType.File) === 0 || (type & vscode.FileType.SymbolicLink) !== 0 || !name.toLowerCase().endsWith('.md')) {
        continue;
      }
      const uri = vscode.Uri.joinPath(folder, name);
      try {
        if (!(await staysInside(uri, root))) {
          this.log.warn(`Skipped the prompt file ${uri.toString()}: it is reached through a link that leads out of its folder`);
          continue;
        }
        if ((await vscode.workspace.fs.stat(uri)).size > MAX_PROMPT_BYTES) {
          this.log.warn(`Skipped the prompt file ${uri.toString()}: over ${MAX_PROMPT_BYTES / 1024} KB`);
          continue;
        }
        // An open, edited file counts as it is in the editor.
        const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        const file = parsePromptFile(text, name);
        this.report(uri, file);
        loaded.push({ file, uri: uri.toString(), origin, folder: folderName });
      } catch (error) {
        this.log.warn(`Could not read the prompt file ${uri.toString()}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return loaded;
  }

  private report(uri: vscode.Uri, file: PromptFile): void {
    this.diagnostics.set(
      uri,
      file.problems.map((problem) => {
        const at = new vscode.Position(Math.max(0, problem.line - 1), Math.max(0, problem.column - 1));
        const diagnostic = new vscode.Diagnostic(
          new vscode.Range(at, at.translate(0, 1)),
          problem.message,
          problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        diagnostic.source = 'Sail';
        return diagnostic;
      }),
    );
  }

  dispose(): void {
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
  }
}

/**
 * Whether a file is really inside `root` once links are resolved (a linked folder on the way counts
 * too). Only local files can be resolved; elsewhere the file must not itself be a link.
 */
async function staysInside(uri: vscode.Uri, root: vscode.Uri): Promise<boolean> {
  if (uri.scheme === 'file' && root.scheme === 'file') {
    try {
      const [real, realRoot] = await Promise.all([fs.realpath(uri.fsPath), fs.realpath(root.fsPath)]);
      const inside = path.relative(realRoot, real);
      return inside !== '' && inside !== '..' && !inside.startsWith(`..${path.sep}`) && !path.isAbsolute(inside);
    } catch {
      return true; // Missing or unreadable: reading it fails next, with its own message.
    }
  }
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.SymbolicLink) === 0;
  } catch {
    return true; // As above.
  }
}

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}
