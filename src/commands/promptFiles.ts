/**
 * Sail: New Prompt File… — writes a prompt file from a template, in a workspace folder's
 * `.sail/prompts` (shared with the team through the repository) or in the user's prompts folder, and
 * opens it.
 */
import * as vscode from 'vscode';
import { WORKSPACE_PROMPTS_FOLDER } from '../prompts/library';
import { promptTemplate } from '../prompts/template';
import type { PromptLibrary } from '../ui/promptLibrary';
import { icon, join, notify, plain, showQuickPick, t, type UiQuickPickItem } from '../ui/uiText';

/** A file name users can type and every file system accepts. */
const NAME = /^[\w][\w.-]{0,63}$/;

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

function folderNamed(library: PromptLibrary, where: string): vscode.Uri | undefined {
  if (where === 'user') {
    return library.userFolder;
  }
  const folder = vscode.workspace.isTrusted ? vscode.workspace.workspaceFolders?.find((f) => f.name === where) : undefined;
  return folder && vscode.Uri.joinPath(folder.uri, WORKSPACE_PROMPTS_FOLDER);
}

/** Where the new file goes: a trusted workspace folder's `.sail/prompts`, or the user's folder. */
async function pickFolder(library: PromptLibrary): Promise<vscode.Uri | undefined> {
  type Item = UiQuickPickItem & { folder: vscode.Uri };
  const items: Item[] = [];
  if (vscode.workspace.isTrusted) {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      items.push({
        label: join([icon('files'), plain(folder.name, 80)]),
        description: t('{0}: shared through the repository', WORKSPACE_PROMPTS_FOLDER),
        folder: vscode.Uri.joinPath(folder.uri, WORKSPACE_PROMPTS_FOLDER),
      });
    }
  }
  items.push({ label: t('Your prompts'), description: t('every workspace, on this machine'), folder: library.userFolder });
  if (items.length === 1) {
    return items[0].folder;
  }
  return (await showQuickPick(items, { title: t('Sail: where should the prompt file go?') }))?.folder;
}

export function registerPromptFileCommands(library: PromptLibrary): vscode.Disposable[] {
  return [
    // Arguments (keybindings, tests): `where` ('user', or a workspace folder's name) and `name` skip the questions.
    vscode.commands.registerCommand('sail.newPromptFile', async (args?: unknown): Promise<vscode.Uri | undefined> => {
      const given = (args && typeof args === 'object' ? args : {}) as { where?: unknown; name?: unknown };
      const folder = typeof given.where === 'string' ? folderNamed(library, given.where) : await pickFolder(library);
      if (!folder) {
        if (typeof given.where === 'string') {
          void notify.error(t('No trusted workspace folder is named "{0}": use a folder\'s name, or "user".', given.where));
        }
        return undefined;
      }
      const givenName = typeof given.name === 'string' ? given.name.trim().replace(/\.md$/i, '') : undefined;
      const name =
        givenName !== undefined && NAME.test(givenName) && !(await exists(vscode.Uri.joinPath(folder, `${givenName}.md`)))
          ? givenName
          : await vscode.window.showInputBox({
              title: t('Sail: New Prompt File'),
              prompt: t('The file name (without .md); a keybinding names the prompt by it.'),
              placeHolder: 'review-security',
              validateInput: async (value) => {
                const trimmed = value.trim().replace(/\.md$/i, '');
                if (!NAME.test(trimmed)) {
                  return t('Use letters, digits, dots, dashes and underscores (up to 64).');
                }
                return (await exists(vscode.Uri.joinPath(folder, `${trimmed}.md`))) ? t('{0}.md already exists there.', trimmed) : undefined;
              },
            });
      if (name === undefined) {
        return undefined;
      }
      const stem = name.trim().replace(/\.md$/i, '');
      const file = vscode.Uri.joinPath(folder, `${stem}.md`);
      try {
        await vscode.workspace.fs.createDirectory(folder);
        await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(promptTemplate(stem)));
      } catch (error) {
        void notify.error(t('Could not write the prompt file: {0}', error instanceof Error ? error.message : String(error)));
        return undefined;
      }
      await vscode.window.showTextDocument(file);
      return file;
    }),
  ];
}
