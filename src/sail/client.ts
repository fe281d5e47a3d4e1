/**
 * The Sail HTTP client: JSON in and out over one transport (./transport) — the host's fetch, or one
 * pooled keep-alive undici dispatcher of its own (direct or through a proxy) — every body checked
 * with zod, failures turned into SailErrors, retries per ./retry. The API key is read for every call
 * and never stored, logged or put in a message.
 */
import { randomUUID } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import type { z } from 'zod';
import { checkBaseUrl } from './baseUrl';
import { openTransport } from './connection';
import { errorFromException, errorFromHttp, excerpt, SailError, setKeyHint, withoutSecrets } from './errors';
import type { Env, ProxySettings } from './proxy';
import { DEFAULT_RETRY_POLICY, defaultSleep, parseRetryAfter, withRetry, type HttpMethod, type RetryPolicy, type Sleep } from './retry';
import {
  SailBatchDetailSchema,
  SailBatchListSchema,
  SailBatchSchema,
  SailModelListSchema,
  SailResponseSchema,
  type CreateBatchRequest,
  type CreateResponseRequest,
  type SailBatch,
  type SailBatchDetail,
  type SailModel,
  type SailResponse,
} from './schemas';
import type { FetchLike, Transport } from './transport';
import { UsageSummarySchema, type UsageRange, type UsageSummary } from './usage';

/** Matches VS Code's LogOutputChannel, so it can be passed in directly. */
export interface SailLogger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SailTimeouts {
  /** TCP + TLS connect (also to the proxy). Default 10 s. Not applied through a host `fetch`, which keeps its own (undici's 10 s). */
  connectMs?: number;
  /** Until the response headers arrive. A foreground POST /responses waits for the whole job, hence the default of 120 s. */
  headersMs?: number;
  /** Longest silence while reading the body. Default 30 s. */
  bodyMs?: number;
  /**
   * Until the response headers of a GET (a poll, the model list, a batch), at most `headersMs`: Sail
   * answers those at once, so a black-holed poll must not hold a slot for the POST's two minutes.
   * Default 20 s.
   */
  readHeadersMs?: number;
}

export interface SailClientOptions {
  /** e.g. 'https://api.sailresearch.com/v1'; validated with checkBaseUrl. */
  baseUrl: string;
  /** Read once per call (and reused for that call's retries); never cached or logged. Undefined → SailError 'auth' without a request. */
  getApiKey: () => Promise<string | undefined>;
  /**
   * The host's fetch (in VS Code, the extension host's global fetch, which applies VS Code's proxy,
   * certificate and proxy-authentication handling). When given, it carries every request to a
   * non-loopback base URL, and `proxy`, `env` and `trustedCertificates` are not used. A loopback
   * base URL is always reached directly by the client's own dispatcher, never through any proxy.
   */
  fetch?: FetchLike;
  /** For the client's own dispatcher: explicit settings win over HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  proxy?: ProxySettings;
  /**
   * For the client's own dispatcher: CA certificates (PEM) trusted besides Node's own — the
   * operating system's store, or the CA of a TLS-inspecting proxy. Applies to Sail and to an https proxy.
   */
  trustedCertificates?: readonly string[];
  timeouts?: SailTimeouts;
  retry?: Partial<RetryPolicy>;
  logger?: SailLogger;
  sleep?: Sleep;
  /** Uniform in [0, 1), for backoff jitter. */
  random?: () => number;
  /** Milliseconds clock, for Retry-After dates and durations in the log. */
  now?: () => number;
  userAgent?: string;
  /** Environment for the proxy variables; default process.env, read once at construction. */
  env?: Env;
}

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * The key to send, instead of reading it through `getApiKey`: for a caller that must know exactly
   * which key a request went out with. Never logged, like the other.
   */
  apiKey?: string;
}

export interface PostOptions extends CallOptions {
  /** At most 255 printable ASCII characters. Generated (UUID) when absent; the same key is sent on every retry. */
  idempotencyKey?: string;
}

export interface CreateResponseResult {
  response: SailResponse;
  /** 200 for a finished foreground job, 202 for an accepted background job. */
  httpStatus: number;
  idempotencyKey: string;
}

export interface BatchListQuery {
  afterId?: string;
  beforeId?: string;
  /** 1..200, Sail's default 25. Fewer results than the limit means this was the last page. */
  limit?: number;
}

export interface SailClientStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** TCP connections opened by the client's own dispatcher (to Sail, or to an HTTP proxy); a host fetch's are not counted. */
  connectionsOpened: number;
}

const DEFAULT_TIMEOUTS: Required<SailTimeouts> = { connectMs: 10_000, headersMs: 120_000, bodyMs: 30_000, readHeadersMs: 20_000 };
const DEFAULT_USER_AGENT = 'sail-vscode';
const NO_LOG: SailLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

interface RequestSpec<T> {
  method: HttpMethod;
  /** Relative to the base URL, starting with '/'. */
  path: string;
  schema: z.ZodType<T>;
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
  apiKey?: string;
}

export class SailClient {
  readonly #origin: string;
  readonly #basePath: string;
  readonly #host: string;
  readonly #transport: Transport;
  readonly #getApiKey: () => Promise<string | undefined>;
  readonly #timeouts: Required<SailTimeouts>;
  readonly #retry: RetryPolicy;
  readonly #log: SailLogger;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #userAgent: string;
  readonly #stats: SailClientStats = { requests: 0, connectionsOpened: 0 };
  #closing?: Promise<void>;

  constructor(options: SailClientOptions) {
    const checked = checkBaseUrl(options.baseUrl);
    if (!checked.ok) {
      throw new SailError('invalid_request', `invalid Sail base URL: ${checked.message}`, { userMessage: checked.message });
    }
    const base = new URL(checked.url);
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#host = base.host;
    this.#getApiKey = options.getApiKey;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#log = options.logger ?? NO_LOG;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#transport = openTransport(base, {
      fetch: options.fetch,
      proxy: options.proxy,
      env: options.env ?? process.env,
      trustedCertificates: options.trustedCertificates ?? [],
      connectMs: this.#timeouts.connectMs,
      log: this.#log,
      onConnect: () => this.#stats.connectionsOpened++,
    });
  }

  get stats(): SailClientStats {
    return { ...this.#stats };
  }

  /** POST /responses. Background requests come back 202 with status 'queued'; poll with getResponse. */
  async createResponse(body: CreateResponseRequest, options: PostOptions = {}): Promise<CreateResponseResult> {
    const idempotencyKey = checkedIdempotencyKey(options.idempotencyKey);
    const { value, status } = await this.#call({
      method: 'POST',
      path: '/responses',
      schema: SailResponseSchema,
      body,
      idempotencyKey,
      signal: options.signal,
      apiKey: options.apiKey,
    });
    return { response: value, httpStatus: status, idempotencyKey };
  }

  /** GET /responses/{id}. A 404 for a known id usually means Sail's 48 h retention has passed. */
  async getResponse(id: string, options: CallOptions = {}): Promise<SailResponse> {
    const path = `/responses/${encodeURIComponent(id)}`;
    return (await this.#call({ method: 'GET', path, schema: SailResponseSchema, signal: options.signal, apiKey: options.apiKey })).value;
  }

  async listModels(options: CallOptions = {}): Promise<SailModel[]> {
    return (await this.#call({ method: 'GET', path: '/models', schema: SailModelListSchema, signal: options.signal, apiKey: options.apiKey })).value;
  }

  async createBatch(body: CreateBatchRequest, options: PostOptions = {}): Promise<SailBatch> {
    const idempotencyKey = checkedIdempotencyKey(options.idempotencyKey);
    const request = {
      method: 'POST',
      path: '/batches',
      schema: SailBatchSchema,
      body,
      idempotencyKey,
      signal: options.signal,
      apiKey: options.apiKey,
    } as const;
    return (await this.#call(request)).value;
  }

  async getBatch(id: string, options: CallOptions = {}): Promise<SailBatchDetail> {
    const path = `/batches/${encodeURIComponent(id)}`;
    return (await this.#call({ method: 'GET', path, schema: SailBatchDetailSchema, signal: options.signal, apiKey: options.apiKey })).value;
  }

  async listBatches(query: BatchListQuery = {}, options: CallOptions = {}): Promise<SailBatch[]> {
    const params = new URLSearchParams();
    if (query.afterId !== undefined) {
      params.set('after_id', query.afterId);
    }
    if (query.beforeId !== undefined) {
      params.set('before_id', query.beforeId);
    }
    if (query.limit !== undefined) {
      params.set('limit', String(query.limit));
    }
    const search = params.size ? `?${params}` : '';
    return (await this.#call({ method: 'GET', path: `/batches${search}`, schema: SailBatchListSchema, signal: options.signal, apiKey: options.apiKey })).value;
  }

  async getBatchItem(batchId: string, customId: string, options: CallOptions = {}): Promise<SailResponse> {
    const path = `/batches/${encodeURIComponent(batchId)}/${encodeURIComponent(customId)}`;
    return (await this.#call({ method: 'GET', path, schema: SailResponseSchema, signal: options.signal, apiKey: options.apiKey })).value;
  }

  /**
   * GET /usage: the account's balance, spend and window mix (Sail's Usage API). It lives on its own
   * host, so call this on a client made for the usage base URL (`sail.usageBaseUrl`), not the
   * inference one; the key is the same.
   */
  async getUsageSummary(range: UsageRange = '30d', options: CallOptions = {}): Promise<UsageSummary> {
    const path = `/usage?${new URLSearchParams({ range })}`;
    return (await this.#call({ method: 'GET', path, schema: UsageSummarySchema, signal: options.signal, apiKey: options.apiKey })).value;
  }

  /** Closes the pooled connections once in-flight requests finish. Later calls fail with 'aborted'. */
  close(): Promise<void> {
    this.#closing ??= this.#transport.close();
    return this.#closing;
  }

  async #call<T>(spec: RequestSpec<T>): Promise<{ value: T; status: number }> {
    if (this.#closing) {
      throw new SailError('aborted', `${spec.method} ${spec.path}: the Sail client is closed`);
    }
    const apiKey = await this.#readApiKey(spec.apiKey);
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    if (payload !== undefined) {
      this.#log.trace(`${spec.method} ${spec.path} body: ${excerpt(payload, [apiKey], 100_000)}`);
    }
    return withRetry((attempt) => this.#attempt(spec, apiKey, payload, attempt), {
      method: spec.method,
      hasIdempotencyKey: spec.idempotencyKey !== undefined,
      policy: this.#retry,
      sleep: this.#sleep,
      random: this.#random,
      signal: spec.signal,
      onRetry: (error, attempt, delayMs, reason) => {
        this.#log.warn(`${error.message}; retrying in ${delayMs} ms (attempt ${attempt} failed: ${reason})`);
      },
    });
  }

  async #readApiKey(given: string | undefined): Promise<string> {
    let key: string | undefined;
    try {
      key = (given ?? (await this.#getApiKey()))?.trim();
    } catch (error) {
      throw new SailError('auth', 'could not read the Sail API key from storage', {
        cause: error,
        userMessage: l10n.t("Could not read the Sail API key from VS Code's secret storage. {0}", setKeyHint()),
      });
    }
    if (!key) {
      throw new SailError('auth', 'no Sail API key is set', { userMessage: l10n.t("No Sail API key is set. Run 'Sail: Set API Key' to enter one.") });
    }
    if (/[^\x21-\x7e]/.test(key)) {
      throw new SailError('auth', 'the Sail API key contains characters that cannot be sent in an HTTP header', {
        userMessage: l10n.t('The stored Sail API key contains spaces or other invalid characters. {0}', setKeyHint()),
      });
    }
    return key;
  }

  async #attempt<T>(spec: RequestSpec<T>, apiKey: string, payload: string | undefined, attempt: number): Promise<{ value: T; status: number }> {
    const { method, path, signal } = spec;
    const secrets = [apiKey];
    const context = { method, path, host: this.#host, secrets };
    const headers: Record<string, string> = {
      authorization: `Bearer ${apiKey}`,
      accept: 'application/json',
      'user-agent': this.#userAgent,
    };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
    }
    if (spec.idempotencyKey !== undefined) {
      headers['idempotency-key'] = spec.idempotencyKey;
    }
    const started = this.#now();
    this.#stats.requests++;
    let status: number;
    let header: (name: string) => string | undefined;
    let text: string;
    try {
      const response = await this.#transport.send({
        url: new URL(this.#origin + this.#basePath + path),
        method,
        headers,
        body: payload,
        signal,
        headersTimeoutMs: method === 'GET' ? Math.min(this.#timeouts.readHeadersMs, this.#timeouts.headersMs) : this.#timeouts.headersMs,
        bodyTimeoutMs: this.#timeouts.bodyMs,
      });
      ({ status, header, text } = response);
    } catch (error) {
      const failure = errorFromException(error, { ...context, aborted: signal?.aborted ?? false });
      this.#log.debug(`${method} ${path} attempt ${attempt}: ${failure.kind} after ${this.#now() - started} ms: ${failure.message}`);
      throw failure;
    }
    const requestId = header('x-request-id') ?? header('request-id');
    this.#log.debug(`${method} ${path} → ${status} (attempt ${attempt}, ${this.#now() - started} ms${requestId ? `, request id ${requestId}` : ''})`);
    this.#log.trace(`${method} ${path} reply: ${excerpt(text, secrets, 100_000)}`);

    if (status < 200 || status > 299) {
      throw errorFromHttp({
        method,
        path,
        status,
        bodyText: text,
        retryAfterMs: parseRetryAfter(header('retry-after'), this.#now()),
        requestId,
        secrets,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw unexpected(`${method} ${path}: HTTP ${status} reply is not JSON: ${excerpt(text, secrets) || 'empty body'}`, status, requestId);
    }
    const parsed = spec.schema.safeParse(withoutSecrets(json, secrets));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
      throw unexpected(
        `${method} ${path}: HTTP ${status} reply has an unexpected shape (${excerpt(where, secrets, 120)}): ${excerpt(text, secrets)}`,
        status,
        requestId,
      );
    }
    return { value: parsed.data, status };
  }
}

function unexpected(message: string, status: number, requestId: string | undefined): SailError {
  return new SailError('unexpected_response', message, { status, requestId });
}

function checkedIdempotencyKey(key: string | undefined): string {
  if (key === undefined) {
    return randomUUID();
  }
  if (key.length === 0 || key.length > 255 || /[^\x20-\x7e]/.test(key)) {
    throw new SailError('invalid_request', 'idempotency key must be 1..255 printable ASCII characters', {
      userMessage: l10n.t('The request could not be sent: its idempotency key is invalid (1 to 255 printable ASCII characters).'),
    });
  }
  return key;
}
