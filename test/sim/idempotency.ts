// Idempotency reservations (sail-api.md §1): keyed by (API key, Idempotency-Key), fingerprinted by the
// SHA-256 of the canonical JSON body. A reservation is written only once a request has been accepted.
import { createHash } from 'node:crypto';
import { badRequest } from './errors';

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

interface Reservation {
  fingerprint: string;
  targetId: string;
}

type Lookup = { kind: 'new' } | { kind: 'replay'; targetId: string };

export class IdempotencyStore {
  private readonly reservations = new Map<string, Reservation>();
  /** Requests Sail is still handling, per key: settled once each has its answer. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  /** The request still being handled under this key, if any (its promise never rejects). */
  running(apiKey: string, key: string): Promise<unknown> | undefined {
    return this.inFlight.get(scope(apiKey, key));
  }

  /** Marks the key in flight until `work` settles. */
  hold(apiKey: string, key: string, work: Promise<unknown>): void {
    const scoped = scope(apiKey, key);
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(scoped, settled);
    void settled.then(() => {
      if (this.inFlight.get(scoped) === settled) {
        this.inFlight.delete(scoped);
      }
    });
  }

  /** Throws the 400 `idempotency_error` when the key was used with a different body. */
  lookup(apiKey: string, key: string, route: string, body: unknown): Lookup {
    const reservation = this.reservations.get(scope(apiKey, key));
    if (reservation === undefined) {
      return { kind: 'new' };
    }
    if (reservation.fingerprint !== fingerprint(route, body)) {
      throw badRequest(null, 'This Idempotency-Key was already used with a different request body. Use a new key for a new request.', 'idempotency_error');
    }
    return { kind: 'replay', targetId: reservation.targetId };
  }

  reserve(apiKey: string, key: string, route: string, body: unknown, targetId: string): void {
    this.reservations.set(scope(apiKey, key), { fingerprint: fingerprint(route, body), targetId });
  }

  /** Frees a key whose record is gone (past retention). */
  release(apiKey: string, key: string): void {
    this.reservations.delete(scope(apiKey, key));
  }

  clear(): void {
    this.reservations.clear();
    this.inFlight.clear();
  }
}

/** The Idempotency-Key header, or undefined when absent or empty. Over 255 characters is a 400. */
export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key === '') {
    return undefined;
  }
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw badRequest('Idempotency-Key', `The Idempotency-Key header must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters (got ${key.length}).`);
  }
  return key;
}

function scope(apiKey: string, key: string): string {
  return `${apiKey}\u0000${key}`;
}

function fingerprint(route: string, body: unknown): string {
  return createHash('sha256').update(route).update('\u0000').update(canonicalJson(body)).digest('hex');
}

/** JSON with object keys sorted at every level, so key order never changes the fingerprint. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
