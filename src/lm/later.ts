/**
 * `@sail /later` and `@sail /flex`: a chat request, with the selection and files the user attached,
 * becomes a background job, the same kind Send Selection makes. This is its pure half: which window, the
 * instruction, the code input (built as every other request is: the code first, the instruction last,
 * see src/jobs/prompt.ts), a title, the request, and the estimate the reply shows. The glue (the chat
 * participant) reads the references' text, submits, and answers with the job and a button to open it.
 * Without a command the participant answers at asap in the foreground, streaming: not this module.
 */
import * as l10n from '@vscode/l10n';
import { buildContextInput } from '../batch/contextInput';
import type { SailConfig } from '../config';
import { buildInput, buildRequest, type CodeInput } from '../jobs/prompt';
import { lineSpan, type RangeLike } from '../jobs/lines';
import type { CreateResponseRequest } from '../sail/schemas';
import type { CompletionWindow } from '../sail/windows';
import type { PriceCatalog } from '../usage/catalog';
import { costOf, estimateInputTokens, estimateOutputTokens } from '../usage/estimate';

/** The participant's commands, and the window each one sends at. */
export const LATER_COMMANDS: Readonly<Record<string, CompletionWindow>> = {
  // The user's background window of choice; Sail's `balanced`, sent by its id `standard`.
  later: 'standard',
  flex: 'flex',
};

/** The window a command sends at; undefined for no command or another one (then the answer is asap). */
export function laterWindow(command: string | undefined): CompletionWindow | undefined {
  return command !== undefined && Object.hasOwn(LATER_COMMANDS, command) ? LATER_COMMANDS[command] : undefined;
}

/**
 * A reference the user attached (vscode.ChatPromptReference), once the glue has read it: a selection
 * (its value was a Location) or a whole file (a Uri). Other references are left out by the glue.
 */
export type LaterReference =
  | {
      readonly kind: 'selection';
      /** Workspace-relative, '/'-separated: shown to the model and in the title. */
      readonly path: string;
      readonly languageId: string;
      readonly text: string;
      /** 0-based, as VS Code's Range. */
      readonly range: RangeLike;
    }
  | { readonly kind: 'file'; readonly path: string; readonly languageId: string; readonly text: string };

/** What the chat request carries (vscode.ChatRequest), once its references are read. */
export interface LaterChatRequest {
  readonly prompt: string;
  readonly command: string | undefined;
  readonly references: readonly LaterReference[];
}

export interface LaterPlan {
  readonly window: CompletionWindow;
  /** The prompt, trimmed: what the job records as its instruction. */
  readonly instruction: string;
  /** The request's input: the code first, the instruction last. */
  readonly input: string;
  /** The job's title: the instruction's first line (60 characters at most) · what it is about. */
  readonly title: string;
  /** The one reference, when there is exactly one (the job's source, for Replace); absent otherwise. */
  readonly single?: LaterReference;
}

export type LaterResult = { readonly plan: LaterPlan } | { readonly error: string };

/** The file name people see: the last segment of the path. */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The label of a reference among several: its path, and its lines when it is a selection. */
function contextPath(reference: LaterReference): string {
  if (reference.kind === 'file') {
    return reference.path;
  }
  const lines = lineSpan(reference.range);
  return `${reference.path}, lines ${lines.start}–${lines.end}`;
}

/** One reference, as Send Selection / Send File would send it. */
export function codeInputOf(reference: LaterReference, instruction: string): CodeInput {
  return {
    instruction,
    text: reference.text,
    fileName: reference.path,
    languageId: reference.languageId,
    ...(reference.kind === 'selection' && { lines: lineSpan(reference.range) }),
  };
}

/**
 * The input: no reference, the instruction alone; one, as Send Selection or Send File builds it; several,
 * as the context send builds it (every reference fenced with its path, selections labelled with their
 * lines, in path order, the instruction last).
 */
export function laterInput(instruction: string, references: readonly LaterReference[]): string {
  if (references.length === 0) {
    return `${instruction}\n`;
  }
  if (references.length === 1) {
    return buildInput(codeInputOf(references[0], instruction));
  }
  return buildContextInput(
    instruction,
    references.map((r) => ({ path: contextPath(r), text: r.text, languageId: r.languageId })),
  );
}

export function laterTitle(instruction: string, references: readonly LaterReference[]): string {
  const head = instruction.split('\n')[0].slice(0, 60);
  if (references.length === 0) {
    return head;
  }
  const about = references.length === 1 ? baseName(references[0].path) : l10n.t('{0} files', references.length);
  return `${head} · ${about}`;
}

/** The plan for `/later` or `/flex`, or why there is none (an empty prompt, or no such command). */
export function planLater(request: LaterChatRequest): LaterResult {
  const window = laterWindow(request.command);
  if (window === undefined) {
    return { error: l10n.t('@sail has no command /{0}; use /later or /flex.', request.command ?? '') };
  }
  const instruction = request.prompt.trim();
  if (!instruction) {
    return { error: l10n.t('Say what to do after /{0}, for example: /{0} explain this code.', request.command ?? '') };
  }
  const plan: LaterPlan = {
    window,
    instruction,
    input: laterInput(instruction, request.references),
    title: laterTitle(instruction, request.references),
    ...(request.references.length === 1 && { single: request.references[0] }),
  };
  return { plan };
}

/**
 * The job's request: built from the settings like every other send, at the plan's window and always in
 * the background (a `/later` job must not hold the chat), whatever sail.background says.
 */
export function laterRequest(config: SailConfig, plan: LaterPlan, extras: { cacheKey?: string; user?: string; model?: string } = {}): CreateResponseRequest {
  return buildRequest({ ...config, background: true }, plan.input, { completionWindow: plan.window, ...extras });
}

export interface LaterEstimate {
  /** From the length of the input and instructions: labelled an estimate where shown. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Whether outputTokens is the configured ceiling (sail.maxOutputTokens) rather than a typical answer. */
  readonly ceiling: boolean;
  /** The estimated cost at the window, when the model's price there is known. */
  readonly costUsd?: number;
  /** The same request at asap, when that price is known: the reply says how much the window saves. */
  readonly asapCostUsd?: number;
  /** Whether the model runs in the window (false: the reply warns before Sail refuses). */
  readonly windowAvailable: boolean;
}

/** The reply's cost line: the request's size and its estimated price at the window and at asap. */
export function estimateLater(catalog: PriceCatalog, request: CreateResponseRequest, window: CompletionWindow): LaterEstimate {
  const text = (request.instructions ?? '') + (typeof request.input === 'string' ? request.input : JSON.stringify(request.input));
  const inputTokens = estimateInputTokens(text);
  const output = estimateOutputTokens(inputTokens, request.max_output_tokens ?? null);
  const tokens = { input: inputTokens, cached: 0, output: output.tokens };
  const price = catalog.priceOf(request.model, window);
  const asap = catalog.priceOf(request.model, 'asap');
  return {
    inputTokens,
    outputTokens: output.tokens,
    ceiling: output.ceiling,
    ...(price && { costUsd: costOf(price, tokens) }),
    ...(asap && { asapCostUsd: costOf(asap, tokens) }),
    windowAvailable: catalog.windowsOf(request.model).includes(window),
  };
}
