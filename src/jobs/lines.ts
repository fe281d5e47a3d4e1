/** The lines a selection covers, 1-based and inclusive, as people count them. */
export interface LineSpan {
  readonly start: number;
  readonly end: number;
}

export interface RangeLike {
  readonly start: { readonly line: number; readonly character: number };
  readonly end: { readonly line: number; readonly character: number };
}

/** A selection that ends at the very start of a line does not cover that line. */
export function lineSpan(range: RangeLike): LineSpan {
  const endLine = range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
  return { start: range.start.line + 1, end: endLine + 1 };
}
