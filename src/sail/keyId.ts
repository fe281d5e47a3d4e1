import { createHash } from 'node:crypto';

/**
 * A short one-way name for an API key. Jobs remember it so that they are not polled, or re-sent, with
 * another account's key: Sail answers 404 for another account's response (the job would look expired)
 * and runs a re-sent request again under the other key (billing it twice). 64 bits of a hash of a
 * high-entropy key tell keys apart without revealing anything usable.
 */
export function keyId(apiKey: string): string {
  return createHash('sha256').update('sail-vscode key id v1\0').update(apiKey.trim()).digest('hex').slice(0, 16);
}
