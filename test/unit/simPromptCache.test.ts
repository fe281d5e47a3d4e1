// The simulator's prefix cache (test/sim/promptCache.ts): scope, whole blocks, bounded memory, raw tokens.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BLOCK_TOKENS, MAX_SCOPES, PROMPTS_PER_KEY, PromptCache, wholeBlocks, type PromptUnits } from '../sim/promptCache';

const text = (value: string): PromptUnits => ({ kind: 'text', text: value });
const tokens = (...ids: number[]): PromptUnits => ({ kind: 'tokens', tokens: ids });
/** A prompt of `n` tokens, distinct per `tag` from its first character. */
const prompt = (tag: string, n: number) => text(tag.padEnd(n * 4, '.'));

describe('simulator: prefix cache', () => {
  it('counts whole blocks of 16 tokens, never the last token of the prompt', () => {
    assert.equal(BLOCK_TOKENS, 16);
    assert.deepEqual([0, 15, 16, 31, 32, -3].map(wholeBlocks), [0, 0, 16, 16, 32, 0]);
    const cache = new PromptCache();
    assert.equal(cache.read('key', 'k', prompt('a', 32), 32), 0);
    // The same 32 tokens: 31 may be cached, one block.
    assert.equal(cache.read('key', 'k', prompt('a', 32), 32), 16);
    // 33 tokens starting with the same 32: two blocks.
    assert.equal(cache.read('key', 'k', text(`${'a'.padEnd(128, '.')}tail`), 33), 32);
    // A partial token does not count: 63 shared characters are 15 tokens.
    assert.equal(cache.read('key', 'k', text(`${'a'.padEnd(63, '.')}!${'.'.repeat(200)}`), 66), 0);
  });

  it('has no hit without a prompt_cache_key, and does not remember such prompts', () => {
    const cache = new PromptCache();
    assert.equal(cache.read('key', undefined, prompt('a', 64), 64), 0);
    assert.equal(cache.read('key', undefined, prompt('a', 64), 64), 0);
    assert.equal(cache.read('key', 'k', prompt('a', 64), 64), 0, 'the keyless prompts left nothing under a key');
  });

  it(`remembers the last ${PROMPTS_PER_KEY} prompts per key`, () => {
    const cache = new PromptCache();
    cache.read('key', 'k', prompt('first', 64), 64);
    for (let i = 0; i < PROMPTS_PER_KEY - 1; i++) {
      cache.read('key', 'k', prompt(`other ${i}`, 64), 64);
    }
    assert.equal(cache.read('key', 'k', prompt('first', 64), 64), 48, `still one of the last ${PROMPTS_PER_KEY}`);
    for (let i = 0; i < PROMPTS_PER_KEY; i++) {
      cache.read('key', 'k', prompt(`more ${i}`, 64), 64);
    }
    assert.equal(cache.read('key', 'k', prompt('first', 64), 64), 0, 'pushed out by 64 newer prompts');
  });

  it(`remembers at most ${MAX_SCOPES} keys, forgetting the least recently used`, () => {
    const cache = new PromptCache();
    cache.read('key', 'old', prompt('a', 64), 64);
    cache.read('key', 'used', prompt('a', 64), 64);
    for (let i = 0; i < MAX_SCOPES - 2; i++) {
      cache.read('key', `k${i}`, prompt('a', 64), 64);
    }
    // Full: using 'used' again makes 'old' the least recently used.
    assert.equal(cache.read('key', 'used', prompt('a', 64), 64), 48);
    cache.read('key', 'new', prompt('a', 64), 64);
    assert.equal(cache.read('key', 'used', prompt('a', 64), 64), 48);
    assert.equal(cache.read('key', 'old', prompt('a', 64), 64), 0, 'forgotten');
  });

  it('compares raw_prompt_tokens id by id, and never text with token ids', () => {
    const cache = new PromptCache();
    const ids = Array.from({ length: 40 }, (_, i) => i);
    assert.equal(cache.read('key', 'k', tokens(...ids), 40), 0);
    assert.equal(cache.read('key', 'k', tokens(...ids.slice(0, 35), 99, 99), 37), 32);
    assert.equal(cache.read('key', 'k', text('\u0000'.repeat(160)), 40), 0);
  });
});
