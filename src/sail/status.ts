/**
 * Sail reports job status in two vocabularies: the OpenAI names on the wire
 * (queued, in_progress, …) and the older OpenAPI enum (pending, running, …); batch items use
 * UPPERCASE. Everything is folded into one set here.
 */
export type SailStatus = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled' | 'unknown';

const ALIASES: Readonly<Record<string, SailStatus>> = {
  queued: 'queued',
  pending: 'queued',
  in_progress: 'in_progress',
  running: 'in_progress',
  completed: 'completed',
  incomplete: 'incomplete',
  failed: 'failed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

export function normalizeStatus(raw: string): SailStatus {
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return Object.hasOwn(ALIASES, key) ? ALIASES[key] : 'unknown';
}

const TERMINAL: ReadonlySet<SailStatus> = new Set(['completed', 'incomplete', 'failed', 'cancelled']);

/** `unknown` is not terminal: a status this client does not know yet is treated as still running. */
export function isTerminal(status: SailStatus): boolean {
  return TERMINAL.has(status);
}
