/**
 * What every send command shares: its optional argument, its dependencies, and the instruction
 * picker (a prompt file, a template from sail.prompts, or whatever the user types).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatDiagnostics, type PromptContext } from '../prompts/variables';
import type { JobTracker } from '../jobs/jobTracker';
import { parseWindow, type CompletionWindow } from '../sail/windows';
import type { ApiKeyStore } from '../ui/apiKeyStore';
import type { ConfigWatcher } from '../ui/configWatcher';
import { createQuickPick, icon, join, notify, plain, t, type UiQuickPickItem, type UiText } from '../ui/uiText';
import type { WindowMemory } from '../usage/windowMemory';
import type { SailConfig } from '../config';
import { findPrompt, firstProblem, offeredFor, problemText, type LoadedPrompt } from '../prompts/library';
import type { PromptMode, PromptOptions } from '../prompts/promptFile';
import type { RequestOverrides } from '../jobs/prompt';
import type { PromptLibrary } from '../ui/promptLibrary';

/** Optional argument of both send commands (keybindings, tests): skips the instruction prompt. */
export interface SendArgs {
  instruction?: string;
  model?: string;
  /** Skips the window picker; `balanced` and `standard` are one window. */
  completionWindow?: CompletionWindow | 'auto';
  /** A prompt file by name (without `.md`) or label: its body and request options, no picker. */
  prompt?: string;
}

export interface SendDeps {
  readonly configs: ConfigWatcher;
  readonly apiKey: ApiKeyStore;
  readonly tracker: JobTracker;
  readonly log: vscode.LogOutputChannel;
  /** Mixed into the prompt-cache key, so it reveals no path. */
  readonly cacheSalt: string;
  /** The window last chosen per instruction. */
  readonly windows: WindowMemory;
  /** Prompt files (workspace and user). */
  readonly prompts: PromptLibrary;
}

export function asSendArgs(value: unknown): SendArgs {
  if (!value || typeof value !== 'object' || value instanceof vscode.Uri) {
    return {};
  }
  const { instruction, model, completionWindow, prompt } = value as Record<string, unknown>;
  return {
    instruction: typeof instruction === 'string' ? instruction : undefined,
    prompt: typeof prompt === 'string' && prompt.trim() ? prompt : undefined,
    model: typeof model === 'string' ? model : undefined,
    completionWindow: completionWindow === 'auto' ? 'auto' : parseWindow(completionWindow),
  };
}

/** What the user chose to send: an instruction, and the prompt file it came from, if any. */
export interface Chosen {
  readonly instruction: string;
  readonly prompt?: LoadedPrompt;
}

type Item = UiQuickPickItem & { chosen?: Chosen; invalid?: LoadedPrompt; file?: LoadedPrompt };

/** On each prompt file's row: opens the file. */
const EDIT_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('edit'), tooltip: vscode.l10n.t('Edit Prompt File') };

/** A prompt file's row: its label and description, or, when it is invalid, that and its first problem. */
function promptItem(prompt: LoadedPrompt): Item {
  const problem = prompt.file.valid ? undefined : firstProblem(prompt);
  if (problem) {
    return {
      label: join([icon('error'), plain(prompt.file.label, 80)]),
      description: t('invalid prompt file'),
      detail: plain(problemText(prompt, problem)),
      invalid: prompt,
      file: prompt,
      buttons: [EDIT_BUTTON],
    };
  }
  return {
    label: plain(prompt.file.label, 80),
    description: prompt.file.description ? plain(prompt.file.description) : undefined,
    detail: plain(prompt.file.body),
    chosen: { instruction: prompt.file.body, prompt },
    file: prompt,
    buttons: [EDIT_BUTTON],
  };
}

function separator(label: UiText): Item {
  return { label, kind: vscode.QuickPickItemKind.Separator };
}

/**
 * The instruction picker's rows, grouped by where they come from: each workspace folder's prompt
 * files, the user's prompt files, then the sail.prompts setting. Only prompts made for `mode` (or
 * for any) are offered.
 */
function pickerItems(files: readonly LoadedPrompt[], settings: SailConfig['prompts'], mode: PromptMode): Item[] {
  const items: Item[] = [];
  // Invalid ones last in their group: shown, but the first row is one that can be sent.
  const offered = files.filter((p) => offeredFor(p, mode)).sort((a, b) => Number(!a.file.valid) - Number(!b.file.valid));
  const folders = [...new Set(offered.filter((p) => p.origin === 'workspace').map((p) => p.folder ?? ''))];
  for (const folder of folders) {
    items.push(separator(t('Prompt files in {0}', folder)), ...offered.filter((p) => p.origin === 'workspace' && (p.folder ?? '') === folder).map(promptItem));
  }
  const user = offered.filter((p) => p.origin === 'user');
  if (user.length) {
    items.push(separator(t('Your prompt files')), ...user.map(promptItem));
  }
  if (settings.length) {
    if (items.length) {
      items.push(separator(t('Settings (sail.prompts)')));
    }
    // Prompts may come from a workspace's settings: shown as plain text, never as icons.
    items.push(
      ...settings.map((p) => ({
        label: plain(p.label, 80),
        description: p.description ? plain(p.description) : undefined,
        detail: plain(p.instruction),
        chosen: { instruction: p.instruction },
      })),
    );
  }
  return items;
}

/** Opens an invalid prompt file at its first problem, so it can be fixed. */
async function showProblem(prompt: LoadedPrompt): Promise<void> {
  const problem = firstProblem(prompt);
  const at = new vscode.Position(Math.max(0, (problem?.line ?? 1) - 1), Math.max(0, (problem?.column ?? 1) - 1));
  await vscode.window.showTextDocument(vscode.Uri.parse(prompt.uri), { selection: new vscode.Range(at, at) });
  void notify.error(t('The prompt file is invalid, so nothing was sent: {0}', problem ? problemText(prompt, problem) : prompt.file.name));
}

/**
 * The instruction: a prompt file, a template from sail.prompts, or whatever the user types. An
 * argument's `prompt` names a prompt file and skips the picker.
 */
export async function pickInstruction(deps: Pick<SendDeps, 'configs' | 'prompts'>, what: UiText, mode: PromptMode): Promise<Chosen | undefined> {
  const files = await deps.prompts.load();
  const templates = pickerItems(files, deps.configs.config.prompts, mode);
  const quickPick = createQuickPick<Item>();
  quickPick.title = what;
  quickPick.placeholder = t('Pick an instruction, or type your own and press Enter');
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.ignoreFocusOut = true;
  quickPick.items = templates;
  quickPick.onDidChangeValue((value) => {
    const typed = value.trim();
    const custom: Item[] = typed
      ? [{ label: join([icon('edit'), plain(typed)]), description: t('your instruction'), chosen: { instruction: typed }, alwaysShow: true }]
      : [];
    quickPick.items = [...custom, ...templates];
  });
  quickPick.onDidTriggerItemButton(({ item }) => {
    if (item.file) {
      quickPick.hide();
      void vscode.window.showTextDocument(vscode.Uri.parse(item.file.uri));
    }
  });
  return new Promise((resolve) => {
    quickPick.onDidAccept(() => {
      const item = quickPick.selectedItems[0];
      const typed = quickPick.value.trim();
      resolve(item?.chosen ?? (item || !typed ? undefined : { instruction: typed }));
      quickPick.hide();
      if (item?.invalid) {
        void showProblem(item.invalid);
      }
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}

/** The prompt file an argument names; reports a missing or invalid one. */
export async function namedPrompt(deps: Pick<SendDeps, 'prompts'>, name: string, mode: PromptMode): Promise<Chosen | undefined> {
  const prompt = findPrompt(await deps.prompts.load(), name);
  if (!prompt) {
    void notify.error(
      vscode.workspace.isTrusted
        ? t('No prompt file is named "{0}" (looked in .sail/prompts and in your prompts folder). Nothing was sent.', name)
        : t('No prompt file of yours is named "{0}"; in Restricted Mode the workspace\'s .sail/prompts are not read. Nothing was sent.', name),
    );
    return undefined;
  }
  if (!offeredFor(prompt, mode)) {
    void notify.error(t('The prompt file "{0}" is for mode "{1}", so it cannot be sent from here. Nothing was sent.', name, prompt.file.options.mode ?? ''));
    return undefined;
  }
  if (!prompt.file.valid) {
    await showProblem(prompt);
    return undefined;
  }
  return { instruction: prompt.file.body, prompt };
}

/** The instruction chosen, and what its prompt file (if any) sets for the request. */
export interface Prepared {
  readonly chosen: Chosen;
  /** The prompt file's options, or none. */
  readonly options: PromptOptions;
  /** Its effort, output limit, temperature and output format, for buildRequest. */
  readonly overrides: Pick<RequestOverrides, 'reasoningEffort' | 'maxOutputTokens' | 'temperature' | 'format'>;
}

/**
 * The instruction (argument, prompt file or pick) with its prompt file's options and output format
 * read; a format that cannot be used is reported, and nothing is sent.
 */
export async function prepareInstruction(
  deps: Pick<SendDeps, 'configs' | 'prompts'>,
  args: SendArgs,
  what: UiText,
  mode: PromptMode,
): Promise<Prepared | undefined> {
  const chosen = await chooseInstruction(deps, args, what, mode);
  if (!chosen) {
    return undefined;
  }
  const read = chosen.prompt ? await deps.prompts.requestOptions(chosen.prompt) : { overrides: {} };
  if ('error' in read) {
    void notify.error(t('Nothing was sent: {0}', read.error));
    return undefined;
  }
  // The model and window come with the options: a command's own argument wins over them (see send).
  const { reasoningEffort, maxOutputTokens, temperature, format } = read.overrides;
  return { chosen, options: chosen.prompt?.file.options ?? {}, overrides: { reasoningEffort, maxOutputTokens, temperature, format } };
}

/** What to send: the argument's instruction or prompt file, or the user's pick. */
export async function chooseInstruction(
  deps: Pick<SendDeps, 'configs' | 'prompts'>,
  args: SendArgs,
  what: UiText,
  mode: PromptMode,
): Promise<Chosen | undefined> {
  if (args.prompt) {
    return namedPrompt(deps, args.prompt, mode);
  }
  const typed = args.instruction?.trim();
  return typed ? { instruction: typed } : pickInstruction(deps, what, mode);
}

/**
 * The values a prompt file's `${…}` variables take for one file (and, in it, the selection `range`),
 * or for none (`uri` undefined: many files sent together).
 */
export function promptContext(uri: vscode.Uri | undefined, languageId: string, text: string, range?: vscode.Range): PromptContext {
  const fsPath = (u: vscode.Uri) => (u.scheme === 'file' ? u.fsPath : u.path);
  const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : vscode.workspace.workspaceFolders?.[0];
  const diagnostics = uri
    ? vscode.languages
        .getDiagnostics(uri)
        .filter((d) => !range || d.range.intersection(range) !== undefined)
        .map((d) => ({
          line: d.range.start.line + 1,
          severity: (['error', 'warning', 'information', 'hint'] as const)[d.severity],
          message: d.message,
          source: d.source,
          code: typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code),
        }))
    : [];
  const file = uri ? fsPath(uri) : '';
  return {
    selection: text,
    file,
    relativeFile: uri ? vscode.workspace.asRelativePath(uri, false) : '',
    fileBasename: uri ? path.basename(uri.path) : '',
    fileDirname: uri ? path.dirname(file) : '',
    languageId,
    workspaceFolder: folder ? fsPath(folder.uri) : '',
    diagnostics: formatDiagnostics(diagnostics),
    date: new Date().toISOString().slice(0, 10),
  };
}
