/**
 * The job index's stored format (globalState `sail.jobs` and its file copy): the jobs in play,
 * tombstones of removed jobs, and marks of jobs moved to the history. See jobStore.ts.
 */
import { z } from 'zod';
import { JobStateSchema, type JobRecord } from './job';
import { supersedes } from './merge';

export const IndexSchema = z.object({
  version: z.number(),
  jobs: z.array(z.unknown()).default([]),
  // Each tombstone is checked on its own: one bad entry must not drop a whole copy of the list.
  removed: z.array(z.unknown()).default([]),
  archived: z.array(z.unknown()).default([]),
});
export const TombstoneSchema = z.object({ id: z.string(), at: z.number() });

/** The newest `max` marks. */
export function newest(marks: ArchivedMark[], max: number): ArchivedMark[] {
  return marks.length > max ? marks.sort((a, b) => b.at - a.at).slice(0, max) : marks;
}

/** What the index remembers of a job it moved to the history: enough to rank other copies against it. */
export const ArchivedMarkSchema = z.object({ id: z.string(), at: z.number(), attempt: z.number(), known: z.boolean(), state: JobStateSchema });
export type ArchivedMark = z.infer<typeof ArchivedMarkSchema>;

export function markOf(job: JobRecord): ArchivedMark {
  return { id: job.id, at: job.updatedAt, attempt: job.attempt, known: job.responseId !== undefined, state: job.state };
}

/** A copy the moved one wins over (by the merge's own rules): it must not come back into the index. */
export function outdatedBy(copy: JobRecord, mark: ArchivedMark | undefined): boolean {
  if (!mark) {
    return false;
  }
  // Only settled copies move to the history: the moved one was seen (or stopped).
  const moved = {
    ...copy,
    attempt: mark.attempt,
    responseId: mark.known ? (copy.responseId ?? mark.id) : undefined,
    state: mark.state,
    seen: true,
    updatedAt: mark.at,
  };
  return !supersedes(copy, moved);
}
