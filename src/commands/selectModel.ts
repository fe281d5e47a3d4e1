import * as vscode from 'vscode';
import { SailError } from '../sail/errors';
import type { ClientProvider } from '../ui/clientProvider';
import type { ConfigWatcher } from '../ui/configWatcher';
import type { ApiKeyStore } from '../ui/apiKeyStore';
import { notify, plain, showQuickPick, statusMessage, t } from '../ui/uiText';
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
      void notify.error(t('Could not list Sail models: {0}', message));
      return;
    }
    const current = configs.config.model;
    // Model ids and owners come from the server: shown as plain text.
    const picked = await showQuickPick(
      models.map((m) => ({
        label: plain(m.id),
        description: m.id === current ? t('current') : m.owned_by ? plain(m.owned_by) : undefined,
        picked: m.id === current,
        id: m.id,
      })),
      { title: t('Sail: Select Model'), placeHolder: vscode.l10n.t('Model for new requests (sail.model)') },
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
      await sail.update('model', picked.id, target);
      statusMessage(t('Sail model: {0}', picked.id), 4000);
    }
  });
}
