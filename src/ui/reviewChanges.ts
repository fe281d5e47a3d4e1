/**
 * Review Changes: steps through files whose answers hold code for them, shows each proposal as a diff
 * against the file as it is now, and applies or skips it as the person says. Every apply is one
 * `WorkspaceEdit`, so one undo takes it back. What a proposal is comes from the pure
 * `review/proposal.ts`; this file only talks to VS Code.
 *
 * Saving: a file that was neither open in an editor nor dirty before the review is saved after its
 * edit (otherwise a batch would leave dozens of unsaved files behind tabs nobody opened); a file the
 * person had open or had unsaved changes in is left unsaved, as any edit of theirs would be.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobRecord } from '../jobs/job';
import { changedSinceSent, noProposalText, proposalFor, replacementFor, type NoProposalReason } from '../review/proposal';
import { createQuickPick, icon, join, notify, statusMessage, t, type UiQuickPickItem, type UiText } from './uiText';

export const PROPOSAL_SCHEME = 'sail-proposal';

/** One file to review: where it is, and the answer that was about it. */
export interface ReviewItem {
  readonly uri: vscode.Uri;
  /** How people know the file (its name): untrusted, shown only through `t` or `plain`. */
  readonly label: string;
  /** The answer's text (Markdown); undefined when there is none. Read when the item's turn comes. */
  readonly answer: () => Promise<string | undefined>;
  /** `hashText` of what was sent — the whole file, or the text in `range` — to notice later edits. */
  readonly sentTextHash?: string;
  /** The language of what was sent; the document's own when absent. */
  readonly languageId?: string;
  /** A selection job: the proposal replaces this range, and only while it still holds what was sent. */
  readonly range?: vscode.Range;
}

export type ReviewChoice = 'apply' | 'skip' | 'applyAll' | 'stop';

/** What the person is asked about: one proposal, shown as a diff. */
export interface ReviewStep {
  readonly item: ReviewItem;
  /** 0-based, among all items. */
  readonly index: number;
  readonly total: number;
  /** The file is no longer what was sent: applying undoes those edits where the proposal differs. */
  readonly changedSinceSent: boolean;
  /** The read-only document holding the proposal (the diff's right side). */
  readonly proposal: vscode.Uri;
}

/** Why an item was not applied. */
export type SkipReason =
  | { readonly kind: 'noProposal'; readonly reason: NoProposalReason }
  | { readonly kind: 'noAnswer' }
  | { readonly kind: 'unreadable'; readonly message: string }
  /** A selection job whose selection no longer holds what was sent. */
  | { readonly kind: 'selectionChanged' }
  /** Left out of "Apply All Remaining": the file changed since it was sent, so it needs a look of its own. */
  | { readonly kind: 'changedSinceSent' }
  | { readonly kind: 'skipped' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'notApplied' };

export interface ReviewOutcome {
  readonly item: ReviewItem;
  readonly applied: boolean;
  readonly skip?: SkipReason;
}

export interface ReviewSummary {
  readonly applied: number;
  readonly skipped: number;
  readonly outcomes: readonly ReviewOutcome[];
}

export interface ReviewDeps {
  readonly documents: ProposalDocuments;
  readonly log: Pick<vscode.LogOutputChannel, 'info' | 'warn'>;
  /** What to do with one proposal; by default a quick pick asks. Tests answer for the person. */
  readonly decide?: (step: ReviewStep) => Promise<ReviewChoice | undefined>;
}

/**
 * The proposals, as read-only documents for the diff's right side. A URI carries the file's name (so
 * the document gets its language) and an id in its query; never the proposal or the answer.
 */
export class ProposalDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly registration: vscode.Disposable;
  private next = 0;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this);
  }

  add(fileName: string, text: string): vscode.Uri {
    const id = `${Date.now().toString(36)}-${(this.next++).toString(36)}`;
    this.contents.set(id, text);
    return vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${fileName}`, query: new URLSearchParams({ id }).toString() });
  }

  remove(uri: vscode.Uri): void {
    this.contents.delete(idOf(uri));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(idOf(uri)) ?? '';
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}

function idOf(uri: vscode.Uri): string {
  return new URLSearchParams(uri.query).get('id') ?? '';
}

/** The review item for a single job's answer, or undefined when the job was not sent from a file. */
export function jobReviewItem(job: JobRecord, answer: () => Promise<string | undefined>): ReviewItem | undefined {
  const source = job.source;
  if (!source) {
    return undefined;
  }
  const range = source.range;
  return {
    uri: vscode.Uri.parse(source.uri),
    label: source.fileName,
    answer,
    sentTextHash: source.textHash,
    languageId: source.languageId,
    range: range ? new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character) : undefined,
  };
}

/** An item whose proposal is ready to show or apply. */
interface Prepared {
  readonly document: vscode.TextDocument;
  /** The proposal for the file, or for the range of a selection job. */
  readonly text: string;
  /** The whole file as it would read: the diff's right side. */
  readonly wholeText: string;
  readonly changed: boolean;
  /** Neither open in an editor nor dirty before the review: saved after the edit. */
  readonly saveAfter: boolean;
}

/**
 * Reviews the items one after another: each proposal as a diff and a question (Apply, Skip, Apply All
 * Remaining, Stop); items without one are skipped with the reason. Ends with a summary notification.
 */
export async function reviewChanges(items: readonly ReviewItem[], deps: ReviewDeps): Promise<ReviewSummary> {
  const decide = deps.decide ?? ask;
  const outcomes: ReviewOutcome[] = [];
  const shown: vscode.Uri[] = [];
  let applyAll = false;
  let stopped = false;
  try {
    for (const [index, item] of items.entries()) {
      if (stopped) {
        outcomes.push({ item, applied: false, skip: { kind: 'stopped' } });
        continue;
      }
      const prepared = await prepare(item);
      if ('kind' in prepared) {
        outcomes.push({ item, applied: false, skip: prepared });
        continue;
      }
      if (applyAll && prepared.changed) {
        outcomes.push({ item, applied: false, skip: { kind: 'changedSinceSent' } });
        continue;
      }
      let choice: ReviewChoice = 'apply';
      if (!applyAll) {
        const proposal = deps.documents.add(path.posix.basename(item.uri.path) || 'proposal', prepared.wholeText);
        shown.push(proposal);
        await showDiff(item, proposal, prepared.document);
        // Dismissing the question (Escape) stops the review: nothing more is changed behind the person's back.
        choice = (await decide({ item, index, total: items.length, changedSinceSent: prepared.changed, proposal })) ?? 'stop';
      }
      if (choice === 'stop') {
        stopped = true;
        outcomes.push({ item, applied: false, skip: { kind: 'stopped' } });
        continue;
      }
      if (choice === 'skip') {
        outcomes.push({ item, applied: false, skip: { kind: 'skipped' } });
        continue;
      }
      applyAll ||= choice === 'applyAll';
      const skip = await apply(item, prepared, deps);
      outcomes.push(skip ? { item, applied: false, skip } : { item, applied: true });
    }
  } finally {
    await closeDiffs(shown);
    for (const uri of shown) {
      deps.documents.remove(uri);
    }
  }
  for (const outcome of outcomes) {
    deps.log.info(`Review: ${outcome.item.uri.toString()}: ${outcome.applied ? 'applied' : `not applied: ${outcome.skip ? skipText(outcome.skip) : ''}`}`);
  }
  const summary = { applied: outcomes.filter((o) => o.applied).length, skipped: outcomes.filter((o) => !o.applied).length, outcomes };
  announce(summary);
  return summary;
}

/** The item's proposal against the file as it is now, or why there is none. */
async function prepare(item: ReviewItem): Promise<Prepared | SkipReason> {
  // Before the diff opens the file: was it in an editor, or unsaved?
  const key = item.uri.toString();
  const loaded = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
  const saveAfter = !isInTab(item.uri) && !loaded?.isDirty;
  let answer: string | undefined;
  let document: vscode.TextDocument;
  try {
    answer = await item.answer();
    if (!answer?.trim()) {
      return { kind: 'noAnswer' };
    }
    document = loaded ?? (await vscode.workspace.openTextDocument(item.uri));
  } catch (error) {
    return { kind: 'unreadable', message: error instanceof Error ? error.message : String(error) };
  }
  const range = item.range ? document.validateRange(item.range) : undefined;
  const current = document.getText(range);
  if (range && changedSinceSent(current, item.sentTextHash)) {
    return { kind: 'selectionChanged' };
  }
  const proposal = proposalFor(answer, { path: item.uri.path, languageId: item.languageId ?? document.languageId, sentText: current });
  if (!proposal.found) {
    return { kind: 'noProposal', reason: proposal.reason };
  }
  const whole = document.getText();
  const wholeText = range ? whole.slice(0, document.offsetAt(range.start)) + proposal.text + whole.slice(document.offsetAt(range.end)) : proposal.text;
  return { document, text: proposal.text, wholeText, changed: !range && changedSinceSent(whole, item.sentTextHash), saveAfter };
}

/** One edit, one undo step: the smallest replacement that makes the file (or the range) read as the proposal. */
async function apply(item: ReviewItem, prepared: Prepared, deps: ReviewDeps): Promise<SkipReason | undefined> {
  const document = prepared.document;
  // The person may have edited the file while looking at the diff.
  const range = item.range ? document.validateRange(item.range) : undefined;
  const current = document.getText(range);
  if (range && changedSinceSent(current, item.sentTextHash)) {
    return { kind: 'selectionChanged' };
  }
  const base = range ? document.offsetAt(range.start) : 0;
  const change = replacementFor(current, prepared.text);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(base + change.start), document.positionAt(base + change.end)), change.text);
  try {
    if (!(await vscode.workspace.applyEdit(edit))) {
      return { kind: 'notApplied' };
    }
  } catch (error) {
    deps.log.warn(`Review: could not apply the edit to ${document.uri.toString()}: ${error instanceof Error ? error.message : String(error)}`);
    return { kind: 'notApplied' };
  }
  try {
    if (prepared.saveAfter && document.isDirty && !(await document.save())) {
      deps.log.warn(`Review: applied to ${document.uri.toString()} but could not save it`);
    }
  } catch (error) {
    // The edit is in and can be saved by hand; the summary still counts it as applied.
    deps.log.warn(`Review: applied to ${document.uri.toString()} but could not save it: ${error instanceof Error ? error.message : String(error)}`);
  }
  return undefined;
}

function isInTab(uri: vscode.Uri): boolean {
  const key = uri.toString();
  return vscode.window.tabGroups.all.some((group) =>
    group.tabs.some((tab) => {
      const input = tab.input;
      if (input instanceof vscode.TabInputText) {
        return input.uri.toString() === key;
      }
      if (input instanceof vscode.TabInputTextDiff) {
        return input.original.toString() === key || input.modified.toString() === key;
      }
      return false;
    }),
  );
}

async function showDiff(item: ReviewItem, proposal: vscode.Uri, document: vscode.TextDocument): Promise<void> {
  // Named like the file, the proposal usually gets its language already; a file with an unusual name may not.
  const proposed = await vscode.workspace.openTextDocument(proposal);
  if (proposed.languageId !== document.languageId) {
    await vscode.languages.setTextDocumentLanguage(proposed, document.languageId);
  }
  const options: vscode.TextDocumentShowOptions = {
    preview: true,
    selection: item.range ? new vscode.Range(item.range.start, item.range.start) : undefined,
  };
  // The left side is the real file, so the person can still edit it while deciding.
  await vscode.commands.executeCommand('vscode.diff', item.uri, proposal, t('{0} ↔ Sail’s proposal', item.label), options);
}

async function closeDiffs(proposals: readonly vscode.Uri[]): Promise<void> {
  if (proposals.length === 0) {
    return;
  }
  const keys = new Set(proposals.map((uri) => uri.toString()));
  const tabs = vscode.window.tabGroups.all.flatMap((group) =>
    group.tabs.filter((tab) => tab.input instanceof vscode.TabInputTextDiff && keys.has(tab.input.modified.toString())),
  );
  if (tabs.length) {
    await vscode.window.tabGroups.close(tabs, true);
  }
}

type ChoiceItem = UiQuickPickItem & { choice: ReviewChoice };

/** The question beside the diff: a quick pick that stays open while the person reads or edits the diff. */
function ask(step: ReviewStep): Promise<ReviewChoice | undefined> {
  const name = step.item.label;
  const items: ChoiceItem[] = [
    {
      choice: 'apply',
      label: join([icon('check'), t('Apply')]),
      detail: step.changedSinceSent
        ? join([icon('warning'), t('{0} changed since it was sent: applying undoes those edits where the proposal differs.', name)])
        : t('Make {0} read as Sail’s proposal (one edit: Undo takes it back).', name),
    },
    { choice: 'skip', label: join([icon('debug-step-over'), t('Skip')]), detail: t('Leave {0} as it is.', name) },
  ];
  if (step.index < step.total - 1) {
    items.push({
      choice: 'applyAll',
      label: join([icon('check-all'), t('Apply All Remaining')]),
      detail: t('Apply this and every later proposal without showing it; files changed since they were sent are left for you to review.'),
    });
  }
  items.push({ choice: 'stop', label: join([icon('close'), t('Stop')]), detail: t('Leave this file and the remaining ones as they are.') });
  const quickPick = createQuickPick<ChoiceItem>();
  quickPick.title = step.total > 1 ? t('Review {0} ({1} of {2})', name, step.index + 1, step.total) : t('Review {0}', name);
  quickPick.placeholder = step.changedSinceSent
    ? t('{0} changed since it was sent. The diff shows it as it is now beside Sail’s proposal.', name)
    : t('The diff shows Sail’s proposal on the right. Apply it to {0}?', name);
  // The person reads (and may edit) the diff while deciding: clicking into it must not dismiss the question.
  quickPick.ignoreFocusOut = true;
  quickPick.items = items;
  return new Promise((resolve) => {
    quickPick.onDidAccept(() => {
      // Enter with every row filtered away answers nothing; the question stays.
      const picked = quickPick.selectedItems[0];
      if (picked) {
        resolve(picked.choice);
        quickPick.hide();
      }
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}

/** Words for why an item was not applied, to follow its name and a colon. */
export function skipText(skip: SkipReason): string {
  switch (skip.kind) {
    case 'noProposal':
      return noProposalText(skip.reason);
    case 'noAnswer':
      return vscode.l10n.t('the job has no answer text');
    case 'unreadable':
      return vscode.l10n.t('it could not be read ({0})', skip.message);
    case 'selectionChanged':
      return vscode.l10n.t('the code sent is no longer where it was (it changed since it was sent)');
    case 'changedSinceSent':
      return vscode.l10n.t('it changed since it was sent, so it was left for you to review on its own');
    case 'skipped':
      return vscode.l10n.t('skipped');
    case 'stopped':
      return vscode.l10n.t('not reviewed');
    case 'notApplied':
      return vscode.l10n.t('VS Code did not apply the edit');
  }
}

/** How many reasons a summary names before pointing to the log. */
const REASONS_SHOWN = 3;

/** The summary: applied N, skipped M, and why for the ones the person did not choose to skip. */
function announce(summary: ReviewSummary): void {
  const reasons = summary.outcomes.filter((o) => o.skip && o.skip.kind !== 'skipped' && o.skip.kind !== 'stopped');
  const single = summary.outcomes.length === 1 ? summary.outcomes[0] : undefined;
  if (single) {
    if (single.applied) {
      statusMessage(join([icon('check'), t('Applied Sail’s proposal to {0}', single.item.label)]), 5000);
    } else if (single.skip && reasons.length) {
      void notify.warning(t('Nothing was applied to {0}: {1}.', single.item.label, skipText(single.skip)));
    }
    return;
  }
  const parts: UiText[] = [t('Sail review: applied {0}, skipped {1}.', summary.applied, summary.skipped)];
  for (const outcome of reasons.slice(0, REASONS_SHOWN)) {
    parts.push(t('{0}: {1}.', outcome.item.label, outcome.skip ? skipText(outcome.skip) : ''));
  }
  if (reasons.length > REASONS_SHOWN) {
    parts.push(t('{0} more in the log.', reasons.length - REASONS_SHOWN));
  }
  const showLog = t('Show Log');
  const shown = reasons.length ? notify.warning(join(parts), showLog) : notify.info(join(parts));
  void Promise.resolve(shown).then((choice) => {
    if (choice === showLog) {
      void vscode.commands.executeCommand('sail.showLog');
    }
  });
}
