import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CompletionWindow } from '../sail/windows';
import { buildInput, buildRequest, endUserId, hashText, promptCacheKey, tooLargeReason, unsendableReason, type CodeInput } from '../jobs/prompt';
import type { JobSource } from '../jobs/job';
import { lineSpan } from '../jobs/lines';
import { icon, join, notify, statusMessage, t, type UiText } from '../ui/uiText';
import { priceCatalog } from '../usage/catalog';
import { estimateInputTokens, estimateOutputTokens } from '../usage/estimate';
import { pickWindow } from '../ui/windowPicker';
import { ensureApiKey } from './apiKey';
import { asSendArgs, prepareInstruction, promptContext, type SendArgs, type SendDeps } from './instruction';
import type { PromptMode } from '../prompts/promptFile';
import { expandPrompt } from '../prompts/variables';
import { asFilesArgs, selectedUris, sendFiles } from './sendFiles';

/** The window picker (sail.askForWindow), sized for this request; remembers the choice per instruction. */
async function askWindow(
  deps: SendDeps,
  model: string,
  instruction: string,
  input: string,
  maxOutputTokens: number | null,
): Promise<CompletionWindow | 'auto' | undefined> {
  const config = deps.configs.config;
  const inputTokens = estimateInputTokens(config.instructions + input);
  const output = estimateOutputTokens(inputTokens, maxOutputTokens);
  const picked = await pickWindow({
    title: t('Sail: when do you need the answer?'),
    catalog: priceCatalog(config.modelCatalog),
    model,
    tokens: { input: inputTokens, cached: 0, output: output.tokens },
    outputCeiling: output.ceiling,
    preferred: config.completionWindow,
    remembered: deps.windows.get(instruction),
  });
  if (picked === undefined || picked === 'otherModel') {
    return undefined;
  }
  if (picked !== 'auto') {
    await deps.windows.set(instruction, picked);
  }
  return picked;
}

interface Sendable {
  readonly code: Omit<CodeInput, 'instruction'>;
  readonly source: JobSource;
  readonly document: vscode.TextDocument;
  readonly range?: vscode.Range;
  readonly mode: PromptMode;
  readonly what: UiText;
}

async function submit(deps: SendDeps, args: SendArgs, sendable: Sendable): Promise<string | undefined> {
  const { code, source } = sendable;
  const config = deps.configs.config;
  if (!config.baseUrl) {
    void notify.error(t('The setting sail.baseUrl is invalid, so nothing was sent. Fix it in your user settings.'));
    return undefined;
  }
  const prepared = await prepareInstruction(deps, args, sendable.what, sendable.mode);
  if (!prepared) {
    return undefined;
  }
  const { chosen, options, overrides } = prepared;
  const prompt = chosen.prompt;
  const instruction = prompt
    ? expandPrompt(chosen.instruction, promptContext(sendable.document.uri, sendable.document.languageId, code.text, sendable.range))
    : chosen.instruction;
  if (!instruction.trim()) {
    void notify.warning(t('The instruction is empty once its variables are filled in, so nothing was sent.'));
    return undefined;
  }
  const input = buildInput({ ...code, instruction });
  const model = args.model ?? options.model ?? config.model;
  // The window is remembered per prompt file, or per typed or setting instruction.
  const memoryKey = prompt ? `prompt:${prompt.uri}` : instruction;
  let completionWindow = args.completionWindow ?? options.window;
  if (completionWindow === undefined && config.askForWindow) {
    completionWindow = await askWindow(deps, model, memoryKey, input, overrides.maxOutputTokens ?? config.maxOutputTokens);
    if (completionWindow === undefined) {
      return undefined;
    }
  }
  if (!(await ensureApiKey(deps.apiKey))) {
    void notify.warning(t('Nothing was sent: Sail needs an API key. Run "Sail: Set API Key".'));
    return undefined;
  }
  const workspace = vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(source.uri))?.uri.toString();
  const request = buildRequest(config, input, {
    model,
    completionWindow,
    ...overrides,
    cacheKey: promptCacheKey(config.promptCacheKey, { workspace, file: source.uri }, deps.cacheSalt),
    user: endUserId(config.endUserId, deps.cacheSalt),
  });
  deps.log.trace(`Request input:\n${String(request.input)}`);
  const title = `${(prompt ? prompt.file.label : instruction).split('\n')[0].slice(0, 60)} · ${source.fileName}`;
  let job;
  try {
    job = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Sending to Sail…') }, () =>
      // A prompt file's job keeps its template: filled in, `${selection}` would copy the code into the job list.
      deps.tracker.submit({ request, title, instruction: prompt ? chosen.instruction : instruction, source, prompt: prompt?.uri }),
    );
  } catch (error) {
    // The job could not be written down (a full disk, a newer version's job list): nothing was sent.
    const message = error instanceof Error ? error.message : String(error);
    deps.log.error(`Could not write the job down: ${message}`);
    void notify.error(t('Nothing was sent: the job could not be saved. {0}', message));
    return undefined;
  }
  // A refusal is reported by the finish notification, with what to do about it.
  if (job.state !== 'failed') {
    statusMessage(join([icon('send'), t('Sent to Sail: {0}', title)]), 5000);
  }
  return job.id;
}

async function isFolder(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
  } catch {
    return false;
  }
}

function sourceOf(document: vscode.TextDocument, range?: vscode.Range): JobSource {
  return {
    uri: document.uri.toString(),
    fileName: path.basename(document.uri.path) || document.uri.path,
    languageId: document.languageId,
    version: document.version,
    range: range ? { start: range.start, end: range.end } : undefined,
    // The whole file's too: Review Changes warns when the file changed since it was sent.
    textHash: hashText(document.getText(range)),
  };
}

export function registerSendCommands(deps: SendDeps): vscode.Disposable[] {
  const sendDocument = async (document: vscode.TextDocument, args: SendArgs): Promise<string | undefined> => {
    const text = document.getText();
    const fileName = path.basename(document.uri.path);
    const reason = unsendableReason(new TextEncoder().encode(text), deps.configs.config.maxFileSizeKB * 1024, fileName);
    if (reason) {
      void notify.error(t('{0}', reason));
      return undefined;
    }
    if (!text.trim()) {
      void notify.warning(t('{0} is empty: there is nothing to send.', fileName));
      return undefined;
    }
    return submit(deps, args, {
      code: { text, fileName, languageId: document.languageId },
      source: sourceOf(document),
      document,
      mode: 'file',
      what: t('Sail: what should be done with {0}?', fileName),
    });
  };

  const sendFile = async (target?: unknown, maybeArgs?: unknown, filesArgs?: unknown): Promise<string | undefined> => {
    // From the Explorer: the clicked file, then every selected one. Several, or a folder: many files
    // (a keybinding or a test may add the send-files argument after them).
    const many = selectedUris(target, maybeArgs);
    if (target instanceof vscode.Uri && (many.length > 1 || (await isFolder(target)))) {
      return sendFiles(deps, many, asFilesArgs(filesArgs));
    }
    const args = asSendArgs(target instanceof vscode.Uri ? maybeArgs : target);
    const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void notify.warning(t('Open a file, or right-click one in the Explorer, to send it to Sail.'));
      return undefined;
    }
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) {
      return sendDocument(open, args);
    }
    // Check the bytes before opening: VS Code would happily open a binary or huge file as text.
    const fileName = path.basename(uri.path);
    const maxBytes = deps.configs.config.maxFileSizeKB * 1024;
    let bytes: Uint8Array;
    try {
      // The size first: a multi-gigabyte log is refused without being read into memory.
      const tooLarge = tooLargeReason((await vscode.workspace.fs.stat(uri)).size, maxBytes, fileName);
      if (tooLarge) {
        void notify.error(t('{0}', tooLarge));
        return undefined;
      }
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch (error) {
      void notify.error(t('Could not read {0}: {1}', fileName, error instanceof Error ? error.message : String(error)));
      return undefined;
    }
    const reason = unsendableReason(bytes, maxBytes, fileName);
    if (reason) {
      void notify.error(t('{0}', reason));
      return undefined;
    }
    return sendDocument(await vscode.workspace.openTextDocument(uri), args);
  };

  const sendSelection = async (maybeArgs?: unknown): Promise<string | undefined> => {
    const args = asSendArgs(maybeArgs);
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void notify.warning(t('Open a file and select some code to send it to Sail.'));
      return undefined;
    }
    const selection = editor.selection;
    const text = editor.document.getText(selection);
    if (selection.isEmpty || !text.trim()) {
      const wholeFile = t('Send Whole File');
      // Not awaited: the command answers at once, and the offer stays in the notification.
      void notify.warning(t('Nothing is selected, so nothing was sent.'), wholeFile).then((choice) => {
        if (choice === wholeFile) {
          void sendDocument(editor.document, args);
        }
      });
      return undefined;
    }
    const fileName = path.basename(editor.document.uri.path);
    const reason = unsendableReason(new TextEncoder().encode(text), deps.configs.config.maxFileSizeKB * 1024, vscode.l10n.t('The selection in {0}', fileName));
    if (reason) {
      void notify.error(t('{0}', reason));
      return undefined;
    }
    const lines = lineSpan(selection);
    return submit(deps, args, {
      code: { text, fileName, languageId: editor.document.languageId, lines },
      source: sourceOf(editor.document, selection),
      document: editor.document,
      range: selection,
      mode: 'selection',
      what: t('Sail: what should be done with the selection in {0}?', fileName),
    });
  };

  return [vscode.commands.registerCommand('sail.sendSelection', sendSelection), vscode.commands.registerCommand('sail.sendFile', sendFile)];
}
