/**
 * Sail's completion windows, the one list: the trade between turn time and price. Sail renamed
 * `standard` to `balanced` (2026-08-17) and accepts both; records and requests keep the id
 * `standard`, and people see the current name (`windowName`).
 */
export const COMPLETION_WINDOWS = ['asap', 'priority', 'standard', 'flex'] as const;
export type CompletionWindow = (typeof COMPLETION_WINDOWS)[number];

export function isCompletionWindow(value: unknown): value is CompletionWindow {
  return typeof value === 'string' && (COMPLETION_WINDOWS as readonly string[]).includes(value);
}

/** Names Sail accepts for a window besides its id: the current name of `standard`, and the usage API's legacy keys. */
const ALIASES: Readonly<Record<string, CompletionWindow>> = { balanced: 'standard', '15min': 'priority', '15m': 'priority', '24hr': 'flex', '24h': 'flex' };

/** A window from any name Sail uses or used for it (`balanced`, `24hr`, …); undefined when unknown. */
export function parseWindow(value: unknown): CompletionWindow | undefined {
  if (isCompletionWindow(value)) {
    return value;
  }
  return typeof value === 'string' && Object.hasOwn(ALIASES, value) ? ALIASES[value] : undefined;
}

/** The name people see: Sail's current one. */
export function windowName(window: CompletionWindow): string {
  return window === 'standard' ? 'balanced' : window;
}

/**
 * Sail's published typical turn time (ms) and price against asap (sail-api.md §4: "priority ~50 %
 * lower, balanced ~65 %, flex ~80 %"); approximate by Sail's own words. Used where a model's own
 * prices are unknown, and to order the windows from fastest to cheapest.
 */
export const WINDOW_TRAITS: Readonly<Record<CompletionWindow, { readonly typicalMs: number; readonly priceVsAsap: number }>> = {
  asap: { typicalMs: 5_000, priceVsAsap: 1 },
  priority: { typicalMs: 60_000, priceVsAsap: 0.5 },
  standard: { typicalMs: 5 * 60_000, priceVsAsap: 0.35 },
  flex: { typicalMs: 3 * 60 * 60_000, priceVsAsap: 0.2 },
};
