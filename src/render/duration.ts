/**
 * Durations for people, in words given by the caller: the host passes translated words, the result
 * view the same words it received from the host. No imports, so the webview bundle can use it too.
 */

/** Each holds `{0}` (and `{1}`, zero-padded): "{0} ms", "{0} s", "{0} min {1} s", "{0} h {1} min". */
export interface DurationWords {
  readonly milliseconds: string;
  readonly seconds: string;
  readonly minutes: string;
  readonly hours: string;
}

/** Puts `values` where `pattern` has `{0}`, `{1}`, … */
export function fill(pattern: string, ...values: (string | number)[]): string {
  return pattern.replace(/\{(\d+)\}/g, (match, index: string) => (values[Number(index)] === undefined ? match : String(values[Number(index)])));
}

/** "850 ms", "12 s", "4 min 05 s", "2 h 03 min"; "—" for a negative or unknown span. */
export function formatDuration(ms: number, words: DurationWords): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '—';
  }
  if (ms < 1_000) {
    return fill(words.milliseconds, Math.round(ms));
  }
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) {
    return fill(words.seconds, seconds);
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return fill(words.minutes, minutes, String(seconds % 60).padStart(2, '0'));
  }
  return fill(words.hours, Math.floor(minutes / 60), String(minutes % 60).padStart(2, '0'));
}
