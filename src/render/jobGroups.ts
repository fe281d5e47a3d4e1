/**
 * The Sail view's shape, without VS Code: which group each job is in (running, ready but unseen,
 * failed, finished by day), in what order, and which jobs a filter keeps.
 */
import * as l10n from '@vscode/l10n';
import { isFinished, isLive, isUnseenNews, type JobRecord } from '../jobs/job';
import { batchProgressText } from './batchItems';
import { windowName } from '../sail/windows';
import { sourceLabel, stateLabel, windowLabel } from './jobView';

export type GroupKind = 'running' | 'ready' | 'failed' | 'day';

export interface JobGroup {
  /** Stable across refreshes, so VS Code keeps each group's expanded state: `running`, `ready`, `failed`, `day:2026-12-02`. */
  readonly id: string;
  readonly kind: GroupKind;
  readonly label: string;
  /** Newest first. */
  readonly jobs: readonly JobRecord[];
}

/** The calendar day of a moment, in local time, e.g. `2026-12-02`. */
export function localDay(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });

function dayLabel(day: string, now: number): string {
  if (day === localDay(now)) {
    return l10n.t('Today');
  }
  if (day === localDay(now - 24 * 60 * 60 * 1000)) {
    return l10n.t('Yesterday');
  }
  const [year, month, date] = day.split('-').map(Number);
  return dayFormat.format(new Date(year, month - 1, date));
}

function groupOf(job: JobRecord): Exclude<GroupKind, 'day'> | undefined {
  if (isLive(job.state)) {
    return 'running';
  }
  if (job.state === 'failed') {
    return 'failed';
  }
  return isUnseenNews(job) ? 'ready' : undefined;
}

/** The groups that have jobs: running, ready, failed, then each day with finished jobs, newest first. */
export function groupJobs(jobs: readonly JobRecord[], now: number): JobGroup[] {
  const fixed = new Map<Exclude<GroupKind, 'day'>, JobRecord[]>([
    ['running', []],
    ['ready', []],
    ['failed', []],
  ]);
  const days = new Map<string, JobRecord[]>();
  const newestFirst = [...jobs].sort((a, b) => (b.finishedAt ?? b.createdAt) - (a.finishedAt ?? a.createdAt));
  for (const job of newestFirst) {
    const kind = groupOf(job);
    if (kind) {
      fixed.get(kind)?.push(job);
    } else {
      const day = localDay(job.finishedAt ?? job.createdAt);
      days.set(day, [...(days.get(day) ?? []), job]);
    }
  }
  const labels = { running: l10n.t('Running'), ready: l10n.t('Ready'), failed: l10n.t('Failed') };
  const groups: JobGroup[] = [...fixed].filter(([, list]) => list.length > 0).map(([kind, list]) => ({ id: kind, kind, label: labels[kind], jobs: list }));
  for (const [day, list] of [...days].sort(([a], [b]) => b.localeCompare(a))) {
    groups.push({ id: `day:${day}`, kind: 'day', label: dayLabel(day, now), jobs: list });
  }
  return groups;
}

/** A job's row text after its title: window, state, and age (why it waits is in its tooltip). */
export function jobDescription(job: JobRecord, age: string): string {
  return [job.window ? windowName(job.window) : l10n.t('auto'), stateLabel(job), age].join(' · ');
}

/** Whether a job matches the view's filter: every word in its title, model, window, state or file, ignoring case. */
export function matchesFilter(job: JobRecord, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) {
    return true;
  }
  const haystack = [job.title, job.model, job.window ? windowName(job.window) : 'auto', stateLabel(job), job.source ? sourceLabel(job.source) : '']
    .join(' ')
    .toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** A job's tooltip as rows of label and value (untrusted values; the view escapes them). */
export function jobTooltipRows(job: JobRecord, extras: { cost?: string; saved?: string; folder?: string; waiting?: string }): [string, string][] {
  const rows: [string, string][] = [
    [l10n.t('State'), stateLabel(job)],
    [l10n.t('Model'), job.model],
    [l10n.t('Window'), windowLabel(job.window)],
  ];
  if (extras.waiting) {
    rows.push([l10n.t('Waiting'), extras.waiting]);
  }
  if (job.progress) {
    rows.push([l10n.t('Files'), batchProgressText(job.progress, isFinished(job.state))]);
  }
  if (job.usage) {
    const n = (count: number) => count.toLocaleString('en-US');
    rows.push([
      l10n.t('Usage'),
      l10n.t(
        '{0} input ({1} cached), {2} output ({3} reasoning), {4} total',
        n(job.usage.input),
        n(job.usage.cached),
        n(job.usage.output),
        n(job.usage.reasoning),
        n(job.usage.total),
      ),
    ]);
  }
  if (extras.cost) {
    rows.push([l10n.t('Cost'), extras.saved ? `${extras.cost}; ${extras.saved}` : extras.cost]);
  }
  if (job.source) {
    rows.push([l10n.t('From'), extras.folder ? `${sourceLabel(job.source)} (${extras.folder})` : sourceLabel(job.source)]);
  }
  return rows;
}
