/** Job record + stored response → what the result view shows. Pure: every string is decided here. */
import { isFinished, WAITING_FOR_ACCOUNT, type JobRecord } from '../jobs/job';
import { lineSpan } from '../jobs/lines';
import { outputText, reasoningText } from '../sail/output';
import type { SailResponse } from '../sail/schemas';
import { renderMarkdown } from './markdown';
import type { JobView } from './messages';
import { formatDuration, usageRows } from './usage';

const WINDOW_LABELS: Record<string, string> = {
  asap: 'asap (seconds)',
  priority: 'priority (about a minute)',
  standard: 'standard (about 5 minutes)',
  flex: 'flex (hours)',
};

export function windowLabel(window: string | undefined): string {
  return window ? (WINDOW_LABELS[window] ?? window) : 'chosen by Sail';
}

/** A job sent to another base URL or with another API key, which waits for them to come back. */
function isWaiting(job: JobRecord): boolean {
  return job.error?.kind === WAITING_FOR_ACCOUNT && !isFinished(job.state);
}

export function stateLabel(job: JobRecord): string {
  if (isWaiting(job)) {
    return 'Waiting for its base URL or API key';
  }
  switch (job.state) {
    case 'submitting':
      return job.sendAttempts > 0 ? 'Sending to Sail (retrying)' : 'Sending to Sail';
    case 'queued':
      return 'Queued';
    case 'in_progress':
      return 'Running';
    case 'completed':
      return 'Completed';
    case 'incomplete':
      return 'Incomplete';
    case 'failed':
      return 'Failed';
    case 'cancelled':
      return 'Cancelled';
    case 'expired':
      return 'Expired';
    case 'untracked':
      return 'No longer tracked';
  }
}

function tone(job: JobRecord): JobView['tone'] {
  if (isWaiting(job)) {
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
  if (isWaiting(job)) {
    return job.error?.message;
  }
  switch (job.state) {
    case 'submitting':
      return job.error ? `The last attempt failed: ${job.error.message} It will be sent again with the same idempotency key, so it runs only once.` : undefined;
    case 'incomplete':
      return job.incompleteReason === 'max_output_tokens'
        ? 'The answer was cut off at the output token limit (sail.maxOutputTokens).'
        : `The answer is incomplete${job.incompleteReason ? ` (${job.incompleteReason})` : ''}.`;
    case 'failed':
      return job.error?.message ?? 'Sail reported that the job failed.';
    case 'expired':
      return 'Sail no longer has this job: it keeps results for at most 48 hours.';
    case 'untracked':
      return 'Sail has no cancel endpoint: the job may still run, and be billed, on Sail. Its result will not be fetched.';
    case 'cancelled':
      return 'Sail cancelled this job.';
    default:
      return undefined;
  }
}

function timestamp(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toLocaleString();
}

function sourceLabel(source: NonNullable<JobRecord['source']>): string {
  if (!source.range) {
    return source.fileName;
  }
  const lines = lineSpan(source.range);
  return lines.start === lines.end ? `${source.fileName}:${lines.start}` : `${source.fileName}:${lines.start}–${lines.end}`;
}

export interface JobViewInput {
  readonly job: JobRecord;
  readonly response?: SailResponse;
  readonly nextCheckAt?: number;
}

export function jobView({ job, response, nextCheckAt }: JobViewInput): JobView {
  const facts = [
    { label: 'Model', value: response?.model ?? job.model },
    { label: 'Completion window', value: windowLabel(job.window) },
    { label: 'Created', value: timestamp(job.createdAt) },
  ];
  if (job.finishedAt !== undefined) {
    facts.push({ label: 'Finished', value: timestamp(job.finishedAt) }, { label: 'Duration', value: formatDuration(job.finishedAt - job.createdAt) });
  }
  if (job.responseId) {
    facts.push({ label: 'Response id', value: job.responseId });
  }
  const text = response ? outputText(response) : '';
  const reasoning = response ? reasoningText(response) : '';
  const hasOutput = text.trim().length > 0;
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
    outputHtml: hasOutput ? renderMarkdown(text) : undefined,
    reasoningHtml: reasoning.trim() ? renderMarkdown(reasoning) : undefined,
    notice: notice(job),
    canReplace: hasOutput && job.source?.range !== undefined,
    canInsert: hasOutput,
    canStop: job.state === 'submitting' || job.state === 'queued' || job.state === 'in_progress',
    // Also for a request waiting for the key it was sent with: send it with the current one instead.
    canRetry: !job.responseId && (job.state === 'failed' || (job.state === 'submitting' && isWaiting(job))),
  };
}
