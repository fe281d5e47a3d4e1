/**
 * How a failed Sail request reaches the extension that asked a `sail` model: as a
 * vscode.LanguageModelError where one of its codes fits, else as a plain Error. VS Code hands a
 * provider's error to the caller by name and code: an Error named `LanguageModelError` comes out as
 * vscode.LanguageModelError with the same `code` (`LanguageModelError.tryDeserialize` in the host, see
 * docs/lm-api.md §7), any other Error as a plain one. The stable codes are the static factories'
 * names: NoPermissions, NotFound, Blocked.
 */
import type { SailError } from '../sail/errors';

export type LmErrorCode = 'NoPermissions' | 'NotFound' | 'Blocked';

export type LmFailure =
  /** The caller cancelled: the glue throws vscode.CancellationError. */
  | { readonly kind: 'cancelled' }
  /** vscode.LanguageModelError[code](message), or a plain Error(message) when code is undefined. */
  | { readonly kind: 'error'; readonly code: LmErrorCode | undefined; readonly message: string };

/**
 * A refused or missing key is NoPermissions (what the caller can tell its user: set a key); an unknown
 * model (Sail's 404, or 400 `model_not_found`) is NotFound; a rate limit or exhausted quota is Blocked.
 * Everything else (a bad request, a server error, the network) has no code of its own. The message is
 * the sentence the rest of the extension shows: it says what to do and never holds the key.
 */
export function lmFailureOf(error: SailError): LmFailure {
  if (error.kind === 'aborted') {
    return { kind: 'cancelled' };
  }
  return { kind: 'error', code: codeOf(error), message: error.userMessage };
}

function codeOf(error: SailError): LmErrorCode | undefined {
  if (error.kind === 'auth') {
    return 'NoPermissions';
  }
  if (error.kind === 'not_found' || error.code === 'model_not_found') {
    return 'NotFound';
  }
  if (error.kind === 'rate_limited') {
    return 'Blocked';
  }
  return undefined;
}
