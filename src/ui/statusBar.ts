import * as vscode from 'vscode';
import { endedShort, isBatch, isLive, isTroubled, isUnseenNews, isWaiting, type JobRecord } from '../jobs/job';
import type { JobTracker } from '../jobs/jobTracker';
import { accountLines, type AccountFigure } from '../render/account';
import { stateLabel } from '../render/jobView';
import type { AccountService } from './account';
import { markdown } from './uiText';

const RUNNING_ICON = '$(sync~spin)';

/** The account figures the tooltip shows; the Sail view shows them all. */
const TOOLTIP_FIGURES: ReadonlySet<AccountFigure> = new Set(['balance', 'spend', 'daysRemaining']);

/**
 * One status bar item, named "Sail" so it can be hidden: a spinner and a count while jobs run,
 * unseen results afterwards (warning/error colours when something went wrong), hidden when idle.
 * Its tooltip adds the account's balance, spend and days remaining, fetched (at most every few
 * minutes) while it is shown. Click: Sail: Show Jobs.
 */
export class JobStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: { dispose(): void }[];

  constructor(
    private readonly tracker: JobTracker,
    private readonly account?: AccountService,
  ) {
    this.item = vscode.window.createStatusBarItem('sail.jobs', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Sail';
    this.item.command = 'sail.showJobs';
    this.subscriptions = [tracker.onDidChange(() => this.update())];
    if (account) {
      this.subscriptions.push(account.onDidChange(() => this.update()));
    }
    this.update();
  }

  update(): void {
    const jobs = this.tracker.currentJobs();
    const running = jobs.filter((j) => isLive(j.state));
    const unseen = jobs.filter(isUnseenNews);
    const failed = unseen.filter((j) => j.state === 'failed');
    const warned = unseen.filter((j) => endedShort(j.state));
    // Not sent yet after a failed attempt, waiting for the key or base URL they were sent with, or
    // whose polls keep failing.
    const stuck = running.filter((j) => (j.state === 'submitting' && j.sendAttempts > 0) || isWaiting(j) || isTroubled(j));
    if (running.length === 0 && unseen.length === 0) {
      this.item.hide();
      return;
    }
    const parts: string[] = [];
    if (running.length) {
      // A batch's files count as they finish: "2 running (12/40 files)".
      const batches = running.filter((j) => isBatch(j) && j.progress);
      const done = batches.reduce((n, j) => n + (j.progress?.done ?? 0), 0);
      const total = batches.reduce((n, j) => n + (j.progress?.total ?? 0), 0);
      const files = batches.length ? ` ${vscode.l10n.t('({0}/{1} files)', done, total)}` : '';
      parts.push(`${RUNNING_ICON} ${vscode.l10n.t('{0} running', running.length)}${files}`);
    }
    if (failed.length) {
      parts.push(`$(error) ${vscode.l10n.t('{0} failed', failed.length)}`);
    }
    const ready = unseen.length - failed.length;
    if (ready) {
      parts.push(`$(${warned.length ? 'warning' : 'check'}) ${vscode.l10n.t('{0} ready', ready)}`);
    }
    this.item.text = `Sail ${parts.join('  ')}`;
    this.item.backgroundColor = failed.length
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : warned.length || stuck.length
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : undefined;
    this.item.tooltip = this.tooltip([...running, ...unseen]);
    this.item.accessibilityInformation = { label: `Sail: ${parts.map((p) => p.replace(/\$\([^)]*\)\s*/g, '')).join(', ')}` };
    this.item.show();
    // Throttled by the service; a finished job may have changed the spend.
    void this.account?.refresh();
  }

  private tooltip(jobs: JobRecord[]): vscode.MarkdownString {
    const md = new vscode.MarkdownString('', true);
    md.isTrusted = { enabledCommands: ['sail.openResult', 'sail.showJobs'] };
    md.appendMarkdown(`**${vscode.l10n.t('Sail jobs')}**\n\n`);
    for (const job of jobs.slice(0, 10)) {
      const args = encodeURIComponent(JSON.stringify([job.id]));
      md.appendMarkdown(`- [${markdown(job.title, 80)}](command:sail.openResult?${args}) — ${markdown(stateLabel(job))}\n`);
    }
    if (jobs.length > 10) {
      md.appendMarkdown(`- ${vscode.l10n.t('and {0} more', jobs.length - 10)}\n`);
    }
    md.appendMarkdown(`\n[${vscode.l10n.t('Show all jobs')}](command:sail.showJobs)`);
    this.appendAccount(md);
    return md;
  }

  /** Only figures: when they are off or unavailable the tooltip stays as it was (the Sail view says why). */
  private appendAccount(md: vscode.MarkdownString): void {
    const state = this.account?.current();
    if (state?.kind === 'ok') {
      const lines = accountLines(state.summary).filter((line) => TOOLTIP_FIGURES.has(line.figure));
      if (lines.length) {
        md.appendMarkdown(`\n\n**${markdown(vscode.l10n.t('Sail account'))}**\n\n`);
        for (const line of lines) {
          md.appendMarkdown(`- ${markdown(line.label)}: ${markdown(line.value)}\n`);
        }
      }
    }
  }

  dispose(): void {
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
    this.item.dispose();
  }
}
