// The HTTP transport: reads requests, applies injected faults around the Sail service, and serves the
// admin API under /__sim/ for tests running in another process.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccountBook, type AccountSettings } from './account';
import { BatchStore } from './batches';
import { Delays, SimClock } from './clock';
import { CounterBook, type SimCounters } from './counters';
import { echoedKeyError, injectedError, SimError } from './errors';
import { FaultBook, type FaultControl, type FaultRule } from './faults';
import { IdempotencyStore } from './idempotency';
import { JobStore } from './jobs';
import { DEFAULT_MODELS, type SimModel } from './models';
import { RequestLog, type SimRequestLog } from './requestLog';
import { matchRoute, SailService, type Reply } from './service';

export interface SimulatorOptions {
  /** Default 0 (a free port). The server always binds 127.0.0.1. */
  port?: number;
  /** Accepted Bearer keys; default `['sk_sim_test']`. Each key is an account of its own… */
  apiKeys?: string[];
  /** …except keys grouped here, which share one account (a key and its rotated successor, say). */
  sharedAccounts?: string[][];
  /** Virtual-time multiplier; default 1. At 1000 a standard job (~5 min) completes in ~300 ms. */
  timeScale?: number;
  /** Emit SPEC's `pending`/`running` instead of the live `queued`/`in_progress`. */
  legacyStatuses?: boolean;
  /** Virtual ms after creation when a response (or batch) is gone: GET answers 404. Default 48 h. */
  retentionMs?: number;
  models?: SimModel[];
  /** The wall clock (ms). Default Date.now; a benchmark passes its own to run hours of Sail time in seconds. */
  now?: () => number;
  /**
   * Waits `ms` of the `now` clock: how a foreground request waits for its job, and a `slow_accept`
   * hold. Default a real timer; give one that follows your own `now`.
   */
  sleep?: (ms: number) => Promise<void>;
  /**
   * A POST under an Idempotency-Key whose first request is still being handled (a foreground job still
   * running, a `slow_accept` hold): `wait` for it and replay its answer (default), or `conflict`, 409
   * at once. Sail does not document which it does.
   */
  inFlightDuplicates?: 'wait' | 'conflict';
  /** How many of the latest requests `requests` keeps; default 10,000. */
  requestLogLimit?: number;
  /** The Usage API's balance before anything the simulator ran, in cents; default 2,500 ($25). */
  balanceCents?: number;
  /** The Usage API answers `balance_unavailable: true` and no balance. */
  balanceUnavailable?: boolean;
}

export interface Simulator {
  /** E.g. `http://127.0.0.1:43123/v1`. */
  readonly baseUrl: string;
  /** The first accepted key. */
  readonly apiKey: string;
  faults: FaultControl;
  counters: SimCounters;
  /** Every API request received (method, URL, headers, body), for checking what a client sent. */
  requests: SimRequestLog;
  /** Forgets jobs, batches, idempotency keys, the prompt cache, faults, counters and the request log. */
  reset(): void;
  /** Sail forgets every response now (GET answers 404), as when its 48 h retention has passed. */
  expire(): void;
  /** While on, new responses keep running until finishAll(), whatever their window. */
  hold(on: boolean): void;
  /** Every running response finishes now (its window has passed). */
  finishAll(): void;
  /** When a response job was created and when it becomes terminal (wall-clock ms), for measuring detection delay. */
  timing(responseId: string): { createdAtMs: number; terminalAtMs: number } | undefined;
  /** Changes what the Usage API reports as the balance (`balanceCents`: before anything was spent). */
  setAccount(settings: Partial<AccountSettings>): void;
  /** Stops listening and destroys every open socket, stalled ones included. */
  close(): Promise<void>;
}

const DEFAULT_API_KEY = 'sk_sim_test';
const DEFAULT_RETENTION_MS = 48 * 60 * 60_000;
const DEFAULT_BALANCE_CENTS = 2_500;
const MAX_BODY_BYTES = 256 * 1024 * 1024;

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const apiKeys = options.apiKeys ?? [DEFAULT_API_KEY];
  const timeScale = options.timeScale ?? 1;
  if (apiKeys.length === 0 || apiKeys.some((k) => k === '')) {
    throw new Error('apiKeys must hold at least one non-empty key');
  }
  if (!(timeScale > 0 && Number.isFinite(timeScale))) {
    throw new Error(`timeScale must be a positive number (got ${timeScale})`);
  }
  const clock = new SimClock(timeScale, options.now);
  const delays = new Delays();
  const sleep = options.sleep ?? ((ms: number) => delays.sleep(ms));
  const jobs = new JobStore({ clock, sleep, legacyStatuses: options.legacyStatuses ?? false, retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS });
  const batches = new BatchStore(jobs);
  const idempotency = new IdempotencyStore();
  const faults = new FaultBook();
  const counters = new CounterBook();
  const requests = new RequestLog(options.requestLogLimit);
  const account = new AccountBook(
    clock,
    { balanceCents: options.balanceCents ?? DEFAULT_BALANCE_CENTS, balanceUnavailable: options.balanceUnavailable ?? false },
    options.legacyStatuses ?? false,
  );
  const setAccount = (settings: Partial<AccountSettings>) => {
    if (settings.balanceCents !== undefined && !Number.isFinite(settings.balanceCents)) {
      throw new Error(`balanceCents must be a number (got ${String(settings.balanceCents)})`);
    }
    account.settings.balanceCents = settings.balanceCents ?? account.settings.balanceCents;
    account.settings.balanceUnavailable = settings.balanceUnavailable ?? account.settings.balanceUnavailable;
  };
  setAccount(account.settings);
  const service = new SailService({
    apiKeys,
    sharedAccounts: options.sharedAccounts ?? [],
    models: options.models ?? DEFAULT_MODELS,
    jobs,
    batches,
    idempotency,
    faults,
    counters,
    account,
    sleep,
    inFlightDuplicates: options.inFlightDuplicates ?? 'wait',
    startedAt: Math.floor(clock.now() / 1000),
  });
  const reset = () => {
    jobs.clear();
    batches.clear();
    idempotency.clear();
    faults.clear();
    counters.clear();
    requests.clear();
    account.clear();
  };
  const expire = () => jobs.expireAll();
  const transport = new Transport(service, faults, counters, requests, delays, reset, expire, () => jobs.finishAll(), setAccount);

  const server = createServer((req, res) => {
    transport.handle(req, res).catch((err: unknown) => {
      console.error('Sail simulator: unhandled error', err);
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey: apiKeys[0],
    faults,
    counters,
    requests,
    reset,
    expire,
    hold: (on) => jobs.hold(on),
    finishAll: () => jobs.finishAll(),
    setAccount,
    timing: (responseId) => {
      const job = jobs.get(responseId);
      return job && { createdAtMs: job.createdAtMs, terminalAtMs: job.createdAtMs + clock.realDuration(job.durationMs) };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        delays.cancelAll();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

class Transport {
  constructor(
    private readonly service: SailService,
    private readonly faults: FaultBook,
    private readonly counters: CounterBook,
    private readonly requests: RequestLog,
    private readonly delays: Delays,
    private readonly reset: () => void,
    private readonly expire: () => void,
    private readonly finish: () => void,
    private readonly setAccount: (settings: Partial<AccountSettings>) => void,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req).catch(() => null);
    const isAdmin = url.pathname.startsWith('/__sim/');
    if (!isAdmin) {
      this.requests.record(method, req.url ?? '/', req.rawHeaders, body ?? null);
    }
    if (body === null) {
      return; // The client went away mid-request.
    }
    if (body === undefined) {
      send(res, new SimError(400, 'The request body is too large (the limit is 256 MB).', 'invalid_request_error').toEnvelope(), 400);
      return;
    }
    if (isAdmin) {
      this.handleAdmin(method, url.pathname, body, res);
      return;
    }

    const route = matchRoute(method, url.pathname);
    this.counters.countRequest(method, route.name);
    const fault = this.faults.takeRequestFault(method, url.pathname, route.name, req.headers);
    if (fault?.fault === 'reset_before_record') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.fault === 'http_error') {
      const seconds = fault.retryAfterSeconds ?? (fault.status === 429 ? 1 : undefined);
      const err = injectedError(fault.status, fault.retryAfter ?? (seconds === undefined ? undefined : String(seconds)));
      send(res, err.toEnvelope(), err.status, err.headers);
      return;
    }
    if (fault?.fault === 'echo_key') {
      const err = echoedKeyError(fault.status ?? 401, req.headers.authorization);
      send(res, err.toEnvelope(), err.status);
      return;
    }

    const holdMs = fault?.fault === 'slow_accept' ? fault.delayMs : undefined;
    const reply = await this.service.handle({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body, route, holdMs });
    await this.deliver(req, res, reply, fault);
  }

  private async deliver(req: IncomingMessage, res: ServerResponse, reply: Reply, fault: FaultRule | undefined): Promise<void> {
    switch (fault?.fault) {
      case 'reset_after_record':
        req.socket.resetAndDestroy();
        return;
      case 'malformed_json':
        sendRaw(res, 200, '{"id": "resp_', {});
        return;
      case 'wrong_shape':
        send(res, { object: 'surprise', data: 42, note: 'valid JSON, but not the shape this endpoint documents' }, 200);
        return;
      case 'slow_headers':
        await this.delays.sleep(fault.delayMs);
        break;
      case 'stalled_body': {
        const text = JSON.stringify(reply.body ?? {});
        res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        return;
      }
    }
    send(res, reply.body, reply.status, reply.headers);
  }

  private handleAdmin(method: string, path: string, body: string, res: ServerResponse): void {
    const route = `${method} ${path}`;
    if (route === 'POST /__sim/faults') {
      try {
        const rule = JSON.parse(body) as FaultRule;
        this.faults.inject(rule);
        send(res, { pending: this.faults.pending() }, 201);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        send(res, new SimError(400, message, 'invalid_request_error').toEnvelope(), 400);
      }
    } else if (route === 'GET /__sim/faults') {
      send(res, { pending: this.faults.pending() }, 200);
    } else if (route === 'DELETE /__sim/faults') {
      this.faults.clear();
      send(res, undefined, 204);
    } else if (route === 'GET /__sim/counters') {
      send(res, this.counters.snapshot(), 200);
    } else if (route === 'GET /__sim/requests') {
      send(res, { requests: this.requests.entries(), dropped: this.requests.dropped() }, 200);
    } else if (route === 'POST /__sim/reset') {
      this.reset();
      send(res, undefined, 204);
    } else if (route === 'POST /__sim/expire') {
      this.expire();
      send(res, undefined, 204);
    } else if (route === 'POST /__sim/finish') {
      this.finish();
      send(res, undefined, 204);
    } else if (route === 'POST /__sim/account') {
      try {
        this.setAccount(JSON.parse(body) as Partial<AccountSettings>);
        send(res, undefined, 204);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        send(res, new SimError(400, message, 'invalid_request_error').toEnvelope(), 400);
      }
    } else {
      send(res, new SimError(404, `Unknown admin route: ${route}`, 'invalid_request_error').toEnvelope(), 404);
    }
  }
}

/** The body as text, or undefined when it exceeds Sail's 256 MB limit. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, body: unknown, status: number, headers: Record<string, string> = {}): void {
  if (res.destroyed) {
    return;
  }
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  sendRaw(res, status, JSON.stringify(body), headers);
}

function sendRaw(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
}
