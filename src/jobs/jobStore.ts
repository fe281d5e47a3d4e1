/**
 * Where jobs live between reloads: a small, versioned index in a key-value store (VS Code's
 * globalState) and the large payloads (request bodies, responses) as files. The index is mirrored to a
 * file as well, and the newer copy wins on load: in VS Code for the Web, globalState reaches the
 * browser's storage lazily and a reload can lose the last writes, which must never lose a paid job.
 * Everything read back is validated; a damaged entry is dropped with a warning rather than breaking
 * the extension.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { JobRecordSchema, type JobRecord } from './job';

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
const IndexSchema = z.object({
  version: z.literal(JOB_INDEX_VERSION),
  /** When this copy was written (ms); the newer of the two copies wins. */
  savedAt: z.number().default(0),
  jobs: z.array(z.unknown()),
});

export type Payload = 'request' | 'response';

export class JobStore {
  private jobs = new Map<string, JobRecord>();
  private savedAt = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly index: KeyValueStore,
    private readonly blobs: BlobStore,
    private readonly log: StoreLogger,
  ) {
    this.adopt(this.index.get<unknown>(JOB_INDEX_KEY), 'stored job list');
  }

  /** Reads the file copy of the index and takes it if it is newer than the key-value copy. */
  async loadMirror(): Promise<void> {
    const text = await this.blobs.read(INDEX_FILE).catch(() => undefined);
    if (text === undefined) {
      return;
    }
    try {
      this.adopt(JSON.parse(text), 'job list file');
    } catch {
      this.log.warn('The job list file is not valid JSON; ignoring it.');
    }
  }

  all(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /** Inserts or replaces a record and persists the index; writes are serialised in call order. */
  save(record: JobRecord): Promise<void> {
    this.jobs.set(record.id, JobRecordSchema.parse(record));
    return this.persist();
  }

  async remove(id: string): Promise<void> {
    this.jobs.delete(id);
    await Promise.all([this.blobs.delete(blobName(id, 'request')), this.blobs.delete(blobName(id, 'response'))]);
    await this.persist();
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

  private adopt(raw: unknown, what: string): void {
    if (raw === undefined) {
      return;
    }
    const index = IndexSchema.safeParse(raw);
    if (!index.success) {
      this.log.warn(`The ${what} has an unknown format; ignoring it.`);
      return;
    }
    if (index.data.savedAt < this.savedAt) {
      return;
    }
    const jobs = new Map<string, JobRecord>();
    for (const entry of index.data.jobs) {
      const job = JobRecordSchema.safeParse(entry);
      if (job.success) {
        jobs.set(job.data.id, job.data);
      } else {
        this.log.warn(`Dropping a damaged stored job: ${job.error.issues[0]?.message ?? 'invalid'}`);
      }
    }
    this.jobs = jobs;
    this.savedAt = index.data.savedAt;
  }

  private persist(): Promise<void> {
    this.savedAt = Math.max(this.savedAt + 1, Date.now());
    const snapshot = { version: JOB_INDEX_VERSION, savedAt: this.savedAt, jobs: this.all() };
    const write = async () => {
      await this.index.update(JOB_INDEX_KEY, snapshot);
      await this.blobs.write(INDEX_FILE, JSON.stringify(snapshot));
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
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
    const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, text, 'utf8');
    await rename(temp, target);
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
