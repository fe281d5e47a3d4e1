// What the job core's tests share: a fast poll policy, a silent log, and waits bounded by a deadline.
import type { JobRecord } from '../../src/jobs/job';
import type { JobTracker } from '../../src/jobs/jobTracker';
import { DEFAULT_POLL_POLICY, type PollPolicy } from '../../src/jobs/pollPolicy';

/** The default schedule in milliseconds instead of minutes. */
export const FAST_POLICY: PollPolicy = {
  ...DEFAULT_POLL_POLICY,
  typicalMs: { asap: 20, priority: 60, standard: 300, flex: 7200, default: 300 },
  minMs: 10,
  errorBackoffMs: 20,
  goneAfterMs: 400,
};

export const quietLog = { info() {}, warn() {}, debug() {} };

/** Resolves with the job once `probe` holds; fails after `timeoutMs` saying what it waited for. */
export function until(
  t: JobTracker,
  id: string,
  what: string,
  probe: (job: JobRecord | undefined) => boolean,
  timeoutMs = 5_000,
): Promise<JobRecord | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; the job is ${JSON.stringify(t.get(id))}`));
    }, timeoutMs);
    const check = () => {
      const job = t.get(id);
      if (probe(job)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(job);
      }
    };
    const sub = t.onDidChange(check);
    check();
  });
}

/** Sail is done with it, or the user is. */
export const isOver = (job: JobRecord | undefined): boolean => job !== undefined && !['submitting', 'queued', 'in_progress'].includes(job.state);
