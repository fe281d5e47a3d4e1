/** Job record + stored response → what the result view shows. Pure: every string is decided here. */
import type { JobCost } from '../usage/estimate';
import { formatUsd, pricesLabel } from './cost';
import * as l10n from '@vscode/l10n';
import { isFinished, isTroubled, isWaiting, type JobRecord, type JobState, type WaitingReason } from '../jobs/job';
import { batchProgressText } from './batchItems';
import { lineSpan } from '../jobs/lines';
import { outputText, reasoningText } from '../sail/output';
import type { SailResponse, TextFormat } from '../sail/schemas';
import { checkStructured, type StructuredCheck } from '../sail/structured';
import { fenceFor } from '../jobs/prompt';
import { jobErrorText } from './jobErrors';
import { renderMarkdown } from './markdown';
import type { JobView } from './messages';
import { durationWords, formatDuration, usageRows } from './usage';

export function windowLabel(window: string | undefined): string {
  switch (window) {
    case undefined:
      return l10n.t('chosen by Sail');
    case 'asap':
      return l10n.t('asap (seconds)');
    case 'priority':
      return l10n.t('priority (about a minute)');
    case 'standard':
      // Sail's current name for it (`standard` is the id jobs keep and requests send).
      return l10n.t('balanced (about 5 minutes)');
    case 'flex':
      return l10n.t('flex (hours)');
    default:
      return window;
  }
}

/**
 * Why a job waits, in words. `accepted`: Sail has the job and only its answer is to be fetched;
 * otherwise the request itself is still to be sent.
 */
export function waitingText(reason: WaitingReason, accepted: boolean, sentTo?: string): string {
  switch (reason) {
    case 'invalidBaseUrl':
      return accepted
        ? l10n.t('The setting sail.baseUrl is invalid. Fix it in your user settings to fetch its answer.')
        : l10n.t('The setting sail.baseUrl is invalid. Fix it in your user settings to send it.');
    case 'otherBaseUrl':
      return accepted
        ? l10n.t('It was sent to {0}, but sail.baseUrl is now another address. Set the base URL back to fetch its answer.', sentTo ?? '?')
        : l10n.t('It was sent to {0}, but sail.baseUrl is now another address. Set the base URL back to send it.', sentTo ?? '?');
    case 'noKey':
      return accepted
        ? l10n.t('No Sail API key is set. Run Sail: Set API Key to fetch its answer.')
        : l10n.t('No Sail API key is set. Run Sail: Set API Key to send it.');
    case 'otherKey':
      return accepted
        ? l10n.t(
            "Sail does not show it to the current API key: it was sent with another account's key. Set that key again (Sail: Set API Key) to fetch its answer.",
          )
        : l10n.t(
            'It was sent with a different API key. Set that key again (Sail: Set API Key) to send it, or use Send Again to send it with the current key — if the first attempt reached Sail, that runs, and bills, it a second time.',
          );
  }
}

/** Why Sail cannot be asked about a job whose polls keep failing, by the kind of the last failure. */
export function pollTroubleText(kind: string): string {
  switch (kind) {
    case 'auth':
      return l10n.t('Sail rejects the API key when asked about this job. Set a valid key (Sail: Set API Key); the job is checked again at once.');
    case 'forbidden':
      return l10n.t(
        'Asking Sail about this job is refused (HTTP 403): a proxy, firewall or gateway may be blocking it. Check sail.baseUrl and your proxy settings.',
      );
    case 'network':
    case 'timeout':
      return l10n.t(
        'Sail cannot be reached to check this job. Check your network, proxy and certificate settings; it is checked again when VS Code regains focus.',
      );
    case 'unexpected_response':
      return l10n.t("Sail's answers about this job cannot be read. If it keeps happening, run 'Sail: Show Log' and report the log.");
    default:
      return l10n.t('Checking this job keeps failing. It is tried again; see Sail: Show Log for details.');
  }
}

export function stateLabel(job: JobRecord): string {
  if (isWaiting(job)) {
    return l10n.t('Waiting for its base URL or API key');
  }
  if (isTroubled(job)) {
    return l10n.t('Cannot be checked');
  }
  return stateWord(job.state, job.sendAttempts > 0);
}

/** A state in words (a batch item's too). */
export function stateWord(state: JobState, retrying = false): string {
  switch (state) {
    case 'submitting':
      return retrying ? l10n.t('Sending to Sail (retrying)') : l10n.t('Sending to Sail');
    case 'queued':
      return l10n.t('Queued');
    case 'in_progress':
      return l10n.t('Running');
    case 'completed':
      return l10n.t('Completed');
    case 'incomplete':
      return l10n.t('Incomplete');
    case 'failed':
      return l10n.t('Failed');
    case 'cancelled':
      return l10n.t('Cancelled');
    case 'expired':
      return l10n.t('Expired');
    case 'untracked':
      return l10n.t('No longer tracked');
  }
}

function tone(job: JobRecord): JobView['tone'] {
  if (isWaiting(job) || isTroubled(job)) {
    return 'warning';
  }
  switch (job.state) {
    case 'completed':
      return 'done';
    case 'incomplete':
    case 'expired':
    case 'untracked':
    case 'cancelled':
      return 'warning';
    case 'failed':
      return 'error';
    default:
      return 'running';
  }
}

function notice(job: JobRecord): string | undefined {
  if (job.waiting && isWaiting(job)) {
    return waitingText(job.waiting, job.responseId !== undefined, job.baseUrl);
  }
  if (job.pollTrouble && isTroubled(job)) {
    return pollTroubleText(job.pollTrouble.kind);
  }
  switch (job.state) {
    case 'submitting':
      return job.error
        ? l10n.t(
            'The last attempt failed: {0} It will be sent again with the same idempotency key, so it runs only once.',
            jobErrorText(job.error, job.baseUrl),
          )
        : undefined;
    case 'incomplete':
      if (job.incompleteReason === 'max_output_tokens') {
        return l10n.t('The answer was cut off at the output token limit (sail.maxOutputTokens).');
      }
      return job.incompleteReason ? l10n.t('The answer is incomplete ({0}).', job.incompleteReason) : l10n.t('The answer is incomplete.');
    case 'failed':
      return jobErrorText(job.error, job.baseUrl);
    case 'expired':
      return l10n.t('Sail no longer has this job: it keeps results for at most 48 hours.');
    case 'untracked':
      return l10n.t('Sail has no cancel endpoint: the job may still run, and be billed, on Sail. Its result will not be fetched.');
    case 'cancelled':
      return l10n.t('Sail cancelled this job.');
    default:
      return undefined;
  }
}

/** The webview's own words (buttons, captions, the clock), decided here like every other string. */
function viewLabels(): JobView['labels'] {
  return {
    copy: l10n.t('Copy'),
    insert: l10n.t('Insert at Cursor'),
    replace: l10n.t('Replace Selection'),
    review: l10n.t('Review and Apply…'),
    openUntitled: l10n.t('Open as Document'),
    openJson: l10n.t('Open as JSON'),
    structured: l10n.t('Structured answer'),
    checkNow: l10n.t('Check Now'),
    stopTracking: l10n.t('Stop Tracking'),
    sendAgain: l10n.t('Send Again'),
    reasoning: l10n.t('Reasoning'),
    usage: l10n.t('Token usage'),
    cost: l10n.t('Cost'),
    details: l10n.t('Details'),
    elapsed: l10n.t('elapsed {0}'),
    nextCheck: l10n.t('next check in {0}'),
    checkingNow: l10n.t('checking now'),
    ...durationWords(),
  };
}

function timestamp(ms: number): string {
  return new Date(ms).toLocaleString();
}

export function sourceLabel(source: NonNullable<JobRecord['source']>): string {
  if (!source.range) {
    return source.fileName;
  }
  const lines = lineSpan(source.range);
  return lines.start === lines.end ? `${source.fileName}:${lines.start}` : `${source.fileName}:${lines.start}–${lines.end}`;
}

/** Whether the answer may be inserted into, or replace, the user's code: a completed job with text. */
export function canEditWith(job: Pick<JobRecord, 'state'>, response: SailResponse | undefined): boolean {
  return job.state === 'completed' && response !== undefined && outputText(response).trim().length > 0;
}

export interface JobViewInput {
  readonly job: JobRecord;
  readonly response?: SailResponse;
  readonly nextCheckAt?: number;
  /** The estimated cost of the job's usage, when its model's price in its window is known. */
  readonly cost?: JobCost;
  /** The request's output format: a JSON Schema makes the answer a structured one, checked here. */
  readonly format?: TextFormat;
}

/** A structured answer's check, in words: valid, or where it does not parse or match. */
export function structuredView(check: StructuredCheck, schemaName: string): NonNullable<JobView['structured']> {
  if (!check.parsed) {
    return {
      tone: 'error',
      verdict: l10n.t('Not JSON: line {0}, column {1}: {2}', check.line, check.column, check.message),
      problems: [],
    };
  }
  if (check.valid) {
    return { tone: 'done', verdict: l10n.t('valid: matches the schema "{0}"', schemaName), problems: [] };
  }
  return {
    tone: 'warning',
    verdict:
      check.errors.length === 1
        ? l10n.t('invalid: does not match the schema "{0}" (1 problem)', schemaName)
        : l10n.t('invalid: does not match the schema "{0}" ({1} problems)', schemaName, check.errors.length),
    problems: check.errors.map((e) => `${e.pointer}: ${e.message}`),
  };
}

/** Beside the token usage: what it cost, and what it would have cost at asap. */
function costRows(cost: JobCost | undefined): { label: string; value: string }[] {
  if (!cost) {
    return [{ label: l10n.t('Estimated cost'), value: l10n.t('price unknown for this model and window') }];
  }
  const rows = [{ label: l10n.t('Cost ({0})', pricesLabel(cost.pricesDate)), value: l10n.t('≈ {0}', formatUsd(cost.costUsd)) }];
  if (cost.asapCostUsd !== undefined && cost.asapCostUsd > cost.costUsd) {
    rows.push({
      label: l10n.t('Saved against asap'),
      value: l10n.t('≈ {0} (asap ≈ {1})', formatUsd(cost.asapCostUsd - cost.costUsd), formatUsd(cost.asapCostUsd)),
    });
  }
  return rows;
}

export function jobView({ job, response, nextCheckAt, cost, format }: JobViewInput): JobView {
  const facts = [
    { label: l10n.t('Model'), value: response?.model ?? job.model },
    { label: l10n.t('Completion window'), value: windowLabel(job.window) },
    { label: l10n.t('Created'), value: timestamp(job.createdAt) },
  ];
  if (job.finishedAt !== undefined) {
    facts.push(
      { label: l10n.t('Finished'), value: timestamp(job.finishedAt) },
      { label: l10n.t('Duration'), value: formatDuration(job.finishedAt - job.createdAt) },
    );
  }
  if (job.progress) {
    facts.push({ label: l10n.t('Files'), value: batchProgressText(job.progress, isFinished(job.state)) });
  }
  if (job.responseId) {
    facts.push({ label: job.kind === 'batch' ? l10n.t('Batch id') : l10n.t('Response id'), value: job.responseId });
  }
  const text = response ? outputText(response) : '';
  const reasoning = response ? reasoningText(response) : '';
  const hasOutput = text.trim().length > 0;
  const schema = format?.type === 'json_schema' ? format.schema : undefined;
  const check = schema && hasOutput && job.state === 'completed' ? checkStructured(text, schema) : undefined;
  // A structured answer reads as its pretty JSON, highlighted; the check says whether it matches.
  const shown = check?.parsed ? `${fenceFor(check.pretty)}json\n${check.pretty}\n${fenceFor(check.pretty)}` : text;
  return {
    jobId: job.id,
    title: job.title,
    stateLabel: stateLabel(job),
    tone: tone(job),
    source: job.source ? sourceLabel(job.source) : undefined,
    instruction: job.instruction,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    nextCheckAt,
    facts,
    usage: response ? usageRows(response.usage).map(({ label, value }) => ({ label, value })) : undefined,
    cost: response ? costRows(cost) : undefined,
    outputHtml: hasOutput ? renderMarkdown(shown) : undefined,
    structured: check && format?.type === 'json_schema' ? structuredView(check, format.name) : undefined,
    reasoningHtml: reasoning.trim() ? renderMarkdown(reasoning) : undefined,
    notice: notice(job),
    // Only a whole answer goes into the user's code: a cut-off one may end inside an unclosed fence.
    // A structured answer is data about the code, not code: it never replaces it.
    canReplace: canEditWith(job, response) && job.source?.range !== undefined && !schema,
    // A selection has Replace Selection; a whole file is reviewed as a diff first.
    canReview: canEditWith(job, response) && job.source !== undefined && job.source.range === undefined && !schema,
    canInsert: canEditWith(job, response),
    canStop: job.state === 'submitting' || job.state === 'queued' || job.state === 'in_progress',
    // Also for a request waiting for the key it was sent with: send it with the current one instead.
    labels: viewLabels(),
    canRetry: !job.responseId && (job.state === 'failed' || (job.state === 'submitting' && isWaiting(job))),
  };
}
