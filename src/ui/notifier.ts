import * as vscode from 'vscode';
import { isBatch, isFinished, isTroubled, refusedTheWindow } from '../jobs/job';
import type { JobTracker } from '../jobs/jobTracker';
import { jobErrorText } from '../render/jobErrors';
import { pollTroubleText, stateLabel } from '../render/jobView';
import type { ConfigWatcher } from './configWatcher';
import type { ResultPanels } from './resultPanel';
import { notify, t, type UiText } from './uiText';

/** Tells the user when a job finishes: the result view at once (sail.openResult = open) or a notification. */
export function notifyOnFinish(tracker: JobTracker, panels: ResultPanels, configs: ConfigWatcher): { dispose(): void } {
  return tracker.onDidChange(({ job, previous, before, removed }) => {
    if (!removed && job.pollTrouble && isTroubled(job) && !isTroubled(before)) {
      // Once, when its polls start failing for good: the job would otherwise sit silently until it expires.
      const open = t('Open');
      const setKey = t('Set API Key');
      const showLog = t('Show Log');
      const actions = job.pollTrouble.kind === 'auth' ? [setKey, open] : [open, showLog];
      void notify.warning(t('Sail cannot check "{0}": {1}', job.title, pollTroubleText(job.pollTrouble.kind)), ...actions).then((choice) => {
        if (choice === open) {
          panels.open(job.id);
        } else if (choice === setKey) {
          void vscode.commands.executeCommand('sail.setApiKey');
        } else if (choice === showLog) {
          void vscode.commands.executeCommand('sail.showLog');
        }
      });
      return;
    }
    if (removed || previous === undefined || isFinished(previous) || !isFinished(job.state) || job.state === 'untracked') {
      return;
    }
    if (panels.isOpen(job.id)) {
      return;
    }
    if (configs.config.openResult === 'open' && job.state !== 'failed') {
      panels.open(job.id, { preserveFocus: true });
      return;
    }
    const open = t('Open');
    const copy = t('Copy');
    const retry = t('Send Again');
    const rerun = t('Re-run…');
    const setKey = t('Set API Key');
    let shown: Thenable<UiText | undefined>;
    if (job.state === 'completed') {
      shown = notify.info(t('Sail finished "{0}".', job.title), open, copy);
    } else if (job.state === 'failed') {
      // A window the model does not run in: Sail's message lists the ones it does, and Re-run offers them.
      const wrongWindow = refusedTheWindow(job) && !isBatch(job);
      const actions = [open, ...(wrongWindow ? [rerun] : job.responseId ? [] : [retry]), ...(job.error?.kind === 'auth' ? [setKey] : [])];
      shown = notify.error(t('Sail job "{0}" failed: {1}', job.title, jobErrorText(job.error, job.baseUrl)), ...actions);
    } else {
      shown = notify.warning(t('Sail job "{0}" ended: {1}.', job.title, stateLabel(job)), open, ...(job.state === 'incomplete' ? [copy] : []));
    }
    void shown.then(async (choice) => {
      if (choice === open) {
        panels.open(job.id);
      } else if (choice === copy) {
        // The same command as the Sail view's Copy Result: it copies, marks the job seen, and says so.
        await vscode.commands.executeCommand('sail.copyResult', job.id);
      } else if (choice === rerun) {
        await vscode.commands.executeCommand('sail.rerun', job.id);
      } else if (choice === retry) {
        await vscode.commands.executeCommand('sail.sendAgain', job.id);
      } else if (choice === setKey) {
        await vscode.commands.executeCommand('sail.setApiKey');
      }
    });
  });
}
