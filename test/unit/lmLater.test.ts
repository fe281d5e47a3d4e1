import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig, type SailConfig } from '../../src/config';
import { buildInput } from '../../src/jobs/prompt';
import { estimateLater, laterInput, laterRequest, laterTitle, laterWindow, planLater, type LaterPlan, type LaterReference } from '../../src/lm/later';
import { priceCatalog } from '../../src/usage/catalog';

/** The settings as a fresh install has them, with `changes` on top. */
function config(changes: Partial<SailConfig> = {}): SailConfig {
  const { config: defaults } = readConfig({ get: () => undefined, inspect: () => undefined });
  return { ...defaults, ...changes };
}

const selection: LaterReference = {
  kind: 'selection',
  path: 'src/a.ts',
  languageId: 'typescript',
  text: 'const x = 1;',
  // Lines 3–7 as people count them: the selection ends at the start of line 8 (0-based 7).
  range: { start: { line: 2, character: 0 }, end: { line: 7, character: 0 } },
};
const file: LaterReference = { kind: 'file', path: 'lib/b.py', languageId: 'python', text: 'print(1)\n' };

function planOf(prompt: string, command: string | undefined, references: readonly LaterReference[] = []): LaterPlan {
  const result = planLater({ prompt, command, references });
  assert.ok('plan' in result, JSON.stringify(result));
  return result.plan;
}

describe('laterWindow', () => {
  it('sends /later at the balanced window (id standard) and /flex at flex; anything else is no background window', () => {
    assert.equal(laterWindow('later'), 'standard');
    assert.equal(laterWindow('flex'), 'flex');
    assert.equal(laterWindow(undefined), undefined);
    assert.equal(laterWindow('asap'), undefined);
    assert.equal(laterWindow('toString'), undefined);
  });
});

describe('laterInput', () => {
  it('is the instruction alone when nothing is attached', () => {
    assert.equal(laterInput('Write a haiku.', []), 'Write a haiku.\n');
  });

  it('builds one selection as Send Selection does: its lines, the code fenced, the instruction last', () => {
    assert.equal(
      laterInput('Explain.', [selection]),
      ['The code below is lines 3–7 of src/a.ts (language: typescript).', '', '```typescript', 'const x = 1;', '```', '', 'Instruction:', 'Explain.', ''].join(
        '\n',
      ),
    );
  });

  it('builds one file as Send File does', () => {
    assert.equal(laterInput('Review', [file]), buildInput({ instruction: 'Review', text: 'print(1)\n', fileName: 'lib/b.py', languageId: 'python' }));
  });

  it('builds several references as one context input, in path order, selections labelled with their lines', () => {
    assert.equal(
      laterInput('Compare them.', [selection, file]),
      [
        'The 2 files below are from the workspace, each fenced, with its path and language.',
        '',
        'File lib/b.py (language: python):',
        '',
        '```python',
        'print(1)\n',
        '```',
        '',
        'File src/a.ts, lines 3–7 (language: typescript):',
        '',
        '```typescript',
        'const x = 1;',
        '```',
        '',
        'Instruction:',
        'Compare them.',
        '',
      ].join('\n'),
    );
  });
});

describe('laterTitle', () => {
  it('is the first line of the instruction (60 characters at most) and what it is about', () => {
    assert.equal(laterTitle('Explain.\nIn detail.', [selection]), 'Explain. · a.ts');
    assert.equal(laterTitle('x'.repeat(70), []), 'x'.repeat(60));
    assert.equal(laterTitle('Compare', [selection, file]), 'Compare · 2 files');
  });
});

describe('planLater', () => {
  it('plans /later with the trimmed prompt as instruction, and keeps a single reference as the source', () => {
    const plan = planOf('  Explain.  ', 'later', [selection]);
    assert.deepEqual(plan, {
      window: 'standard',
      instruction: 'Explain.',
      input: laterInput('Explain.', [selection]),
      title: 'Explain. · a.ts',
      single: selection,
    });
  });

  it('plans /flex with several references and no single source', () => {
    const plan = planOf('Compare', 'flex', [selection, file]);
    assert.equal(plan.window, 'flex');
    assert.equal('single' in plan, false);
  });

  it('refuses an empty prompt and a command it does not have, saying what to do', () => {
    assert.deepEqual(planLater({ prompt: '   ', command: 'later', references: [selection] }), {
      error: 'Say what to do after /later, for example: /later explain this code.',
    });
    assert.deepEqual(planLater({ prompt: 'x', command: 'soon', references: [] }), { error: '@sail has no command /soon; use /later or /flex.' });
    assert.deepEqual(planLater({ prompt: 'x', command: undefined, references: [] }), { error: '@sail has no command /; use /later or /flex.' });
  });
});

describe('laterRequest', () => {
  it('sends in the background at the plan’s window even when sail.background is off, with the settings’ fields', () => {
    const plan = planOf('Explain.', 'later', [selection]);
    const request = laterRequest(config({ background: false, model: 'zai-org/GLM-5.3', maxOutputTokens: 500, instructions: 'Be brief.' }), plan, {
      cacheKey: 'vscode-k',
    });
    assert.deepEqual(request, {
      model: 'zai-org/GLM-5.3',
      input: plan.input,
      background: true,
      store: true,
      truncation: 'disabled',
      metadata: { completion_window: 'standard' },
      instructions: 'Be brief.',
      max_output_tokens: 500,
      prompt_cache_key: 'vscode-k',
    });
  });

  it('lets the caller choose the model', () => {
    const plan = planOf('Explain.', 'flex', []);
    const request = laterRequest(config(), plan, { model: 'moonshotai/Kimi-K2.6' });
    assert.equal(request.model, 'moonshotai/Kimi-K2.6');
    assert.deepEqual(request.metadata, { completion_window: 'flex' });
    assert.equal(request.background, true);
  });
});

describe('estimateLater', () => {
  const catalog = priceCatalog();

  it('estimates tokens from the length and prices them at the window and at asap', () => {
    // 4,000 characters of input: 1,000 tokens; a typical answer of 750 tokens.
    const request = { model: 'moonshotai/Kimi-K2.6', input: 'x'.repeat(4000), background: true };
    const estimate = estimateLater(catalog, request, 'flex');
    assert.equal(estimate.inputTokens, 1000);
    assert.equal(estimate.outputTokens, 750);
    assert.equal(estimate.ceiling, false);
    // flex: 1,000 × 0.35 + 750 × 2.0 per million; asap: 1,000 × 1.0 + 750 × 4.0 per million.
    assert.equal(estimate.costUsd, (1000 * 0.35 + 750 * 2.0) * (1 / 1_000_000));
    assert.equal(estimate.asapCostUsd, (1000 * 1.0 + 750 * 4.0) * (1 / 1_000_000));
    assert.equal(estimate.windowAvailable, true);
  });

  it('counts the instructions, takes the output ceiling when set, and says when the model does not run in the window', () => {
    const request = { model: 'moonshotai/Kimi-K3', input: 'abcd', instructions: 'abcd', max_output_tokens: 100 };
    assert.deepEqual(estimateLater(catalog, request, 'standard'), {
      inputTokens: 2,
      outputTokens: 100,
      ceiling: true,
      asapCostUsd: (2 * 3.0 + 100 * 15.0) * (1 / 1_000_000),
      windowAvailable: false,
    });
  });

  it('has no cost for a model without prices, which runs in every window as far as anyone knows', () => {
    assert.deepEqual(estimateLater(catalog, { model: 'acme/unknown', input: [{ role: 'user', content: 'hi' }] }, 'standard'), {
      inputTokens: 8,
      outputTokens: 256,
      ceiling: false,
      windowAvailable: true,
    });
  });
});
