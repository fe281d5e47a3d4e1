/**
 * What a finished batch offers: **Review Changes…** steps through the files whose answers hold code
 * for them, each as a diff against the file as it is now, to apply or skip (one undoable edit each);
 * **Re-run Failed Files** sends its failed items again as a new batch (only those, same params).
 */
import * as vscode from 'vscode';
import { isAnswered } from '../jobs/job';
import type { JobTracker } from '../jobs/jobTracker';
import { outputText } from '../sail/output';
import { jobIdOf } from '../ui/jobsView';
import { reviewChanges, type ReviewDeps, type ReviewItem } from '../ui/reviewChanges';
import { icon, join, notify, statusMessage, t } from '../ui/uiText';

/** The batch's answered files (or only `only`), as review items; each answer is read when its turn comes. */
async function reviewItems(tracker: JobTracker, id: string, only?: readonly string[]): Promise<ReviewItem[]> {
  const [manifest, status] = await Promise.all([tracker.batchManifest(id), tracker.batchStatus(id)]);
  return (manifest?.items ?? [])
    .filter((item) => (only ? only.includes(item.customId) : true))
    .filter((item) => {
      const state = status?.items[item.customId]?.state;
      return state === 'completed' || state === 'incomplete';
    })
    .map((item) => ({
      uri: vscode.Uri.parse(item.uri),
      label: item.path,
      languageId: item.languageId,
      sentTextHash: item.textHash,
      answer: async () => {
        const response = await tracker.batchItem(id, item.customId);
        // A cut-off answer is never applied: it may end mid-file.
        return response?.status === 'completed' ? outputText(response) : undefined;
      },
    }));
}

export function registerBatchCommands(tracker: JobTracker, review: ReviewDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('sail.reviewBatch', async (arg?: unknown, only?: unknown) => {
      const id = jobIdOf(arg);
      const job = id ? await tracker.find(id) : undefined;
      if (!id || !job || !isAnswered(job.state)) {
        void notify.warning(t('Only a finished batch can be reviewed.'));
        return undefined;
      }
      const items = await reviewItems(tracker, id, Array.isArray(only) ? only.filter((c): c is string => typeof c === 'string') : undefined);
      if (items.length === 0) {
        void notify.info(t('No file of this batch has a completed answer to review.'));
        return undefined;
      }
      const summary = await reviewChanges(items, review);
      await tracker.markSeen(id);
      return summary;
    }),
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
