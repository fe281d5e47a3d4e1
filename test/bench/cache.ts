// Part of `npm run bench`: what the input layout does to Sail's prefix cache (issue 12). Three different
// instructions about the same source file, sent with the same prompt_cache_key to the simulator (whose
// cached_tokens is the prefix shared with earlier prompts, in whole blocks: test/sim/promptCache.ts),
// once with the layout from before issue 12 (instruction first) and once with today's buildInput (code
// first, instruction last). Reports cached tokens over input tokens summed over the three requests, and
// what the three cost at the shipped prices. Alone, after `node esbuild.mjs --tests`:
//   node -e "require('./out/test/bench/cache.js').benchCache()"
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig } from '../../src/config';
import { buildInput, buildRequest, fenceFor, promptCacheKey, type CodeInput } from '../../src/jobs/prompt';
import { SailClient } from '../../src/sail/client';
import { priceCatalog } from '../../src/usage/catalog';
import { costOf } from '../../src/usage/estimate';
import { startSimulator, type Simulator } from '../sim';

/** A real source file of this repository (about 7 KB of TypeScript), read when the bench runs. */
const SOURCE = 'src/sail/retry.ts';
const INSTRUCTIONS = [
  'Explain what this file does and how its parts fit together.',
  'Write unit tests for the exported functions.',
  'Find bugs and suggest fixes.',
];
/** A model and window the shipped price table knows, with a cached-input price. */
const MODEL = 'moonshotai/Kimi-K2.6';
const WINDOW = 'asap';

/** The baseline: buildInput as it was before issue 12 — the instruction first, then the code. */
function buildInputBeforeIssue12(input: CodeInput): string {
  const fence = fenceFor(input.text);
  const where = input.lines ? `lines ${input.lines.start}–${input.lines.end} of ${input.fileName}` : `the whole file ${input.fileName}`;
  return [
    input.instruction.trim(),
    '',
    `The code below is ${where} (language: ${input.languageId}).`,
    '',
    `${fence}${input.languageId}`,
    input.text,
    fence,
    '',
  ].join('\n');
}

interface LayoutFigures {
  input: number;
  cached: number;
  output: number;
  inputCostUsd: number;
  costUsd: number;
}

async function sendThree(sim: Simulator, layout: (input: CodeInput) => string, text: string): Promise<LayoutFigures> {
  sim.reset();
  const { config } = readConfig({ get: () => undefined, inspect: () => undefined });
  const cacheKey = promptCacheKey('workspace', { workspace: 'file:///work/sail-vscode' }, 'bench-salt');
  const client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey });
  const price = priceCatalog().priceOf(MODEL, WINDOW);
  if (price === undefined) {
    throw new Error(`no price for ${MODEL} in ${WINDOW}`);
  }
  const sum: LayoutFigures = { input: 0, cached: 0, output: 0, inputCostUsd: 0, costUsd: 0 };
  try {
    for (const instruction of INSTRUCTIONS) {
      const input = layout({ instruction, text, fileName: SOURCE, languageId: 'typescript' });
      const { response } = await client.createResponse(buildRequest(config, input, { model: MODEL, completionWindow: WINDOW, cacheKey }));
      const usage = response.usage;
      const tokens = { input: usage.input_tokens, cached: usage.input_tokens_details?.cached_tokens ?? 0, output: usage.output_tokens };
      sum.input += tokens.input;
      sum.cached += tokens.cached;
      sum.output += tokens.output;
      sum.inputCostUsd += costOf(price, { ...tokens, output: 0 });
      sum.costUsd += costOf(price, tokens);
    }
    return sum;
  } finally {
    await client.close();
  }
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;
const usd = (value: number) => `$${value.toFixed(6)}`;

export async function benchCache(): Promise<void> {
  console.log('8. Prompt caching: three instructions about one file, same prompt_cache_key (simulated prefix cache)');
  const text = readFileSync(join(__dirname, '..', '..', '..', SOURCE), 'utf8');
  const sim = await startSimulator({ timeScale: 1000 });
  try {
    const before = await sendThree(sim, buildInputBeforeIssue12, text);
    const after = await sendThree(sim, buildInput, text);
    console.log(`   ${SOURCE} (${(text.length / 1024).toFixed(1)} KiB); ${MODEL} ${WINDOW}; instructions: ${INSTRUCTIONS.map((i) => `"${i}"`).join(', ')}`);
    console.log(
      `   ${''.padEnd(37)} ${'input'.padStart(5)}  ${'cached'.padStart(6)}  ${'share'.padStart(6)}  ${'input cost'.padStart(11)}  ${'total cost'.padStart(11)}`,
    );
    for (const [name, f] of [
      ['instruction first (before, baseline)', before],
      ['code first (buildInput)', after],
    ] as const) {
      console.log(
        `   ${name.padEnd(37)} ${String(f.input).padStart(5)}  ${String(f.cached).padStart(6)}  ${percent(f.cached, f.input).padStart(6)}  ${usd(f.inputCostUsd).padStart(11)}  ${usd(f.costUsd).padStart(11)}`,
      );
    }
    const shareRatio = before.cached === 0 ? 'none cached before' : `×${(after.cached / after.input / (before.cached / before.input)).toFixed(2)}`;
    console.log(
      `   cached share ${percent(before.cached, before.input)} → ${percent(after.cached, after.input)} (${shareRatio}); uncached input ×${((after.input - after.cached) / (before.input - before.cached)).toFixed(2)}; input cost ×${(after.inputCostUsd / before.inputCostUsd).toFixed(2)}, total ×${(after.costUsd / before.costUsd).toFixed(2)}`,
    );
  } finally {
    await sim.close();
  }
  console.log('');
}
