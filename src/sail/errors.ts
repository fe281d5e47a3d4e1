/**
 * One error type for everything the Sail client can fail with. `message` is for the log (never
 * holds the API key), `userMessage` is a sentence to show the user, saying what to do next.
 */
import * as l10n from '@vscode/l10n';

/** `forbidden`: an HTTP 403 that does not say it is about the key, typically a proxy, firewall or gateway on the way. */
export type SailErrorKind =
  'auth' | 'forbidden' | 'invalid_request' | 'not_found' | 'rate_limited' | 'server' | 'timeout' | 'network' | 'unexpected_response' | 'aborted';

export interface SailErrorDetails {
  userMessage?: string;
  status?: number;
  /** The API's `error.code` (or `error.type`), e.g. 'idempotency_error'; for network errors the socket error code. */
  code?: string;
  retryAfterMs?: number;
  requestId?: string;
  cause?: unknown;
}

export class SailError extends Error {
  override readonly name = 'SailError';
  readonly kind: SailErrorKind;
  readonly userMessage: string;
  readonly status?: number;
  readonly code?: string;
  readonly retryAfterMs?: number;
  readonly requestId?: string;
  /** How many HTTP attempts were made before giving up; set by the retry loop. */
  attempts?: number;

  constructor(kind: SailErrorKind, message: string, details: SailErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.userMessage = details.userMessage ?? defaultUserMessage(kind);
    this.status = details.status;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
    this.requestId = details.requestId;
  }
}

export function setKeyHint(): string {
  return l10n.t("Run 'Sail: Set API Key' to enter a valid key.");
}

/** Read when an error is made, not at load time, so the user's display language applies. */
function defaultUserMessage(kind: SailErrorKind): string {
  switch (kind) {
    case 'auth':
      return l10n.t('Sail rejected the API key. {0}', setKeyHint());
    case 'forbidden':
      return l10n.t(
        'The request was refused (HTTP 403). A proxy, firewall or gateway on the way may be blocking it: check sail.baseUrl and your proxy settings.',
      );
    case 'invalid_request':
      return l10n.t('Sail refused the request. Check the model, completion window and request settings.');
    case 'not_found':
      return l10n.t(
        'Sail no longer has this result: Sail keeps responses and batch results for at most 48 hours. Send the request again if you still need it.',
      );
    case 'rate_limited':
      return l10n.t('Sail is limiting the request rate. Wait a moment and try again.');
    case 'server':
      return l10n.t('Sail had a server error. Try again in a minute; if it keeps failing, check https://status.sailresearch.com.');
    case 'timeout':
      return l10n.t('Sail did not answer in time. Check your connection and proxy settings, then try again.');
    case 'network':
      return l10n.t('Could not reach Sail. Check your network connection and proxy settings, then try again.');
    case 'unexpected_response':
      return l10n.t("Sail sent a reply this extension does not understand. Try again; if it keeps happening, run 'Sail: Show Log' and report the log.");
    case 'aborted':
      return l10n.t('The request was cancelled.');
  }
}

const REDACTED = '[redacted]';

/** Cuts exact occurrences of the given secrets (shorter than 4 characters: too likely to be ordinary text). */
function cutSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret.length >= 4 ? out.split(secret).join(REDACTED) : out), text);
}

/** Removes the given secrets and anything that looks like a Sail key or a bearer token. */
export function redact(text: string, secrets: readonly string[] = []): string {
  return cutSecrets(text, secrets)
    .replace(/\b(Bearer\s+)(?!\[redacted\])[^\s"',;]+/gi, `$1${REDACTED}`)
    .replace(/\bsk[_-][A-Za-z0-9._-]{6,}/g, REDACTED);
}

/**
 * `value` with the given secrets cut out of every string in it (exact matches only, so model output
 * that merely looks like a key is left alone). A server may quote the key it was sent — in a failed
 * job's error message, say — and what the client returns is stored, shown and logged.
 */
export function withoutSecrets<T>(value: T, secrets: readonly string[]): T {
  const used = secrets.filter((secret) => secret.length >= 4);
  const clean = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return cutSecrets(v, used);
    }
    if (Array.isArray(v)) {
      return v.map(clean);
    }
    if (isRecord(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [clean(k), clean(inner)]));
    }
    return v;
  };
  return used.length === 0 ? value : (clean(value) as T);
}

/** A redacted, single-line excerpt of at most `max` characters, for error messages and logs. */
export function excerpt(text: string, secrets: readonly string[] = [], max = 200): string {
  // Control characters (including newlines) would break single-line log records.
  const flat = redact(text, secrets)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

interface Envelope {
  message?: string;
  code?: string;
}

/** Reads `{"error":{"message","type","code"}}` (and a few looser shapes) without trusting it. */
export function parseErrorEnvelope(bodyText: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return {};
  }
  if (!isRecord(parsed)) {
    return {};
  }
  const inner = isRecord(parsed.error) ? parsed.error : parsed;
  const message = [inner.message, inner.detail, typeof parsed.error === 'string' ? parsed.error : undefined].find(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  const code = [inner.code, inner.type].find((v): v is string | number => (typeof v === 'string' && v.length > 0) || typeof v === 'number');
  return { message, code: code === undefined ? undefined : String(code) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface HttpFailure {
  method: string;
  /** Path relative to the base URL, e.g. '/responses/resp_1'. */
  path: string;
  status: number;
  bodyText: string;
  retryAfterMs?: number;
  requestId?: string;
  /** Values to scrub from anything copied out of the body (the API key). */
  secrets?: readonly string[];
}

/** Maps a non-2xx HTTP answer to a SailError. Pure. */
export function errorFromHttp(failure: HttpFailure): SailError {
  const { method, path, status, retryAfterMs, requestId } = failure;
  const secrets = failure.secrets ?? [];
  const envelope = parseErrorEnvelope(failure.bodyText);
  const serverMessage = envelope.message !== undefined ? excerpt(envelope.message, secrets) : undefined;
  const code = envelope.code !== undefined ? excerpt(envelope.code, secrets, 80) : undefined;
  const detail = serverMessage ?? (failure.bodyText ? excerpt(failure.bodyText, secrets) : 'empty body');
  const message = `${method} ${path} failed with HTTP ${status}${code ? ` (${code})` : ''}: ${detail}`;
  const base = { status, code, requestId };

  if (status === 401 || (status === 403 && isAboutTheKey(code, serverMessage))) {
    return new SailError('auth', message, base);
  }
  if (status === 403) {
    return new SailError('forbidden', message, {
      ...base,
      userMessage: serverMessage
        ? l10n.t(
            'The request was refused (HTTP 403): {0}. A proxy, firewall or gateway on the way may be blocking it: check sail.baseUrl and your proxy settings.',
            serverMessage,
          )
        : undefined,
    });
  }
  if (status === 404) {
    // Only GET of a known id can be "gone"; a POST or the model list answering 404 means the address is wrong.
    const wrongAddress = method === 'POST' || path === '/models';
    const userMessage = wrongAddress ? l10n.t("Sail's API was not found at this address. Check the sail.baseUrl setting (it usually ends in /v1).") : undefined;
    return new SailError('not_found', message, { ...base, userMessage });
  }
  if (status === 429) {
    return new SailError('rate_limited', message, {
      ...base,
      retryAfterMs,
      userMessage:
        retryAfterMs !== undefined
          ? l10n.t('Sail is limiting the request rate. Sail asks to wait {0} s. Try again later.', Math.max(1, Math.ceil(retryAfterMs / 1000)))
          : l10n.t('Sail is limiting the request rate. Try again later.'),
    });
  }
  if (status === 408) {
    // Sail's "timed out waiting for completion"; a retry with the same idempotency key collects the job.
    return new SailError('timeout', message, {
      ...base,
      userMessage: l10n.t('Sail took too long to finish the request. Try again, or send it as a background request.'),
    });
  }
  if (status >= 500) {
    return new SailError('server', message, {
      ...base,
      retryAfterMs,
      userMessage: l10n.t('Sail had a server error (HTTP {0}). Try again in a minute; if it keeps failing, check https://status.sailresearch.com.', status),
    });
  }
  if (status >= 400) {
    return new SailError('invalid_request', message, { ...base, userMessage: invalidRequestMessage(code, serverMessage) });
  }
  return new SailError('unexpected_response', `${method} ${path} answered with unexpected HTTP ${status}: ${detail}`, base);
}

/** Sail declares no 403; one that names the key (or authentication) is about the key, any other is not. */
function isAboutTheKey(code: string | undefined, serverMessage: string | undefined): boolean {
  return (
    (code !== undefined && /api[_-]?key|auth|unauthori[sz]ed|permission/i.test(code)) ||
    (serverMessage !== undefined && /api[ _-]?key|unauthori[sz]ed|authenticat/i.test(serverMessage))
  );
}

function invalidRequestMessage(code: string | undefined, serverMessage: string | undefined): string {
  switch (code) {
    case 'idempotency_error':
      return l10n.t('Sail already has a different request under the same idempotency key. Send the request again as a new request.');
    case 'unsupported_asap_request':
      return l10n.t("The 'asap' completion window cannot run in the background. Pick another completion window, or send the request in the foreground.");
    default:
      return serverMessage
        ? l10n.t('Sail refused the request: {0}. Check the model, completion window and request settings.', serverMessage)
        : defaultUserMessage('invalid_request');
  }
}

/** Socket error codes that mean the certificate was refused: retrying will not help. */
const CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UND_ERR_PRX_TLS',
]);

export function isCertificateError(code: string | undefined): code is string {
  return code !== undefined && CERTIFICATE_CODES.has(code);
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export interface ExceptionContext {
  method: string;
  path: string;
  /** host:port the client talks to, for the user message. */
  host: string;
  /** Whether the caller's AbortSignal fired. */
  aborted: boolean;
  secrets?: readonly string[];
}

/**
 * The error and its causes, outermost first: fetch reports every failure as `TypeError: fetch
 * failed` with the socket's or undici's error as its `cause`.
 */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && chain.length < 5 && !chain.includes(current);) {
    chain.push(current);
    current = isRecord(current) || current instanceof Error ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

/** Maps an exception thrown while sending or reading a request to a SailError. Pure. */
export function errorFromException(error: unknown, context: ExceptionContext): SailError {
  if (error instanceof SailError) {
    return error;
  }
  const { method, path, host } = context;
  const secrets = context.secrets ?? [];
  const chain = causeChain(error);
  // The innermost error with a code says what happened; without one, the innermost error.
  const primary = chain.find((e) => isRecord(e) && typeof e.code === 'string') ?? chain[chain.length - 1];
  const rawCode = isRecord(primary) && typeof primary.code === 'string' ? primary.code : undefined;
  const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  const reason = excerpt(messageOf(primary), secrets);
  const message = `${method} ${path} failed: ${reason}${rawCode ? ` (${rawCode})` : ''}`;
  const allMessages = chain.map(messageOf).join(' | ');

  if (context.aborted) {
    return new SailError('aborted', `${method} ${path} was cancelled`, { cause: error });
  }
  if (rawCode !== undefined && TIMEOUT_CODES.has(rawCode)) {
    const userMessage =
      rawCode === 'UND_ERR_CONNECT_TIMEOUT'
        ? l10n.t('Timed out connecting to Sail at {0}. Check your connection and proxy settings, then try again.', host)
        : rawCode === 'UND_ERR_BODY_TIMEOUT'
          ? l10n.t('Timed out reading the reply from Sail at {0}. Check your connection and proxy settings, then try again.', host)
          : l10n.t('Timed out waiting for Sail at {0}. Check your connection and proxy settings, then try again.', host);
    return new SailError('timeout', message, { code: rawCode, cause: error, userMessage });
  }
  const proxyStatus = /Proxy response \((\d{3})\)/.exec(allMessages)?.[1] ?? (/\(407\)/.test(allMessages) ? '407' : undefined);
  if (proxyStatus !== undefined) {
    return new SailError('network', message, {
      code: 'proxy_refused',
      status: Number(proxyStatus),
      cause: error,
      userMessage:
        proxyStatus === '407'
          ? l10n.t(
              "The proxy asks for credentials (HTTP 407). Put them in VS Code's http.proxy setting (http://user:password@host:port) or set http.proxyAuthorization, then try again.",
            )
          : l10n.t("The proxy refused to connect to Sail (HTTP {0}). Check the proxy address and credentials in VS Code's http.proxy setting.", proxyStatus),
    });
  }
  // After the proxy check: undici reports a refused CONNECT as an AbortError too.
  if (chain.some((e) => e instanceof Error && e.name === 'AbortError')) {
    return new SailError('aborted', `${method} ${path} was cancelled`, { cause: error });
  }
  if (rawCode?.startsWith('UND_ERR_SOCKS5_AUTH')) {
    return new SailError('network', message, {
      code: 'proxy_refused',
      cause: error,
      userMessage: l10n.t(
        "The SOCKS5 proxy did not accept Sail's credentials. Put them in VS Code's http.proxy setting (socks5://user:password@host:port), then try again.",
      ),
    });
  }
  if (isCertificateError(rawCode)) {
    return new SailError('network', message, {
      code: rawCode,
      cause: error,
      userMessage: l10n.t(
        "The TLS certificate of {0} was not accepted ({1}). If a corporate proxy inspects TLS, add its CA certificate to your operating system's certificate store and keep VS Code's http.systemCertificates on (turning off http.proxyStrictSSL also works, but checks no certificate at all).",
        host,
        rawCode,
      ),
    });
  }
  return new SailError('network', message, {
    code: rawCode,
    cause: error,
    userMessage: l10n.t('Could not reach Sail at {0}. Check your network connection and proxy settings, then try again.', host),
  });
}
