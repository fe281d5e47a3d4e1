// The simulated model: a deterministic Markdown answer derived from the prompt, and Sail-shaped usage.
import { createHash, randomBytes } from 'node:crypto';
import type { CompletionWindow } from './models';
import type { PromptUnits } from './promptCache';
import { structuredAnswer } from './structured';
import { isRecord, type ResponseRequest } from './validate';

export interface UsageDetails {
  cached_tokens: number;
  reasoning_tokens: number;
}

export interface Usage {
  input_tokens: number;
  input_tokens_details: UsageDetails;
  output_tokens: number;
  output_tokens_details: UsageDetails;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export type OutputItem = Record<string, unknown> & { type: string };

export interface Inference {
  status: 'completed' | 'incomplete';
  output: OutputItem[];
  usage: Usage;
  incompleteDetails: { reason: 'max_output_tokens' } | null;
}

export const CHARS_PER_TOKEN = 4;
const TOKENS_PER_IMAGE = 85;
const QUOTE_LIMIT = 800;
const REASONING_TOKENS: Record<string, number> = { minimal: 16, low: 64, medium: 192, high: 512, xhigh: 1024 };

export const ZERO_USAGE: Usage = usage(0, 0, 0, 0);

function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * How many of a prompt's `inputTokens` the prefix cache already holds (see promptCache.ts); the
 * function may remember the prompt for later requests.
 */
export type CachedTokens = (prompt: PromptUnits, inputTokens: number) => number;

export function runInference(request: ResponseRequest, cachedTokensOf: CachedTokens = () => 0): Inference {
  const { params } = request;
  const prompt = readPrompt(request);
  const inputTokens = params.raw_prompt_tokens?.length ?? estimateTokens(prompt.allText) + prompt.images * TOKENS_PER_IMAGE;
  const units: PromptUnits = params.raw_prompt_tokens ? { kind: 'tokens', tokens: params.raw_prompt_tokens } : { kind: 'text', text: prompt.cacheable };
  const cachedTokens = cachedTokensOf(units, inputTokens);

  const effort = params.reasoning?.effort;
  const naturalReasoning = effort === undefined ? 0 : (REASONING_TOKENS[effort] ?? 0);
  const answer =
    request.structured === undefined
      ? composeAnswer(prompt.quoted, params.model, request.window)
      : structuredAnswer(request.structured, prompt.allText, shorten(instructionLine(prompt.quoted)));
  const naturalText = estimateTokens(answer);

  const budget = params.max_output_tokens ?? Number.POSITIVE_INFINITY;
  const reasoningTokens = Math.min(naturalReasoning, budget);
  const textTokens = Math.min(naturalText, budget - reasoningTokens);
  const truncated = reasoningTokens + textTokens < naturalReasoning + naturalText;
  const status = truncated ? 'incomplete' : 'completed';

  const output: OutputItem[] = [];
  if (naturalReasoning > 0) {
    const summary = `Read the ${prompt.allText.length}-character prompt at ${effort} effort and planned a heading, a list and a quoted code block.`;
    output.push({
      type: 'reasoning',
      id: `rs_${randomBytes(12).toString('hex')}`,
      summary: [{ type: 'summary_text', text: summary }],
      content: [{ type: 'reasoning_text', text: summary }],
    });
  }
  if (textTokens > 0) {
    output.push({
      type: 'message',
      id: `msg_${randomBytes(12).toString('hex')}`,
      role: 'assistant',
      status,
      content: [{ type: 'output_text', text: answer.slice(0, textTokens * CHARS_PER_TOKEN), annotations: [] }],
    });
  }
  return {
    status,
    output,
    usage: usage(inputTokens, cachedTokens, reasoningTokens + textTokens, reasoningTokens),
    incompleteDetails: truncated ? { reason: 'max_output_tokens' } : null,
  };
}

function usage(input: number, cached: number, output: number, reasoning: number): Usage {
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached, reasoning_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { cached_tokens: 0, reasoning_tokens: reasoning },
    total_tokens: input + output,
    prompt_tokens: input,
    completion_tokens: output,
  };
}

interface Prompt {
  /** Everything the model reads: instructions and every message. */
  allText: string;
  /** The last user turn (or the whole input when it is a string), which the answer quotes. */
  quoted: string;
  images: number;
  /**
   * What the prefix cache compares: allText up to the first message that holds an image (an image is
   * not text, so two prompts cannot be known to share anything past it).
   */
  cacheable: string;
}

function readPrompt({ params }: ResponseRequest): Prompt {
  const texts: string[] = params.instructions === undefined ? [] : [params.instructions];
  if (typeof params.input === 'string') {
    const allText = [...texts, params.input].join('\n');
    return { allText, quoted: params.input, images: 0, cacheable: allText };
  }
  const items: Record<string, unknown>[] = Array.isArray(params.input) ? params.input : params.input.messages;
  let quoted = '';
  let images = 0;
  let cacheable: string | undefined;
  for (const item of items) {
    const parts = Array.isArray(item.content) ? item.content : [item.content ?? item.arguments ?? item.output];
    const text = parts.map((part: unknown) => (typeof part === 'string' ? part : isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('\n');
    const itemImages = parts.filter((part: unknown) => isRecord(part) && part.type === 'input_image').length;
    if (itemImages > 0 && cacheable === undefined) {
      cacheable = texts.join('\n');
    }
    images += itemImages;
    texts.push(text);
    if (item.role === 'user') {
      quoted = text;
    }
  }
  const allText = texts.join('\n');
  return { allText, quoted: quoted || allText, images, cacheable: cacheable ?? allText };
}

/** Languages whose line comments start with `#` (the rest use `//`). */
const HASH_COMMENTS = new Set(['python', 'shellscript', 'yaml', 'ruby', 'perl', 'r', 'dockerfile', 'makefile', 'toml']);

/**
 * Asked to "rewrite" code (the word anywhere in the prompt, with a fenced block in a language), the
 * simulated model answers with the whole code again, one comment line added on top: an edit a
 * reviewer can see as a diff and apply.
 */
function composeRewrite(quoted: string): string | undefined {
  if (!/\brewrite\b/i.test(quoted)) {
    return undefined;
  }
  const block = /^(`{3,})([\w+#.-]+)\n([\s\S]*?)\n\1$/m.exec(quoted);
  if (!block || block[2] === 'text') {
    return undefined;
  }
  const [, , language, fenced] = block;
  // The prompt's fence follows the code's own last newline: the file, not one line more.
  const code = fenced.replace(/\n$/, '');
  const comment = HASH_COMMENTS.has(language) ? '#' : '//';
  return [
    '## Simulated rewrite',
    '',
    `${block[1]}${language}`,
    `${comment} Reviewed by the Sail simulator.`,
    code,
    block[1],
    '',
    'This text is generated by the local simulator, not by a model.',
  ].join('\n');
}

/**
 * The line the answer is about: the instruction. A prompt that ends with text after its last fenced
 * block (code first, instruction last, as the extension sends it) has it there, after an optional
 * `Instruction:` label; any other prompt has it on its first non-empty line.
 */
function instructionLine(quoted: string): string {
  const fences = [...quoted.matchAll(/^(`{3,})[^\n`]*\n(?:[\s\S]*?\n)?\1[ \t]*$/gm)];
  const last = fences.at(-1);
  const after = last === undefined ? '' : quoted.slice(last.index + last[0].length).replace(/^\s*instruction[^\n]*:[ \t]*(?=\n|$)/i, '');
  const firstNonEmpty = (text: string) =>
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim();
  return firstNonEmpty(after) ?? firstNonEmpty(quoted) ?? '(empty prompt)';
}

function shorten(line: string): string {
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function composeAnswer(quoted: string, model: string, window: CompletionWindow): string {
  const rewrite = composeRewrite(quoted);
  if (rewrite !== undefined) {
    return rewrite;
  }
  const firstLine = instructionLine(quoted);
  const title = shorten(firstLine);
  const words = quoted.split(/\s+/).filter((w) => w !== '');
  const excerpt = quoted.length > QUOTE_LIMIT ? `${quoted.slice(0, QUOTE_LIMIT)}\n[... ${quoted.length - QUOTE_LIMIT} more characters]` : quoted;
  const longestBacktickRun = Math.max(0, ...(excerpt.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestBacktickRun + 1));
  const checksum = createHash('sha256').update(quoted).digest('hex').slice(0, 12);
  return [
    `## Simulated answer: ${title}`,
    '',
    'The Sail simulator read your prompt:',
    '',
    `- **Words:** ${words.length}; **characters:** ${quoted.length}`,
    `- **First line, words reversed:** ${firstLine.split(/\s+/).reverse().join(' ')}`,
    `- **Model:** \`${model}\`, **completion window:** \`${window}\``,
    `- **Checksum:** \`${checksum}\``,
    '',
    'Your prompt, quoted:',
    '',
    `${fence}text`,
    excerpt,
    fence,
    '',
    'This text is generated by the local simulator, not by a model.',
  ].join('\n');
}
