/**
 * Where jobs live between reloads: a small, versioned index in a key-value store (VS Code's
 * globalState) and the large payloads (request bodies, responses) as files. The index is also
 * mirrored to a file, because in VS Code for the Web globalState reaches the browser's storage lazily
 * and a reload can lose the last writes — which must never lose a paid job.
 *
 * The index holds only jobs still in play (live, or finished and not yet seen); settled ones move to
 * the history log (history.ts), so every change rewrites a list whose size does not grow with the
 * history. A job moved there leaves an "archived" mark in the index for an hour, so that a window
 * holding an old copy drops it instead of writing it back; a window that has read the history also
 * compares copies with it.
 *
 * Several windows share one job list, so nothing overwrites it wholesale: every copy (memory, the
 * key-value store, the file) is merged record by record (see `supersedes`), with
 * tombstones so a removed job stays removed. Everything read back is validated; an entry this version
 * cannot read is kept as it is and written back, so an older version never deletes a newer one's jobs.
 */
import { randomUUID } from 'node:crypto';
import type { BlobStore } from './fileBlobStore';
import { JobHistory, type Retention } from './history';
import { isSettled, JobRecordSchema, type JobRecord } from './job';
import { parseManifest } from './batchManifest';
import { ArchivedMarkSchema, IndexSchema, markOf, newest, outdatedBy, TombstoneSchema, type ArchivedMark } from './indexFormat';
import { supersedes } from './merge';
import { SendLeases } from './sendLease';

export { FileBlobStore, type BlobStore } from './fileBlobStore';
export { supersedes } from './merge';

/** The part of VS Code's Memento this store uses. */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
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
/** How long the index remembers that a job moved to the history, and how many such marks it keeps. */
const ARCHIVED_MS = 60 * 60_000;
const ARCHIVED_MAX = 50;

/** A job's files: its request body, its answer, and for a batch its manifest, each item's answer and (files kind) each item's response id. */
export type Payload = 'request' | 'response' | 'items' | 'remote' | `item.${string}`;

export class JobStore {
  /** The index: jobs in play. */
  private readonly jobs = new Map<string, JobRecord>();
  private readonly removed = new Map<string, number>();
  /** Jobs moved to the history: what the moved copy was, to compare other copies with. */
  private readonly archived = new Map<string, ArchivedMark>();
  /** Settled jobs, read on demand (see loadHistory). */
  private readonly history: JobHistory;
  /** Which window sends which job (see sendLease.ts). */
  readonly leases: SendLeases;
  private sorted: JobRecord[] | undefined;
  /** The history was read once: from then on each write takes in what other windows appended. */
  private historyRead = false;
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
    this.history = new JobHistory(blobs, (message) => log.warn(message));
    this.leases = new SendLeases(blobs, randomUUID(), now);
    this.merge(this.index.get<unknown>(JOB_INDEX_KEY), 'stored job list');
    this.ready = Promise.all([this.mergeFile(), this.loadStorageId()]).then(() => undefined);
    // Nothing is written before both copies are merged in.
    this.writing = this.ready;
  }

  /** Every job known here, newest first: those in play, and the history as far as it was read. */
  all(): JobRecord[] {
    if (!this.sorted) {
      const all = [...this.jobs.values()];
      for (const job of this.history.values()) {
        if (!this.jobs.has(job.id)) {
          all.push(job);
        }
      }
      this.sorted = all.sort((a, b) => b.createdAt - a.createdAt);
    }
    return [...this.sorted];
  }

  /** The jobs in play (live, or finished and not yet seen), newest first; never reads the history. */
  current(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id) ?? this.history.get(id);
  }

  /**
   * Takes in what other windows wrote to the index since this one last wrote (each write does this
   * anyway): before a decision that must not rest on an old copy, such as sending a job.
   */
  refresh(): void {
    this.merge(this.index.get<unknown>(JOB_INDEX_KEY), 'stored job list');
  }

  /** Like `get`, reading the history first when the job is not in play. */
  async find(id: string): Promise<JobRecord | undefined> {
    return this.get(id) ?? (await this.loadHistory(), this.get(id));
  }

  /** Reads what the history log gained since it was last read (all of it, the first time). */
  async loadHistory(): Promise<void> {
    await this.ready;
    await this.history.recoverOnce(this.now());
    await this.history.load();
    this.historyRead = true;
    this.sorted = undefined;
    for (const job of this.history.values()) {
      const local = this.jobs.get(job.id);
      // An index copy older than the history's (a window that moved it there and then failed to
      // rewrite the index) is dropped.
      if (local && supersedes(job, local)) {
        this.jobs.delete(job.id);
      }
    }
  }

  /**
   * Lets the history's retention remove old jobs, their files with them; pinned jobs stay. Returns
   * how many were removed.
   */
  async prune(retention: Retention): Promise<number> {
    await this.loadHistory();
    const drop = this.history.expired(retention, this.now(), this.jobs.size);
    if (drop.length === 0 && !this.history.wasteful) {
      return 0;
    }
    if (!(await this.history.rewrite(new Set(drop.map((job) => job.id)), this.now()))) {
      return 0;
    }
    this.sorted = undefined;
    for (const job of drop) {
      await this.deletePayloads(job.id);
    }
    return drop.length;
  }

  /**
   * Inserts or replaces a record and persists the index; writes are serialised in call order. When
   * the index cannot be written, the change is undone in memory too and the promise rejects: a change
   * the caller was told failed must not be written later by someone else's save (a job reported as
   * not sent must not be sent on the next start).
   */
  async save(record: JobRecord): Promise<void> {
    const before = this.jobs.get(record.id);
    const saved = JobRecordSchema.parse({ ...record, updatedAt: this.stamp(this.get(record.id)?.updatedAt) });
    this.sorted = undefined;
    if (isSettled(saved)) {
      // The log is the record from here on: the index only lets go of it once it is written there.
      await this.history.add([saved]);
      this.jobs.delete(saved.id);
      this.archived.set(saved.id, markOf(saved));
      await this.persist();
      return;
    }
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
    if (!this.jobs.has(id)) {
      await this.loadHistory();
    }
    const before = this.jobs.get(id);
    const tombstone = this.removed.get(id);
    // Past the copy it removes, like a save: a removal stamped before the job's last change (a wall
    // clock set back) would not cover the history's copy, and the job would come back in other windows.
    const at = this.stamp(this.get(id)?.updatedAt);
    this.sorted = undefined;
    if (this.history.get(id)) {
      await this.history.remove(id, at);
    }
    this.jobs.delete(id);
    this.removed.set(id, at);
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
    await this.deletePayloads(id);
  }

  private async deletePayloads(id: string): Promise<void> {
    // A batch's item answers first: the manifest names them.
    const manifest = parseManifest(await this.readPayload(id, 'items'));
    for (const item of manifest?.items ?? []) {
      await this.blobs.delete(blobName(id, `item.${item.customId}`));
    }
    await Promise.all([this.blobs.delete(blobName(id, 'request')), this.blobs.delete(blobName(id, 'response'))]);
    await Promise.all([this.blobs.delete(blobName(id, 'items')), this.blobs.delete(blobName(id, 'remote'))]);
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
  private stamp(after = 0): number {
    // Also past the copy being replaced: the history's stamps are not read into lastStamp.
    this.lastStamp = Math.max(this.lastStamp + 1, this.now(), after + 1);
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
    for (const entry of index.data.archived) {
      const parsed = ArchivedMarkSchema.safeParse(entry);
      if (parsed.success && (this.archived.get(parsed.data.id)?.at ?? -1) < parsed.data.at) {
        this.archived.set(parsed.data.id, parsed.data);
      }
    }
    this.sorted = undefined;
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
      const settled = this.history.get(incoming.id);
      if (settled && supersedes(settled, incoming)) {
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
    for (const [id, mark] of this.archived) {
      const local = this.jobs.get(id);
      if (local && outdatedBy(local, mark)) {
        this.jobs.delete(id);
      }
    }
    for (const local of [...this.jobs.values()]) {
      const settled = this.history.get(local.id);
      if (settled && supersedes(settled, local)) {
        this.jobs.delete(local.id);
      }
    }
  }

  private persist(): Promise<void> {
    const write = async () => {
      // Another window may have written since: take its changes in before writing ours (and, once
      // the history was read, the jobs it moved there: a few new lines, not the whole log).
      if (this.historyRead) {
        await this.history.load();
      }
      this.merge(this.index.get<unknown>(JOB_INDEX_KEY), 'stored job list');
      await this.mergeFile();
      if (this.newerVersion !== undefined) {
        throw new Error(
          `A newer version of the Sail extension manages the job list (format ${this.newerVersion}); reload this window to update it. Nothing was changed.`,
        );
      }
      await this.archiveSettled();
      const now = this.now();
      const snapshot = {
        version: JOB_INDEX_VERSION,
        jobs: [...this.current(), ...this.unreadable.values()],
        removed: [...this.removed].filter(([, at]) => at > now - TOMBSTONE_MS).map(([id, at]) => ({ id, at })),
        archived: newest(
          [...this.archived.values()].filter((mark) => mark.at > now - ARCHIVED_MS),
          ARCHIVED_MAX,
        ),
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

  /**
   * Moves settled jobs still in the index (written by an older version, or by a window whose move
   * failed) to the history. A failure leaves them where they are, which loses nothing.
   */
  private async archiveSettled(): Promise<void> {
    const settled = [...this.jobs.values()].filter(isSettled);
    if (settled.length === 0) {
      return;
    }
    try {
      await this.history.add(settled);
    } catch (error) {
      this.log.warn(`Could not move ${settled.length} finished job(s) to the history: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    for (const job of settled) {
      this.jobs.delete(job.id);
      this.archived.set(job.id, markOf(job));
    }
    this.sorted = undefined;
  }
}

function blobName(id: string, payload: Payload): string {
  return `${id}.${payload}.json`;
}
