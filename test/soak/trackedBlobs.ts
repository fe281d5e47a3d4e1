import type { BlobStore, FileTail } from '../../src/jobs/fileBlobStore';
import type { SoakClock } from './soakClock';

/**
 * The jobs folder as the soak clock sees it: every operation counts as busy work, so virtual time
 * waits for the disk, and writes (of any kind) fail whenever `fails()` says so, as a full disk would.
 */
export class TrackedBlobs implements BlobStore {
  constructor(
    private readonly inner: BlobStore,
    private readonly clock: SoakClock,
    private readonly fails: () => boolean = () => false,
  ) {}

  read(name: string): Promise<string | undefined> {
    return this.clock.track(() => this.inner.read(name));
  }

  write(name: string, text: string): Promise<void> {
    return this.writing(name, () => this.inner.write(name, text));
  }

  delete(name: string): Promise<void> {
    return this.clock.track(() => this.inner.delete(name));
  }

  append(name: string, text: string): Promise<void> {
    return this.writing(name, () => this.inner.append(name, text));
  }

  readFrom(name: string, offset: number, identity: string | undefined): Promise<FileTail | undefined> {
    return this.clock.track(() => this.inner.readFrom(name, offset, identity));
  }

  create(name: string, text: string): Promise<boolean> {
    return this.writing(name, () => this.inner.create(name, text));
  }

  move(from: string, to: string): Promise<boolean> {
    return this.writing(from, () => this.inner.move(from, to));
  }

  readNow(name: string): string | undefined {
    return this.inner.readNow(name);
  }

  deleteNow(name: string): void {
    this.inner.deleteNow(name);
  }

  private writing<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.clock.track(async () => {
      if (this.fails()) {
        throw new Error(`EIO: could not write ${name} (soak)`);
      }
      return work();
    });
  }
}
