/**
 * How the usage ledger learns about jobs: each change the job core reports of a job that counts
 * (answered, with usage) is recorded, and once per ledger the jobs from before it are. The window's
 * own knowledge — the workspace folder, the estimated cost — comes from `contextOf`.
 */
import type { JobRecord } from '../jobs/job';
import { countsAsUsage, type UsageContext } from './usageEntry';
import type { UsageLedger } from './usageLedger';

/** The job core's change events, as the tracker emits them. */
export interface JobChanges {
  onDidChange(listener: (change: { readonly job: JobRecord; readonly removed?: boolean }) => void): { dispose(): void };
}

/** The jobs the job core holds: those in play and the history, once read. */
export interface JobsHeld {
  loadHistory(): Promise<void>;
  jobs(): JobRecord[];
}

/**
 * Records every job that counts as the core reports it. Every window sees the same job finish, and a
 * job changes again after (seen, moved to the history): the ledger keeps it once, and a change it
 * cannot learn from costs no read.
 */
export function recordAnsweredJobs(
  changes: JobChanges,
  ledger: UsageLedger,
  contextOf: (job: JobRecord) => UsageContext,
  warn: (message: string) => void,
): { dispose(): void } {
  return changes.onDidChange(({ job, removed }) => {
    if (removed || !countsAsUsage(job)) {
      return;
    }
    ledger.record(job, contextOf(job)).catch((error: unknown) => warn(`Could not count the usage of job ${job.id}: ${String(error)}`));
  });
}

/**
 * Counts the answered jobs the core already holds, once per ledger file (people who upgrade see
 * their past usage). Reads the history only when the ledger was never backfilled. Returns how many
 * jobs it added.
 */
export async function backfillOnce(held: JobsHeld, ledger: UsageLedger, contextOf: (job: JobRecord) => UsageContext, now: number): Promise<number> {
  if (!(await ledger.needsBackfill())) {
    return 0;
  }
  await held.loadHistory();
  return ledger.backfill(held.jobs(), contextOf, now);
}
