import * as vscode from 'vscode';
import { isBatch, isLive, isPinned, isUnseenNews, isWaiting, type JobRecord } from '../jobs/job';
import type { JobTracker } from '../jobs/jobTracker';
import { responseStatus } from '../jobs/kinds';
import { batchItemDescription, batchItemRows, batchProgressText, skippedRows, type BatchItemRow, type ItemAnswer, type SkippedRow } from '../render/batchItems';
import { costText, savedText } from '../render/cost';
import { groupJobs, jobDescription, jobTooltipRows, matchesFilter, type JobGroup } from '../render/jobGroups';
import { stateWord, waitingText } from '../render/jobView';
import { formatDuration } from '../render/usage';
import { priceCatalog, type PriceCatalog } from '../usage/catalog';
import { jobCost } from '../usage/estimate';
import type { ConfigWatcher } from './configWatcher';
import { markdown, plain, t } from './uiText';

/** A row above the jobs: the account's figures, the usage summary. Supplied by their owners. */
export interface HeaderRow {
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: vscode.MarkdownString;
  readonly icon: string;
  readonly command?: vscode.Command;
  readonly contextValue?: string;
}

/** Where the header rows come from, and when they change; `shown` is called each time the view comes into sight. */
export interface JobsHeaders {
  rows(): HeaderRow[];
  onDidChange(listener: () => void): { dispose(): void };
  shown(): void;
}

const NO_HEADERS: JobsHeaders = { rows: () => [], onDidChange: () => ({ dispose() {} }), shown() {} };

export type JobsNode =
  | { readonly kind: 'header'; readonly row: HeaderRow }
  | { readonly kind: 'group'; readonly group: JobGroup }
  | { readonly kind: 'job'; readonly job: JobRecord }
  /** A batch's file: its item, or a file left out. */
  | { readonly kind: 'item'; readonly job: JobRecord; readonly item: BatchItemRow }
  | { readonly kind: 'skipped'; readonly job: JobRecord; readonly file: SkippedRow; readonly index: number };

const STATE_ICONS: Record<JobRecord['state'], [string, string | undefined]> = {
  submitting: ['cloud-upload', undefined],
  queued: ['clock', undefined],
  in_progress: ['sync~spin', undefined],
  completed: ['pass', 'testing.iconPassed'],
  incomplete: ['warning', 'list.warningForeground'],
  failed: ['error', 'list.errorForeground'],
  cancelled: ['circle-slash', 'list.warningForeground'],
  expired: ['history', 'disabledForeground'],
  untracked: ['eye-closed', 'disabledForeground'],
};

const GROUP_ICONS: Record<JobGroup['kind'], string> = { running: 'sync', ready: 'inbox', failed: 'error', day: 'calendar' };

/** The job id a view action was invoked on: a job row, or an id (palette, tests, command links). */
export function jobIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') {
    return arg;
  }
  const node = arg as { kind?: unknown; job?: { id?: unknown } } | undefined;
  return node?.kind === 'job' && typeof node.job?.id === 'string' ? node.job.id : undefined;
}

/**
 * The Sail view's tree (`sail.jobs`): header rows, then the jobs by group — running (and waiting,
 * with the reason), ready but unseen, failed, finished by day — with a badge counting unseen
 * results. The jobs in play show at once; the history is read when the view is first shown.
 */
export class JobsView implements vscode.TreeDataProvider<JobsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<JobsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<JobsNode>;
  private readonly disposables: vscode.Disposable[] = [];
  /** Per batch job: its kept answers, as of how many were answered. */
  private readonly answers = new Map<string, { answered: number; answers: Map<string, ItemAnswer> }>();
  private filter = '';
  private catalog: PriceCatalog;
  private historyRequested = false;
  /** The groups drawn last (the root's children), for their items and for reveal. */
  private groups: JobGroup[] = [];
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly tracker: JobTracker,
    configs: ConfigWatcher,
    private readonly headers: JobsHeaders = NO_HEADERS,
    private readonly now: () => number = Date.now,
  ) {
    this.catalog = priceCatalog(configs.config.modelCatalog);
    this.view = vscode.window.createTreeView('sail.jobs', { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.changed,
      tracker.onDidChange(({ job, removed }) => {
        if (removed) {
          this.answers.delete(job.id);
        }
        this.refresh();
      }),
      configs.onDidChange((config) => {
        this.catalog = priceCatalog(config.modelCatalog);
        this.refresh();
      }),
      headers.onDidChange(() => this.refresh()),
      this.view.onDidChangeVisibility(({ visible }) => visible && this.shown()),
    );
    if (this.view.visible) {
      this.shown();
    }
    this.update();
  }

  /** Redraws soon: every poll changes a job, and a burst of changes is drawn once. */
  refresh(): void {
    if (this.refreshTimer !== undefined) {
      return;
    }
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.update();
      this.changed.fire(undefined);
    }, 100);
  }

  async setFilter(filter: string): Promise<void> {
    this.filter = filter.trim();
    await vscode.commands.executeCommand('setContext', 'sail.jobsFiltered', this.filter !== '');
    this.view.message = this.filter ? t('Showing jobs matching "{0}".', this.filter) : undefined;
    this.update();
    this.changed.fire(undefined);
  }

  get currentFilter(): string {
    return this.filter;
  }

  getChildren(node?: JobsNode): JobsNode[] | Promise<JobsNode[]> {
    if (!node) {
      const all = this.tracker.jobs();
      this.groups = groupJobs(this.visible(all), this.now());
      const groups = this.groups.map((group): JobsNode => ({ kind: 'group', group }));
      // With no job at all, the view is empty and shows its welcome content instead.
      return all.length ? [...this.headers.rows().map((row): JobsNode => ({ kind: 'header', row })), ...groups] : [];
    }
    if (node.kind === 'job' && isBatch(node.job)) {
      return this.batchChildren(node.job);
    }
    return node.kind === 'group' ? node.group.jobs.map((job): JobsNode => ({ kind: 'job', job })) : [];
  }

  /** A batch's files: read from its manifest, its items' last statuses and the answers kept here. */
  private async batchChildren(job: JobRecord): Promise<JobsNode[]> {
    const manifest = await this.tracker.batchManifest(job.id);
    if (!manifest) {
      return [];
    }
    const status = await this.tracker.batchStatus(job.id);
    const answers = await this.itemAnswers(job, manifest.items);
    return [
      ...batchItemRows(manifest, status, answers).map((item): JobsNode => ({ kind: 'item', job, item })),
      ...skippedRows(manifest).map((file, index): JobsNode => ({ kind: 'skipped', job, file, index })),
    ];
  }

  /**
   * The answers of a batch's files that are kept here. Every redraw of an open batch asks, and a batch
   * may hold thousands: they are read again only when more have arrived (answers are only ever added).
   */
  private async itemAnswers(job: JobRecord, items: readonly { customId: string }[]): Promise<Map<string, ItemAnswer>> {
    const answered = job.progress?.answered ?? 0;
    const cached = this.answers.get(job.id);
    if (cached?.answered === answered) {
      return cached.answers;
    }
    const answers = new Map<string, ItemAnswer>();
    if (answered) {
      await Promise.all(
        items.map(async ({ customId }) => {
          const answer = await this.tracker.storedBatchItem(job.id, customId);
          if (answer) {
            answers.set(customId, { usage: responseStatus(answer).usage, error: answer.error?.message });
          }
        }),
      );
    }
    this.answers.set(job.id, { answered, answers });
    return answers;
  }

  getTreeItem(node: JobsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'header':
        return this.headerItem(node.row);
      case 'group':
        return this.groupItem(node.group);
      case 'job':
        return this.jobItem(node.job);
      case 'item':
        return this.itemItem(node.job, node.item);
      case 'skipped':
        return this.skippedItem(node.job, node.file, node.index);
    }
  }

  getParent(node: JobsNode): JobsNode | undefined {
    if (node.kind === 'item' || node.kind === 'skipped') {
      return { kind: 'job', job: node.job };
    }
    if (node.kind !== 'job') {
      return undefined;
    }
    const group = this.groups.find((g) => g.jobs.some((j) => j.id === node.job.id));
    return group ? { kind: 'group', group } : undefined;
  }

  private headerItem(row: HeaderRow): vscode.TreeItem {
    const item = new vscode.TreeItem(plain(row.label), vscode.TreeItemCollapsibleState.None);
    item.id = `header:${row.id}`;
    item.description = row.description === undefined ? undefined : plain(row.description);
    item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(row.icon);
    item.command = row.command;
    item.contextValue = row.contextValue;
    return item;
  }

  private groupItem(group: JobGroup): vscode.TreeItem {
    // The newest day is open; older days start closed (VS Code remembers what the user opens or closes).
    const expanded = group.kind !== 'day' || group.id === this.groups.find((g) => g.kind === 'day')?.id;
    const item = new vscode.TreeItem(plain(group.label), expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `group:${group.id}`;
    item.description = String(group.jobs.length);
    item.iconPath = new vscode.ThemeIcon(GROUP_ICONS[group.kind]);
    item.contextValue = `sail.group.${group.kind}`;
    return item;
  }

  private jobItem(job: JobRecord): vscode.TreeItem {
    const batch = isBatch(job);
    const item = new vscode.TreeItem(plain(job.title, 120), batch ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `job:${job.id}`;
    const age = formatDuration(Math.max(0, this.now() - (job.finishedAt ?? job.createdAt)));
    const progress = batch && job.progress ? batchProgressText(job.progress, !isLive(job.state)) : undefined;
    item.description = plain([jobDescription(job, vscode.l10n.t('{0} ago', age)), progress].filter(Boolean).join(' · '));
    const [icon, color] = STATE_ICONS[job.state];
    item.iconPath = new vscode.ThemeIcon(isWaiting(job) ? 'debug-pause' : icon, color ? new vscode.ThemeColor(color) : undefined);
    item.tooltip = this.tooltip(job);
    item.command = { command: 'sail.openResult', title: vscode.l10n.t('Open'), arguments: [job.id] };
    // Menus key on these words: live or finished, seen or not, pinned or not, answered with text or not.
    item.contextValue = [
      batch ? 'sail.batch' : 'sail.job',
      isLive(job.state) ? 'live' : 'finished',
      isPinned(job) ? 'pinned' : 'unpinned',
      job.responseId !== undefined && (job.state === 'completed' || job.state === 'incomplete') ? 'answered' : 'unanswered',
      ...(batch && !isLive(job.state) && job.progress?.failed ? ['failedItems'] : []),
      // Never accepted by Sail: Send Again applies (with the same key, or rebuilt when it was refused).
      ...(job.state === 'failed' && job.responseId === undefined ? ['unsent'] : []),
    ].join('.');
    item.accessibilityInformation = { label: `${job.title}, ${jobDescription(job, vscode.l10n.t('{0} ago', age))}` };
    return item;
  }

  private itemItem(job: JobRecord, row: BatchItemRow): vscode.TreeItem {
    const item = new vscode.TreeItem(plain(row.name, 120), vscode.TreeItemCollapsibleState.None);
    item.id = `item:${job.id}:${row.customId}`;
    item.description = plain(batchItemDescription(row, stateWord(row.state)));
    const [icon, color] = STATE_ICONS[row.state];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.resourceUri = vscode.Uri.parse(row.uri);
    const md = new vscode.MarkdownString(`**${markdown(row.folder ? `${row.folder}/${row.name}` : row.name, 300)}**\n\n${markdown(stateWord(row.state))}`);
    if (row.error !== undefined) {
      md.appendMarkdown(`\n\n${markdown(row.error, 400)}`);
    }
    item.tooltip = md;
    const answered = row.state === 'completed' || row.state === 'incomplete' || row.state === 'failed';
    if (answered) {
      item.command = { command: 'sail.openBatchItem', title: vscode.l10n.t('Open'), arguments: [job.id, row.customId] };
    }
    item.contextValue = `sail.batchItem.${answered ? 'answered' : 'unanswered'}`;
    return item;
  }

  private skippedItem(job: JobRecord, file: SkippedRow, index: number): vscode.TreeItem {
    const item = new vscode.TreeItem(plain(file.name, 120), vscode.TreeItemCollapsibleState.None);
    item.id = `skipped:${job.id}:${index}`;
    item.description = plain([file.folder, vscode.l10n.t('not sent: {0}', file.reason)].filter(Boolean).join(' · '));
    item.iconPath = new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
    item.contextValue = 'sail.batchSkipped';
    return item;
  }

  private tooltip(job: JobRecord): vscode.MarkdownString {
    const cost = jobCost(this.catalog, job);
    const folder = job.source ? vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(job.source.uri)) : undefined;
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const rows = jobTooltipRows(job, {
      cost: cost ? costText(cost) : job.usage ? vscode.l10n.t('price unknown for this model and window') : undefined,
      saved: cost ? savedText(cost) : undefined,
      folder: multiRoot ? folder?.name : undefined,
      waiting: isWaiting(job) && job.waiting ? waitingText(job.waiting, job.responseId !== undefined, job.baseUrl) : undefined,
    });
    const md = new vscode.MarkdownString(`**${markdown(job.title, 200)}**\n\n`);
    for (const [label, value] of rows) {
      md.appendMarkdown(`${markdown(label)}: ${markdown(value, 400)}  \n`);
    }
    return md;
  }

  private visible(jobs: JobRecord[]): JobRecord[] {
    return this.filter ? jobs.filter((job) => matchesFilter(job, this.filter)) : jobs;
  }

  /** The badge (unseen results) and the context keys the welcome content and menus use. */
  private update(): void {
    const jobs = this.tracker.jobs();
    const unseen = jobs.filter(isUnseenNews).length;
    this.view.badge = unseen ? { value: unseen, tooltip: vscode.l10n.t('{0} Sail results not yet seen', unseen) } : undefined;
    void vscode.commands.executeCommand('setContext', 'sail.hasJobs', jobs.length > 0);
  }

  private shown(): void {
    this.headers.shown();
    this.loadHistory();
  }

  private loadHistory(): void {
    if (this.historyRequested) {
      return;
    }
    this.historyRequested = true;
    this.tracker.loadHistory().then(
      () => this.refresh(),
      () => {
        this.historyRequested = false;
      },
    );
  }

  /** Shows a job's row (after a send from the view, say). */
  async reveal(jobId: string): Promise<void> {
    const job = this.tracker.get(jobId);
    if (job && this.view.visible) {
      await this.view.reveal({ kind: 'job', job }, { select: true, focus: false });
    }
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const disposable of this.disposables.splice(0).reverse()) {
      disposable.dispose();
    }
  }
}
