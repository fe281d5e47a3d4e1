import * as vscode from 'vscode';
import { isFinished, isPinned, type JobRecord } from '../jobs/job';
import type { JobTracker } from '../jobs/jobTracker';
import { canEditWith, stateLabel, windowLabel } from '../render/jobView';
import { formatDuration } from '../render/usage';
import type { ResultPanels } from '../ui/resultPanel';
import { outputText } from '../sail/output';
import { jobIdOf, type JobsView } from '../ui/jobsView';
import { jobReviewItem, reviewChanges, type ReviewDeps } from '../ui/reviewChanges';
import { createQuickPick, icon, join, notify, plain, statusMessage, t, type UiQuickPickItem, type UiText } from '../ui/uiText';

const STATE_ICONS: Record<JobRecord['state'], Parameters<typeof icon>[0]> = {
  submitting: 'cloud-upload',
  queued: 'clock',
  in_progress: 'sync~spin',
  completed: 'pass',
  incomplete: 'warning',
  failed: 'error',
  cancelled: 'circle-slash',
  expired: 'history',
  untracked: 'eye-closed',
};

type JobItem = UiQuickPickItem & { jobId: string };

const stopButton: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon('debug-stop'),
  tooltip: vscode.l10n.t('Stop tracking (the job keeps running on Sail)'),
};
const removeButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('trash'), tooltip: vscode.l10n.t('Remove from the list') };
const pinButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('pin'), tooltip: vscode.l10n.t('Pin (keep it in the history)') };
const unpinButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('pinned'), tooltip: vscode.l10n.t('Unpin') };

function item(job: JobRecord, now: number): JobItem {
  const age = formatDuration((job.finishedAt ?? now) - job.createdAt);
  return {
    jobId: job.id,
    label: join([icon(STATE_ICONS[job.state]), plain(job.title)]),
    description: t('{0} · {1}', stateLabel(job), age),
    detail: join(
      [plain(job.model), t('{0}', windowLabel(job.window)), ...(job.usage ? [t('{0} tokens', job.usage.total.toLocaleString('en-US'))] : [])],
      ' · ',
    ),
    buttons: [isPinned(job) ? unpinButton : pinButton, isFinished(job.state) ? removeButton : stopButton],
  };
}

/** A quick pick of every job with its status; picking one opens its result view. */
async function pickJob(tracker: JobTracker, title: UiText): Promise<string | undefined> {
  const quickPick = createQuickPick<JobItem>();
  quickPick.title = title;
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  let shown = true;
  const refresh = () => {
    if (!shown) {
      return;
    }
    // Each poll changes a job: keep the person's place (active row, scroll) while the rows update.
    const activeId = quickPick.activeItems[0]?.jobId;
    const jobs = tracker.jobs();
    const items = jobs.map((job) => item(job, Date.now()));
    quickPick.keepScrollPosition = true;
    quickPick.items = items;
    const active = items.find((i) => i.jobId === activeId);
    if (active) {
      quickPick.activeItems = [active];
    }
    quickPick.placeholder = jobs.length
      ? vscode.l10n.t('Pick a job to open its result')
      : vscode.l10n.t('No Sail jobs yet. Select code and run "Sail: Send Selection…".');
  };
  refresh();
  const changes = tracker.onDidChange(refresh);
  // The history is read on demand: the list shows the jobs in play at once, the older ones as they come.
  quickPick.busy = true;
  tracker
    .loadHistory()
    .then(refresh, (error: unknown) => void notify.warning(t('The job history could not be read: {0}', error instanceof Error ? error.message : String(error))))
    .finally(() => (quickPick.busy = false));
  return new Promise((resolve) => {
    quickPick.onDidTriggerItemButton(async ({ item: picked, button }) => {
      if (button === stopButton) {
        if (await tracker.stopTracking(picked.jobId)) {
          void notify.info(t('Sail has no cancel: the job keeps running on Sail, but it is no longer checked.'));
        }
      } else if (button === removeButton) {
        await tracker.remove(picked.jobId);
      } else if (button === pinButton || button === unpinButton) {
        await tracker.setPinned(picked.jobId, button === pinButton);
      }
    });
    quickPick.onDidAccept(() => {
      resolve(quickPick.selectedItems[0]?.jobId);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      shown = false;
      changes.dispose();
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}

/** The job a command was invoked on (a view row or an id), or one the user picks. */
async function targetJob(tracker: JobTracker, arg: unknown, title: UiText): Promise<string | undefined> {
  return jobIdOf(arg) ?? (await pickJob(tracker, title));
}

/** Reviews a finished job's answer against the file (or selection) it was sent from, as a diff to apply or skip. */
async function applyResult(tracker: JobTracker, review: ReviewDeps, id: string): Promise<void> {
  const job = await tracker.find(id);
  if (!job) {
    void notify.warning(t('That Sail job is no longer in the list.'));
    return;
  }
  const response = await tracker.response(id);
  if (!canEditWith(job, response)) {
    void notify.warning(t('Only a completed answer can go into your code. Use Copy or Open as Document for this one.'));
    return;
  }
  const item = jobReviewItem(job, () => Promise.resolve(response ? outputText(response) : undefined));
  if (!item) {
    void notify.warning(t('This Sail job was not sent from a file, so there is no file to apply its answer to.'));
    return;
  }
  await reviewChanges([item], review);
  await tracker.markSeen(id);
}

export function registerJobCommands(tracker: JobTracker, panels: ResultPanels, view: JobsView, review: ReviewDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('sail.copyResult', async (arg?: unknown) => {
      const id = await targetJob(tracker, arg, t('Copy Sail Result'));
      if (!id) {
        return;
      }
      const response = await tracker.response(id);
      const text = response ? outputText(response) : '';
      if (!text.trim()) {
        void notify.warning(t('This Sail job has no answer text to copy.'));
        return;
      }
      await vscode.env.clipboard.writeText(text);
      await tracker.markSeen(id);
      statusMessage(join([icon('copy'), t('Sail result copied')]), 3000);
    }),
    vscode.commands.registerCommand('sail.applyResult', async (arg?: unknown) => {
      const id = await targetJob(tracker, arg, t('Apply a Sail Result'));
      if (id) {
        await applyResult(tracker, review, id);
      }
    }),
    vscode.commands.registerCommand('sail.stopTracking', async (arg?: unknown) => {
      const id = await targetJob(tracker, arg, t('Stop Tracking a Sail Job'));
      if (id && (await tracker.stopTracking(id))) {
        void notify.info(t('Sail has no cancel: the job keeps running on Sail, but it is no longer checked.'));
      }
    }),
    vscode.commands.registerCommand('sail.removeJob', async (arg?: unknown) => {
      const id = await targetJob(tracker, arg, t('Remove a Sail Job'));
      if (id) {
        await tracker.remove(id);
      }
    }),
    vscode.commands.registerCommand('sail.pinJob', async (arg?: unknown) => {
      const id = await targetJob(tracker, arg, t('Pin a Sail Job'));
      if (id) {
        await tracker.setPinned(id, true);
      }
    }),
    vscode.commands.registerCommand('sail.unpinJob', async (arg?: unknown) => {
      const id = await targetJob(tracker, arg, t('Unpin a Sail Job'));
      if (id) {
        await tracker.setPinned(id, false);
      }
    }),
    vscode.commands.registerCommand('sail.filterJobs', async (filter?: unknown) => {
      const value =
        typeof filter === 'string'
          ? filter
          : await vscode.window.showInputBox({
              title: vscode.l10n.t('Filter Sail Jobs'),
              prompt: vscode.l10n.t('Words to find in a job’s title, model, window, state or file (empty shows all)'),
              value: view.currentFilter,
            });
      if (value !== undefined) {
        await view.setFilter(value);
      }
    }),
    vscode.commands.registerCommand('sail.clearJobsFilter', () => view.setFilter('')),
    vscode.commands.registerCommand('sail.showJobs', async () => {
      const jobId = await pickJob(tracker, t('Sail Jobs'));
      if (jobId) {
        panels.open(jobId);
      }
    }),
    vscode.commands.registerCommand('sail.openBatchItem', (arg?: unknown, customId?: unknown) => {
      // From the view: the item's row; from a link or a test: the job id and the item's custom_id.
      const node = arg as { kind?: unknown; job?: { id?: unknown }; item?: { customId?: unknown } } | undefined;
      const [jobId, itemId] = node?.kind === 'item' ? [node.job?.id, node.item?.customId] : [arg, customId];
      if (typeof jobId === 'string' && typeof itemId === 'string') {
        panels.open(jobId, { customId: itemId });
      }
    }),
    vscode.commands.registerCommand('sail.openResult', async (arg?: unknown) => {
      const id = await targetJob(tracker, arg, t('Open Sail Result'));
      if (!id) {
        return;
      }
      if (!(await tracker.find(id))) {
        void notify.warning(t('That Sail job is no longer in the list.'));
        return;
      }
      panels.open(id);
    }),
  ];
}
