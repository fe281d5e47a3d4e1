import * as vscode from 'vscode';
import type { AccountService } from '../ui/account';
import { notify, statusMessage, t } from '../ui/uiText';

/** Sail: Refresh Account — fetches the account figures now, and says what came of it. */
export function registerAccountCommands(account: AccountService): vscode.Disposable {
  return vscode.commands.registerCommand('sail.refreshAccount', async () => {
    await account.refresh(true);
    const state = account.current();
    switch (state.kind) {
      case 'ok':
        statusMessage(t('Sail: account figures updated'), 3000);
        break;
      case 'off':
        void notify.info(t("Sail's account figures are off: they need an API key, and sail.usageBaseUrl set to Sail's Usage API."));
        break;
      case 'unavailable':
        void notify.warning(t('{0}', state.reason));
        break;
      case 'loading':
        break;
    }
  });
}
