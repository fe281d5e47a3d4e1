import * as vscode from 'vscode';
import { SailError } from '../sail/errors';
import type { ClientProvider } from '../ui/clientProvider';
import type { ConfigWatcher } from '../ui/configWatcher';
import type { ApiKeyStore } from '../ui/apiKeyStore';
import { ensureApiKey } from './apiKey';

/** Lists GET /v1/models and writes the pick to sail.model. */
export function registerSelectModel(clients: ClientProvider, configs: ConfigWatcher, apiKey: ApiKeyStore): vscode.Disposable {
  return vscode.commands.registerCommand('sail.selectModel', async () => {
    if (!(await ensureApiKey(apiKey))) {
      return;
    }
    let models;
    try {
      models = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Sail: loading models…') }, () =>
        clients.get().listModels(),
      );
    } catch (error) {
      const message = error instanceof SailError ? error.userMessage : String(error);
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not list Sail models: {0}', message));
      return;
    }
    const current = configs.config.model;
    const picked = await vscode.window.showQuickPick(
      models.map((m) => ({
        label: m.id,
        description: m.id === current ? vscode.l10n.t('current') : m.owned_by,
        picked: m.id === current,
      })),
      { title: vscode.l10n.t('Sail: Select Model'), placeHolder: vscode.l10n.t('Model for new requests (sail.model)') },
    );
    if (picked) {
      // Write where the current value comes from, or a workspace value would still win.
      const sail = vscode.workspace.getConfiguration('sail');
      const where = sail.inspect<string>('model');
      const target =
        where?.workspaceFolderValue !== undefined
          ? vscode.ConfigurationTarget.WorkspaceFolder
          : where?.workspaceValue !== undefined
            ? vscode.ConfigurationTarget.Workspace
            : vscode.ConfigurationTarget.Global;
      await sail.update('model', picked.label, target);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Sail model: {0}', picked.label), 4000);
    }
  });
}
