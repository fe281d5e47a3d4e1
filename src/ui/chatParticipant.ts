/**
 * `@sail` in VS Code's chat. `/later` and `/flex` hand the question, with the selection and files the
 * user attached, to a background window: the reply comes at once with the job, its window and its
 * estimated cost, and the answer arrives later through the usual notification and result view — what
 * no synchronous model in the chat can do. Without a command, `@sail` answers at asap. Either way the
 * request is a tracked job like Send Selection's: written down first, sent once, its usage counted, its
 * answer kept.
 */
import * as vscode from 'vscode';
import { isFinished, type JobSource } from '../jobs/job';
import type { JobTracker } from '../jobs/jobTracker';
import { buildRequest, endUserId, hashText, promptCacheKey } from '../jobs/prompt';
import { estimateLater, laterInput, laterRequest, laterTitle, laterWindow, planLater, type LaterReference } from '../lm/later';
import { formatUsd } from '../render/cost';
import { jobErrorText } from '../render/jobErrors';
import { windowLabel } from '../render/jobView';
import { markdownText } from '../render/untrusted';
import { outputText } from '../sail/output';
import { priceCatalog } from '../usage/catalog';
import type { ApiKeyStore } from './apiKeyStore';
import type { ConfigWatcher } from './configWatcher';

export const CHAT_PARTICIPANT_ID = 'sail.chat';

export interface ChatDeps {
  readonly tracker: JobTracker;
  readonly configs: ConfigWatcher;
  readonly apiKey: ApiKeyStore;
  readonly log: vscode.LogOutputChannel;
  /** The per-install secret behind the cache key and the `user` id. */
  readonly salt: string;
}

/** The subset of vscode.ChatResponseStream the handler uses (so a test can hand it a recorder). */
export type ChatStream = Pick<vscode.ChatResponseStream, 'markdown' | 'button' | 'progress'>;
type ChatRequestLike = Pick<vscode.ChatRequest, 'prompt' | 'command' | 'references'>;

export function registerChatParticipant(deps: ChatDeps, iconPath: vscode.Uri): vscode.Disposable | undefined {
  if (typeof vscode.chat?.createChatParticipant !== 'function') {
    return undefined;
  }
  const participant = vscode.chat.createChatParticipant(CHAT_PARTICIPANT_ID, (request, _context, stream, token) => handleChat(deps, request, stream, token));
  participant.iconPath = iconPath;
  return participant;
}

/** One `@sail` request: `/later` or `/flex` becomes a background job; no command, an answer at asap. */
export async function handleChat(
  deps: ChatDeps,
  request: ChatRequestLike,
  stream: ChatStream,
  token: vscode.CancellationToken,
): Promise<{ metadata: { jobId?: string } }> {
  const config = deps.configs.config;
  if (!config.baseUrl) {
    stream.markdown(vscode.l10n.t('The setting sail.baseUrl is invalid, so nothing was sent. Fix it in your user settings.'));
    return { metadata: {} };
  }
  if ((await deps.apiKey.get()) === undefined) {
    stream.markdown(vscode.l10n.t('Sail needs an API key first.'));
    stream.button({ command: 'sail.setApiKey', title: vscode.l10n.t('Set API Key') });
    return { metadata: {} };
  }
  const { references, sources } = await readReferences(request.references);
  const window = laterWindow(request.command);
  if (request.command !== undefined && window === undefined) {
    const planned = planLater({ prompt: request.prompt, command: request.command, references });
    stream.markdown(markdownText('error' in planned ? planned.error : ''));
    return { metadata: {} };
  }
  const source = sources.length === 1 ? sources[0] : undefined;
  const cacheKey = promptCacheKey(config.promptCacheKey, { workspace: vscode.workspace.workspaceFolders?.[0]?.uri.toString(), file: source?.uri }, deps.salt);
  const user = endUserId(config.endUserId, deps.salt);
  if (window !== undefined) {
    const planned = planLater({ prompt: request.prompt, command: request.command, references });
    if ('error' in planned) {
      stream.markdown(markdownText(planned.error));
      return { metadata: {} };
    }
    const { plan } = planned;
    const body = laterRequest(config, plan, { cacheKey, user });
    const estimate = estimateLater(priceCatalog(config.modelCatalog), body, plan.window);
    const job = await deps.tracker.submit({ request: body, title: plan.title, instruction: plan.instruction, source });
    if (job.state === 'failed') {
      stream.markdown(vscode.l10n.t('Sail refused it: {0}', markdownText(jobErrorText(job.error, config.baseUrl))));
      return { metadata: { jobId: job.id } };
    }
    const cost =
      estimate.costUsd !== undefined
        ? estimate.asapCostUsd !== undefined && estimate.asapCostUsd > estimate.costUsd
          ? vscode.l10n.t('Estimated cost ≈ {0} (≈ {1} at asap).', formatUsd(estimate.costUsd), formatUsd(estimate.asapCostUsd))
          : vscode.l10n.t('Estimated cost ≈ {0}.', formatUsd(estimate.costUsd))
        : vscode.l10n.t('Its price at this window is not known.');
    stream.markdown(
      vscode.l10n.t(
        'Sent to Sail as a background job at **{0}**: {1}. {2} You will be notified when the answer is ready; it is also in the Sail view.',
        windowLabel(plan.window),
        markdownText(plan.title),
        cost,
      ),
    );
    if (!estimate.windowAvailable) {
      stream.markdown('\n\n' + vscode.l10n.t('The price table does not list {0} at this window: Sail may refuse it.', markdownText(body.model)));
    }
    stream.button({ command: 'sail.openResult', arguments: [job.id], title: vscode.l10n.t('Open Job') });
    return { metadata: { jobId: job.id } };
  }
  // No command: asap, in the foreground, and the answer here when it comes (in seconds).
  const instruction = request.prompt.trim();
  if (!instruction) {
    stream.markdown(vscode.l10n.t('Ask @sail something, or use /later or /flex to hand it to a cheaper background window.'));
    return { metadata: {} };
  }
  const body = buildRequest({ ...config, background: false }, laterInput(instruction, references), { completionWindow: 'asap', cacheKey, user });
  stream.progress(vscode.l10n.t('Asking Sail at asap…'));
  const job = await deps.tracker.submit({ request: body, title: laterTitle(instruction, references), instruction, source });
  const finished = await untilFinished(deps.tracker, job.id, token);
  if (!finished) {
    stream.markdown(vscode.l10n.t('Stopped waiting here: the answer still comes, in the Sail view.'));
  } else if (finished.state === 'completed' || finished.state === 'incomplete') {
    const response = await deps.tracker.response(job.id);
    // Model output, rendered by the chat as untrusted Markdown (no command links, no HTML).
    stream.markdown(response ? outputText(response) : '');
  } else {
    stream.markdown(vscode.l10n.t('Sail could not answer: {0}', markdownText(jobErrorText(finished.error, config.baseUrl))));
  }
  stream.button({ command: 'sail.openResult', arguments: [job.id], title: vscode.l10n.t('Open Result') });
  return { metadata: { jobId: job.id } };
}

/** The job once it is finished, or undefined when the chat cancels the wait. */
function untilFinished(tracker: JobTracker, id: string, token: vscode.CancellationToken) {
  return new Promise<ReturnType<JobTracker['get']>>((resolve) => {
    const done = () => {
      const job = tracker.get(id);
      return !job || isFinished(job.state) ? job : undefined;
    };
    const now = done();
    if (now) {
      resolve(now);
      return;
    }
    const subscriptions = [
      tracker.onDidChange(() => {
        const job = done();
        if (job) {
          subscriptions.forEach((s) => s.dispose());
          resolve(job);
        }
      }),
      token.onCancellationRequested(() => {
        subscriptions.forEach((s) => s.dispose());
        resolve(undefined);
      }),
    ];
  });
}

/** The references' text: a selection (a Location) or a whole file (a Uri); anything else is left out. */
async function readReferences(references: readonly vscode.ChatPromptReference[]): Promise<{ references: LaterReference[]; sources: JobSource[] }> {
  const read: LaterReference[] = [];
  const sources: JobSource[] = [];
  for (const reference of references) {
    const value = reference.value;
    const uri = value instanceof vscode.Uri ? value : value instanceof vscode.Location ? value.uri : undefined;
    if (!uri) {
      continue;
    }
    const document = await vscode.workspace.openTextDocument(uri);
    const range = value instanceof vscode.Location ? value.range : undefined;
    const text = document.getText(range);
    const path = vscode.workspace.asRelativePath(uri, false);
    read.push(
      range
        ? { kind: 'selection', path, languageId: document.languageId, text, range: { start: range.start, end: range.end } }
        : { kind: 'file', path, languageId: document.languageId, text },
    );
    sources.push({
      uri: uri.toString(),
      fileName: uri.path.slice(uri.path.lastIndexOf('/') + 1),
      languageId: document.languageId,
      version: document.version,
      range: range ? { start: range.start, end: range.end } : undefined,
      textHash: hashText(text),
    });
  }
  return { references: read, sources };
}
