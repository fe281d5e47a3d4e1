/**
 * One instruction over many files: an Explorer multi-selection (folders expanded with the
 * workspace's excludes and .gitignore), a glob (`sail.sendFiles`), or Source Control's changed
 * files. Asked once: each file on its own (a Sail batch, one request per file, standard or flex) or
 * all files as context for one answer. Files that cannot be sent are listed, never dropped silently.
 */
import * as vscode from 'vscode';
import { buildContextInput, inputSize } from '../batch/contextInput';
import { expandSelection, type SelectedItem, type SelectionFileSystem } from '../batch/expand';
import { languageIdForPath } from '../batch/language';
import { batchWindow, buildBatchRequest, planBatch, type BatchPlan, type PlannedFile, type SkippedFile } from '../batch/plan';
import { readCandidates } from '../batch/readFiles';
import type { BatchManifest } from '../jobs/batchManifest';
import { isLive, refusedBatches } from '../jobs/job';
import { buildInput, buildRequest, endUserId, hashText, promptCacheKey } from '../jobs/prompt';
import { takesBatches } from '../sail/baseUrl';
import type { CompletionWindow } from '../sail/windows';
import { icon, join, notify, plain, showQuickPick, statusMessage, t, type UiQuickPickItem } from '../ui/uiText';
import { pickWindow } from '../ui/windowPicker';
import { priceCatalog } from '../usage/catalog';
import { estimateInputTokens, estimateOutputTokens } from '../usage/estimate';
import { ensureApiKey } from './apiKey';
import { asSendArgs, prepareInstruction, promptContext, type SendArgs, type SendDeps } from './instruction';
import { expandPrompt } from '../prompts/variables';

export type FilesMode = 'each' | 'together';

/** The send-files commands' optional argument (keybindings, tests): skips the prompts it answers. */
export interface SendFilesArgs extends SendArgs {
  mode?: FilesMode;
  /** sail.sendFiles: the glob, instead of asking. */
  glob?: string;
  /** sail.sendFiles: the files and folders (URIs as strings), instead of a glob. */
  uris?: string[];
}

/** The windows a batch's items may run in. */
const BATCH_WINDOWS: readonly CompletionWindow[] = ['standard', 'flex'];

export function asFilesArgs(value: unknown): SendFilesArgs {
  const base = asSendArgs(value);
  if (!value || typeof value !== 'object' || value instanceof vscode.Uri) {
    return base;
  }
  const { mode, glob, uris } = value as Record<string, unknown>;
  return {
    ...base,
    mode: mode === 'each' || mode === 'together' ? mode : undefined,
    glob: typeof glob === 'string' ? glob : undefined,
    uris: Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string') : undefined,
  };
}

/** VS Code's file system, in the shape the pure expansion takes (URIs as strings). */
const workspaceFs: SelectionFileSystem = {
  stat: async (uri) => {
    const stat = await vscode.workspace.fs.stat(vscode.Uri.parse(uri));
    return { type: stat.type, size: stat.size };
  },
  readDirectory: async (uri) => vscode.workspace.fs.readDirectory(vscode.Uri.parse(uri)),
  readFile: async (uri) => vscode.workspace.fs.readFile(vscode.Uri.parse(uri)),
};

/** The glob patterns a folder's `files.exclude` and `search.exclude` turn on. */
function excludesOf(folder: vscode.WorkspaceFolder | undefined): string[] {
  const patterns: string[] = [];
  for (const section of ['files', 'search']) {
    const value = vscode.workspace.getConfiguration(section, folder?.uri).get<Record<string, unknown>>('exclude') ?? {};
    patterns.push(...Object.entries(value).flatMap(([pattern, on]) => (on === true ? [pattern] : [])));
  }
  return patterns;
}

/** Every file under the selection, by workspace folder; paths carry the folder's name in a multi-root workspace. */
async function expand(uris: readonly vscode.Uri[]): Promise<{ files: SelectedItem[]; capped: boolean; unreadable: SelectedItem[] }> {
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const byFolder = new Map<vscode.WorkspaceFolder | undefined, vscode.Uri[]>();
  for (const uri of uris) {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), uri]);
  }
  const files: SelectedItem[] = [];
  const unreadable: SelectedItem[] = [];
  let capped = false;
  for (const [folder, selected] of byFolder) {
    const prefix = multiRoot && folder ? `${folder.name}/` : '';
    const items = selected.map((uri) => ({ uri: uri.toString(), path: folder ? vscode.workspace.asRelativePath(uri, false) : uri.path.replace(/^\//, '') }));
    const expansion = await expandSelection(workspaceFs, items, { excludes: excludesOf(folder), rootUri: folder?.uri.toString() });
    files.push(...expansion.files.map((f) => ({ ...f, path: prefix + f.path })));
    unreadable.push(...expansion.unreadable.map((f) => ({ ...f, path: prefix + f.path })));
    capped ||= expansion.capped;
  }
  return { files, capped, unreadable };
}

type ModeItem = UiQuickPickItem & { mode: FilesMode };

async function pickMode(plan: BatchPlan, together: { bytes: number; tokens: number }): Promise<FilesMode | undefined> {
  const kb = (bytes: number) => Math.max(1, Math.round(bytes / 1024)).toLocaleString('en-US');
  const items: ModeItem[] = [
    {
      mode: 'each',
      label: join([icon('files'), t('Each file on its own')]),
      description: t('a Sail batch of {0} requests · balanced or flex', plan.send.length),
      detail: t('One answer per file, to open, review and apply one by one.'),
    },
    {
      mode: 'together',
      label: join([icon('file-code'), t('All files as context for one answer')]),
      description: t('one request · {0} KB · ≈ {1} tokens in', kb(together.bytes), together.tokens.toLocaleString('en-US')),
      detail: t('Every file goes into a single request, with the instruction after them.'),
    },
  ];
  const placeHolder = plan.skipped.length
    ? t('{0} files will be sent; {1} cannot be (listed after sending)', plan.send.length, plan.skipped.length)
    : t('{0} files will be sent', plan.send.length);
  const picked = await showQuickPick(items, { title: t('Sail: send {0} files', plan.send.length), placeHolder, ignoreFocusOut: true });
  return picked?.mode;
}

/** Says which files were left out and why (the batch's node lists them too). */
function reportSkipped(skipped: readonly SkippedFile[], unreadable: readonly SelectedItem[], capped: boolean): void {
  const reasons = [...skipped.map((s) => s.reason), ...unreadable.map((f) => t('Could not read {0}.', f.path))];
  if (capped) {
    reasons.push(t('The selection holds more files than one batch can: only the first ones were taken.'));
  }
  if (reasons.length === 0) {
    return;
  }
  const shown = reasons.slice(0, 5).map((reason) => plain(reason, 200));
  const more = reasons.length > shown.length ? [t('…and {0} more.', reasons.length - shown.length)] : [];
  void notify.warning(t('{0} selected files were not sent.', reasons.length), { detail: join([...shown, ...more], '\n') });
}

/** Sends the files under `uris` with one instruction; returns the job's id. */
export async function sendFiles(deps: SendDeps, uris: readonly vscode.Uri[], args: SendFilesArgs): Promise<string | undefined> {
  const config = deps.configs.config;
  if (!config.baseUrl) {
    void notify.error(t('The setting sail.baseUrl is invalid, so nothing was sent. Fix it in your user settings.'));
    return undefined;
  }
  const selection = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Sail: reading the selected files…') },
    async () => {
      const expansion = await expand(uris);
      const candidates = await readCandidates(workspaceFs, expansion.files, config.maxFileSizeKB * 1024);
      return { expansion, plan: planBatch(candidates, { maxFileBytes: config.maxFileSizeKB * 1024 }) };
    },
  );
  const { expansion } = selection;
  let { plan } = selection;
  if (plan.send.length === 0) {
    void notify.error(t('None of the selected files can be sent to Sail.'), {
      detail: join(
        plan.skipped.slice(0, 5).map((s) => plain(s.reason, 200)),
        '\n',
      ),
    });
    return undefined;
  }
  const contextFiles = plan.send.map((file) => ({ path: file.path, text: file.text }));
  const mode = args.mode ?? (await pickMode(plan, sizeOf(buildContextInput('', contextFiles))));
  if (!mode) {
    return undefined;
  }
  const prepared = await prepareInstruction(deps, args, t('Sail: what should be done with {0} files?', plan.send.length), 'files');
  if (!prepared) {
    return undefined;
  }
  const { chosen, options, overrides } = prepared;
  const prompt = chosen.prompt;
  // A prompt file's variables take each file's values; sent together, no file's.
  const instruction = prompt ? expandPrompt(chosen.instruction, promptContext(undefined, '', '')) : chosen.instruction;
  if (mode === 'together' && !instruction.trim()) {
    void notify.warning(t('The instruction is empty once its variables are filled in, so nothing was sent.'));
    return undefined;
  }
  const instructionFor = (file: PlannedFile) =>
    prompt ? expandPrompt(chosen.instruction, promptContext(vscode.Uri.parse(file.uri), languageIdForPath(file.path), file.text)) : instruction;
  const inputOf = (file: PlannedFile) =>
    buildInput({ instruction: instructionFor(file), text: file.text, fileName: file.path, languageId: languageIdForPath(file.path) });
  const model = args.model ?? options.model ?? config.model;
  const inputs = mode === 'each' ? plan.send.map(inputOf) : [buildContextInput(instruction, contextFiles)];
  let window = args.completionWindow ?? options.window;
  if (mode === 'each' && window === 'auto') {
    window = undefined;
  }
  if (window === undefined && (config.askForWindow || mode === 'each')) {
    window = await askFilesWindow(deps, model, inputs, mode === 'each' ? BATCH_WINDOWS : undefined, overrides.maxOutputTokens ?? config.maxOutputTokens);
    if (window === undefined) {
      return undefined;
    }
  }
  let itemWindow: 'standard' | 'flex' | undefined;
  if (mode === 'each') {
    const allowed = batchWindow(window ?? 'standard');
    if ('refusal' in allowed) {
      void notify.error(t('{0}', allowed.refusal));
      return undefined;
    }
    itemWindow = allowed.window;
  }
  if (!(await ensureApiKey(deps.apiKey))) {
    void notify.warning(t('Nothing was sent: Sail needs an API key. Run "Sail: Set API Key".'));
    return undefined;
  }
  const folder = vscode.workspace.getWorkspaceFolder(uris[0])?.uri.toString();
  const cacheKeyFor = (file?: string) => promptCacheKey(config.promptCacheKey, { workspace: folder, file }, deps.cacheSalt);
  const firstLine = (prompt ? prompt.file.label : instruction).split('\n')[0].slice(0, 60);
  const user = endUserId(config.endUserId, deps.cacheSalt);
  try {
    if (mode === 'together') {
      const request = buildRequest(config, inputs[0], { ...overrides, model, completionWindow: window, cacheKey: cacheKeyFor(uris[0].toString()), user });
      const title = `${firstLine} · ${vscode.l10n.t('{0} files', plan.send.length)}`;
      const job = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Sending to Sail…') }, () =>
        deps.tracker.submit({ request, title, instruction: prompt ? chosen.instruction : instruction, prompt: prompt?.uri }),
      );
      reportSkipped(plan.skipped, expansion.unreadable, expansion.capped);
      return job.id;
    }
    const built = buildBatchRequest(plan, (file) =>
      buildRequest(config, inputOf(file), { ...overrides, model, completionWindow: itemWindow, cacheKey: cacheKeyFor(file.uri), user }),
    );
    plan = built.plan;
    if (!built.request) {
      void notify.error(t('None of the selected files can be sent to Sail.'));
      return undefined;
    }
    const manifest: BatchManifest = {
      items: plan.send.map((file) => ({
        customId: file.customId,
        uri: file.uri,
        path: file.path,
        languageId: languageIdForPath(file.path),
        textHash: hashText(file.text),
      })),
      skipped: [
        ...plan.skipped.map((s) => ({ path: s.file.path, uri: s.file.uri, reason: s.kind })),
        ...expansion.unreadable.map((f) => ({ path: f.path, uri: f.uri, reason: 'unreadable' })),
      ],
    };
    const title = `${firstLine} · ${vscode.l10n.t('{0} files', plan.send.length)}`;
    const request = built.request;
    const submit = (kind: 'batch' | 'files') =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Sending to Sail…') }, () =>
        deps.tracker.submitBatch({ request, manifest, title, instruction: prompt ? chosen.instruction : instruction, kind, prompt: prompt?.uri }),
      );
    let job = await submit(takesBatches(config.baseUrl) ? 'batch' : 'files');
    if (refusedBatches(job)) {
      // Nothing ran: the endpoint takes no batches. The same files go as one response each.
      deps.log.info(`Job ${job.id}: ${config.baseUrl} takes no batches (${job.error?.status ?? job.error?.kind}); sending each file on its own`);
      await deps.tracker.remove(job.id);
      void notify.info(t('This endpoint does not take batches: each file is sent as a request of its own.'));
      job = await submit('files');
    }
    reportSkipped(plan.skipped, expansion.unreadable, expansion.capped);
    if (job.state !== 'failed') {
      statusMessage(join([icon('send'), t('Sent to Sail as a batch: {0}', title)]), 5000);
      showBatchProgress(deps, job.id, title);
    }
    return job.id;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.log.error(`Could not write the job down: ${message}`);
    void notify.error(t('Nothing was sent: the job could not be saved. {0}', message));
    return undefined;
  }
}

/** A notification with the batch's progress until every file is done (the user may hide it; the status bar counts too). */
function showBatchProgress(deps: SendDeps, jobId: string, title: string): void {
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Sail batch: {0}', title), cancellable: false }, (progress) => {
    let reported = 0;
    return new Promise<void>((resolve) => {
      const check = (): boolean => {
        const job = deps.tracker.get(jobId);
        const { done = 0, total = 1 } = job?.progress ?? {};
        const percent = (100 * done) / Math.max(1, total);
        progress.report({ message: t('{0} of {1} files done', done, total), increment: percent - reported });
        reported = percent;
        return !job || !isLive(job.state);
      };
      if (check()) {
        resolve();
        return;
      }
      const subscription = deps.tracker.onDidChange(({ job }) => {
        if (job.id === jobId && check()) {
          subscription.dispose();
          resolve();
        }
      });
    });
  });
}

function sizeOf(input: string): { bytes: number; tokens: number } {
  const size = inputSize(input);
  return { bytes: size.bytes, tokens: size.estimatedTokens };
}

/** The window picker, sized for every request together (a batch's total). */
async function askFilesWindow(
  deps: SendDeps,
  model: string,
  inputs: readonly string[],
  only: readonly CompletionWindow[] | undefined,
  maxOutputTokens: number | null,
): Promise<CompletionWindow | 'auto' | undefined> {
  const config = deps.configs.config;
  let input = 0;
  let output = 0;
  let ceiling = false;
  for (const text of inputs) {
    const tokens = estimateInputTokens(config.instructions + text);
    const estimate = estimateOutputTokens(tokens, maxOutputTokens);
    input += tokens;
    output += estimate.tokens;
    ceiling ||= estimate.ceiling;
  }
  const picked = await pickWindow({
    title: inputs.length > 1 ? t('Sail: when do you need the {0} answers?', inputs.length) : t('Sail: when do you need the answer?'),
    catalog: priceCatalog(config.modelCatalog),
    model,
    tokens: { input, cached: 0, output },
    outputCeiling: ceiling,
    preferred: only && config.completionWindow !== 'flex' ? 'standard' : config.completionWindow,
    only,
  });
  return picked === 'otherModel' ? undefined : picked;
}

/** The files a command was invoked on: Explorer (clicked, all selected), Source Control states or groups. */
export function selectedUris(target: unknown, selected: unknown): vscode.Uri[] {
  const list = Array.isArray(selected) && selected.length ? selected : Array.isArray(target) ? target : [target];
  const uris: vscode.Uri[] = [];
  for (const entry of list) {
    if (entry instanceof vscode.Uri) {
      uris.push(entry);
    } else if (entry && typeof entry === 'object') {
      const state = entry as { resourceUri?: unknown; resourceStates?: unknown };
      if (state.resourceUri instanceof vscode.Uri) {
        uris.push(state.resourceUri);
      } else if (Array.isArray(state.resourceStates)) {
        uris.push(...selectedUris(state.resourceStates, undefined));
      }
    }
  }
  return uris;
}

/** sail.sendFiles: a glob over the workspace (with the count and size of what it matches shown as it is typed), or what Source Control passes. */
export function registerSendFilesCommand(deps: SendDeps): vscode.Disposable {
  return vscode.commands.registerCommand('sail.sendFiles', async (target?: unknown, selected?: unknown, filesArgs?: unknown) => {
    // From a menu: what it passes (then a keybinding or test may add the argument after it); else the argument.
    const uris = selectedUris(target, selected);
    const args = asFilesArgs(uris.length ? filesArgs : target);
    if (uris.length || args.uris?.length) {
      return sendFiles(deps, uris.length ? uris : (args.uris ?? []).map((u) => vscode.Uri.parse(u)), args);
    }
    if (!vscode.workspace.workspaceFolders?.length) {
      void notify.warning(t('Open a folder to send files from it to Sail.'));
      return undefined;
    }
    const glob = args.glob ?? (await askGlob());
    if (!glob) {
      return undefined;
    }
    const matched = await vscode.workspace.findFiles(glob, undefined, 100_001);
    if (!matched.length) {
      void notify.warning(t('No file matches {0}.', glob));
      return undefined;
    }
    return sendFiles(deps, matched, args);
  });
}

async function askGlob(): Promise<string | undefined> {
  const preview = async (value: string): Promise<vscode.InputBoxValidationMessage | undefined> => {
    const glob = value.trim();
    if (!glob) {
      return undefined;
    }
    const files = await vscode.workspace.findFiles(glob, undefined, 100_001);
    let bytes = 0;
    for (const uri of files.slice(0, 2_000)) {
      bytes +=
        (await vscode.workspace.fs.stat(uri).then(
          (s) => s.size,
          () => 0,
        )) ?? 0;
    }
    const size = files.length > 2_000 ? '' : vscode.l10n.t(', {0} KB', Math.round(bytes / 1024).toLocaleString('en-US'));
    return { message: vscode.l10n.t('Matches {0} files{1}', files.length.toLocaleString('en-US'), size), severity: vscode.InputBoxValidationSeverity.Info };
  };
  const glob = await vscode.window.showInputBox({
    title: vscode.l10n.t('Sail: send files matching a glob'),
    prompt: vscode.l10n.t('A glob over the workspace, e.g. src/**/*.ts (files.exclude applies)'),
    placeHolder: 'src/**/*.ts',
    ignoreFocusOut: true,
    validateInput: preview,
  });
  return glob?.trim() || undefined;
}
