/**
 * The history: finished jobs the user has seen, in an append-only log file (`history.jsonl`, a JSON
 * object a line) beside the answers, so that the job index every state change rewrites holds only
 * jobs still in play, and a change costs the same with 10 or 10,000 jobs in history.
 *
 * Windows on one host append to the same log and read one another's lines incrementally (from the
 * offset read so far). Reading it is deferred until something needs the old jobs (the job list, a
 * result view, pruning): activation never pays for it. Pruning rewrites the log without the pruned
 * jobs. Lines this version cannot read are kept verbatim, so an older version never drops a newer
 * one's history.
 */
import { z } from 'zod';
import { isPinned, JobRecordSchema, type JobRecord } from './job';
import type { BlobStore } from './fileBlobStore';
import { supersedes } from './merge';

export const HISTORY_FILE = 'history.jsonl';
/** The log while a rewrite reads it (moved aside so that new lines go to a new log). */
const REWRITING_FILE = 'history.rewriting.jsonl';
const LOCK_FILE = 'history.lock';
const STALE_LOCK_MS = 10 * 60_000;
const HISTORY_VERSION = 1;
/** Lines read between two yields to the event loop (about a few milliseconds of work). */
const SLICE_LINES = 250;

const LineSchema = z.union([
  z.object({ v: z.literal(HISTORY_VERSION), job: z.unknown() }),
  z.object({ v: z.literal(HISTORY_VERSION), removed: z.string(), at: z.number() }),
]);

/** How long and how many finished jobs to keep; pinned ones are always kept. */
export interface Retention {
  readonly maxAgeMs: number;
  readonly maxJobs: number;
}

export class JobHistory {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly removed = new Map<string, number>();
  /** Lines this version cannot read, by their text. */
  private readonly unreadable = new Set<string>();
  private offset = 0;
  private identity: string | undefined;
  private reading: Promise<void> | undefined;
  /** Lines in the log, read or written: when far more than the jobs they hold, pruning compacts it. */
  private lines = 0;
  private recovered = false;

  constructor(
    private readonly blobs: BlobStore,
    private readonly warn: (message: string) => void,
  ) {}

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  values(): IterableIterator<JobRecord> {
    return this.jobs.values();
  }

  /** Reads what was appended since the last read (all of it the first time, or after a rewrite). */
  load(): Promise<void> {
    // One read at a time; a call during a read waits for it and reads again (it may have missed lines).
    const read = async (): Promise<void> => {
      const tail = await this.blobs.readFrom(HISTORY_FILE, this.offset, this.identity);
      if (!tail) {
        return;
      }
      if (tail.start === 0 && this.offset > 0) {
        // Rewritten by another window's pruning: what was read before may be gone.
        this.jobs.clear();
        this.removed.clear();
        this.unreadable.clear();
        this.lines = 0;
      }
      // Only whole lines: another window may be in the middle of appending one.
      const end = tail.bytes.lastIndexOf(0x0a) + 1;
      const lines = Buffer.from(tail.bytes.buffer, tail.bytes.byteOffset, end).toString('utf8').split('\n');
      // In slices, letting other work run between them: a long history must not freeze the extension host.
      for (let from = 0; from < lines.length; from += SLICE_LINES) {
        if (from > 0) {
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        this.take(lines.slice(from, from + SLICE_LINES));
      }
      this.offset = tail.start + end;
      this.identity = tail.identity;
    };
    this.reading = (this.reading ?? Promise.resolve()).then(read, read);
    return this.reading;
  }

  /** Adds jobs (finished, seen) to the log. */
  async add(jobs: readonly JobRecord[]): Promise<void> {
    if (jobs.length === 0) {
      return;
    }
    await this.blobs.append(HISTORY_FILE, jobs.map((job) => `${JSON.stringify({ v: HISTORY_VERSION, job })}\n`).join(''));
    for (const job of jobs) {
      this.keep(job);
    }
    this.lines += jobs.length;
  }

  async remove(id: string, at: number): Promise<void> {
    await this.blobs.append(HISTORY_FILE, `${JSON.stringify({ v: HISTORY_VERSION, removed: id, at })}\n`);
    this.jobs.delete(id);
    this.removed.set(id, at);
    this.lines += 1;
  }

  /**
   * The jobs retention lets go: older than its age, or beyond its count (newest kept), never pinned.
   * `alsoKept` counts the jobs that are not in the history yet but count towards `maxJobs`.
   */
  expired(retention: Retention, now: number, alsoKept = 0): JobRecord[] {
    const byAge = [...this.jobs.values()].sort((a, b) => ended(b) - ended(a));
    const drop: JobRecord[] = [];
    let kept = alsoKept;
    for (const job of byAge) {
      if (isPinned(job)) {
        continue;
      }
      if (now - ended(job) > retention.maxAgeMs || kept >= retention.maxJobs) {
        drop.push(job);
      } else {
        kept += 1;
      }
    }
    return drop;
  }

  /**
   * Rewrites the log without `drop` and without lines later ones superseded. The log is first moved
   * aside, so a window appending meanwhile starts a new one; the kept lines are then appended to that.
   * Nothing another window writes can be lost, and a rewrite cut short by a crash is finished by the
   * next one (see `recover`). False when another window is rewriting it now.
   */
  async rewrite(drop: ReadonlySet<string>, now: number): Promise<boolean> {
    if (!(await this.lock(now))) {
      return false;
    }
    try {
      await this.carryOver(new Set());
      if (await this.blobs.move(HISTORY_FILE, REWRITING_FILE)) {
        await this.carryOver(drop);
      }
    } finally {
      await this.blobs.delete(LOCK_FILE);
    }
    // Start over on the new file.
    this.jobs.clear();
    this.removed.clear();
    this.unreadable.clear();
    this.lines = 0;
    this.offset = 0;
    this.identity = undefined;
    await this.load();
    return true;
  }

  /**
   * Finishes a rewrite a crash interrupted (its moved-aside log is carried over, nothing dropped),
   * unless another window is rewriting now. Cheap when there is nothing to do.
   */
  async recoverOnce(now: number): Promise<void> {
    if (this.recovered) {
      return;
    }
    this.recovered = true;
    if ((await this.blobs.read(REWRITING_FILE)) === undefined || !(await this.lock(now))) {
      return;
    }
    try {
      await this.carryOver(new Set());
    } finally {
      await this.blobs.delete(LOCK_FILE);
    }
  }

  private async carryOver(drop: ReadonlySet<string>): Promise<void> {
    const old = await this.blobs.readFrom(REWRITING_FILE, 0, undefined);
    if (!old) {
      return;
    }
    const moved = new JobHistory(this.blobs, this.warn);
    moved.take(Buffer.from(old.bytes.buffer, old.bytes.byteOffset, old.bytes.length).toString('utf8').split('\n'));
    const kept = [...moved.jobs.values()].filter((job) => !drop.has(job.id));
    const lines = [
      ...kept.map((job) => JSON.stringify({ v: HISTORY_VERSION, job })),
      ...moved.unreadable,
      ...[...moved.removed].map(([id, at]) => JSON.stringify({ v: HISTORY_VERSION, removed: id, at })),
    ];
    if (lines.length) {
      await this.blobs.append(HISTORY_FILE, lines.map((line) => `${line}\n`).join(''));
    }
    await this.blobs.delete(REWRITING_FILE);
  }

  private async lock(now: number): Promise<boolean> {
    if (await this.blobs.create(LOCK_FILE, String(now))) {
      return true;
    }
    // A lock older than any rewrite takes was left by a window that crashed: take it over.
    const at = Number(await this.blobs.read(LOCK_FILE));
    if (Number.isFinite(at) && now - at < STALE_LOCK_MS) {
      return false;
    }
    await this.blobs.delete(LOCK_FILE);
    return this.blobs.create(LOCK_FILE, String(now));
  }

  /** Whether the log holds much more than its jobs (removals, superseded copies): worth rewriting. */
  get wasteful(): boolean {
    return this.lines > 2 * (this.jobs.size + this.unreadable.size) + 100;
  }

  private take(lines: readonly string[]): void {
    for (const line of lines) {
      if (!line.trim()) {
        continue;
      }
      this.lines += 1;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        // A line cut short by a crash: nothing to keep.
        continue;
      }
      const parsed = LineSchema.safeParse(raw);
      if (!parsed.success) {
        this.unreadable.add(line);
        continue;
      }
      if ('removed' in parsed.data) {
        const { removed: id, at } = parsed.data;
        this.removed.set(id, Math.max(at, this.removed.get(id) ?? -1));
        const kept = this.jobs.get(id);
        if (kept && kept.updatedAt <= at) {
          this.jobs.delete(id);
        }
        continue;
      }
      const job = JobRecordSchema.safeParse(parsed.data.job);
      if (!job.success) {
        if (!this.unreadable.has(line)) {
          this.warn(`Keeping a job in the history this version cannot read: ${job.error.issues[0]?.message ?? 'invalid'}`);
        }
        this.unreadable.add(line);
        continue;
      }
      if ((this.removed.get(job.data.id) ?? -1) < job.data.updatedAt) {
        this.keep(job.data);
      }
    }
  }

  private keep(job: JobRecord): void {
    const kept = this.jobs.get(job.id);
    if (!kept || supersedes(job, kept)) {
      this.jobs.set(job.id, job);
    }
  }
}

function ended(job: JobRecord): number {
  return job.finishedAt ?? job.updatedAt;
}
