import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerApiKeyCommands } from './commands/apiKey';
import { registerJobCommands } from './commands/jobs';
import { registerSelectModel } from './commands/selectModel';
import { registerSendCommands } from './commands/send';
import { registerShowLog } from './commands/showLog';
import { systemClock } from './jobs/clock';
import { FileBlobStore, JobStore } from './jobs/jobStore';
import { JobTracker } from './jobs/jobTracker';
import { ApiKeyStore } from './ui/apiKeyStore';
import { ClientProvider } from './ui/clientProvider';
import { ConfigWatcher } from './ui/configWatcher';
import { notifyOnFinish } from './ui/notifier';
import { ResultPanels } from './ui/resultPanel';
import { JobStatusBar } from './ui/statusBar';

/** What `activate()` hands to the integration tests (only in test mode). */
export interface SailTestApi {
  readonly apiKey: ApiKeyStore;
  readonly tracker: JobTracker;
  readonly panels: ResultPanels;
  /**
   * Models a window reload: stops the live tracker (as deactivate would) and returns a new one built
   * from storage, resumed. The new one is not wired to the UI; the UI tests reload the page for real.
   */
  reload(): Promise<JobTracker>;
}

export function activate(context: vscode.ExtensionContext): SailTestApi | undefined {
  const log = vscode.window.createOutputChannel('Sail', { log: true });
  context.subscriptions.push(log);
  try {
    const version = String(context.extension.packageJSON.version);
    const apiKey = new ApiKeyStore(context.secrets);
    const configs = new ConfigWatcher(log);
    const clients = new ClientProvider(configs, apiKey, log, `sail-vscode/${version} vscode/${vscode.version}`);
    const blobs = new FileBlobStore(path.join(context.globalStorageUri.fsPath, 'jobs'));
    const createTracker = () =>
      new JobTracker({ store: new JobStore(context.globalState, blobs, log), api: () => clients.get(), clock: systemClock, log });
    const tracker = createTracker();
    tracker.setFocused(vscode.window.state.focused);
    const panels = new ResultPanels(context, tracker, log);
    const statusBar = new JobStatusBar(tracker);
    context.subscriptions.push(
      apiKey,
      configs,
      clients,
      { dispose: () => tracker.dispose() },
      panels,
      statusBar,
      notifyOnFinish(tracker, panels, configs),
      vscode.window.onDidChangeWindowState((state) => tracker.setFocused(state.focused)),
      registerShowLog(log),
      ...registerApiKeyCommands(apiKey, log),
      ...registerSendCommands({ configs, apiKey, tracker, log }),
      ...registerJobCommands(tracker, panels),
      registerSelectModel(clients, configs, apiKey),
    );
    log.info(`Sail ${version} activated`);
    // Jobs outlive windows: pick up whatever was running before this window (re)loaded.
    void tracker.resume();
    if (context.extensionMode !== vscode.ExtensionMode.Test) {
      return undefined;
    }
    return {
      apiKey,
      tracker,
      panels,
      async reload() {
        tracker.dispose();
        const next = createTracker();
        context.subscriptions.push({ dispose: () => next.dispose() });
        await next.resume();
        return next;
      },
    };
  } catch (error) {
    // A failed activation is otherwise silent: say so where the user looks.
    const message = error instanceof Error ? error.message : String(error);
    log.error('Activation failed', error);
    void vscode.window.showErrorMessage(vscode.l10n.t('Sail failed to start: {0}', message));
    throw error;
  }
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
