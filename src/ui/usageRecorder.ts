import * as vscode from 'vscode';
import type { JobRecord } from '../jobs/job';
import type { JobTracker } from '../jobs/jobTracker';
import { backfillOnce, recordAnsweredJobs } from '../usage/followJobs';
import type { UsageContext, UsageCost } from '../usage/usageEntry';
import type { UsageLedger } from '../usage/usageLedger';

/** A job's estimated cost (the price catalog's); by default none is known. */
export type CostOf = (job: JobRecord) => UsageCost;

export const NO_COST: CostOf = () => ({});

/**
 * When the jobs from before the ledger are counted: after the window has started (the history is read
 * only for this), and before the history's first retention run (30 s) could prune any of them.
 */
const BACKFILL_AFTER_MS = 20_000;

/**
 * Counts every job Sail answers in the usage ledger, with the workspace folder it was sent from and
 * its estimated cost. Every window sees a job finish; the ledger keeps one entry per job and attempt,
 * preferring a window that knows the job's folder. Once per ledger, the answered jobs already in the
 * history are counted too, so that people who upgrade see their past usage.
 */
export function recordUsage(tracker: JobTracker, ledger: UsageLedger, log: vscode.LogOutputChannel, costOf: CostOf = NO_COST): vscode.Disposable {
  const contextOf = (job: JobRecord): UsageContext => ({ folder: folderOf(job), cost: costSafely(costOf, job, log) });
  const recording = recordAnsweredJobs(tracker, ledger, contextOf, (message) => log.warn(message));
  const timer = setTimeout(() => {
    backfillOnce(tracker, ledger, contextOf, Date.now()).then(
      (added) => {
        if (added > 0) {
          log.info(`Counted the usage of ${added} earlier job(s)`);
        }
      },
      (error: unknown) => log.warn(`Could not count the usage of earlier jobs: ${String(error)}`),
    );
  }, BACKFILL_AFTER_MS);
  timer.unref?.();
  return {
    dispose: () => {
      clearTimeout(timer);
      recording.dispose();
    },
  };
}

/** The name of the workspace folder of the job's file in this window, or ''. */
function folderOf(job: JobRecord): string {
  if (!job.source) {
    return '';
  }
  try {
    return vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(job.source.uri))?.name ?? '';
  } catch {
    return '';
  }
}

/** A price catalog that throws must not lose the tokens: the job is counted without a cost. */
function costSafely(costOf: CostOf, job: JobRecord, log: vscode.LogOutputChannel): UsageCost {
  try {
    return costOf(job);
  } catch (error) {
    log.warn(`Could not estimate the cost of job ${job.id}: ${String(error)}`);
    return {};
  }
}
