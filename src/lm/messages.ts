/**
 * The language-model provider's pure half: VS Code's chat messages (vscode.LanguageModelChatRequestMessage)
 * as Sail's Responses `input`, the request the provider sends (asap, in the foreground), and Sail's answer
 * as the parts the provider reports back. No `vscode` here: a message part is recognised by its shape, the
 * way VS Code's own classes look (LanguageModelTextPart `value`, ToolCallPart `callId`/`name`/`input`,
 * ToolResultPart `callId`/`content`, DataPart `mimeType`/`data`), so the glue passes VS Code's objects
 * through untouched, and a part of a kind VS Code adds later is recognised as unknown and left out.
 *
 * What happens to each part (docs/lm-api.md §6):
 * - text: kept, in order; consecutive text parts of one message are one text.
 * - tool call (assistant): a `function_call` item, arguments as JSON text; Sail takes them back in input.
 * - tool result (user): a `function_call_output` item; its text (and text-like data) parts joined.
 * - data, image/*: an `input_image` (a data: URL) in a user message when the model takes images;
 *   otherwise, or in an assistant message (Sail's assistant content is text only), a short text note
 *   saying an image was left out, so the model knows something was there.
 * - data, text/* or JSON: its UTF-8 text, as text.
 * - data of any other type (Copilot's `cache_control`, `stateful_marker`…): hints for other vendors, dropped.
 * - anything else (a prompt-tsx part, a part kind from a newer VS Code): dropped. (A prompt-tsx part
 *   whose value is a plain string has a text part's shape and is taken as text: that is what it says.)
 */
import type { CreateResponseRequest, FunctionTool, InputImagePart, InputItem, InputTextPart, SailResponse } from '../sail/schemas';
import { estimateInputTokens } from '../usage/estimate';

/** vscode.LanguageModelChatMessageRole: User = 1, Assistant = 2 (stable); System = 3 exists only in a proposal. */
export const LM_ROLE = { user: 1, assistant: 2, system: 3 } as const;

/** A chat message as VS Code hands it to a provider: the role's number, and parts of any kind. */
export interface LmMessageLike {
  readonly role: number;
  readonly content: readonly unknown[];
  readonly name?: string | undefined;
}

/** A message part, once recognised. */
export type LmPart =
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'toolCall'; readonly callId: string; readonly name: string; readonly input: object }
  | { readonly kind: 'toolResult'; readonly callId: string; readonly content: readonly unknown[] }
  | { readonly kind: 'data'; readonly mimeType: string; readonly data: Uint8Array }
  | { readonly kind: 'unknown' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** What a part is, from its shape (see the top of this file). Tool parts are tested first: they have the most fields. */
export function classifyPart(part: unknown): LmPart {
  if (!isRecord(part)) {
    return { kind: 'unknown' };
  }
  if (typeof part.callId === 'string' && typeof part.name === 'string' && isRecord(part.input)) {
    return { kind: 'toolCall', callId: part.callId, name: part.name, input: part.input };
  }
  if (typeof part.callId === 'string' && Array.isArray(part.content)) {
    return { kind: 'toolResult', callId: part.callId, content: part.content };
  }
  if (typeof part.mimeType === 'string' && part.data instanceof Uint8Array) {
    return { kind: 'data', mimeType: part.mimeType, data: part.data };
  }
  if (typeof part.value === 'string') {
    return { kind: 'text', value: part.value };
  }
  return { kind: 'unknown' };
}

/** Data Sail can read as text: text/*, JSON (application/json, anything+json). */
export function isTextMime(mimeType: string): boolean {
  const type = mimeType.split(';')[0].trim().toLowerCase();
  return type.startsWith('text/') || type === 'application/json' || type.endsWith('+json');
}

/** The image types the Responses API takes as input_image. */
const IMAGE_MIMES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function isImageMime(mimeType: string): boolean {
  return IMAGE_MIMES.has(mimeType.split(';')[0].trim().toLowerCase());
}

const utf8 = new TextDecoder('utf-8');

/** The text of a tool result: its text parts and text-like data, in order, joined; other parts left out. */
export function toolResultText(content: readonly unknown[]): string {
  let text = '';
  for (const raw of content) {
    const part = classifyPart(raw);
    if (part.kind === 'text') {
      text += part.value;
    } else if (part.kind === 'data' && isTextMime(part.mimeType)) {
      text += utf8.decode(part.data);
    }
  }
  return text;
}

/** The note that takes an image's place when it cannot be sent. */
export function imageOmittedNote(mimeType: string): string {
  return `[An image (${mimeType}) was attached here; it was left out because this model takes text only.]`;
}

export interface MessageMapOptions {
  /** Whether the model takes images (LanguageModelChatInformation.capabilities.imageInput). */
  readonly imageInput: boolean;
}

type ContentPart = InputTextPart | InputImagePart;

function roleOf(role: number): 'user' | 'assistant' | 'system' {
  return role === LM_ROLE.user ? 'user' : role === LM_ROLE.assistant ? 'assistant' : 'system';
}

/**
 * The messages as Sail's `input` items, in order. A message's text and images are one message item;
 * a tool call or result splits it, so every item stays where it was in the conversation (a
 * `function_call_output` must come after its `function_call`). A message with nothing left is no item.
 * Text-only messages carry their content as a string, the form every role accepts.
 */
export function toInputItems(messages: readonly LmMessageLike[], options: MessageMapOptions): InputItem[] {
  const items: InputItem[] = [];
  for (const message of messages) {
    const role = roleOf(message.role);
    let parts: ContentPart[] = [];
    const flush = (): void => {
      if (parts.length === 0) {
        return;
      }
      const textOnly = parts.every((p) => p.type === 'input_text');
      const content = textOnly ? parts.map((p) => (p as InputTextPart).text).join('') : parts;
      if (content !== '') {
        items.push({ role, content });
      }
      parts = [];
    };
    const addText = (text: string): void => {
      const last = parts[parts.length - 1];
      if (last?.type === 'input_text') {
        parts[parts.length - 1] = { type: 'input_text', text: last.text + text };
      } else {
        parts.push({ type: 'input_text', text });
      }
    };
    for (const raw of message.content) {
      const part = classifyPart(raw);
      switch (part.kind) {
        case 'text':
          addText(part.value);
          break;
        case 'toolCall':
          flush();
          items.push({ type: 'function_call', call_id: part.callId, name: part.name, arguments: JSON.stringify(part.input) });
          break;
        case 'toolResult':
          flush();
          items.push({ type: 'function_call_output', call_id: part.callId, output: toolResultText(part.content) });
          break;
        case 'data':
          if (isImageMime(part.mimeType)) {
            if (options.imageInput && role === 'user') {
              parts.push({ type: 'input_image', image_url: `data:${part.mimeType};base64,${Buffer.from(part.data).toString('base64')}` });
            } else {
              addText(imageOmittedNote(part.mimeType));
            }
          } else if (isTextMime(part.mimeType)) {
            addText(utf8.decode(part.data));
          }
          break;
        case 'unknown':
          break;
      }
    }
    flush();
  }
  return items;
}

/** vscode.LanguageModelChatTool: a tool the caller offers the model. */
export interface LmToolLike {
  readonly name: string;
  readonly description: string;
  readonly inputSchema?: object;
}

/** vscode.LanguageModelChatToolMode: Auto = 1, Required = 2. */
export const LM_TOOL_MODE = { auto: 1, required: 2 } as const;

/** vscode.ProvideLanguageModelChatResponseOptions, what the request needs of it. */
export interface LmResponseOptionsLike {
  readonly modelOptions?: { readonly [name: string]: unknown };
  readonly tools?: readonly LmToolLike[];
  readonly toolMode?: number;
}

export interface LmRequestSettings {
  readonly model: string;
  /** sail.instructions; none when blank. */
  readonly instructions?: string;
  /** Whether the model takes images. */
  readonly imageInput: boolean;
  /** sail.maxOutputTokens, when the caller's options do not set one. */
  readonly maxOutputTokens?: number | null;
  readonly cacheKey?: string;
  readonly user?: string;
}

/** Why a chat request cannot become a Sail request: the provider reports it as an error. */
export class LmMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LmMappingError';
  }
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * The output limit the caller asked for in `modelOptions`, under the names callers use
 * (`max_tokens` in VS Code's samples and Copilot, `max_output_tokens` as Sail names it, `maxOutputTokens`).
 */
export function maxOutputTokensOf(modelOptions: { readonly [name: string]: unknown } | undefined): number | undefined {
  if (!modelOptions) {
    return undefined;
  }
  return positiveInteger(modelOptions.max_output_tokens) ?? positiveInteger(modelOptions.max_tokens) ?? positiveInteger(modelOptions.maxOutputTokens);
}

/** `temperature` from `modelOptions`, when it is one Sail takes (0–2). */
export function temperatureOf(modelOptions: { readonly [name: string]: unknown } | undefined): number | undefined {
  const value = modelOptions?.temperature;
  return typeof value === 'number' && value >= 0 && value <= 2 ? value : undefined;
}

/** The caller's tools as Sail's function tools; a tool without a schema takes an object with anything in it. */
export function toFunctionTools(tools: readonly LmToolLike[]): FunctionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    name: tool.name,
    description: tool.description,
    parameters: (tool.inputSchema as Record<string, unknown> | undefined) ?? { type: 'object', properties: {} },
  }));
}

/**
 * The provider's request: the conversation at asap, in the foreground (Sail refuses asap in the
 * background), stored and never truncated like every other request of this extension. The output limit
 * is the caller's, else the setting's. Tools go through when the caller offers any; Required asks Sail
 * to call one.
 */
export function buildLmRequest(messages: readonly LmMessageLike[], options: LmResponseOptionsLike, settings: LmRequestSettings): CreateResponseRequest {
  const input = toInputItems(messages, { imageInput: settings.imageInput });
  if (input.length === 0) {
    throw new LmMappingError('The chat request has no text, image or tool result Sail could take.');
  }
  const request: CreateResponseRequest = {
    model: settings.model,
    input,
    background: false,
    store: true,
    truncation: 'disabled',
    metadata: { completion_window: 'asap' },
  };
  if (settings.instructions?.trim()) {
    request.instructions = settings.instructions;
  }
  const maxOutputTokens = maxOutputTokensOf(options.modelOptions) ?? settings.maxOutputTokens ?? undefined;
  if (maxOutputTokens !== undefined) {
    request.max_output_tokens = maxOutputTokens;
  }
  const temperature = temperatureOf(options.modelOptions);
  if (temperature !== undefined) {
    request.temperature = temperature;
  }
  if (options.tools && options.tools.length > 0) {
    request.tools = toFunctionTools(options.tools);
    request.tool_choice = options.toolMode === LM_TOOL_MODE.required ? 'required' : 'auto';
  }
  if (settings.cacheKey) {
    request.prompt_cache_key = settings.cacheKey;
  }
  if (settings.user) {
    request.user = settings.user;
  }
  return request;
}

/** A part of the answer, for the glue to report as vscode.LanguageModelTextPart or LanguageModelToolCallPart. */
export type LmResponsePart =
  { readonly kind: 'text'; readonly value: string } | { readonly kind: 'toolCall'; readonly callId: string; readonly name: string; readonly input: object };

/**
 * Sail's answer as response parts, in output order: each message's answer text (reasoning is not
 * reported: the stable API has no part for it), each function call with its arguments parsed.
 * Arguments that are not a JSON object are an error, not an empty call.
 */
export function responseParts(response: Pick<SailResponse, 'output'>): LmResponsePart[] {
  const parts: LmResponsePart[] = [];
  for (const item of response.output) {
    if (item.type === 'message') {
      const text = item.content
        .filter((p) => p.type === 'output_text')
        .map((p) => p.text ?? '')
        .join('');
      if (text) {
        parts.push({ kind: 'text', value: text });
      }
    } else if (item.type === 'function_call') {
      let input: unknown;
      try {
        input = JSON.parse(item.arguments || '{}');
      } catch {
        input = undefined;
      }
      if (!isRecord(input) || Array.isArray(input)) {
        throw new LmMappingError(`Sail's call of the tool ${item.name} has arguments that are not a JSON object.`);
      }
      parts.push({ kind: 'toolCall', callId: item.call_id, name: item.name, input });
    }
  }
  return parts;
}

/** The characters a message sends, as counted for provideTokenCount. */
export function messageText(message: LmMessageLike): string {
  let text = '';
  for (const raw of message.content) {
    const part = classifyPart(raw);
    if (part.kind === 'text') {
      text += part.value;
    } else if (part.kind === 'toolCall') {
      text += part.name + JSON.stringify(part.input);
    } else if (part.kind === 'toolResult') {
      text += toolResultText(part.content);
    } else if (part.kind === 'data' && isTextMime(part.mimeType)) {
      text += utf8.decode(part.data);
    }
  }
  return text;
}

/**
 * provideTokenCount: an estimate from the length (src/usage/estimate.ts, about four characters a token);
 * Sail publishes no tokenizer. Images are not counted.
 */
export function estimateTokenCount(value: string | LmMessageLike): number {
  return estimateInputTokens(typeof value === 'string' ? value : messageText(value));
}
