/**
 * Text we did not write (a file name, a setting's value, a server's message, model output) made safe
 * for VS Code surfaces that interpret markup: notification and modal text, quick-pick and tree
 * labels, status-bar text, view titles. Pure, so every rule is unit-tested over a hostile corpus.
 *
 * What those surfaces interpret, and how each is defused:
 * - `[label](command:…)`, `[label](https://…)`, `[label](file:…)`: notifications turn them into live
 *   links (command links run with their JSON arguments). A space between `]` and `(` keeps the text
 *   readable and no longer matches.
 * - `$(icon)`: labels, descriptions and status-bar text draw it as a codicon (`$(sync~spin)` spins).
 *   A space after the `$` keeps the text readable and no longer matches.
 * - Control characters, line breaks and bidirectional overrides (which can make a name read backwards,
 *   "Trojan Source"): removed or flattened to one space, so the text is one honest line.
 * - Length: bounded, so a hostile value cannot push the real words and buttons out of view.
 */

/** The most characters one untrusted value may take in a message; longer values end in "…". */
export const DEFAULT_MAX_LENGTH = 200;

// C0 and C1 controls and DEL; line breaks are among them and become a space.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
// Bidi embeddings, overrides and isolates, directional marks, and invisible joiners/spaces that can
// hide or reorder what a reader sees.
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
// `](` — the seam of a Markdown link, in VS Code's linkified notification text.
const LINK_SEAM = /\]\s*\(/g;
// `$(` — the start of a codicon reference.
const ICON_START = /\$\(/g;

/** One line of plain text that no VS Code surface will turn into a link, an icon or a second line. */
export function neutralize(value: unknown, maxLength = DEFAULT_MAX_LENGTH): string {
  const text = typeof value === 'string' ? value : String(value);
  const flat = text.replace(CONTROLS, ' ').replace(INVISIBLE, '').replace(LINK_SEAM, '] (').replace(ICON_START, '$ (').replace(/ {2,}/g, ' ').trim();
  return truncate(flat, maxLength);
}

/** Like `neutralize`, for a MarkdownString (tooltips, hovers): also escapes Markdown and HTML syntax. */
export function markdownText(value: unknown, maxLength = DEFAULT_MAX_LENGTH): string {
  return neutralize(value, maxLength).replace(/[\\`*_{}[\]()#+\-.!|<>~$&:]/g, '\\$&');
}

/** A short, neutralized excerpt of a value for a message, e.g. an invalid setting: `"[x] (comm…"`. */
export function quoted(value: unknown, maxLength = 40): string {
  let text: string;
  try {
    // Strings come out in quotes; undefined, functions and symbols, which JSON cannot show, as their text.
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return neutralize(text, maxLength);
}

function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) {
    return text;
  }
  // Never cut a surrogate pair in half.
  const chars = Array.from(text);
  return chars.length <= maxLength ? text : `${chars.slice(0, Math.max(1, maxLength - 1)).join('')}…`;
}
