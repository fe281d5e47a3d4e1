/**
 * What a finished batch offers: its failed items sent again as a new batch (only those, same
 * params); and, once the review helper is wired, its answers reviewed and applied file by file.
 */
import * as vscode from 'vscode';
import type { JobTracker } from '../jobs/jobTracker';
import { jobIdOf } from '../ui/jobsView';
import { icon, join, notify, statusMessage, t } from '../ui/uiText';

export function registerBatchCommands(tracker: JobTracker): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('sail.rerunFailedItems', async (arg?: unknown) => {
      const id = jobIdOf(arg);
      if (!id) {
        return undefined;
      }
      const again = await tracker.resendFailedItems(id);
      if (!again) {
        void notify.info(t('No failed file of this batch is left to send again.'));
        return undefined;
      }
      statusMessage(join([icon('send'), t('Sent the failed files again: {0}', again.title)]), 5000);
      return again.id;
    }),
  ];
}
