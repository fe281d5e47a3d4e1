/**
 * Sail's completion windows, the one list: the trade between turn time and price. `balanced` is an
 * alias Sail accepts for `standard` in requests (see schemas); the extension always sends these four.
 */
export const COMPLETION_WINDOWS = ['asap', 'priority', 'standard', 'flex'] as const;
export type CompletionWindow = (typeof COMPLETION_WINDOWS)[number];

export function isCompletionWindow(value: unknown): value is CompletionWindow {
  return typeof value === 'string' && (COMPLETION_WINDOWS as readonly string[]).includes(value);
}
