/**
 * Text out of a response. Sail's raw JSON has no `output_text` (that is an OpenAI SDK
 * convenience), so it is computed here the way the SDKs do it.
 */
import type { SailResponse, SailTextPart } from './schemas';

/** All `output_text` parts of all `message` items, concatenated. */
export function outputText(response: Pick<SailResponse, 'output'>): string {
  let text = '';
  for (const item of response.output) {
    if (item.type === 'message') {
      text += joinText(item.content, 'output_text');
    }
  }
  return text;
}

/**
 * The model's reasoning: per reasoning item its full text when Sail sent it, else its summary.
 * Items are separated by a blank line.
 */
export function reasoningText(response: Pick<SailResponse, 'output'>): string {
  const blocks: string[] = [];
  for (const item of response.output) {
    if (item.type === 'reasoning') {
      const text = joinText(item.content) || joinText(item.summary);
      if (text) {
        blocks.push(text);
      }
    }
  }
  return blocks.join('\n\n');
}

function joinText(parts: readonly SailTextPart[], onlyType?: string): string {
  return parts
    .filter((p) => onlyType === undefined || p.type === onlyType)
    .map((p) => p.text ?? '')
    .join('');
}
