/**
 * Which windows each model runs in, and what it costs there. Sail's API publishes neither, so the
 * extension ships a table, dated and sourced, that the user can correct per model
 * (`sail.modelCatalog`). A model in neither still works: its windows are all of them and its
 * price is unknown.
 */
import { COMPLETION_WINDOWS, parseWindow, type CompletionWindow } from '../sail/windows';

/** US dollars per million tokens. Input counts every input token not served from the cache. */
export interface Price {
  readonly input: number;
  /** Cached input; when unknown, cached tokens are priced as input (an upper bound). */
  readonly cachedInput?: number;
  /** Output, reasoning included. */
  readonly output: number;
}

export interface ModelEntry {
  /** The windows Sail publishes the model in, fastest first. */
  readonly windows: readonly CompletionWindow[];
  readonly prices: Readonly<Partial<Record<CompletionWindow, Price>>>;
}

/** When the shipped prices were read, and from where. Shown beside every figure computed from them. */
export const BUILTIN_PRICES_DATE = '2026-09-13';
export const BUILTIN_PRICES_SOURCE = "Sail's pricing page as captured by third-party clients (2026-08-22 to 2026-09-21); Sail's API does not publish prices";

const p = (input: number, cachedInput: number | undefined, output: number): Price => ({ input, cachedInput, output });

/** The shipped table (per-model windows and prices as read on BUILTIN_PRICES_DATE). */
export const BUILTIN_MODELS: Readonly<Record<string, ModelEntry>> = {
  'moonshotai/Kimi-K2.6': {
    windows: ['asap', 'standard', 'flex'],
    prices: { asap: p(1.0, 0.2, 4.0), standard: p(0.45, 0.2, 3.0), flex: p(0.35, 0.1, 2.0) },
  },
  'moonshotai/Kimi-K3': { windows: ['asap'], prices: { asap: p(3.0, 0.3, 15.0) } },
  'zai-org/GLM-5.3': {
    windows: ['standard', 'flex'],
    // An asap price is quoted too (0.98 / 3.08), but the window is not published for the model.
    prices: { standard: p(0.5, 0.12, 2.5), flex: p(0.4, 0.08, 1.8) },
  },
  'deepseek-ai/DeepSeek-V4-Pro-0813': {
    windows: ['asap', 'flex'],
    prices: { asap: p(1.32, 0.044, 3.96), flex: p(0.66, 0.022, 1.98) },
  },
  'deepseek-ai/DeepSeek-V4-Flash-0731': { windows: ['asap'], prices: { asap: p(0.09, 0.02, 0.18) } },
  'openai/gpt-oss-120b': { windows: ['asap'], prices: { asap: p(0.06, undefined, 0.4) } },
};

/** One model's correction in `sail.modelCatalog`: window names as Sail spells them (`balanced` too). */
export interface ModelOverride {
  readonly windows?: readonly string[];
  readonly prices?: Readonly<Record<string, Price>>;
}

export interface PriceCatalog {
  /** The model's windows: its entry's, or every window when it has none. */
  windowsOf(model: string): readonly CompletionWindow[];
  /** Whether the model's windows are known (from the table or the user) rather than assumed. */
  knowsWindows(model: string): boolean;
  priceOf(model: string, window: CompletionWindow): Price | undefined;
  /** The date the prices of this model are from: the shipped table's, or undefined for the user's own. */
  pricesDate(model: string): string | undefined;
}

function byOrder(windows: Iterable<CompletionWindow>): CompletionWindow[] {
  const set = new Set(windows);
  return COMPLETION_WINDOWS.filter((w) => set.has(w));
}

/** The shipped table with the user's corrections laid over it, model by model. */
export function priceCatalog(overrides: Readonly<Record<string, ModelOverride>> = {}): PriceCatalog {
  const models = new Map<string, ModelEntry & { own: boolean }>(Object.entries(BUILTIN_MODELS).map(([id, entry]) => [id, { ...entry, own: false }]));
  for (const [id, override] of Object.entries(overrides)) {
    const base = models.get(id);
    const prices: Partial<Record<CompletionWindow, Price>> = { ...base?.prices };
    for (const [name, price] of Object.entries(override.prices ?? {})) {
      const window = parseWindow(name);
      if (window) {
        prices[window] = price;
      }
    }
    const named = override.windows?.map(parseWindow).filter((w) => w !== undefined);
    const windows = named?.length ? byOrder(named) : (base?.windows ?? byOrder(Object.keys(prices) as CompletionWindow[]));
    models.set(id, { windows, prices, own: override.prices !== undefined || !base });
  }
  return {
    windowsOf: (model) => {
      const windows = models.get(model)?.windows;
      return windows?.length ? windows : COMPLETION_WINDOWS;
    },
    knowsWindows: (model) => (models.get(model)?.windows.length ?? 0) > 0,
    priceOf: (model, window) => models.get(model)?.prices[window],
    pricesDate: (model) => {
      const entry = models.get(model);
      return entry && !entry.own ? BUILTIN_PRICES_DATE : undefined;
    },
  };
}
