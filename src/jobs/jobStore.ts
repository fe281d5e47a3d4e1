/**
 * Where jobs live between reloads: a small, versioned index in a key-value store (VS Code's
 * globalState) and the large payloads (request bodies, responses) as files. The index is also
 * mirrored to a file, because in VS Code for the Web globalState reaches the browser's storage lazily
 * and a reload can lose the last writes — which must never lose a paid job.
 *
 * Several windows share one job list, so nothing overwrites it wholesale: every copy (memory, the
 * key-value store, the file) is merged record by record (see `supersedes`), with
 * tombstones so a removed job stays removed. Everything read back is validated; an entry this version
 * cannot read is kept as it is and written back, so an older version never deletes a newer one's jobs.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { isFinished, isGivenUp, JobRecordSchema, type JobRecord } from './job';

/** The part of VS Code's Memento this store uses. */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface BlobStore {
  read(name: string): Promise<string | undefined>;
  write(name: string, text: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface StoreLogger {
  warn(message: string): void;
}

export const JOB_INDEX_KEY = 'sail.jobs';
export const JOB_INDEX_VERSION = 1;
const INDEX_FILE = 'index.json';
const STORAGE_ID_FILE = 'storage-id';
/** How long a removed job's tombstone is kept: longer than any window stays away. */
const TOMBSTONE_MS = 30 * 24 * 60 * 60_000;

const IndexSchema = z.object({
  version: z.number(),
  jobs: z.array(z.unknown()).default([]),
  // Each tombstone is checked on its own: one bad entry must not drop a whole copy of the list.
  removed: z.array(z.unknown()).default([]),
});
const TombstoneSchema = z.object({ id: z.string(), at: z.number() });

export type Payload = 'request' | 'response';

export class JobStore {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly removed = new Map<string, number>();
  /** Entries this version cannot read, kept verbatim (by their JSON) and written back. */
  private readonly unreadable = new Map<string, unknown>();
  private lastStamp = 0;
  /** A newer version of the extension wrote the list: this one must not overwrite it (see persist). */
  private newerVersion: number | undefined;
  private writing: Promise<void>;
  /** Settles once the file copy of the index has been merged in. */
  readonly ready: Promise<void>;
  /**
   * Names the folder holding this store's request and answer files (set once `ready`). VS Code
   * Remote windows share the job list but each has its own folder: a job whose files are elsewhere is
   * left to the window that has them.
   */
  storageId = '';

  constructor(
    private readonly index: KeyValueStore,
    private readonly blobs: BlobStore,
    private readonly log: StoreLogger,
    private readonly now: () => number = Date.now,
  ) {
    this.merge(this.index.get<unknown>(JOB_INDEX_KEY), 'stored job list');
    this.ready = Promise.all([this.mergeFile(), this.loadStorageId()]).then(() => undefined);
    // Nothing is written before both copies are merged in.
    this.writing = this.ready;
  }

  all(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /**
   * Inserts or replaces a record and persists the index; writes are serialised in call order. When
   * the index cannot be written, the change is undone in memory too and the promise rejects: a change
   * the caller was told failed must not be written later by someone else's save (a job reported as
   * not sent must not be sent on the next start).
   */
  async save(record: JobRecord): Promise<void> {
    const before = this.jobs.get(record.id);
    const saved = JobRecordSchema.parse({ ...record, updatedAt: this.stamp() });
    this.jobs.set(record.id, saved);
    try {
      await this.persist();
    } catch (error) {
      if (this.jobs.get(record.id) === saved) {
        if (before) {
          this.jobs.set(record.id, before);
        } else {
          this.jobs.delete(record.id);
        }
      }
      throw error;
    }
  }

  async remove(id: string): Promise<void> {
    const before = this.jobs.get(id);
    const tombstone = this.removed.get(id);
    this.jobs.delete(id);
    this.removed.set(id, this.stamp());
    try {
      await this.persist();
    } catch (error) {
      if (before && !this.jobs.has(id)) {
        this.jobs.set(id, before);
      }
      if (tombstone === undefined) {
        this.removed.delete(id);
      } else {
        this.removed.set(id, tombstone);
      }
      throw error;
    }
    // Files go only once the job is gone from the index: otherwise a job could outlive its request.
    await Promise.all([this.blobs.delete(blobName(id, 'request')), this.blobs.delete(blobName(id, 'response'))]);
  }

  writePayload(id: string, payload: Payload, value: unknown): Promise<void> {
    return this.blobs.write(blobName(id, payload), JSON.stringify(value));
  }

  /** The stored payload, or undefined when missing or unreadable. */
  async readPayload(id: string, payload: Payload): Promise<unknown> {
    const text = await this.blobs.read(blobName(id, payload));
    if (text === undefined) {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch {
      this.log.warn(`Stored ${payload} of job ${id} is not valid JSON; ignoring it.`);
      return undefined;
    }
  }

  /** A strictly increasing time stamp, so two changes in one millisecond still order. */
  private stamp(): number {
    this.lastStamp = Math.max(this.lastStamp + 1, this.now());
    return this.lastStamp;
  }

  private async loadStorageId(): Promise<void> {
    const stored = (await this.blobs.read(STORAGE_ID_FILE).catch(() => undefined))?.trim();
    if (stored) {
      this.storageId = stored;
      return;
    }
    this.storageId = randomUUID();
    await this.blobs.write(STORAGE_ID_FILE, this.storageId).catch((error: unknown) => {
      this.log.warn(`Could not record the job storage id: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private async mergeFile(): Promise<void> {
    const text = await this.blobs.read(INDEX_FILE).catch(() => undefined);
    if (text === undefined) {
      return;
    }
    try {
      this.merge(JSON.parse(text), 'job list file');
    } catch {
      this.log.warn('The job list file is not valid JSON; ignoring it.');
    }
  }

  /** Merges another copy of the index into memory, record by record. */
  private merge(raw: unknown, what: string): void {
    if (raw === undefined) {
      return;
    }
    const index = IndexSchema.safeParse(raw);
    if (index.success && index.data.version > JOB_INDEX_VERSION) {
      // Written by a newer version (a window that auto-updated first). Writing our format over it
      // would lose what it knows; this window reads nothing from it and writes nothing to it.
      if (this.newerVersion === undefined) {
        this.log.warn(
          `The ${what} was written by a newer version of Sail (format ${index.data.version}); this window will not change it. Reload it to update.`,
        );
      }
      this.newerVersion = index.data.version;
      return;
    }
    if (!index.success || index.data.version !== JOB_INDEX_VERSION) {
      // Probably written by a newer version: keep a copy, since this version will write its own.
      const backup = `index.unknown-${index.success ? `v${index.data.version}` : 'format'}.json`;
      this.log.warn(`The ${what} has an unknown format; leaving it out (a copy is kept as ${backup}).`);
      void this.blobs.write(backup, JSON.stringify(raw)).catch(() => undefined);
      return;
    }
    for (const entry of index.data.removed) {
      const tombstone = TombstoneSchema.safeParse(entry);
      if (!tombstone.success) {
        continue;
      }
      const { id, at } = tombstone.data;
      this.lastStamp = Math.max(this.lastStamp, at);
      if ((this.removed.get(id) ?? -1) < at) {
        this.removed.set(id, at);
      }
    }
    for (const entry of index.data.jobs) {
      const job = JobRecordSchema.safeParse(entry);
      if (!job.success) {
        const key = JSON.stringify(entry);
        if (!this.unreadable.has(key)) {
          this.unreadable.set(key, entry);
          this.log.warn(`Keeping a stored job this version cannot read: ${job.error.issues[0]?.message ?? 'invalid'}`);
        }
        continue;
      }
      const incoming = job.data;
      this.lastStamp = Math.max(this.lastStamp, incoming.updatedAt);
      const local = this.jobs.get(incoming.id);
      if ((this.removed.get(incoming.id) ?? -1) >= incoming.updatedAt) {
        continue;
      }
      if (!local || supersedes(incoming, local)) {
        this.jobs.set(incoming.id, incoming);
      }
    }
    for (const [id, at] of this.removed) {
      const local = this.jobs.get(id);
      if (local && local.updatedAt <= at) {
        this.jobs.delete(id);
      }
    }
  }

  private persist(): Promise<void> {
    const write = async () => {
      // Another window may have written since: take its changes in before writing ours.
      this.merge(this.index.get<unknown>(JOB_INDEX_KEY), 'stored job list');
      await this.mergeFile();
      if (this.newerVersion !== undefined) {
        throw new Error(
          `A newer version of the Sail extension manages the job list (format ${this.newerVersion}); reload this window to update it. Nothing was changed.`,
        );
      }
      const horizon = this.now() - TOMBSTONE_MS;
      const snapshot = {
        version: JOB_INDEX_VERSION,
        jobs: [...this.all(), ...this.unreadable.values()],
        removed: [...this.removed].filter(([, at]) => at > horizon).map(([id, at]) => ({ id, at })),
      };
      // The key-value store is the commit point; the file is a safety copy for VS Code for the Web.
      await this.index.update(JOB_INDEX_KEY, snapshot);
      await this.blobs.write(INDEX_FILE, JSON.stringify(snapshot)).catch((error: unknown) => {
        this.log.warn(`Could not write the job list file: ${error instanceof Error ? error.message : String(error)}`);
      });
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}

/**
 * Whether `incoming` wins over `local`, two versions of one job from different windows. A later
 * attempt (Send Again) wins; within one attempt, a copy that knows Sail's response id wins over one
 * that does not (losing the id loses a job Sail runs and bills: a window whose duplicate POST was
 * refused must not undo the window whose POST was accepted); then a finished copy wins over an unfinished one (a window
 * still holding the running copy must not bring a finished job back to life), and an answered one
 * (completed, incomplete, failed, cancelled) over one that was given up (expired, no longer tracked) —
 * the answer is what was paid for; otherwise the newer change wins.
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
  return rank !== 0 ? rank > 0 : incoming.updatedAt > local.updatedAt;
}

function finality(job: JobRecord): number {
  if (!isFinished(job.state)) {
    return 0;
  }
  return isGivenUp(job.state) ? 1 : 2;
}

function blobName(id: string, payload: Payload): string {
  return `${id}.${payload}.json`;
}

/** Blobs as files in one folder, written atomically (temp file, then rename). */
export class FileBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  async read(name: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
  }

  async write(name: string, text: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.path(name);
    const temp = `${target}.${randomUUID()}.tmp`;
    try {
      await writeFile(temp, text, 'utf8');
      await renameWithRetry(temp, target);
    } catch (error) {
      // Never leave half-written temporaries behind (a full disk, a locked target).
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  async delete(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }

  private path(name: string): string {
    if (!/^[\w.-]+$/.test(name)) {
      throw new Error(`Invalid blob name: ${name}`);
    }
    return join(this.dir, name);
  }
}

/** Codes with which Windows refuses a rename while another process (an antivirus, an indexer) holds the file. */
const TRANSIENT_RENAME = new Set(['EPERM', 'EBUSY', 'EACCES']);

async function renameWithRetry(from: string, to: string, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= attempts || code === undefined || !TRANSIENT_RENAME.has(code)) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}
