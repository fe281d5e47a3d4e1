import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

const KEY = 'sail.installSalt';

/**
 * A random secret made once per install (kept in globalState, which is per user and machine), mixed
 * into derived identifiers such as the prompt-cache key so they reveal nothing about paths.
 */
export function installSalt(state: vscode.Memento): string {
  const existing = state.get<unknown>(KEY);
  if (typeof existing === 'string' && existing.length >= 32) {
    return existing;
  }
  const salt = randomBytes(32).toString('base64url');
  void state.update(KEY, salt);
  return salt;
}
