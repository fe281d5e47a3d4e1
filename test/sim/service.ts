// What Sail answers: routing, auth, idempotency and the endpoint handlers. No sockets here; the
// transport (and fault injection) is in server.ts.
import type { IncomingHttpHeaders } from 'node:http';
import type { AccountBook } from './account';
import { DEFAULT_BATCH_PAGE_SIZE, MAX_BATCH_PAGE_SIZE, type Batch, type BatchStore } from './batches';
import type { CounterBook } from './counters';
import { badRequest, invalidApiKey, keyInFlight, notFound, SimError } from './errors';
import type { FaultBook, RouteName } from './faults';
import { readIdempotencyKey, type IdempotencyStore } from './idempotency';
import type { Job, JobStore } from './jobs';
import type { SimModel } from './models';
import { parseBatchRequest, parseResponseRequest, type ResponseRequest } from './validate';

export interface Route {
  name: RouteName;
  /** Path parameters in order: response_id, or batch_id then custom_id. */
  ids: string[];
}

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  route: Route;
  /** The `slow_accept` fault: how long (on the simulator's clock) Sail holds a POST /responses before recording it. */
  holdMs?: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SailServiceDeps {
  apiKeys: readonly string[];
  /** Groups of keys that are one account; any other key is an account of its own. */
  sharedAccounts: readonly (readonly string[])[];
  models: readonly SimModel[];
  jobs: JobStore;
  batches: BatchStore;
  idempotency: IdempotencyStore;
  faults: FaultBook;
  counters: CounterBook;
  /** The Usage API's figures: what was spent, the balance. */
  account: AccountBook;
  /** Waits on the simulator's clock. */
  sleep: (ms: number) => Promise<void>;
  /** What a POST meets when another one under its Idempotency-Key is still being handled. */
  inFlightDuplicates: 'wait' | 'conflict';
  /** Unix seconds reported as `created` for models that do not set one. */
  startedAt: number;
}

export function matchRoute(method: string, path: string): Route {
  let segments: string[];
  try {
    segments = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return { name: 'unknown', ids: [] };
  }
  const [version, collection, ...ids] = segments;
  if (version !== 'v1' || ids.some((id) => id === '')) {
    return { name: 'unknown', ids: [] };
  }
  const name = routeName(method, collection, ids.length);
  return { name, ids: name === 'unknown' ? [] : ids };
}

function routeName(method: string, collection: string | undefined, depth: number): RouteName {
  const key = `${method} ${collection} ${depth}`;
  const routes: Record<string, RouteName> = {
    'GET models 0': 'listModels',
    'POST responses 0': 'createResponse',
    'GET responses 1': 'getResponse',
    'POST batches 0': 'createBatch',
    'GET batches 0': 'listBatches',
    'GET batches 1': 'getBatch',
    'GET batches 2': 'getBatchRequestResult',
    'GET usage 0': 'getUsage',
  };
  return routes[key] ?? 'unknown';
}

export class SailService {
  constructor(private readonly deps: SailServiceDeps) {}

  async handle(request: SimRequest): Promise<Reply> {
    try {
      return await this.dispatch(request);
    } catch (err) {
      if (err instanceof SimError) {
        return { status: err.status, body: err.toEnvelope(), headers: err.headers };
      }
      const message = err instanceof Error ? err.message : String(err);
      return { status: 500, body: new SimError(500, `Simulator bug: ${message}`, 'server_error').toEnvelope() };
    }
  }

  private async dispatch(request: SimRequest): Promise<Reply> {
    if (!request.path.startsWith('/v1/')) {
      throw unknownPath(request);
    }
    const apiKey = this.authenticate(request.headers);
    const [first, second] = request.route.ids;
    switch (request.route.name) {
      case 'listModels':
        return { status: 200, body: this.listModels() };
      case 'createResponse':
        return this.createResponse(request, apiKey);
      case 'getResponse':
        return { status: 200, body: this.deps.jobs.render(this.findJob(first, apiKey)) };
      case 'createBatch':
        return this.createBatch(request, apiKey);
      case 'listBatches':
        return { status: 200, body: this.deps.batches.list(readPage(request.query)).map((b) => this.deps.batches.summary(b)) };
      case 'getBatch':
        return { status: 200, body: this.deps.batches.detail(this.findBatch(first, 'Batch not found')) };
      case 'getBatchRequestResult': {
        const job = this.findBatch(first, 'Batch or request not found').items.get(second);
        if (job === undefined) {
          throw notFound('Batch or request not found');
        }
        return { status: 200, body: this.deps.jobs.render(job) };
      }
      case 'getUsage':
        return { status: 200, body: this.deps.account.summary(request.query.get('range'), (job) => this.account(job.apiKey) === this.account(apiKey)) };
      case 'unknown':
        throw unknownPath(request);
    }
  }

  private account(apiKey: string): string {
    return this.deps.sharedAccounts.find((keys) => keys.includes(apiKey))?.[0] ?? apiKey;
  }

  private authenticate(headers: IncomingHttpHeaders): string {
    const match = /^Bearer (\S+)$/i.exec(headers.authorization ?? '');
    if (match === null || !this.deps.apiKeys.includes(match[1])) {
      throw invalidApiKey();
    }
    return match[1];
  }

  private listModels(): unknown {
    return {
      object: 'list',
      data: this.deps.models.map((m) => ({
        id: m.id,
        object: 'model',
        created: m.created ?? this.deps.startedAt,
        owned_by: m.ownedBy ?? m.id.split('/')[0],
      })),
    };
  }

  /**
   * One request per Idempotency-Key at a time: a POST whose key is in flight waits for that request
   * and replays its answer, or meets a 409 (`inFlightDuplicates`).
   */
  private async createResponse(request: SimRequest, apiKey: string): Promise<Reply> {
    const { idempotency } = this.deps;
    const key = readIdempotencyKey(request.headers['idempotency-key']);
    if (key === undefined) {
      return this.acceptResponse(request, apiKey);
    }
    for (let running = idempotency.running(apiKey, key); running !== undefined; running = idempotency.running(apiKey, key)) {
      this.deps.counters.countConcurrentDuplicate();
      if (this.deps.inFlightDuplicates === 'conflict') {
        throw keyInFlight();
      }
      await running;
    }
    const work = this.acceptResponse(request, apiKey);
    idempotency.hold(apiKey, key, work);
    return work;
  }

  private async acceptResponse(request: SimRequest, apiKey: string): Promise<Reply> {
    const { jobs } = this.deps;
    if (request.holdMs !== undefined) {
      await this.deps.sleep(request.holdMs);
    }
    const job = this.idempotent(
      request,
      apiKey,
      'createResponse',
      (id) => jobs.get(id),
      (body, key) => {
        return this.runJob(parseResponseRequest(body, this.deps.models), apiKey, key, request);
      },
    );
    return this.replyWithJob(job);
  }

  /**
   * Sail's idempotency for a POST: the same key and body replays the live record (found by `find`)
   * without running anything; otherwise `create` runs, and the key is reserved for what it made. A
   * key whose record is gone is freed; a validation error thrown by `create` reserves nothing.
   */
  private idempotent<T extends { id: string }>(
    request: SimRequest,
    apiKey: string,
    route: 'createResponse' | 'createBatch',
    find: (id: string) => T | undefined,
    create: (body: unknown, key: string | undefined) => T,
  ): T {
    const { idempotency } = this.deps;
    const body = parseJsonBody(request.body);
    const key = readIdempotencyKey(request.headers['idempotency-key']);
    if (key !== undefined) {
      const lookup = idempotency.lookup(apiKey, key, route, body);
      if (lookup.kind === 'replay') {
        const found = find(lookup.targetId);
        if (found !== undefined) {
          return found;
        }
        idempotency.release(apiKey, key);
      }
    }
    const made = create(body, key);
    if (key !== undefined) {
      idempotency.reserve(apiKey, key, route, body, made.id);
    }
    return made;
  }

  /** Background: 202 with the current state. Foreground: 200 once terminal (replays wait too). */
  private async replyWithJob(job: Job): Promise<Reply> {
    if (job.request.background) {
      return { status: 202, body: this.deps.jobs.render(job) };
    }
    await this.deps.jobs.untilTerminal(job);
    return { status: 200, body: this.deps.jobs.render(job) };
  }

  private createBatch(request: SimRequest, apiKey: string): Reply {
    const { batches } = this.deps;
    const batch = this.idempotent(
      request,
      apiKey,
      'createBatch',
      (id) => batches.get(id),
      (body, key) => {
        const parsed = parseBatchRequest(body, this.deps.models);
        const items = parsed.items.map((item) => ({ customId: item.customId, job: this.runJob(item.request, apiKey, key, request) }));
        return batches.create(parsed.label, items, items[0].job.createdAtMs);
      },
    );
    return { status: 200, body: batches.summary(batch) };
  }

  private runJob(parsed: ResponseRequest, apiKey: string, key: string | undefined, request: SimRequest): Job {
    const failure = this.deps.faults.takeJobFailure(request.method, request.path, request.route.name);
    const job = this.deps.jobs.create(
      parsed,
      apiKey,
      failure === undefined ? undefined : { code: 'server_error', message: failure.message ?? 'The model failed to generate a response (simulated failure).' },
    );
    this.deps.counters.countInference(key);
    this.deps.account.record(job);
    return job;
  }

  /** Another account's response is as unknown as one that never existed. */
  private findJob(id: string, apiKey: string): Job {
    const job = this.deps.jobs.get(id);
    if (job === undefined || this.account(job.apiKey) !== this.account(apiKey)) {
      throw notFound('Response not found');
    }
    return job;
  }

  private findBatch(id: string, message: string): Batch {
    const batch = this.deps.batches.get(id);
    if (batch === undefined) {
      throw notFound(message);
    }
    return batch;
  }
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(null, 'We could not parse the JSON body of your request. Send a valid JSON object.');
  }
}

function readPage(query: URLSearchParams): { afterId?: string; beforeId?: string; limit: number } {
  const rawLimit = query.get('limit');
  let limit = DEFAULT_BATCH_PAGE_SIZE;
  if (rawLimit !== null) {
    limit = /^\d+$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= MAX_BATCH_PAGE_SIZE)) {
      throw badRequest('limit', `limit must be an integer from 1 to ${MAX_BATCH_PAGE_SIZE}.`);
    }
  }
  return { afterId: query.get('after_id') ?? undefined, beforeId: query.get('before_id') ?? undefined, limit };
}

function unknownPath(request: SimRequest): SimError {
  return notFound(`Unknown request URL: ${request.method} ${request.path}. Sail does not serve this endpoint.`);
}
