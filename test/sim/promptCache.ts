// Sail's prefix cache, as the simulator models it: `usage.input_tokens_details.cached_tokens` is the
// part of a prompt whose beginning the serving replica has already computed for an earlier prompt.
//
// The rules (deterministic: the same requests in the same order give the same counts):
// - Scope: per API key and prompt_cache_key. On Sail the key is only a routing hint — requests that
//   share it are routed together to a replica whose cache is warm. Without it a request lands on any
//   replica, so the simulator gives it no hit at all (and does not remember it): a client that wants
//   cache hits has to send the hint, which is what the extension's sail.promptCacheKey is for.
// - Memory: the last PROMPTS_PER_KEY prompts of each scope, and at most MAX_SCOPES scopes (the least
//   recently used one is forgotten first).
// - Count: the longest prefix the new prompt shares with any remembered one, in whole blocks of
//   BLOCK_TOKENS tokens (4 characters a token, as the simulator counts input), and never the whole
//   prompt: the model computes at least its last token to answer. Real caches use larger blocks
//   (e.g. 128 tokens) and a minimum prompt length before anything is cached (e.g. 1,024 tokens); the
//   simulator's smaller block keeps tests' prompts short while the arithmetic stays the same.
// - A prompt is what the model reads: the instructions, then every message's text (see readPrompt in
//   inference.ts), up to the first message holding an image (images are not compared, so nothing
//   past one counts as shared). With raw_prompt_tokens, the token ids themselves are compared.
// - Only a request that ran is remembered: a replay of an idempotent request returns the job it already
//   made, usage included, and runs nothing.
import { CHARS_PER_TOKEN } from './inference';

/** Tokens per cache block: a prefix counts as cached in whole blocks only. */
export const BLOCK_TOKENS = 16;
/** Prompts remembered per (API key, prompt_cache_key). */
export const PROMPTS_PER_KEY = 64;
/** (API key, prompt_cache_key) scopes remembered at once. */
export const MAX_SCOPES = 1024;

/** What the prefix is compared on: the prompt's text, or the raw token ids when the request sent them. */
export type PromptUnits = { kind: 'text'; text: string } | { kind: 'tokens'; tokens: readonly number[] };

export class PromptCache {
  private readonly scopes = new Map<string, PromptUnits[]>();

  /**
   * The cached tokens for this prompt of `inputTokens` tokens, sent under `cacheKey` (none: no hit);
   * then remembers the prompt for the requests after it.
   */
  read(apiKey: string, cacheKey: string | undefined, prompt: PromptUnits, inputTokens: number): number {
    if (cacheKey === undefined) {
      return 0;
    }
    const scope = `${apiKey}\u0000${cacheKey}`;
    const seen = this.scopes.get(scope) ?? [];
    const shared = Math.max(0, ...seen.map((earlier) => sharedTokens(earlier, prompt)));
    this.scopes.delete(scope);
    this.scopes.set(scope, [...seen.slice(-(PROMPTS_PER_KEY - 1)), prompt]);
    if (this.scopes.size > MAX_SCOPES) {
      this.scopes.delete(this.scopes.keys().next().value as string);
    }
    return wholeBlocks(Math.min(shared, inputTokens - 1));
  }

  clear(): void {
    this.scopes.clear();
  }
}

/** `tokens` rounded down to whole cache blocks (0 for a negative count). */
export function wholeBlocks(tokens: number): number {
  return Math.max(0, Math.floor(tokens / BLOCK_TOKENS) * BLOCK_TOKENS);
}

/** The tokens two prompts share from their start. Text against token ids shares nothing. */
function sharedTokens(a: PromptUnits, b: PromptUnits): number {
  if (a.kind === 'text' && b.kind === 'text') {
    return Math.floor(commonPrefixLength(a.text, b.text) / CHARS_PER_TOKEN);
  }
  if (a.kind === 'tokens' && b.kind === 'tokens') {
    return commonPrefixLength(a.tokens, b.tokens);
  }
  return 0;
}

function commonPrefixLength<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) {
    i++;
  }
  return i;
}
