/**
 * The job store's files: one folder per host (VS Code's global storage), shared by every window on
 * that host. Whole files are written atomically (a temporary file, then a rename); the history log
 * is appended to; a send lease is a file created only if absent.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { appendFile, link, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What was appended to a file since an offset, and which file it was (a rewrite is another file). */
export interface FileTail {
  readonly bytes: Uint8Array;
  /** Where `bytes` starts: the offset asked for, or 0 when the file was replaced since. */
  readonly start: number;
  /** Tells one file from another put in its place by a rewrite. */
  readonly identity: string;
}

export interface BlobStore {
  read(name: string): Promise<string | undefined>;
  write(name: string, text: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** Adds to the end of a file (made if missing); several windows may append to one file. */
  append(name: string, text: string): Promise<void>;
  /**
   * The bytes from `offset` to the end, if `identity` is still the file's; otherwise the whole file
   * (start 0). Undefined when there is no such file.
   */
  readFrom(name: string, offset: number, identity: string | undefined): Promise<FileTail | undefined>;
  /** Makes the file only if it does not exist; false when it already did. */
  create(name: string, text: string): Promise<boolean>;
  /** Renames a file (replacing `to`); false when there was no such file. */
  move(from: string, to: string): Promise<boolean>;
  /** For a window closing, which cannot wait: read and delete at once. */
  readNow(name: string): string | undefined;
  deleteNow(name: string): void;
}

/** Blobs as files in one folder. */
export class FileBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  async read(name: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(name), 'utf8');
    } catch (error) {
      if (isMissing(error)) {
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

  async append(name: string, text: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.path(name);
    // A window rewriting the file (compacting the history) may rename a new one into place just as
    // this one appends to the old: then the lines go to the new file too (a line twice is harmless).
    for (let attempt = 1; attempt <= 3; attempt++) {
      const before = await identityOf(target);
      await appendFile(target, text, 'utf8');
      if ((await identityOf(target)) === before || before === undefined) {
        return;
      }
    }
  }

  async readFrom(name: string, offset: number, identity: string | undefined): Promise<FileTail | undefined> {
    let handle;
    try {
      handle = await open(this.path(name), 'r');
    } catch (error) {
      if (isMissing(error)) {
        return undefined;
      }
      throw error;
    }
    try {
      const info = await handle.stat();
      const current = `${info.ino}:${info.birthtimeMs}`;
      const start = current === identity && offset <= info.size ? offset : 0;
      const bytes = new Uint8Array(info.size - start);
      let read = 0;
      while (read < bytes.length) {
        const { bytesRead } = await handle.read(bytes, read, bytes.length - read, start + read);
        if (bytesRead === 0) {
          break;
        }
        read += bytesRead;
      }
      return { bytes: bytes.subarray(0, read), start, identity: current };
    } finally {
      await handle.close();
    }
  }

  async create(name: string, text: string): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    // Written aside, then linked into place: the name appears with its whole text or not at all. (A
    // file opened with `wx` exists, empty, before its text is written; a window reading it then took
    // the empty lease for an abandoned one and sent the job too.)
    const target = this.path(name);
    const temp = `${target}.${randomUUID()}.tmp`;
    await writeFile(temp, text, 'utf8');
    try {
      await link(temp, target);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        return false;
      }
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') {
        throw error;
      }
      // A file system without hard links: create-if-absent the plain way.
      return createPlainly(target, text);
    } finally {
      await rm(temp, { force: true });
    }
  }

  readNow(name: string): string | undefined {
    try {
      return readFileSync(this.path(name), 'utf8');
    } catch (error) {
      if (isMissing(error)) {
        return undefined;
      }
      throw error;
    }
  }

  deleteNow(name: string): void {
    rmSync(this.path(name), { force: true });
  }

  async move(from: string, to: string): Promise<boolean> {
    try {
      await renameWithRetry(this.path(from), this.path(to));
      return true;
    } catch (error) {
      if (isMissing(error)) {
        return false;
      }
      throw error;
    }
  }

  private path(name: string): string {
    if (!/^[\w.-]+$/.test(name)) {
      throw new Error(`Invalid blob name: ${name}`);
    }
    return join(this.dir, name);
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

async function identityOf(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    return `${info.ino}:${info.birthtimeMs}`;
  } catch (error) {
    if (isMissing(error)) {
      return undefined;
    }
    throw error;
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

/** Create-if-absent where hard links are not available (its file is empty for a moment). */
async function createPlainly(target: string, text: string): Promise<boolean> {
  try {
    await writeFile(target, text, { encoding: 'utf8', flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return false;
    }
    throw error;
  }
}
