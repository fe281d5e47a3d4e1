import { registerPromptFileCommands } from './commands/promptFiles';
import { PromptLibrary } from './ui/promptLibrary';
import { registerLmProvider } from './ui/lmProvider';
import { handleChat, registerChatParticipant, type ChatDeps, type ChatStream } from './ui/chatParticipant';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { registerAccountCommands } from './commands/account';
import { registerApiKeyCommands } from './commands/apiKey';
import { registerExportUsage } from './commands/exportUsage';
import { registerJobCommands } from './commands/jobs';
import { registerRerun } from './commands/rerun';
import { registerSelectModel } from './commands/selectModel';
import { registerSendCommands } from './commands/send';
import { registerSendFilesCommand } from './commands/sendFiles';
import { registerBatchCommands } from './commands/batch';
import { registerShowLog } from './commands/showLog';
import { systemClock } from './jobs/clock';
import { FileBlobStore, JobStore } from './jobs/jobStore';
import { keepHistory } from './ui/historyUpkeep';
import { JobTracker } from './jobs/jobTracker';
import { DEFAULT_POLL_POLICY, type PollPolicy } from './jobs/pollPolicy';
import { AccountService } from './ui/account';
import { ApiKeyStore } from './ui/apiKeyStore';
import { ClientProvider } from './ui/clientProvider';
import { ConfigWatcher } from './ui/configWatcher';
import { installSalt } from './ui/installSalt';
import { notifyOnFinish } from './ui/notifier';
import { registerSendAgain } from './ui/sendAgain';
import { ResultPanels } from './ui/resultPanel';
import { ProposalDocuments, reviewChanges, type ReviewItem, type ReviewStep, type ReviewChoice, type ReviewSummary } from './ui/reviewChanges';
import { JobsView } from './ui/jobsView';
import { viewHeaders } from './ui/viewHeaders';
import { priceCatalog } from './usage/catalog';
import { jobCost } from './usage/estimate';
import { JobStatusBar } from './ui/statusBar';
import { WindowMemory } from './usage/windowMemory';
import { notify, t } from './ui/uiText';
import { recordUsage } from './ui/usageRecorder';
import { UsageLedger } from './usage/usageLedger';

/** What `activate()` hands to the integration tests (only in test mode). */
export interface SailTestApi {
  readonly apiKey: ApiKeyStore;
  readonly tracker: JobTracker;
  readonly panels: ResultPanels;
  /** The account figures (Sail's Usage API). */
  readonly account: AccountService;
  readonly usage: UsageLedger;
  /** Review Changes with this session's proposal documents and log; `decide` answers for the person. */
  reviewChanges(items: readonly ReviewItem[], decide: (step: ReviewStep) => Promise<ReviewChoice | undefined>): Promise<ReviewSummary>;
  /** Tears everything down as deactivate() would, then wires it up again from storage, as a window reload does. */
  reload(): Promise<void>;
  /** One `@sail` chat request, as the chat view would make it (the test host has no chat view). */
  chat(
    request: Pick<vscode.ChatRequest, 'prompt' | 'command' | 'references'>,
    stream: ChatStream,
    token: vscode.CancellationToken,
  ): Promise<{ metadata: { jobId?: string } }>;
}

/** Everything the extension runs, wired together; disposing it is deactivation. */
class Session implements vscode.Disposable {
  readonly apiKey: ApiKeyStore;
  readonly tracker: JobTracker;
  readonly panels: ResultPanels;
  readonly account: AccountService;
  readonly usage: UsageLedger;
  /** The read-only documents Review Changes shows proposals in (scheme `sail-proposal`). */
  readonly proposals: ProposalDocuments;
  readonly log: vscode.LogOutputChannel;
  /** Settles once the jobs of the previous window were picked up again. */
  readonly resumed: Promise<void>;
  /** What `@sail` works with. */
  readonly chatDeps: ChatDeps;
  private readonly disposables: { dispose(): unknown }[] = [];

  constructor(context: vscode.ExtensionContext, log: vscode.LogOutputChannel) {
    const version = String(context.extension.packageJSON.version);
    this.log = log;
    this.apiKey = new ApiKeyStore(context.secrets);
    const configs = new ConfigWatcher(log);
    const userAgent = `sail-vscode/${version} vscode/${vscode.version}`;
    const clients = new ClientProvider(configs, this.apiKey, log, userAgent);
    this.account = new AccountService(configs, this.apiKey, log, userAgent);
    const store = new JobStore(context.globalState, new FileBlobStore(path.join(context.globalStorageUri.fsPath, 'jobs')), log);
    this.tracker = new JobTracker({
      store,
      api: () => clients.get(),
      batches: () => clients.get(),
      clock: systemClock,
      log,
      baseUrl: () => configs.config.baseUrl,
      apiKey: () => this.apiKey.get(),
      policy: pollPolicy(context.extensionMode),
    });
    this.tracker.setFocused(vscode.window.state.focused);
    this.panels = new ResultPanels(context, this.tracker, log, configs);
    // Beside the jobs folder, not in it: pruning the job history never touches what was spent.
    this.usage = new UsageLedger(new FileBlobStore(context.globalStorageUri.fsPath), { warn: (message) => log.warn(message) });
    const jobsView = new JobsView(this.tracker, configs, viewHeaders(this.account, this.usage));
    const prompts = new PromptLibrary(vscode.Uri.joinPath(context.globalStorageUri, 'prompts'), log);
    const sendDeps = {
      prompts,
      configs,
      apiKey: this.apiKey,
      tracker: this.tracker,
      log,
      cacheSalt: installSalt(context.globalState),
      windows: new WindowMemory(context.globalState),
    };
    this.proposals = new ProposalDocuments();
    this.disposables.push(
      prompts,
      ...registerPromptFileCommands(prompts),
      jobsView,
      this.proposals,
      this.apiKey,
      configs,
      clients,
      this.account,
      this.tracker,
      this.panels,
      new JobStatusBar(this.tracker, this.account),
      notifyOnFinish(this.tracker, this.panels, configs),
      registerSendAgain({ tracker: this.tracker, configs, prompts }),
      keepHistory(this.tracker, configs, log),
      recordUsage(this.tracker, this.usage, log, (job) => jobCost(priceCatalog(configs.config.modelCatalog), job) ?? {}),
      vscode.window.onDidChangeWindowState((state) => this.tracker.setFocused(state.focused)),
      // Jobs waiting for the key or base URL they were sent with may go on.
      this.apiKey.onDidChange(() => this.reconsider(log)),
      // The Sail view's welcome offers to set the key while there is none.
      this.apiKey.onDidChange(() => void this.showKeyState()),
      configs.onDidChange(() => this.reconsider(log)),
      registerShowLog(log),
      registerAccountCommands(this.account),
      ...registerApiKeyCommands(this.apiKey, log, context.extensionMode === vscode.ExtensionMode.Test),
      ...registerSendCommands(sendDeps),
      registerSendFilesCommand(sendDeps),
      ...registerJobCommands(this.tracker, this.panels, jobsView, { documents: this.proposals, log }),
      ...registerBatchCommands(this.tracker, { documents: this.proposals, log }),
      registerRerun(this.tracker, configs, clients),
      registerSelectModel(clients, configs, this.apiKey),
      registerExportUsage(this.usage, log),
    );
    const lmProvider = registerLmProvider({ clients, configs, apiKey: this.apiKey, usage: this.usage, log, salt: sendDeps.cacheSalt });
    this.chatDeps = { tracker: this.tracker, configs, apiKey: this.apiKey, log, salt: sendDeps.cacheSalt };
    const participant = registerChatParticipant(this.chatDeps, vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.png'));
    for (const registration of [lmProvider, participant]) {
      if (registration) {
        this.disposables.push(registration);
      }
    }
    void this.showKeyState();
    // Jobs outlive windows: pick up whatever was running before this window (re)loaded.
    this.resumed = this.tracker.resume().catch((error: unknown) => {
      log.error('Could not pick up the jobs of the previous window', error);
      void notify.error(t('Sail could not pick up your running jobs: {0}', error instanceof Error ? error.message : String(error)));
    });
  }

  private async showKeyState(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'sail.hasApiKey', (await this.apiKey.get()) !== undefined);
  }

  private reconsider(log: vscode.LogOutputChannel): void {
    this.tracker.reconsider().catch((error: unknown) => log.error('Could not pick up jobs waiting for their key or base URL', error));
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0).reverse()) {
      disposable.dispose();
    }
  }
}

/**
 * The default schedule; the integration suite may shorten how long a job must keep answering 404
 * before it counts as gone (it stands for Sail's 48 h retention passing, in seconds).
 */
function pollPolicy(mode: vscode.ExtensionMode): PollPolicy {
  const goneAfterMs = mode === vscode.ExtensionMode.Test ? Number(process.env.SAIL_TEST_GONE_AFTER_MS) : NaN;
  return Number.isFinite(goneAfterMs) ? { ...DEFAULT_POLL_POLICY, goneAfterMs } : DEFAULT_POLL_POLICY;
}

export function activate(context: vscode.ExtensionContext): SailTestApi | undefined {
  // The pure modules (messages, labels) translate through @vscode/l10n: give it VS Code's bundle.
  if (vscode.l10n.bundle) {
    l10n.config({ contents: vscode.l10n.bundle });
  }
  const log = vscode.window.createOutputChannel('Sail', { log: true });
  context.subscriptions.push(log);
  try {
    const started = performance.now();
    let session = new Session(context, log);
    context.subscriptions.push({ dispose: () => session.dispose() });
    log.info(`Sail ${String(context.extension.packageJSON.version)} activated in ${(performance.now() - started).toFixed(1)} ms`);
    if (context.extensionMode !== vscode.ExtensionMode.Test) {
      return undefined;
    }
    return {
      get apiKey() {
        return session.apiKey;
      },
      get tracker() {
        return session.tracker;
      },
      get panels() {
        return session.panels;
      },
      get account() {
        return session.account;
      },
      get usage() {
        return session.usage;
      },
      reviewChanges(items, decide) {
        return reviewChanges(items, { documents: session.proposals, log: session.log, decide });
      },
      chat(request, stream, token) {
        return handleChat(session.chatDeps, request, stream, token);
      },
      async reload() {
        session.dispose();
        session = new Session(context, log);
        await session.resumed;
      },
    };
  } catch (error) {
    // A failed activation is otherwise silent: say so where the user looks.
    const message = error instanceof Error ? error.message : String(error);
    log.error('Activation failed', error);
    void notify.error(t('Sail failed to start: {0}', message));
    throw error;
  }
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
