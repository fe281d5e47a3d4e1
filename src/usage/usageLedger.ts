/**
 * The usage ledger: what every answered job used and cost, one JSON line per job and attempt in an
 * append-only file (`usage.jsonl` in the global storage), kept apart from the job records so that
 * pruning the job history (history.ts) keeps the totals.
 *
 * Every window on a host sees the same job finish and may record it: lines are deduplicated on read
 * (one entry per job and attempt; a later line replaces an earlier one only if it tells more, see
 * `improves`), and a window does not write a line it already knows. Windows read one another's lines
 * incrementally, from the offset read so far. A line that cannot be read (cut short by a crash, or
 * written by a newer version) is skipped and counted, never fatal; the next line written after a torn
 * one starts on a line of its own.
 *
 * Sums are kept per day × folder × model × window as lines are read, so `rows()` and `summary()` cost
 * the number of such groups, not the number of jobs.
 */
import { z } from 'zod';
import type { BlobStore } from '../jobs/fileBlobStore';
import type { JobRecord } from '../jobs/job';
import {
  countsAsUsage,
  improves,
  localDay,
  USAGE_VERSION,
  UsageEntrySchema,
  usageEntryOf,
  usageKey,
  type UsageContext,
  type UsageEntry,
  type UsageSource,
} from './usageEntry';
import { addEntry, addTotals, emptyTotals, finish, type Sums, type UsageTotals } from './usageTotals';

export type { UsageContext, UsageCost, UsageEntry } from './usageEntry';
export type { UsageTotals } from './usageTotals';

export const USAGE_FILE = 'usage.jsonl';
/** Lines read between two yields to the event loop. */
const SLICE_LINES = 500;

/** Written once the jobs the history already held were taken in (see backfill). */
const BackfillMarkSchema = z.object({ v: z.literal(USAGE_VERSION), backfilledAt: z.number() });

/** One group of `rows()`: a day, a workspace folder, a model and a window, with their sums. */
export interface UsageRow extends UsageTotals {
  readonly day: string;
  readonly folder: string;
  readonly model: string;
  readonly window: string;
  /** The dates of the price lists its estimates came from, oldest first. */
  readonly pricesDates: readonly string[];
}

/** Which rows to return; days are `YYYY-MM-DD`, both ends included. */
export interface UsageFilter {
  readonly fromDay?: string;
  readonly toDay?: string;
  readonly folder?: string;
  readonly model?: string;
  readonly window?: string;
}

export interface UsageSummary {
  /** `YYYY-MM-DD` of `now`. */
  readonly day: string;
  readonly today: UsageTotals;
  /** The calendar month of `now`, today included. */
  readonly month: UsageTotals;
  /** Everything in the ledger. */
  readonly allTime: UsageTotals;
}

export interface UsageLedgerOptions {
  /** The day of a time, `YYYY-MM-DD` (by default in this machine's time zone). */
  readonly dayOf?: (ms: number) => string;
  /** Told once per read about lines that were skipped. */
  readonly warn?: (message: string) => void;
}

interface Group {
  readonly day: string;
  readonly folder: string;
  readonly model: string;
  readonly window: string;
  readonly entries: Map<string, UsageEntry>;
  sums: Sums;
  pricesDates: Set<string>;
}

export class UsageLedger {
  private readonly entries = new Map<string, UsageEntry>();
  private readonly groups = new Map<string, Group>();
  private readonly listeners = new Set<() => void>();
  private readonly dayOf: (ms: number) => string;
  private offset = 0;
  private identity: string | undefined;
  /** The file read so far ends inside a line (a torn write): the next write starts a new line. */
  private torn = false;
  private reading: Promise<void> | undefined;
  private writing: Promise<unknown> = Promise.resolve();
  private skippedLines = 0;
  private backfilled = false;

  constructor(
    private readonly blobs: BlobStore,
    private readonly options: UsageLedgerOptions = {},
  ) {
    this.dayOf = options.dayOf ?? localDay;
  }

  /** Jobs counted (one per job and attempt). */
  get size(): number {
    return this.entries.size;
  }

  /** Lines read that could not be: torn by a crash, or from a newer version. */
  get skipped(): number {
    return this.skippedLines;
  }

  /** Whether this job's attempt is counted already (as far as the file was read). */
  has(jobId: string, attempt: number): boolean {
    return this.entries.has(usageKey({ jobId, attempt }));
  }

  /** Called after the totals changed: a job recorded here, or lines of another window read. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Reads what was appended since the last read (all of it the first time, or after the file was replaced). */
  load(): Promise<void> {
    const read = async (): Promise<void> => {
      const tail = await this.blobs.readFrom(USAGE_FILE, this.offset, this.identity);
      if (!tail) {
        if (this.offset > 0 || this.entries.size > 0) {
          // Deleted: the user wants to start over.
          this.reset();
          this.emit();
        }
        return;
      }
      const replaced = tail.start === 0 && this.offset > 0;
      if (replaced) {
        this.reset();
      }
      // Only whole lines: another window may be in the middle of appending one.
      const end = tail.bytes.lastIndexOf(0x0a) + 1;
      const lines = Buffer.from(tail.bytes.buffer, tail.bytes.byteOffset, end).toString('utf8').split('\n');
      let changed = replaced;
      let skipped = 0;
      for (let from = 0; from < lines.length; from += SLICE_LINES) {
        if (from > 0) {
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        for (const line of lines.slice(from, from + SLICE_LINES)) {
          const taken = this.takeLine(line);
          changed ||= taken === 'taken';
          skipped += taken === 'skipped' ? 1 : 0;
        }
      }
      this.offset = tail.start + end;
      this.identity = tail.identity;
      this.torn = end < tail.bytes.length;
      this.skippedLines += skipped;
      if (skipped > 0) {
        this.options.warn?.(`Skipped ${skipped} line(s) of the usage ledger that could not be read`);
      }
      if (changed) {
        this.emit();
      }
    };
    this.reading = (this.reading ?? Promise.resolve()).then(read, read);
    return this.reading;
  }

  /**
   * Counts a finished job's usage, once: false when it does not count (see countsAsUsage) or the
   * ledger already holds it as well as `context` could tell it.
   */
  record(job: UsageSource, context: UsageContext): Promise<boolean> {
    if (!countsAsUsage(job)) {
      return Promise.resolve(false);
    }
    const entry = usageEntryOf(job, context, this.dayOf);
    if (!this.isNews(entry)) {
      // Other windows' lines can only tell more: what cannot be improved now never can, so skip the read.
      return Promise.resolve(false);
    }
    return this.serially(async () => {
      await this.load();
      if (!this.isNews(entry)) {
        return false;
      }
      await this.append([entry]);
      return true;
    });
  }

  /** Whether the jobs from before the ledger still have to be counted (see backfill). */
  async needsBackfill(): Promise<boolean> {
    await this.load();
    return !this.backfilled;
  }

  /**
   * Once per ledger file: counts the jobs recorded before there was a ledger (an upgrade) — those the
   * history and the job list hold now — and marks the file so no window does it again. Returns how
   * many jobs it added.
   */
  backfill(jobs: Iterable<JobRecord>, contextOf: (job: JobRecord) => UsageContext, now: number): Promise<number> {
    return this.serially(async () => {
      await this.load();
      if (this.backfilled) {
        return 0;
      }
      const added = new Map<string, UsageEntry>();
      for (const job of jobs) {
        if (countsAsUsage(job)) {
          const entry = usageEntryOf(job, contextOf(job), this.dayOf);
          if (this.isNews(entry) && !added.has(usageKey(entry))) {
            added.set(usageKey(entry), entry);
          }
        }
      }
      await this.append([...added.values()], { v: USAGE_VERSION, backfilledAt: now });
      return added.size;
    });
  }

  /** Sums per day × folder × model × window, oldest day first. */
  rows(filter: UsageFilter = {}): UsageRow[] {
    const rows: UsageRow[] = [];
    for (const group of this.groups.values()) {
      if (
        (filter.fromDay !== undefined && group.day < filter.fromDay) ||
        (filter.toDay !== undefined && group.day > filter.toDay) ||
        (filter.folder !== undefined && group.folder !== filter.folder) ||
        (filter.model !== undefined && group.model !== filter.model) ||
        (filter.window !== undefined && group.window !== filter.window)
      ) {
        continue;
      }
      const { day, folder, model, window } = group;
      rows.push(Object.freeze({ day, folder, model, window, ...finish(group.sums), pricesDates: [...group.pricesDates].sort() }));
    }
    return rows.sort((a, b) => compare(a.day, b.day) || compare(a.folder, b.folder) || compare(a.model, b.model) || compare(a.window, b.window));
  }

  /** Today's, this month's and all the ledger's sums, as of `now`. */
  summary(now: number): UsageSummary {
    const day = this.dayOf(now);
    const month = day.slice(0, 8);
    const today = emptyTotals();
    const thisMonth = emptyTotals();
    const allTime = emptyTotals();
    for (const group of this.groups.values()) {
      addTotals(allTime, group.sums);
      if (group.day.startsWith(month)) {
        addTotals(thisMonth, group.sums);
        if (group.day === day) {
          addTotals(today, group.sums);
        }
      }
    }
    return Object.freeze({ day, today: finish(today), month: finish(thisMonth), allTime: finish(allTime) });
  }

  /** Whether the ledger lacks this job, or knows less about it than `entry` says. */
  private isNews(entry: UsageEntry): boolean {
    const known = this.entries.get(usageKey(entry));
    return known === undefined || improves(entry, known);
  }

  private async append(entries: readonly UsageEntry[], mark?: z.infer<typeof BackfillMarkSchema>): Promise<void> {
    const lines = [...entries, ...(mark ? [mark] : [])].map((line) => `${JSON.stringify(line)}\n`);
    if (lines.length === 0) {
      return;
    }
    // After a torn line, a new line of our own: otherwise the first entry would be glued to it and lost.
    await this.blobs.append(USAGE_FILE, (this.torn ? '\n' : '') + lines.join(''));
    this.torn = false;
    for (const entry of entries) {
      this.take(entry);
    }
    this.backfilled ||= mark !== undefined;
    if (entries.length > 0) {
      this.emit();
    }
  }

  private takeLine(line: string): 'taken' | 'known' | 'skipped' {
    if (!line.trim()) {
      return 'known';
    }
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return 'skipped';
    }
    const entry = UsageEntrySchema.safeParse(raw);
    if (entry.success) {
      return this.take(entry.data) ? 'taken' : 'known';
    }
    if (BackfillMarkSchema.safeParse(raw).success) {
      this.backfilled = true;
      return 'known';
    }
    return 'skipped';
  }

  /** Counts an entry, or lets it replace the job's known one if it tells more; false when it changed nothing. */
  private take(entry: UsageEntry): boolean {
    const key = usageKey(entry);
    const known = this.entries.get(key);
    if (known !== undefined && !improves(entry, known)) {
      return false;
    }
    this.entries.set(key, entry);
    if (known !== undefined) {
      const old = this.groupOf(known);
      old.entries.delete(key);
      if (old.entries.size === 0) {
        this.groups.delete(groupKey(known));
      } else {
        // Summed again rather than subtracted, so no rounding error creeps into the costs.
        old.sums = emptyTotals();
        old.pricesDates = new Set();
        for (const kept of old.entries.values()) {
          addTo(old, kept);
        }
      }
    }
    const group = this.groupOf(entry);
    group.entries.set(key, entry);
    addTo(group, entry);
    return true;
  }

  private groupOf(entry: UsageEntry): Group {
    const key = groupKey(entry);
    let group = this.groups.get(key);
    if (!group) {
      group = {
        day: entry.day,
        folder: entry.folder,
        model: entry.model,
        window: entry.window,
        entries: new Map(),
        sums: emptyTotals(),
        pricesDates: new Set(),
      };
      this.groups.set(key, group);
    }
    return group;
  }

  private reset(): void {
    this.entries.clear();
    this.groups.clear();
    this.offset = 0;
    this.identity = undefined;
    this.torn = false;
    this.backfilled = false;
    this.skippedLines = 0;
  }

  /** Writes one at a time: a window checks what the file holds, then appends, without racing itself. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work, work);
    this.writing = run.catch(() => undefined);
    return run;
  }

  private emit(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }
}

function addTo(group: Group, entry: UsageEntry): void {
  addEntry(group.sums, entry);
  if (entry.pricesDate !== undefined) {
    group.pricesDates.add(entry.pricesDate);
  }
}

function groupKey(entry: UsageEntry): string {
  return JSON.stringify([entry.day, entry.folder, entry.model, entry.window]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
