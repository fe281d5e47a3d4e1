// Batches (sail-api.md §2.7): a group of background jobs with a bare-array, newest-first list and
// UPPERCASE per-item statuses.
import { randomBytes } from 'node:crypto';
import { badRequest } from './errors';
import type { Job, JobStore } from './jobs';

export interface Batch {
  id: string;
  createdAtMs: number;
  label: string | undefined;
  items: Map<string, Job>;
}

interface BatchPage {
  afterId?: string;
  beforeId?: string;
  limit: number;
}

export const DEFAULT_BATCH_PAGE_SIZE = 25;
export const MAX_BATCH_PAGE_SIZE = 200;

export class BatchStore {
  /** In creation order, oldest first. */
  private batches: Batch[] = [];

  constructor(private readonly jobs: JobStore) {}

  create(label: string | undefined, items: { customId: string; job: Job }[], createdAtMs: number): Batch {
    const batch: Batch = {
      id: `batch_${randomBytes(12).toString('hex')}`,
      createdAtMs,
      label,
      items: new Map(items.map(({ customId, job }) => [customId, job])),
    };
    this.batches.push(batch);
    return batch;
  }

  get(id: string): Batch | undefined {
    this.dropExpired();
    return this.batches.find((b) => b.id === id);
  }

  /**
   * Newest first. `before_id` pages towards older batches, `after_id` towards newer ones; either way
   * the page holds the `limit` batches nearest the cursor.
   */
  list(page: BatchPage): Batch[] {
    this.dropExpired();
    let lo = 0;
    let hi = this.batches.length;
    if (page.afterId !== undefined) {
      lo = this.indexOf(page.afterId, 'after_id') + 1;
    }
    if (page.beforeId !== undefined) {
      hi = this.indexOf(page.beforeId, 'before_id');
    }
    if (hi <= lo) {
      return [];
    }
    const nearest =
      page.afterId !== undefined && page.beforeId === undefined
        ? this.batches.slice(lo, lo + page.limit)
        : this.batches.slice(Math.max(lo, hi - page.limit), hi);
    return nearest.reverse();
  }

  clear(): void {
    this.batches = [];
  }

  summary(batch: Batch): Record<string, unknown> {
    return {
      id: batch.id,
      request_counts: batch.items.size,
      created_at: Math.floor(batch.createdAtMs / 1000),
      ...(batch.label !== undefined ? { label: batch.label } : {}),
    };
  }

  detail(batch: Batch): Record<string, unknown> {
    const requestStatus: Record<string, { status: string }> = {};
    for (const [customId, job] of batch.items) {
      requestStatus[customId] = { status: this.jobs.wireStatus(job).toUpperCase() };
    }
    return { ...this.summary(batch), request_status: requestStatus };
  }

  private indexOf(id: string, param: string): number {
    const index = this.batches.findIndex((b) => b.id === id);
    if (index < 0) {
      throw badRequest(param, `No batch found with id '${id}'.`);
    }
    return index;
  }

  private dropExpired(): void {
    this.batches = this.batches.filter((b) => !this.jobs.isExpired(b.createdAtMs));
  }
}
