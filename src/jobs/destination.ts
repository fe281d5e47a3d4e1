/**
 * Which base URL and API key a job may use, the destination policy. A job is only ever asked about,
 * or re-sent, where and with the key it was sent: Sail at another address answers 404 for it (it would
 * look expired), and a request re-sent with another account's key runs, and is billed, a second time.
 * Pure: it answers with reason codes; the view layer turns them into words.
 */
import { keyId } from '../sail/keyId';
import type { JobRecord, WaitingReason } from './job';

/** Where, and with which key, requests go now (the key read once, for the request about to go). */
export interface Here {
  /** Undefined when `sail.baseUrl` is invalid (if base URLs are tracked at all). */
  readonly baseUrl?: string;
  readonly tracksBaseUrl: boolean;
  /** Whether keys are tracked at all (the tracker was given a key reader). */
  readonly tracksKey: boolean;
  readonly apiKey?: string;
  readonly keyId?: string;
}

export interface DestinationSources {
  /** The base URL requests go to now; undefined when the setting is invalid. */
  readonly baseUrl?: () => string | undefined;
  /** Reads the current API key (SecretStorage). */
  readonly apiKey?: () => Promise<string | undefined>;
}

/** Reads the current destination; the key is read once and sent exactly as read. */
export async function currentDestination(sources: DestinationSources): Promise<Here> {
  const baseUrl = sources.baseUrl?.();
  const tracksBaseUrl = sources.baseUrl !== undefined;
  if (!sources.apiKey) {
    return { baseUrl, tracksBaseUrl, tracksKey: false };
  }
  const apiKey = (await sources.apiKey())?.trim() || undefined;
  return { baseUrl, tracksBaseUrl, tracksKey: true, apiKey, keyId: apiKey === undefined ? undefined : keyId(apiKey) };
}

/** The job is bound to a key, and the current key is another one. */
export function sentWithOtherKey(job: Pick<JobRecord, 'keyId'>, here: Here): boolean {
  return job.keyId !== undefined && here.keyId !== undefined && job.keyId !== here.keyId;
}

/**
 * Why the job must wait instead of being asked about (`poll`) or sent (`send`) from here, if it must.
 * Polling with another key is allowed: a rotated key of the same account reads the job, and a GET
 * costs nothing; only a 404 under it makes the job wait (see the poller).
 */
export function blocked(job: Pick<JobRecord, 'baseUrl' | 'keyId'>, here: Here, purpose: 'poll' | 'send'): WaitingReason | undefined {
  if (here.tracksBaseUrl && here.baseUrl === undefined) {
    return 'invalidBaseUrl';
  }
  if (job.baseUrl && here.baseUrl && job.baseUrl !== here.baseUrl) {
    return 'otherBaseUrl';
  }
  if (here.tracksKey && here.keyId === undefined) {
    return 'noKey';
  }
  if (purpose === 'send' && sentWithOtherKey(job, here)) {
    return 'otherKey';
  }
  return undefined;
}

/** The base URL and key to record on a job about to be sent (a job keeps the first ones it got). */
export function bindTo(job: JobRecord, here: Here): Pick<JobRecord, 'baseUrl' | 'keyId'> {
  return { baseUrl: job.baseUrl ?? here.baseUrl, keyId: job.keyId ?? here.keyId };
}
