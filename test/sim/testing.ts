// Helpers for tests that talk to the simulator over real HTTP. Not used by the server itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Simulator } from './server';

export interface WireError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface WireContent {
  type: string;
  text: string;
}

export interface WireOutputItem {
  type: string;
  id?: string;
  role?: string;
  status?: string;
  content?: WireContent[];
  summary?: WireContent[];
}

export interface WireUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; reasoning_tokens: number };
  output_tokens: number;
  output_tokens_details: { cached_tokens: number; reasoning_tokens: number };
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface WireResponse {
  id: string;
  object: string;
  created_at: number;
  status: string;
  model: string;
  output: WireOutputItem[];
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  metadata: Record<string, string>;
  usage: WireUsage;
  [field: string]: unknown;
}

export interface WireBatch {
  id: string;
  request_counts: number;
  created_at: number;
  label?: string;
  request_status?: Record<string, { status: string }>;
}

export interface ApiResult<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is, so tests can post malformed JSON. */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Defaults to the simulator's first key; null sends no Authorization header. */
  apiKey?: string | null;
}

/** One request to `sim.baseUrl + path` with the JSON body parsed. */
export async function call<T = WireResponse>(sim: Simulator, method: string, path: string, options: CallOptions = {}): Promise<ApiResult<T>> {
  const apiKey = options.apiKey === undefined ? sim.apiKey : options.apiKey;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (apiKey !== null) {
    headers.authorization = `Bearer ${apiKey}`;
  }
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await fetch(sim.baseUrl + path, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** Polls GET /responses/{id} until `done` holds, returning every body seen. Gives up after `maxPolls`. */
export async function pollResponse(sim: Simulator, id: string, done: (r: WireResponse) => boolean, maxPolls = 2000): Promise<WireResponse[]> {
  const seen: WireResponse[] = [];
  for (let i = 0; i < maxPolls; i++) {
    const { status, body } = await call(sim, 'GET', `/responses/${id}`);
    if (status !== 200) {
      throw new Error(`GET /responses/${id} answered ${status}: ${JSON.stringify(body)}`);
    }
    seen.push(body);
    if (done(body)) {
      return seen;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`response ${id} never reached the expected state; last status ${seen.at(-1)?.status}`);
}

export const isTerminal = (r: WireResponse): boolean => ['completed', 'incomplete', 'failed', 'cancelled'].includes(r.status);

/** The message text of a response, as the OpenAI SDK's `output_text` computes it. */
export function outputText(r: WireResponse): string {
  return r.output
    .filter((item) => item.type === 'message')
    .flatMap((item) => item.content ?? [])
    .filter((c) => c.type === 'output_text')
    .map((c) => c.text)
    .join('');
}

export interface SchemaCheck {
  /** Error strings; empty when `value` is valid against `pointer` (e.g. `#/components/schemas/ResponseObject`). */
  errors(pointer: string, value: unknown): string[];
}

/**
 * Validators for the OpenAPI document in test/fixtures. `patched: true` adds the live status names
 * (`queued`, `in_progress`, `incomplete`) to ResponseObject.status, whose SPEC enum has only
 * `pending`/`running`/`failed`/`completed`/`cancelled`; nothing else is changed.
 */
export function loadSailSchemas(options: { patched: boolean }): SchemaCheck {
  const doc = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sail-openapi.json'), 'utf8'));
  if (options.patched) {
    doc.components.schemas.ResponseObject.properties.status.enum.push('queued', 'in_progress', 'incomplete');
  }
  // strict: false because an OpenAPI document is not itself a JSON Schema (paths, components, examples).
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: 'sail-openapi' });
  return {
    errors(pointer, value) {
      const validate = ajv.getSchema(`sail-openapi${pointer}`) ?? ajv.compile({ $ref: `sail-openapi${pointer}` });
      return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} (${e.schemaPath})`);
    },
  };
}

/** JSON pointer to the schema of one documented response, e.g. `responseSchema('/batches', 'get', 200)`. */
export function responseSchema(path: string, method: string, status: number): string {
  const escaped = path.replace(/~/g, '~0').replace(/\//g, '~1');
  return `#/paths/${escaped}/${method}/responses/${status}/content/application~1json/schema`;
}
