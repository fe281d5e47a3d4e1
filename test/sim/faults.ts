// Fault injection. A rule matches requests by method, route name and/or path prefix, acts on the next
// `times` matches (default 1) and is then removed. Rules are plain JSON so the admin API can take them.
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';

/**
 * Route names are the OpenAPI operationIds; `getUsage` (the Usage API, on its own host at Sail) is
 * not in that document. `unknown` is any path the simulator does not serve.
 */
export const ROUTE_NAMES = [
  'listModels',
  'createResponse',
  'getResponse',
  'createBatch',
  'listBatches',
  'getBatch',
  'getBatchRequestResult',
  'getUsage',
  'unknown',
] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface FaultMatch {
  /** HTTP method, any case. Any method when omitted. */
  method?: string;
  route?: RouteName;
  /** Compared with the URL path without its query, e.g. `/v1/responses/`. */
  pathPrefix?: string;
  /** Matching requests (for `fail_job`: created jobs) the rule affects before it is removed. Default 1. */
  times?: number;
}

export type FaultEffect =
  /**
   * Answer with this status and the error envelope; nothing is recorded. 429 carries `Retry-After`
   * (default 1 s). 404 is a transient "not found" (a replica that has not seen the job yet), 409 a
   * concurrent duplicate under one idempotency key: neither is documented by Sail, both are tolerated.
   * `retryAfter` is sent verbatim instead of `retryAfterSeconds`, for values no server should send
   * (`-5`, `soon`, `1e12`, a date in the year 9999) but a client must survive.
   */
  | { fault: 'http_error'; status: 404 | 409 | 429 | 500 | 502 | 503 | 504; retryAfterSeconds?: number; retryAfter?: string }
  /**
   * Answer with this status (default 401) and an error envelope whose message quotes the request's bearer
   * token back, as some servers and proxies do ("Incorrect API key provided: …"); nothing is recorded.
   */
  | { fault: 'echo_key'; status?: 400 | 401 | 403 }
  /** Drop the connection after reading the request, before anything is recorded. */
  | { fault: 'reset_before_record' }
  /** Handle the request (the job is recorded and its inference runs), then drop the connection instead of answering. */
  | { fault: 'reset_after_record' }
  /** Handle the request, then answer 200 with a body that is not JSON. */
  | { fault: 'malformed_json' }
  /** Handle the request, then answer 200 with valid JSON of the wrong shape. */
  | { fault: 'wrong_shape' }
  /**
   * Sail holds a POST /responses `delayMs` (on the simulator's clock) before recording it, and its
   * Idempotency-Key is in flight meanwhile: a second POST under the key meets it (see
   * `inFlightDuplicates`). Other routes answer as usual.
   */
  | { fault: 'slow_accept'; delayMs: number }
  /** Handle the request, then hold the response (headers included) back for `delayMs` (real time: a stalled connection). */
  | { fault: 'slow_headers'; delayMs: number }
  /** Handle the request, send the headers and half the body, and never finish. */
  | { fault: 'stalled_body' }
  /** The request succeeds, but the next job it creates ends `failed` with an `error` object. */
  | { fault: 'fail_job'; message?: string };

export type FaultRule = FaultMatch & FaultEffect;

/** What a fault picker sees of a request. */
export interface PickedRequest {
  method: string;
  /** The URL path without its query. */
  path: string;
  route: RouteName;
  headers: IncomingHttpHeaders;
}

/** Every request-level fault kind: what a picker may choose. */
export type RequestFault = Exclude<FaultEffect, { fault: 'fail_job' }>;

/**
 * Chooses a fault (or none) for each request no injected rule matched: a soak test's random faults,
 * drawn from its own seeded generator. In-process only; the admin API takes plain rules.
 */
export type FaultPicker = (request: PickedRequest) => RequestFault | undefined;

export interface FaultControl {
  /** Adds a rule; throws on a malformed one. Rules are tried in the order they were added. */
  inject(rule: FaultRule): void;
  /** Consults `picker` for every request no rule matched, until replaced or `clear()`; undefined stops it. */
  pick(picker: FaultPicker | undefined): void;
  /** Drops pending rules and the picker. */
  clear(): void;
  /** The rules still waiting, with their remaining `times`. */
  pending(): FaultRule[];
}

const match = {
  method: z.string().min(1).optional(),
  route: z.enum(ROUTE_NAMES).optional(),
  pathPrefix: z.string().startsWith('/').optional(),
  times: z.int().min(1).optional(),
};

const faultRule = z.discriminatedUnion('fault', [
  z.strictObject({
    ...match,
    fault: z.literal('http_error'),
    status: z.union([z.literal(404), z.literal(409), z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
    retryAfterSeconds: z.int().min(0).optional(),
    retryAfter: z.string().optional(),
  }),
  z.strictObject({ ...match, fault: z.literal('echo_key'), status: z.union([z.literal(400), z.literal(401), z.literal(403)]).optional() }),
  z.strictObject({ ...match, fault: z.literal('reset_before_record') }),
  z.strictObject({ ...match, fault: z.literal('reset_after_record') }),
  z.strictObject({ ...match, fault: z.literal('malformed_json') }),
  z.strictObject({ ...match, fault: z.literal('wrong_shape') }),
  z.strictObject({ ...match, fault: z.literal('slow_accept'), delayMs: z.int().min(0) }),
  z.strictObject({ ...match, fault: z.literal('slow_headers'), delayMs: z.int().min(0) }),
  z.strictObject({ ...match, fault: z.literal('stalled_body') }),
  z.strictObject({ ...match, fault: z.literal('fail_job'), message: z.string().optional() }),
]);

/** Validates a rule from JSON; throws an Error whose message says what is wrong. */
export function parseFaultRule(value: unknown): FaultRule {
  const result = faultRule.safeParse(value);
  if (!result.success) {
    throw new Error(`Invalid fault rule: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

interface ArmedRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultBook implements FaultControl {
  private rules: ArmedRule[] = [];
  private picker: FaultPicker | undefined;

  inject(rule: FaultRule): void {
    const parsed = parseFaultRule(rule);
    this.rules.push({ rule: parsed, remaining: parsed.times ?? 1 });
  }

  pick(picker: FaultPicker | undefined): void {
    this.picker = picker;
  }

  clear(): void {
    this.rules = [];
    this.picker = undefined;
  }

  pending(): FaultRule[] {
    return this.rules.map(({ rule, remaining }) => ({ ...rule, times: remaining }));
  }

  /** Consumes the first matching request-level rule (every kind but `fail_job`), else asks the picker. */
  takeRequestFault(method: string, path: string, route: RouteName, headers: IncomingHttpHeaders = {}): RequestFault | undefined {
    const rule = this.take((r) => r.fault !== 'fail_job' && matches(r, method, path, route));
    if (rule !== undefined) {
      return rule.fault === 'fail_job' ? undefined : rule;
    }
    const picked = this.picker?.({ method, path, route, headers });
    if (picked === undefined) {
      return undefined;
    }
    const parsed = parseFaultRule(picked);
    return parsed.fault === 'fail_job' ? undefined : parsed;
  }

  /** Consumes one use of the first matching `fail_job` rule; called once per job created. */
  takeJobFailure(method: string, path: string, route: RouteName): Extract<FaultRule, { fault: 'fail_job' }> | undefined {
    const rule = this.take((r) => r.fault === 'fail_job' && matches(r, method, path, route));
    return rule?.fault === 'fail_job' ? rule : undefined;
  }

  private take(predicate: (rule: FaultRule) => boolean): FaultRule | undefined {
    const armed = this.rules.find((a) => predicate(a.rule));
    if (armed === undefined) {
      return undefined;
    }
    armed.remaining -= 1;
    if (armed.remaining === 0) {
      this.rules = this.rules.filter((a) => a !== armed);
    }
    return armed.rule;
  }
}

function matches(rule: FaultRule, method: string, path: string, route: RouteName): boolean {
  return (
    (rule.method === undefined || rule.method.toUpperCase() === method.toUpperCase()) &&
    (rule.route === undefined || rule.route === route) &&
    (rule.pathPrefix === undefined || path.startsWith(rule.pathPrefix))
  );
}
