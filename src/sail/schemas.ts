/**
 * zod schemas for Sail's response bodies, and the request types. The API is looser than its
 * OpenAPI document, so parsing is tolerant: unknown fields are dropped, `status` comes in either
 * vocabulary, `output` is an item array, a plain string or missing, and `usage` may be partial
 * while a job is pending. What comes out is one normalised shape, which parses again to itself, so
 * a stored SailResponse can be validated with the same schema when it is read back.
 */
import { z } from 'zod';
import { normalizeStatus, type SailStatus } from './status';
import type { CompletionWindow } from './windows';

// ---------------------------------------------------------------- request types

/** `metadata.completion_window`; older and newer window names are all still accepted by Sail. */
/** What a request may carry: the four windows, Sail's alias `balanced`, or a window Sail adds later. */
export type CompletionWindowParam = CompletionWindow | 'balanced' | (string & {});
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export interface InputTextPart {
  type: 'input_text';
  text: string;
}
export interface InputImagePart {
  type: 'input_image';
  image_url: string;
  detail?: 'auto' | 'low' | 'high';
}
export interface InputMessage {
  type?: 'message';
  role: 'system' | 'user' | 'assistant' | 'tool' | 'function';
  content: string | Array<InputTextPart | InputImagePart | { type: 'output_text'; text: string }>;
}
export interface FunctionCallInput {
  type: 'function_call';
  call_id: string;
  name: string;
  arguments: string;
}
export interface FunctionCallOutputInput {
  type: 'function_call_output';
  call_id: string;
  output: string;
}
export type InputItem = InputMessage | FunctionCallInput | FunctionCallOutputInput;

/** Request metadata: string values only. `completion_window`, `completion_webhook`, `webhook_token` are Sail's. */
export interface SailMetadata {
  completion_window?: CompletionWindowParam;
  completion_webhook?: string;
  webhook_token?: string;
  [key: string]: string | undefined;
}

export interface FunctionTool {
  type: 'function';
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean;
}

export type TextFormat = { type: 'text' } | { type: 'json_schema'; name: string; schema?: Record<string, unknown>; description?: string; strict?: boolean };

/** Body of POST /responses. Streaming is not offered by this client. */
export interface CreateResponseRequest {
  model: string;
  input: string | InputItem[];
  /** true: Sail answers 202 at once and the job is polled; false/absent: 200 when the job is done. */
  background?: boolean;
  instructions?: string;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  reasoning?: { effort?: ReasoningEffort; generate_summary?: 'auto' | 'concise' | 'detailed' };
  text?: { format: TextFormat };
  tools?: FunctionTool[];
  tool_choice?: 'none' | 'auto' | 'required' | { type: 'function'; name: string };
  parallel_tool_calls?: boolean;
  prompt_cache_key?: string;
  metadata?: SailMetadata;
  store?: boolean;
  truncation?: 'disabled';
  /** At most 256 characters. */
  user?: string;
}

/** Body of POST /batches. */
export interface CreateBatchRequest {
  endpoint: '/v1/responses';
  /** custom_id: 1..64 characters of [a-z0-9_-], starting with a letter or digit; unique in the batch. */
  requests: Array<{ custom_id: string; params: CreateResponseRequest }>;
  label?: string;
}

// ---------------------------------------------------------------- response types

export interface SailTextPart {
  /** 'output_text' for answer text; reasoning parts are 'reasoning_text' / 'summary_text'. Other types are kept. */
  type: string;
  text?: string;
}
export interface SailMessageItem {
  type: 'message';
  id?: string;
  role: string;
  content: SailTextPart[];
}
export interface SailReasoningItem {
  type: 'reasoning';
  id?: string;
  summary: SailTextPart[];
  content: SailTextPart[];
}
export interface SailFunctionCallItem {
  type: 'function_call';
  id?: string;
  /** Use this, not `id`, when sending the tool result back. */
  call_id: string;
  name: string;
  /** JSON text. */
  arguments: string;
}
/** An output item of a type this client does not know; only its type is kept. */
export interface SailOtherItem {
  type: 'other';
  rawType: string;
}
export type SailOutputItem = SailMessageItem | SailReasoningItem | SailFunctionCallItem | SailOtherItem;

export interface SailUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens_details: { reasoning_tokens: number };
}

export interface SailResponse {
  id: string;
  status: SailStatus;
  /** The status as Sail sent it, for logs. */
  rawStatus: string;
  /** May be an alias of the requested model id. */
  model: string;
  /** Unix seconds. */
  created_at?: number;
  output: SailOutputItem[];
  usage: SailUsage;
  error: { message: string; code?: string } | null;
  incomplete_details: { reason?: string } | null;
  metadata: Record<string, string>;
}

export interface SailModel {
  id: string;
  /** Unix seconds. */
  created?: number;
  owned_by?: string;
}

export interface SailBatch {
  id: string;
  /** Number of requests in the batch (Sail sends a single total). */
  request_counts: number;
  created_at?: number;
  label?: string;
}

export interface SailBatchDetail extends SailBatch {
  /** Per custom_id. There is no batch-level status: the batch is done when every item is terminal. */
  request_status: Record<string, { status: SailStatus; rawStatus: string }>;
}

// ---------------------------------------------------------------- schemas

const optionalString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

/** A token count: anything but a finite non-negative number counts as absent. */
const maybeCount = z
  .unknown()
  .transform((v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined))
  .optional();

/** Unix seconds; an ISO date string is converted. */
const timestamp = z
  .union([z.number(), z.string()])
  .nullish()
  .catch(undefined)
  .transform((v) => {
    if (typeof v === 'number') {
      return Number.isFinite(v) ? v : undefined;
    }
    const ms = v ? Date.parse(v) : NaN;
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
  });

const textPart = z.union([
  z.string().transform((text): SailTextPart => ({ type: 'output_text', text })),
  z.object({ type: z.string().default('output_text'), text: optionalString }).transform((p): SailTextPart => {
    return p.text === undefined ? { type: p.type } : { type: p.type, text: p.text };
  }),
]);

const textParts = z
  .union([z.string().transform((text) => [{ type: 'output_text', text }]), z.array(textPart)])
  .nullish()
  .transform((v): SailTextPart[] => v ?? []);

const messageItem = z
  .object({ type: z.literal('message'), id: optionalString, role: optionalString, content: textParts })
  .transform((m): SailMessageItem => ({ type: 'message', id: m.id, role: m.role ?? 'assistant', content: m.content }));

const reasoningItem = z
  .object({ type: z.literal('reasoning'), id: optionalString, summary: textParts, content: textParts })
  .transform((r): SailReasoningItem => ({ type: 'reasoning', id: r.id, summary: r.summary, content: r.content }));

const functionCallItem = z
  .object({
    type: z.literal('function_call'),
    id: optionalString,
    call_id: z.string(),
    name: z.string(),
    arguments: z.unknown().transform((v) => (typeof v === 'string' ? v : JSON.stringify(v ?? {}))),
  })
  .transform((f): SailFunctionCallItem => ({ type: 'function_call', id: f.id, call_id: f.call_id, name: f.name, arguments: f.arguments }));

const otherItem = z.unknown().transform((v): SailOtherItem => {
  if (typeof v !== 'object' || v === null || !('type' in v) || typeof v.type !== 'string') {
    return { type: 'other', rawType: typeof v };
  }
  // An item this schema already produced (a stored response parsed again) keeps its raw type.
  const rawType = v.type === 'other' && 'rawType' in v && typeof v.rawType === 'string' ? v.rawType : v.type;
  return { type: 'other', rawType };
});

const outputItem = z.union([messageItem, reasoningItem, functionCallItem, otherItem]);

function textMessage(text: string): SailOutputItem[] {
  return text ? [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }] : [];
}

/** Item array (normal), plain string (→ one message item), single item object, or missing (→ []). */
const output = z
  .union([z.array(outputItem), z.string().transform(textMessage), z.looseObject({ type: z.string() }).transform((o) => [outputItem.parse(o)])])
  .nullish()
  .transform((v): SailOutputItem[] => v ?? []);

const usage = z
  .object({
    input_tokens: maybeCount,
    output_tokens: maybeCount,
    total_tokens: maybeCount,
    prompt_tokens: maybeCount,
    completion_tokens: maybeCount,
    input_tokens_details: z.object({ cached_tokens: maybeCount }).nullish().catch(undefined),
    output_tokens_details: z.object({ reasoning_tokens: maybeCount }).nullish().catch(undefined),
  })
  .nullish()
  .catch(undefined)
  .transform((u): SailUsage => {
    const input = u?.input_tokens ?? u?.prompt_tokens ?? 0;
    const out = u?.output_tokens ?? u?.completion_tokens ?? 0;
    return {
      input_tokens: input,
      output_tokens: out,
      total_tokens: u?.total_tokens ?? input + out,
      input_tokens_details: { cached_tokens: u?.input_tokens_details?.cached_tokens ?? 0 },
      output_tokens_details: { reasoning_tokens: u?.output_tokens_details?.reasoning_tokens ?? 0 },
    };
  });

const responseError = z
  .union([
    z.string().transform((message) => ({ message })),
    z.object({ message: optionalString, code: z.union([z.string(), z.number()]).nullish().catch(undefined), type: optionalString.catch(undefined) }),
  ])
  .nullish()
  .catch(undefined)
  .transform((e): SailResponse['error'] => {
    if (!e) {
      return null;
    }
    const code = 'code' in e && e.code != null ? String(e.code) : 'type' in e ? e.type : undefined;
    return code === undefined ? { message: e.message ?? '' } : { message: e.message ?? '', code };
  });

const incompleteDetails = z
  .object({ reason: optionalString })
  .nullish()
  .catch(undefined)
  .transform((d): SailResponse['incomplete_details'] => (d ? (d.reason === undefined ? {} : { reason: d.reason }) : null));

const stringRecord = z
  .record(z.string(), z.unknown())
  .nullish()
  .catch(undefined)
  .transform((m) => Object.fromEntries(Object.entries(m ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')));

export const SailResponseSchema: z.ZodType<SailResponse> = z
  .object({
    id: z.string().min(1),
    status: z.string(),
    /** Present when a response this schema produced (and the caller stored) is parsed again. */
    rawStatus: optionalString.catch(undefined),
    model: optionalString.catch(undefined),
    created_at: timestamp,
    output,
    usage,
    error: responseError,
    incomplete_details: incompleteDetails,
    metadata: stringRecord,
  })
  .transform((r): SailResponse => {
    const response: SailResponse = {
      id: r.id,
      status: normalizeStatus(r.status),
      rawStatus: r.rawStatus ?? r.status,
      model: r.model ?? '',
      output: r.output,
      usage: r.usage,
      error: r.error,
      incomplete_details: r.incomplete_details,
      metadata: r.metadata,
    };
    if (r.created_at !== undefined) {
      response.created_at = r.created_at;
    }
    return response;
  });

const model = z.object({ id: z.string().min(1), created: timestamp, owned_by: optionalString.catch(undefined) }).transform((m) => {
  const result: SailModel = { id: m.id };
  if (m.created !== undefined) {
    result.created = m.created;
  }
  if (m.owned_by !== undefined) {
    result.owned_by = m.owned_by;
  }
  return result;
});

/** `{object:"list", data:[…]}`, or a bare array. */
export const SailModelListSchema: z.ZodType<SailModel[]> = z.union([z.object({ data: z.array(model) }).transform((l) => l.data), z.array(model)]);

const batchFields = {
  id: z.string().min(1),
  request_counts: z
    .union([z.number(), z.object({ total: z.number() }).transform((c) => c.total)])
    .nullish()
    .catch(undefined)
    .transform((v) => v ?? 0),
  created_at: timestamp,
  label: optionalString.catch(undefined),
};

function toBatch(b: { id: string; request_counts: number; created_at: number | undefined; label: string | undefined }): SailBatch {
  const batch: SailBatch = { id: b.id, request_counts: b.request_counts };
  if (b.created_at !== undefined) {
    batch.created_at = b.created_at;
  }
  if (b.label !== undefined) {
    batch.label = b.label;
  }
  return batch;
}

export const SailBatchSchema: z.ZodType<SailBatch> = z.object(batchFields).transform(toBatch);

/** A bare array (what Sail sends), or `{data:[…]}`. */
export const SailBatchListSchema: z.ZodType<SailBatch[]> = z.union([
  z.array(SailBatchSchema),
  z.object({ data: z.array(SailBatchSchema) }).transform((l) => l.data),
]);

const itemStatus = z
  .union([z.string(), z.object({ status: z.string() }).transform((s) => s.status)])
  .transform((raw) => ({ status: normalizeStatus(raw), rawStatus: raw }));

export const SailBatchDetailSchema: z.ZodType<SailBatchDetail> = z
  .object({
    ...batchFields,
    request_status: z
      .record(z.string(), itemStatus)
      .nullish()
      .transform((s) => s ?? {}),
  })
  .transform((b): SailBatchDetail => ({ ...toBatch(b), request_status: b.request_status }));
