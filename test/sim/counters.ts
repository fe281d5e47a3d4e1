// What the simulator has seen: requests per route, and inferences actually run, so tests can prove
// that retries produced exactly one inference.
import type { RouteName } from './faults';

export interface CounterSnapshot {
  /** Keyed `"<METHOD> <routeName>"`, e.g. `"POST createResponse"`. */
  requests: Record<string, number>;
  /** Inferences per Idempotency-Key (requests without a key count only in the total). */
  inferencesByIdempotencyKey: Record<string, number>;
  totalInferences: number;
  /** POSTs that arrived while another under their Idempotency-Key was still being handled. */
  concurrentDuplicates: number;
}

export interface SimCounters {
  requests(method: string, route: RouteName): number;
  inferences(idempotencyKey: string): number;
  totalInferences(): number;
  /** POSTs that arrived while another under their Idempotency-Key was still being handled. */
  concurrentDuplicates(): number;
  snapshot(): CounterSnapshot;
}

export class CounterBook implements SimCounters {
  private readonly requestCounts = new Map<string, number>();
  private readonly inferenceCounts = new Map<string, number>();
  private total = 0;
  private duplicates = 0;

  countRequest(method: string, route: RouteName): void {
    increment(this.requestCounts, requestKey(method, route));
  }

  countInference(idempotencyKey: string | undefined): void {
    this.total += 1;
    if (idempotencyKey !== undefined) {
      increment(this.inferenceCounts, idempotencyKey);
    }
  }

  countConcurrentDuplicate(): void {
    this.duplicates += 1;
  }

  concurrentDuplicates(): number {
    return this.duplicates;
  }

  requests(method: string, route: RouteName): number {
    return this.requestCounts.get(requestKey(method, route)) ?? 0;
  }

  inferences(idempotencyKey: string): number {
    return this.inferenceCounts.get(idempotencyKey) ?? 0;
  }

  totalInferences(): number {
    return this.total;
  }

  snapshot(): CounterSnapshot {
    return {
      requests: Object.fromEntries(this.requestCounts),
      inferencesByIdempotencyKey: Object.fromEntries(this.inferenceCounts),
      totalInferences: this.total,
      concurrentDuplicates: this.duplicates,
    };
  }

  clear(): void {
    this.requestCounts.clear();
    this.inferenceCounts.clear();
    this.total = 0;
    this.duplicates = 0;
  }
}

function requestKey(method: string, route: RouteName): string {
  return `${method.toUpperCase()} ${route}`;
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
