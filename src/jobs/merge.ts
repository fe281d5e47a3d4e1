/**
 * Which of two copies of one job wins when windows share the job list (the index, the history).
 */
import { isFinished, isGivenUp, type JobRecord } from './job';

/**
 * Whether `incoming` wins over `local`, two versions of one job from different windows. A later
 * attempt (Send Again) wins; within one attempt, a copy that knows Sail's response id wins over one
 * that does not (losing the id loses a job Sail runs and bills: a window whose duplicate POST was
 * refused must not undo the window whose POST was accepted); then a finished copy wins over an unfinished one (a window
 * still holding the running copy must not bring a finished job back to life), and an answered one
 * (completed, incomplete, failed, cancelled) over one that was given up (expired, no longer tracked) —
 * the answer is what was paid for; then a copy the user has seen over one not seen; otherwise the
 * newer change wins.
 */
export function supersedes(incoming: JobRecord, local: JobRecord): boolean {
  if (incoming.attempt !== local.attempt) {
    return incoming.attempt > local.attempt;
  }
  const knows = Number(incoming.responseId !== undefined) - Number(local.responseId !== undefined);
  if (knows !== 0) {
    return knows > 0;
  }
  const rank = finality(incoming) - finality(local);
  if (rank !== 0) {
    return rank > 0;
  }
  // Two windows that both saw the answer come in: the one whose user has looked at it wins (seeing it
  // again as news, with a second notification, would be wrong).
  const seen = Number(isFinished(incoming.state) && incoming.seen) - Number(isFinished(local.state) && local.seen);
  return seen !== 0 ? seen > 0 : incoming.updatedAt > local.updatedAt;
}

function finality(job: JobRecord): number {
  if (!isFinished(job.state)) {
    return 0;
  }
  return isGivenUp(job.state) ? 1 : 2;
}
