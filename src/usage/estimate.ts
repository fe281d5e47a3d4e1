/**
 * What a job costs: exactly, from the usage Sail reports, or beforehand, from the request's size.
 * Every figure is an estimate (the prices are a shipped table, see catalog.ts), and is labelled so
 * wherever it is shown.
 */
import { WINDOW_TRAITS, type CompletionWindow } from '../sail/windows';
import type { Price, PriceCatalog } from './catalog';

/** Token counts as a job records them: input includes cached input, output includes reasoning. */
export interface TokenCounts {
  readonly input: number;
  readonly cached: number;
  readonly output: number;
}

const PER_TOKEN = 1 / 1_000_000;

/** Uncached input at the input price, cached input at the cached price, output (reasoning included) at the output price. */
export function costOf(price: Price, tokens: TokenCounts): number {
  const cached = Math.min(Math.max(tokens.cached, 0), Math.max(tokens.input, 0));
  const uncached = Math.max(tokens.input, 0) - cached;
  return (uncached * price.input + cached * (price.cachedInput ?? price.input) + Math.max(tokens.output, 0) * price.output) * PER_TOKEN;
}

export interface JobCost {
  readonly costUsd: number;
  /** The same usage at the model's asap price, when that is known. */
  readonly asapCostUsd?: number;
  /** The date of the prices used; undefined when they are the user's own (sail.modelCatalog). */
  readonly pricesDate?: string;
}

/** The cost of a finished job's usage, or undefined when its window or price is unknown. */
export function jobCost(
  catalog: PriceCatalog,
  job: { readonly model: string; readonly window?: CompletionWindow; readonly usage?: TokenCounts },
): JobCost | undefined {
  if (!job.usage || !job.window) {
    return undefined;
  }
  const price = catalog.priceOf(job.model, job.window);
  if (!price) {
    return undefined;
  }
  const asap = catalog.priceOf(job.model, 'asap');
  return {
    costUsd: costOf(price, job.usage),
    ...(asap && { asapCostUsd: costOf(asap, job.usage) }),
    pricesDate: catalog.pricesDate(job.model),
  };
}

/**
 * Input tokens from the text's length: about four characters a token, the usual rule of thumb for
 * English and code with the tokenizers of today's models. Labelled as such where shown.
 */
export const CHARS_PER_TOKEN = 4;

export function estimateInputTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** How much a request will write: the configured ceiling, or a typical answer (three quarters of the input, within 256–8,192). */
export function estimateOutputTokens(inputTokens: number, maxOutputTokens: number | null): { tokens: number; ceiling: boolean } {
  if (maxOutputTokens !== null) {
    return { tokens: maxOutputTokens, ceiling: true };
  }
  return { tokens: Math.min(Math.max(Math.round(inputTokens * 0.75), 256), 8192), ceiling: false };
}

export interface WindowEstimate {
  readonly window: CompletionWindow;
  /** Sail's typical turn time for the window. */
  readonly typicalMs: number;
  /** The request's estimated cost in the window, when the model's price there is known. */
  readonly costUsd?: number;
  /** Price against asap: from the model's prices when both are known, else Sail's published ratio. */
  readonly vsAsap: number;
}

/** Each window the model runs in, fastest first, with its typical time and this request's estimated cost. */
export function estimateWindows(catalog: PriceCatalog, model: string, tokens: TokenCounts): WindowEstimate[] {
  const asap = catalog.priceOf(model, 'asap');
  const asapCost = asap ? costOf(asap, tokens) : undefined;
  return catalog.windowsOf(model).map((window) => {
    const price = catalog.priceOf(model, window);
    const costUsd = price ? costOf(price, tokens) : undefined;
    const vsAsap = costUsd !== undefined && asapCost ? costUsd / asapCost : WINDOW_TRAITS[window].priceVsAsap;
    return { window, typicalMs: WINDOW_TRAITS[window].typicalMs, ...(costUsd !== undefined && { costUsd }), vsAsap };
  });
}
