import * as vscode from 'vscode';
import { registerShowLog } from './commands/showLog';
import { ApiKeyStore } from './ui/apiKeyStore';

/** What `activate()` hands to the integration tests (only in test mode). */
export interface SailTestApi {
  readonly apiKey: ApiKeyStore;
}

export function activate(context: vscode.ExtensionContext): SailTestApi | undefined {
  const log = vscode.window.createOutputChannel('Sail', { log: true });
  context.subscriptions.push(log);
  try {
    const apiKey = new ApiKeyStore(context.secrets);
    context.subscriptions.push(apiKey, registerShowLog(log));
    log.info(`Sail ${String(context.extension.packageJSON.version)} activated`);
    return context.extensionMode === vscode.ExtensionMode.Test ? { apiKey } : undefined;
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
