/**
 * What a request carries: the code verbatim with its file name and language, fenced so the model
 * cannot mistake code for instructions, then the instruction, last and labelled so it cannot be
 * mistaken for code; plus the request fields from settings. The code comes first because it is the
 * stable part: different instructions about the same code share the whole prefix up to the
 * instruction, which Sail's prefix cache (routed by prompt_cache_key) bills as cached input.
 */
import { createHash, createHmac } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import type { SailConfig } from '../config';
import type { CreateResponseRequest, ReasoningEffort, TextFormat } from '../sail/schemas';
import { parseWindow, type CompletionWindow } from '../sail/windows';

export interface CodeInput {
  readonly instruction: string;
  readonly text: string;
  readonly fileName: string;
  readonly languageId: string;
  /** 1-based, inclusive; absent for a whole file. */
  readonly lines?: { readonly start: number; readonly end: number };
}

/** A fence longer than any backtick run in the text, so the code cannot close it early. */
export function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** The code first (which code, then the code fenced), the instruction last: see the top of this file. */
export function buildInput(input: CodeInput): string {
  const fence = fenceFor(input.text);
  const where = input.lines ? `lines ${input.lines.start}–${input.lines.end} of ${input.fileName}` : `the whole file ${input.fileName}`;
  return [
    `The code below is ${where} (language: ${input.languageId}).`,
    '',
    `${fence}${input.languageId}`,
    input.text,
    fence,
    '',
    'Instruction:',
    input.instruction.trim(),
    '',
  ].join('\n');
}

/** What a prompt file (or a command's argument) sets for one request, over the sail.* settings. */
export interface RequestOverrides {
  readonly model?: string;
  readonly completionWindow?: CompletionWindow | 'auto';
  readonly reasoningEffort?: ReasoningEffort;
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  /** Structured output: the answer is JSON matching this schema. */
  readonly format?: TextFormat;
}

/** Identifies a text without keeping it: to notice that a selection changed before replacing it. */
export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The cache-routing key: a keyed hash (HMAC) of the workspace or file URI with a secret salt made once
 * per install, so no path or workspace name leaves the machine, and a guessed path cannot be confirmed
 * by hashing it.
 */
export function promptCacheKey(mode: SailConfig['promptCacheKey'], scope: { workspace?: string; file?: string }, salt: string): string | undefined {
  const value = mode === 'workspace' ? (scope.workspace ?? scope.file) : mode === 'file' ? scope.file : undefined;
  return value === undefined ? undefined : `vscode-${createHmac('sha256', salt).update(value).digest('hex').slice(0, 32)}`;
}

/**
 * The `user` field (sail.endUserId): an anonymous id made once per installation, a keyed hash of the
 * install's secret salt, so it tells Sail apart one installation's requests and nothing else; or none.
 */
export function endUserId(mode: SailConfig['endUserId'], salt: string): string | undefined {
  return mode === 'install' ? `vscode-user-${createHmac('sha256', salt).update('end-user').digest('hex').slice(0, 32)}` : undefined;
}

/**
 * The same input, with the request settings as they are now (model, window, limits, instructions)
 * and, for a prompt file's job, what that file sets now (`prompt`): for sending a refused request
 * again after the user fixed a setting or the prompt file.
 */
export function rebuildRequest(
  config: SailConfig,
  previous: CreateResponseRequest,
  options: {
    readonly prompt?: RequestOverrides;
    /** A batch item: its window stays as sent (a batch runs only in some windows). */
    readonly keepWindow?: boolean;
  } = {},
): CreateResponseRequest {
  const { prompt } = options;
  const input = typeof previous.input === 'string' ? previous.input : JSON.stringify(previous.input);
  // The output format is no setting: it stays as it was sent, unless the prompt file read again says.
  const format = prompt ? prompt.format : previous.text?.format;
  const completionWindow = options.keepWindow ? (parseWindow(previous.metadata?.completion_window) ?? 'auto') : prompt?.completionWindow;
  return buildRequest(config, input, { ...prompt, completionWindow, cacheKey: previous.prompt_cache_key, user: previous.user, format });
}

/** Foreground or background for a window: Sail refuses asap in the background (unsupported_asap_request) and flex in the foreground. */
export function backgroundFor(window: CompletionWindow | 'auto', preferred: boolean): boolean {
  return window === 'asap' ? false : window === 'flex' ? true : preferred;
}

/**
 * The same request at another model and window (Re-run): everything else — input, instructions,
 * limits, cache key — stays as it was sent.
 */
export function withModelAndWindow(
  request: CreateResponseRequest,
  model: string,
  window: CompletionWindow | 'auto',
  preferBackground: boolean,
): CreateResponseRequest {
  const metadata = { ...request.metadata };
  delete metadata.completion_window;
  const rest = { ...request, model, background: backgroundFor(window, preferBackground) };
  delete rest.metadata;
  const merged = window === 'auto' ? metadata : { ...metadata, completion_window: window };
  return Object.keys(merged).length ? { ...rest, metadata: merged } : rest;
}

/** The characters a request sends as text: its instructions and input (for estimates). */
export function requestText(request: CreateResponseRequest): string {
  const input = typeof request.input === 'string' ? request.input : JSON.stringify(request.input);
  return (request.instructions ?? '') + input;
}

export function buildRequest(config: SailConfig, input: string, options: RequestOverrides & { cacheKey?: string; user?: string } = {}): CreateResponseRequest {
  // The setting may say `balanced`: requests carry the id (`standard`), which Sail keeps as an alias.
  const setting = options.completionWindow ?? config.completionWindow;
  const window = setting === 'auto' ? 'auto' : (parseWindow(setting) ?? 'auto');
  const background = backgroundFor(window, config.background);
  const request: CreateResponseRequest = {
    model: options.model ?? config.model,
    input,
    background,
    store: true,
    truncation: 'disabled',
  };
  if (window !== 'auto') {
    request.metadata = { completion_window: window };
  }
  if (config.instructions.trim()) {
    request.instructions = config.instructions;
  }
  const maxOutputTokens = options.maxOutputTokens ?? config.maxOutputTokens;
  if (maxOutputTokens !== null) {
    request.max_output_tokens = maxOutputTokens;
  }
  const temperature = options.temperature ?? config.temperature;
  if (temperature !== null) {
    request.temperature = temperature;
  }
  if (config.topP !== null) {
    request.top_p = config.topP;
  }
  const effort = options.reasoningEffort ?? config.reasoningEffort;
  if (effort !== 'default') {
    request.reasoning = { effort };
  }
  if (options.format && options.format.type !== 'text') {
    request.text = { format: options.format };
  }
  if (options.cacheKey) {
    request.prompt_cache_key = options.cacheKey;
  }
  if (options.user) {
    request.user = options.user;
  }
  return request;
}

/** Why a file's bytes cannot be sent, or undefined when they can. */
/** Why `byteLength` bytes are too many to send, if they are. */
export function tooLargeReason(byteLength: number, maxBytes: number, fileName: string): string | undefined {
  if (byteLength > maxBytes) {
    return l10n.t(
      '{0} is {1} KB, over the {2} KB limit (sail.maxFileSizeKB). Select the part you need and use Send Selection.',
      fileName,
      Math.ceil(byteLength / 1024),
      Math.floor(maxBytes / 1024),
    );
  }
  return undefined;
}

export function unsendableReason(bytes: Uint8Array, maxBytes: number, fileName: string): string | undefined {
  const tooLarge = tooLargeReason(bytes.byteLength, maxBytes, fileName);
  return tooLarge ?? notTextReason(bytes, fileName);
}

/** Why a file's bytes are not text Sail can take (binary, or not UTF-8), or undefined when they are. */
export function notTextReason(bytes: Uint8Array, fileName: string): string | undefined {
  // A NUL byte in the first 8 KB is how git and most editors tell binary from text.
  if (bytes.subarray(0, 8192).includes(0)) {
    return l10n.t('{0} looks like a binary file; Sail accepts text only.', fileName);
  }
  try {
    // `stream` tolerates a multi-byte character cut at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, 65536), { stream: true });
  } catch {
    return l10n.t('{0} is not UTF-8 text; Sail accepts text only.', fileName);
  }
  return undefined;
}
