/**
 * One window sends a job at a time. Every window resumes the jobs whose POST was never answered; without
 * a lease two windows would POST the same job at once, and Sail answers the second with a conflict
 * while the first runs. A lease is a file next to the job's request (so it binds exactly the windows
 * that can send it: those on the host holding the request), created only if absent, and it lapses on
 * its own, so a window that crashed mid-POST holds nobody up for long.
 */
import { z } from 'zod';
import type { BlobStore } from './fileBlobStore';

/** Longer than a POST may take (its answer's headers are awaited at most 120 s). */
export const SEND_LEASE_MS = 3 * 60_000;

const LeaseSchema = z.object({ owner: z.string(), until: z.number() });

export class SendLeases {
  /** Leases this window holds now. */
  private readonly holding = new Set<string>();

  constructor(
    private readonly blobs: BlobStore,
    /** This window. */
    private readonly owner: string,
    private readonly now: () => number,
    private readonly ttlMs = SEND_LEASE_MS,
  ) {}

  /** Takes the job's lease: true when this window may send it now. */
  async acquire(id: string): Promise<boolean> {
    const name = leaseName(id);
    const mine = JSON.stringify({ owner: this.owner, until: this.now() + this.ttlMs });
    if (!(await this.blobs.create(name, mine))) {
      const held = parse(await this.blobs.read(name));
      if (held && held.owner !== this.owner && held.until > this.now()) {
        return false;
      }
      // Ours from before, or lapsed (its window went away mid-send), or unreadable: take it over.
      await this.blobs.delete(name);
      if (!(await this.blobs.create(name, mine))) {
        return false;
      }
    }
    this.holding.add(id);
    return true;
  }

  /** Gives the lease back once the POST is answered (or has failed). */
  async release(id: string): Promise<void> {
    this.holding.delete(id);
    if (parse(await this.blobs.read(leaseName(id)))?.owner === this.owner) {
      await this.blobs.delete(leaseName(id));
    }
  }

  /**
   * The window is closing (a reload, say) with POSTs on the wire: their answers will not be recorded
   * here, so the next window must not wait for these leases to lapse. Synchronous: a closing window
   * cannot wait.
   */
  releaseAllNow(): void {
    for (const id of this.holding) {
      try {
        if (parse(this.blobs.readNow(leaseName(id)))?.owner === this.owner) {
          this.blobs.deleteNow(leaseName(id));
        }
      } catch {
        // It lapses on its own.
      }
    }
    this.holding.clear();
  }

  /** When another window's lease on the job lapses, if one holds it. */
  async heldElsewhereUntil(id: string): Promise<number | undefined> {
    const held = parse(await this.blobs.read(leaseName(id)));
    return held && held.owner !== this.owner && held.until > this.now() ? held.until : undefined;
  }
}

function parse(text: string | undefined): z.infer<typeof LeaseSchema> | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    const parsed = LeaseSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function leaseName(id: string): string {
  return `${id}.lease.json`;
}
