import * as vscode from 'vscode';
import type { ApiKeyStore } from '../ui/apiKeyStore';
import { icon, join, notify, statusMessage, t } from '../ui/uiText';

/** Asks for the key in a password box; returns it, or undefined when the user cancelled. */
export async function promptForApiKey(apiKey: ApiKeyStore, reason?: string): Promise<string | undefined> {
  const key = await vscode.window.showInputBox({
    title: vscode.l10n.t('Sail API Key'),
    prompt: reason ?? vscode.l10n.t("Enter your Sail API key (from app.sailresearch.com/api-keys). It is kept in VS Code's secret storage."),
    placeHolder: 'sk_…',
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => {
      const trimmed = value.trim();
      if (!trimmed) {
        return vscode.l10n.t('The key cannot be empty.');
      }
      return /\s/.test(trimmed) ? vscode.l10n.t('The key cannot contain spaces.') : undefined;
    },
  });
  if (key === undefined) {
    return undefined;
  }
  await apiKey.set(key);
  return key.trim();
}

/** The stored key, or one the user enters now. */
export async function ensureApiKey(apiKey: ApiKeyStore): Promise<string | undefined> {
  return (await apiKey.get()) ?? promptForApiKey(apiKey, vscode.l10n.t('Sail needs an API key first. Enter it to continue (it is kept in secret storage).'));
}

/** `acceptKeyArgument`: only the tests may pass the key as an argument (a key in keybindings.json would be plain text). */
export function registerApiKeyCommands(apiKey: ApiKeyStore, log: vscode.LogOutputChannel, acceptKeyArgument = false): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('sail.setApiKey', async (key?: unknown) => {
      if (acceptKeyArgument && typeof key === 'string' && key.trim()) {
        await apiKey.set(key);
      } else if ((await promptForApiKey(apiKey)) === undefined) {
        return;
      }
      log.info('API key updated');
      statusMessage(join([icon('key'), t('Sail API key saved')]), 4000);
    }),
    vscode.commands.registerCommand('sail.clearApiKey', async () => {
      await apiKey.clear();
      log.info('API key removed');
      void notify.info(t('The Sail API key was removed from secret storage.'));
    }),
  ];
}
