import * as os from 'node:os';
import * as vscode from 'vscode';
import { z } from 'zod';
import { toCsv, toJson, type UsageExportFormat } from '../usage/exportUsage';
import type { UsageLedger } from '../usage/usageLedger';
import { notify, showQuickPick, t } from '../ui/uiText';

/** What a caller (the UI tests, a script) may pass to skip both prompts. */
const ExportArgumentSchema = z.object({ format: z.enum(['csv', 'json']), uri: z.string().min(1) });

/**
 * Sail: Export Usage… — the usage ledger's rows per day, folder, model and window, as CSV or JSON,
 * to a file the user picks. Resolves with the file written, or undefined.
 */
export function registerExportUsage(ledger: UsageLedger, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand('sail.exportUsage', async (argument?: unknown): Promise<string | undefined> => {
    // A menu passes what it was opened on: only an argument of exactly this shape skips the prompts.
    const given = ExportArgumentSchema.safeParse(argument);
    await ledger.load();
    const rows = ledger.rows();
    if (rows.length === 0) {
      void notify.info(t('Sail has no usage to export yet: it counts the tokens of every job Sail answers.'));
      return undefined;
    }
    const format = given.success ? given.data.format : await pickFormat();
    if (!format) {
      return undefined;
    }
    const target = given.success ? uriOf(given.data.uri) : await pickFile(format);
    if (!target) {
      return undefined;
    }
    const body = format === 'csv' ? toCsv(rows) : toJson(rows, Date.now());
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(body));
    } catch (error) {
      log.warn(`Could not write the usage export: ${String(error)}`);
      void notify.error(t('Sail could not write {0}: {1}', target.fsPath, error instanceof Error ? error.message : String(error)));
      return undefined;
    }
    log.info(`Exported ${rows.length} usage row(s) as ${format}`);
    const open = t('Open');
    void notify.info(t('Sail exported your usage to {0}.', target.fsPath), open).then((choice) => {
      if (choice === open) {
        void vscode.commands.executeCommand('vscode.open', target);
      }
    });
    return target.toString();
  });
}

async function pickFormat(): Promise<UsageExportFormat | undefined> {
  const picked = await showQuickPick(
    [
      { label: t('CSV'), description: t('for a spreadsheet'), format: 'csv' as const },
      { label: t('JSON'), description: t('for a script'), format: 'json' as const },
    ],
    { title: t('Sail: Export Usage'), placeHolder: vscode.l10n.t('Tokens and estimated cost per day, folder, model and window') },
  );
  return picked?.format;
}

function pickFile(format: UsageExportFormat): Thenable<vscode.Uri | undefined> {
  const name = `sail-usage-${new Date().toISOString().slice(0, 10)}.${format}`;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  return vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(folder, name),
    filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    title: vscode.l10n.t('Export Sail usage'),
  });
}

/** A URI, or a plain file path (`C:\…` is a path, not a scheme). */
function uriOf(value: string): vscode.Uri {
  return /^[a-z][\w+.-]+:/i.test(value) ? vscode.Uri.parse(value) : vscode.Uri.file(value);
}
