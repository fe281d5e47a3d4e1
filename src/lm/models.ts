/**
 * The `sail` vendor's models as VS Code's model list wants them (vscode.LanguageModelChatInformation),
 * from Sail's GET /v1/models. The provider answers at asap in the foreground, so a model Sail does not
 * run at asap (by the price table, or sail.modelCatalog) is not offered. Sail's model list says nothing
 * of context sizes or image input: the sizes are assumed (below) and images are declared unsupported,
 * so VS Code never sends one a model might refuse.
 */
import type { SailModel } from '../sail/schemas';
import type { PriceCatalog } from '../usage/catalog';

/** What VS Code's model list needs of a model (the stable LanguageModelChatInformation's fields). */
export interface LmModelInfo {
  readonly id: string;
  readonly name: string;
  readonly family: string;
  readonly version: string;
  readonly tooltip: string;
  readonly detail: string;
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  readonly capabilities: { readonly imageInput: boolean; readonly toolCalling: boolean };
}

/**
 * Sizes Sail does not publish: a context of 128K tokens, of which at most 16K are output, fits every
 * model of the shipped price table; VS Code uses them only to trim what it sends.
 */
export const ASSUMED_MAX_INPUT_TOKENS = 128_000;
export const ASSUMED_MAX_OUTPUT_TOKENS = 16_384;

export interface LmModelOptions {
  /** sail.maxOutputTokens: when set, the most a model is declared to write. */
  readonly maxOutputTokens: number | null;
  /** Whether to declare tool calling (Sail's API takes function tools; see docs/lm-api.md §6). */
  readonly toolCalling: boolean;
}

/** "Kimi-K2.6" from "moonshotai/Kimi-K2.6": the model's own name, without its publisher. */
export function modelName(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}

/** The models to offer, in id order: each that runs at asap, with its id as family (selectChatModels({ family })). */
export function lmModels(models: readonly SailModel[], catalog: PriceCatalog, options: LmModelOptions): LmModelInfo[] {
  const seen = new Set<string>();
  return models
    .filter((model) => {
      const fresh = !seen.has(model.id);
      seen.add(model.id);
      return fresh && catalog.windowsOf(model.id).includes('asap');
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((model) => ({
      id: model.id,
      name: modelName(model.id),
      family: model.id,
      // Sail's `created` (Unix seconds) tells two versions of one id apart; "1" when it is not sent.
      version: model.created !== undefined ? new Date(model.created * 1000).toISOString().slice(0, 10) : '1',
      tooltip: `${model.id} on Sail, answered at asap`,
      detail: 'Sail · asap',
      maxInputTokens: ASSUMED_MAX_INPUT_TOKENS,
      maxOutputTokens: Math.min(options.maxOutputTokens ?? ASSUMED_MAX_OUTPUT_TOKENS, ASSUMED_MAX_OUTPUT_TOKENS),
      capabilities: { imageInput: false, toolCalling: options.toolCalling },
    }));
}
