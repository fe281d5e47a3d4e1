/**
 * A batch in the Sail view: its progress in words, and one row per file — the item's state as Sail
 * last reported it, its usage once its answer is here — then a row per file left out, with why.
 * Plain strings: the view escapes them.
 */
import * as l10n from '@vscode/l10n';
import type { BatchAnswer } from '../jobs/batchKind';
import type { BatchItemSource, BatchManifest } from '../jobs/batchManifest';
import { isFinished, type BatchProgress, type JobRecord, type JobState, type JobUsage } from '../jobs/job';
import { responseStatus } from '../jobs/kinds';
import type { SailResponse } from '../sail/schemas';

export interface BatchItemRow {
  readonly customId: string;
  /** The file's name, then the folder it is in. */
  readonly name: string;
  readonly folder: string;
  readonly uri: string;
  readonly state: JobState;
  readonly usage?: JobUsage;
  /** Sail's message for a failed item. */
  readonly error?: string;
}

export interface SkippedRow {
  readonly name: string;
  readonly folder: string;
  readonly reason: string;
}

/** What the view knows of each item's answer (those stored here). */
export interface ItemAnswer {
  readonly usage?: JobUsage;
  readonly error?: string;
}

function split(path: string): { name: string; folder: string } {
  const at = path.lastIndexOf('/');
  return at < 0 ? { name: path, folder: '' } : { name: path.slice(at + 1), folder: path.slice(0, at) };
}

/** One row per item, in the manifest's order; an item Sail has not listed yet is queued. */
export function batchItemRows(manifest: BatchManifest, status: BatchAnswer | undefined, answers: ReadonlyMap<string, ItemAnswer>): BatchItemRow[] {
  return manifest.items.map((item) => {
    const answer = answers.get(item.customId);
    return {
      customId: item.customId,
      ...split(item.path),
      uri: item.uri,
      state: status?.items[item.customId]?.state ?? 'queued',
      ...(answer?.usage && { usage: answer.usage }),
      ...(answer?.error !== undefined && { error: answer.error }),
    };
  });
}

const SKIP_REASONS: Readonly<Record<string, () => string>> = {
  binary: () => l10n.t('binary'),
  empty: () => l10n.t('empty'),
  tooLarge: () => l10n.t('over the size limit (sail.maxFileSizeKB)'),
  unreadable: () => l10n.t('could not be read'),
  overLimit: () => l10n.t("past Sail's limits for one batch"),
  duplicate: () => l10n.t('selected twice'),
};

export function skippedRows(manifest: BatchManifest): SkippedRow[] {
  return manifest.skipped.map((file) => ({ ...split(file.path), reason: (SKIP_REASONS[file.reason] ?? (() => file.reason))() }));
}

/** "2 of 3 done, 1 failed", "3 answers of 3 here". */
export function batchProgressText(progress: BatchProgress, finished: boolean): string {
  const failed = progress.failed ? l10n.t(', {0} failed', progress.failed) : '';
  if (!finished) {
    return l10n.t('{0} of {1} done{2}', progress.done, progress.total, failed);
  }
  return progress.answered < progress.total
    ? l10n.t('{0} of {1} answers fetched{2}', progress.answered, progress.total, failed)
    : l10n.t('{0} files{1}', progress.total, failed);
}

/** An item row's description: its folder, its state, and its tokens once answered. */
export function batchItemDescription(row: BatchItemRow, stateText: string): string {
  const parts = [row.folder, stateText];
  // A failed item used no tokens: nothing to say.
  if (row.usage && row.usage.total > 0) {
    parts.push(l10n.t('{0} tokens', row.usage.total.toLocaleString('en-US')));
  }
  return parts.filter(Boolean).join(' · ');
}

/**
 * One item of a batch as a job of its own, for the result view: the file's path as its title, the
 * item's answer, state and usage; the batch's model, window and times. (Not a record of the job
 * core: it is never stored.)
 */
export function itemJob(batch: JobRecord, item: BatchItemSource, itemState: JobState, response: SailResponse | undefined): JobRecord {
  const answered = response && responseStatus(response);
  const state = answered && isFinished(answered.state) ? answered.state : itemState;
  const { name } = split(item.path);
  return {
    ...batch,
    kind: undefined,
    progress: undefined,
    title: `${name} · ${batch.instruction.split('\n')[0].slice(0, 60)}`,
    responseId: response?.id,
    state,
    serverStatus: answered?.serverStatus,
    usage: answered?.usage,
    error: answered?.error,
    incompleteReason: answered?.incompleteReason,
    source: { uri: item.uri, fileName: name, languageId: item.languageId, version: 0, ...(item.textHash !== undefined && { textHash: item.textHash }) },
  };
}
