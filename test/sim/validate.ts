// Request validation: the OpenAPI schema (CreateResponseRequest, CreateBatchRequest) plus the rules Sail
// is known to enforce beyond it (sail-api.md §2.2, §2.7, §4). Every failure is a 400 naming the param.
import { z } from 'zod';
import { badRequest, SimError } from './errors';
import { COMPLETION_WINDOWS, resolveWindow, type CompletionWindow, type SimModel } from './models';
import { checkStructuredFormat, type StructuredFormat } from './structured';

const inputTextPart = z.strictObject({ type: z.literal('input_text'), text: z.string() });
const inputImagePart = z.strictObject({
  type: z.literal('input_image'),
  image_url: z.string(),
  detail: z.enum(['auto', 'low', 'high']).optional(),
});
const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(z.union([inputTextPart, inputImagePart])).min(1)]),
  name: z.string().optional(),
  tool_calls: z.array(z.looseObject({})).optional(),
  tool_call_id: z.string().optional(),
  function_call: z.looseObject({}).optional(),
});
// Not in the schema's message type, but Sail's agent guide has clients send earlier `output` items back
// verbatim, followed by `function_call_output` items.
const echoedItem = z.looseObject({ type: z.enum(['message', 'reasoning', 'function_call', 'function_call_output']) });
const input = z.union([z.string().min(1), z.array(z.union([message, echoedItem])).min(1), z.strictObject({ messages: z.array(message).min(1) })]);

const metadata = z
  .object({
    // `balanced` is the current name of `standard` (2026-08-17); Sail accepts both.
    completion_window: z
      .enum([...COMPLETION_WINDOWS, 'balanced'])
      .transform((w) => (w === 'balanced' ? 'standard' : w))
      .optional(),
    // Sail ignores an invalid webhook URL rather than rejecting the request.
    completion_webhook: z.string().optional(),
    webhook_token: z.string().optional(),
  })
  .catchall(z.string());

const textFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({
    type: z.literal('json_schema'),
    name: z.string(),
    description: z.string().optional(),
    schema: z.looseObject({}).optional(),
    strict: z.boolean().optional(),
  }),
]);

const tool = z.looseObject({ type: z.string(), name: z.string().optional() });

const createResponse = z.looseObject({
  model: z.string().min(1),
  input,
  raw_prompt_tokens: z.array(z.int().min(0).max(2_147_483_647)).min(1).max(2_000_000).optional(),
  max_output_tokens: z.int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  text: z.strictObject({ format: textFormat }).optional(),
  reasoning: z
    .looseObject({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
      generate_summary: z.enum(['auto', 'concise', 'detailed']).optional(),
    })
    .optional(),
  instructions: z.string().optional(),
  parallel_tool_calls: z.boolean().optional(),
  include: z.array(z.string()).optional(),
  background: z.boolean().optional(),
  prompt_cache_key: z.string().optional(),
  store: z.boolean().optional(),
  truncation: z.literal('disabled').optional(),
  stream: z.boolean().optional(),
  user: z.string().max(256).optional(),
  metadata: metadata.optional(),
  tools: z.array(tool).optional(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.enum(['function', 'custom']), name: z.string() })]).optional(),
});

export type CreateResponseParams = z.infer<typeof createResponse>;

const createBatch = z.strictObject({
  endpoint: z.literal('/v1/responses'),
  requests: z
    .array(
      z.strictObject({
        custom_id: z
          .string()
          .min(1)
          .max(64)
          .regex(/^[a-z0-9][a-z0-9_-]*$/),
        params: z.looseObject({}),
      }),
    )
    .min(1)
    .max(100_000),
  label: z
    .string()
    .max(128)
    .regex(/^[a-zA-Z0-9_-]+$/)
    .optional(),
});

export interface ResponseRequest {
  /** The body as sent, for the echo in the ResponseObject. */
  body: Record<string, unknown>;
  params: CreateResponseParams;
  model: SimModel;
  window: CompletionWindow;
  background: boolean;
  /** `text.format` when it is `json_schema`: the answer is JSON that matches its schema. */
  structured?: StructuredFormat;
}

export interface BatchRequest {
  label: string | undefined;
  items: { customId: string; request: ResponseRequest }[];
}

const UNSUPPORTED_FIELDS = ['previous_response_id', 'conversation', 'prompt'] as const;
const CLIENT_TOOL_TYPES = new Set(['function', 'custom']);

export function parseResponseRequest(body: unknown, models: readonly SimModel[], batchItem?: { paramPrefix: string }): ResponseRequest {
  const prefix = batchItem?.paramPrefix ?? '';
  const raw = requireObject(body, prefix);
  for (const field of UNSUPPORTED_FIELDS) {
    if (raw[field] !== undefined) {
      throw badRequest(prefix + field, `'${field}' is not supported by Sail; send the whole conversation in 'input' instead.`);
    }
  }
  const format = isRecord(raw.text) && isRecord(raw.text.format) ? raw.text.format : undefined;
  if (format?.type === 'json_object') {
    throw badRequest(prefix + 'text.format.type', "text.format.type 'json_object' is not supported; use 'json_schema'.");
  }
  if (raw.stream === true) {
    throw badRequest(prefix + 'stream', 'stream=true is not supported by the Sail simulator; send background=true and poll instead.');
  }
  const params = parseWith(createResponse, raw, prefix);
  checkTools(params, prefix);
  const structured = checkStructuredFormat(raw.text, prefix);

  const model = models.find((m) => m.id === params.model);
  if (model === undefined) {
    throw badRequest(prefix + 'model', `The model '${params.model}' does not exist or you do not have access to it.`, 'model_not_found');
  }
  if (!model.imageInput && hasImage(params.input)) {
    throw badRequest(prefix + 'input', `model '${model.id}' does not support image input`);
  }
  const requested = params.metadata?.completion_window;
  if (batchItem !== undefined && (requested === 'asap' || requested === 'priority')) {
    throw badRequest(prefix + 'metadata.completion_window', 'Batch requests support only the standard and flex completion windows.');
  }
  const background = batchItem !== undefined || params.background === true;
  const window = resolveWindow(model, requested, background, prefix);
  return { body: raw, params, model, window, background, ...(structured && { structured }) };
}

export function parseBatchRequest(body: unknown, models: readonly SimModel[]): BatchRequest {
  const parsed = parseWith(createBatch, requireObject(body, ''), '');
  const seen = new Set<string>();
  const items = parsed.requests.map((item, index) => {
    if (seen.has(item.custom_id)) {
      throw badRequest(`requests[${index}].custom_id`, `Duplicate custom_id '${item.custom_id}'; custom_id must be unique within a batch.`);
    }
    seen.add(item.custom_id);
    return { customId: item.custom_id, request: parseResponseRequest(item.params, models, { paramPrefix: `requests[${index}].params.` }) };
  });
  return { label: parsed.label, items };
}

function checkTools(params: CreateResponseParams, prefix: string): void {
  params.tools?.forEach((t, index) => {
    const param = `${prefix}tools[${index}]`;
    if (!CLIENT_TOOL_TYPES.has(t.type)) {
      throw badRequest(`${param}.type`, `Tool type '${t.type}' is not supported; only function and custom tools are.`);
    }
    if (t.type === 'function' && t.name === undefined) {
      // The nested Chat Completions shape ({type, function: {name}}) lands here.
      throw badRequest(`${param}.name`, 'function name is required');
    }
  });
}

function hasImage(value: CreateResponseParams['input']): boolean {
  const messages = typeof value === 'string' ? [] : Array.isArray(value) ? value : value.messages;
  return messages.some((m) => Array.isArray(m.content) && m.content.some((part) => isRecord(part) && part.type === 'input_image'));
}

function requireObject(body: unknown, prefix: string): Record<string, unknown> {
  if (!isRecord(body)) {
    throw badRequest(prefix === '' ? null : prefix.slice(0, -1), 'The request body must be a JSON object.');
  }
  return body;
}

function parseWith<T>(schema: z.ZodType<T>, raw: Record<string, unknown>, prefix: string): T {
  const result = schema.safeParse(raw);
  if (result.success) {
    return result.data;
  }
  throw issueToError(result.error.issues[0], raw, prefix);
}

function issueToError(issue: z.core.$ZodIssue, raw: unknown, prefix: string): SimError {
  const found = mostSpecific(issue);
  const param = prefix + formatPath(found.path);
  if (found.unrecognized) {
    return badRequest(param, `Unrecognized request argument supplied: '${param}'.`);
  }
  if (valueAt(raw, found.path) === undefined) {
    return badRequest(param, `Missing required parameter: '${param}'.`);
  }
  return badRequest(param, `Invalid value for '${param}': ${found.detail}`);
}

interface FoundIssue {
  path: PropertyKey[];
  detail: string;
  unrecognized: boolean;
}

/**
 * Descends into the union branch that got furthest, so the error names the deepest offending field.
 * On a tie the earlier branch wins, so list the most likely reading first.
 */
function mostSpecific(issue: z.core.$ZodIssue): FoundIssue {
  if (issue.code === 'invalid_union' && issue.errors.some((branch) => branch.length > 0)) {
    const best = issue.errors
      .filter((branch) => branch.length > 0)
      .map((branch) => mostSpecific(branch[0]))
      .reduce((a, b) => (b.path.length > a.path.length ? b : a));
    return { ...best, path: [...issue.path, ...best.path] };
  }
  if (issue.code === 'unrecognized_keys') {
    return { path: [...issue.path, issue.keys[0]], detail: issue.message, unrecognized: true };
  }
  return { path: issue.path, detail: issue.message, unrecognized: false };
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') {
      return undefined;
    }
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
