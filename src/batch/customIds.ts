/**
 * A batch item's `custom_id`, derived from the file's workspace-relative path alone, so the same
 * file gets the same id in every batch it is part of: after a reload or a re-run the answers map
 * back to their files by id, with nothing else remembered.
 *
 * Sail's rule: `^[a-z0-9][a-z0-9_-]*$`, 1..64 characters, unique within a batch.
 */
import { createHash } from 'node:crypto';

export const CUSTOM_ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
export const CUSTOM_ID_MAX_LENGTH = 64;

/**
 * 16 hex digits (64 bits) of SHA-256 over the exact path: two paths that differ only in case or
 * punctuation get the same readable part but different hashes, and 100,000 paths collide by
 * chance with a probability of about 3·10⁻¹⁰.
 */
const HASH_CHARS = 16;

export interface CustomIdOptions {
  /** Fewer hash digits, for tests that need collisions to happen (at most 16^hashChars paths may share a slug). */
  readonly hashChars?: number;
}

/**
 * `<slug of the path's tail>-<hash>`: the slug lets a person reading Sail's batch list recognise
 * the file; the hash makes the id unique. A path with nothing readable in it gets the hash alone.
 */
export function customIdFor(path: string, options: CustomIdOptions = {}): string {
  return idWithSalt(path, 0, options.hashChars ?? HASH_CHARS);
}

function idWithSalt(path: string, salt: number, hashChars: number): string {
  const hash = createHash('sha256')
    .update(salt === 0 ? path : `${path}\u0000${salt}`)
    .digest('hex')
    .slice(0, hashChars);
  const room = CUSTOM_ID_MAX_LENGTH - hash.length - 1;
  const slug = slugOfTail(path, room);
  return slug ? `${slug}-${hash}` : hash;
}

/** The last `room` characters of the path in [a-z0-9-], starting with a letter or digit. */
function slugOfTail(path: string, room: number): string {
  const slug = path
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // é → e
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  return slug.slice(-Math.max(room, 0)).replace(/^-+/, '').replace(/-+$/, '');
}

export interface CustomIds {
  readonly idOf: ReadonlyMap<string, string>;
  readonly pathOf: ReadonlyMap<string, string>;
}

/**
 * The ids of a batch's paths, both ways. Should two different paths still land on one id, the
 * path that sorts first keeps it and the others are derived again with a counter mixed into the
 * hash, so the outcome depends only on the set of paths, not on their order.
 */
export function customIdsFor(paths: Iterable<string>, options: CustomIdOptions = {}): CustomIds {
  const hashChars = options.hashChars ?? HASH_CHARS;
  const sorted = [...new Set(paths)].sort(comparePaths);
  const idOf = new Map<string, string>();
  const pathOf = new Map<string, string>();
  const collided: string[] = [];
  for (const path of sorted) {
    const id = idWithSalt(path, 0, hashChars);
    if (pathOf.has(id)) {
      collided.push(path);
    } else {
      idOf.set(path, id);
      pathOf.set(id, path);
    }
  }
  // Second pass, after every first-choice id is taken, so a re-derived id never takes one of them.
  for (const path of collided) {
    let salt = 1;
    let id = idWithSalt(path, salt, hashChars);
    while (pathOf.has(id)) {
      salt += 1;
      id = idWithSalt(path, salt, hashChars);
    }
    idOf.set(path, id);
    pathOf.set(id, path);
  }
  return { idOf, pathOf };
}

/** By UTF-16 code units: the same order on every machine and locale. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
