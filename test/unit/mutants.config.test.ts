// Behaviours of src/config.ts that mutation testing (npm run mutate, docs/mutation.md) found
// unasserted: each setting's default and bounds, the sentence naming a bad value, and which scope of
// sail.baseUrl counts.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BASE_URL, DEFAULT_MODEL, DEFAULT_PROMPTS, readConfig, REASONING_SETTINGS, WINDOW_SETTINGS, type ConfigurationReader } from '../../src/config';

function reader(
  values: Record<string, unknown>,
  baseUrl: { globalValue?: unknown; defaultValue?: unknown } | undefined = { defaultValue: DEFAULT_BASE_URL },
): ConfigurationReader {
  return {
    get: <T>(key: string) => values[key] as T | undefined,
    inspect: <T>(key: string) => (key === 'baseUrl' ? (baseUrl as { defaultValue?: T; globalValue?: T } | undefined) : undefined),
  };
}

describe('readConfig: defaults and bounds of every setting', () => {
  it('gives every documented default', () => {
    const { config, problems } = readConfig(reader({}));
    assert.deepEqual(problems, []);
    assert.deepEqual(
      { ...config },
      {
        model: 'moonshotai/Kimi-K2.5',
        completionWindow: 'auto',
        askForWindow: true,
        modelCatalog: {},
        background: true,
        maxOutputTokens: null,
        temperature: null,
        topP: null,
        reasoningEffort: 'default',
        instructions: '',
        prompts: DEFAULT_PROMPTS,
        promptCacheKey: 'workspace',
        endUserId: 'install',
        maxFileSizeKB: 512,
        openResult: 'notify',
        historyMaxAgeDays: 30,
        historyMaxJobs: 1000,
        baseUrl: 'https://api.sailresearch.com/v1',
        usageBaseUrl: 'https://usage.sailresearch.com/v1',
      },
    );
    assert.equal(DEFAULT_MODEL, 'moonshotai/Kimi-K2.5');
    assert.deepEqual(WINDOW_SETTINGS, ['auto', 'asap', 'priority', 'balanced', 'flex', 'standard']);
    assert.deepEqual(REASONING_SETTINGS, ['default', 'none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
  });

  it('offers six prompt templates, each with a label and an instruction', () => {
    assert.deepEqual(
      DEFAULT_PROMPTS.map((p) => p.label),
      ['Explain', 'Review', 'Write tests', 'Document', 'Refactor', 'Find bugs'],
    );
    assert.deepEqual(
      DEFAULT_PROMPTS.map((p) => p.instruction),
      [
        'Explain what this code does, step by step, and point out anything surprising.',
        'Review this code for bugs, security problems and unclear parts. List concrete fixes.',
        'Write thorough unit tests for this code, covering edge cases.',
        'Write documentation comments for this code in the style of its language.',
        'Refactor this code for readability without changing its behaviour. Show the full result.',
        'Find the bugs in this code. For each: the line, why it is wrong, and the fix.',
      ],
    );
  });

  it('keeps valid values, trimmed where text', () => {
    const values = {
      model: '  my/model  ',
      completionWindow: 'flex',
      background: false,
      maxOutputTokens: 1,
      temperature: 1.5,
      topP: 0.5,
      reasoningEffort: 'xhigh',
      instructions: 'Be brief.',
      prompts: [{ label: ' L ', instruction: ' I ', description: 'd' }],
      promptCacheKey: 'file',
      maxFileSizeKB: 10_240,
      openResult: 'open',
    };
    const { config, problems } = readConfig(reader(values));
    assert.deepEqual(problems, []);
    assert.equal(config.model, 'my/model');
    assert.deepEqual(config.prompts, [{ label: 'L', instruction: 'I', description: 'd' }]);
    assert.deepEqual(
      [config.completionWindow, config.background, config.maxOutputTokens, config.temperature, config.topP, config.reasoningEffort],
      ['flex', false, 1, 1.5, 0.5, 'xhigh'],
    );
    assert.deepEqual([config.instructions, config.promptCacheKey, config.maxFileSizeKB, config.openResult], ['Be brief.', 'file', 10_240, 'open']);
    assert.equal(readConfig(reader({ promptCacheKey: 'off', maxFileSizeKB: 1 })).config.promptCacheKey, 'off');
  });

  it('refuses each out-of-range or wrongly typed value, falling back to the default', () => {
    const bad: [string, unknown][] = [
      ['model', '   '],
      ['model', 3],
      ['completionWindow', 'tomorrow'],
      ['background', 'yes'],
      ['maxOutputTokens', 1.5],
      ['temperature', 2.01],
      ['topP', 1.01],
      ['reasoningEffort', 'max'],
      ['instructions', 7],
      ['prompts', [{ label: 'x', instruction: '  ' }]],
      ['prompts', [{ label: 'x', instruction: 'y', description: 3 }]],
      ['prompts', 'Explain'],
      ['promptCacheKey', 'global'],
      ['maxFileSizeKB', 10_241],
      ['maxFileSizeKB', 1.5],
      ['openResult', 'popup'],
      ['historyMaxAgeDays', 0],
      ['historyMaxAgeDays', 3651],
      ['historyMaxAgeDays', 1.5],
      ['historyMaxJobs', 9],
      ['historyMaxJobs', 100_001],
    ];
    const defaults = readConfig(reader({})).config as unknown as Record<string, unknown>;
    for (const [key, value] of bad) {
      const { config, problems } = readConfig(reader({ [key]: value }));
      assert.deepEqual(
        problems.map((p) => p.setting),
        [`sail.${key}`],
        `${key} = ${JSON.stringify(value)}`,
      );
      assert.deepEqual((config as unknown as Record<string, unknown>)[key], defaults[key], key);
    }
  });

  it('treats null like an unset value', () => {
    const { config, problems } = readConfig(reader({ model: null, temperature: null, prompts: null }));
    assert.deepEqual(problems, []);
    assert.equal(config.model, DEFAULT_MODEL);
  });
});

describe('readConfig: the sentence naming a bad value', () => {
  it('names the setting, quotes the value and says the default is used', () => {
    const { problems } = readConfig(reader({ temperature: 3 }));
    assert.equal(problems[0].message, 'sail.temperature = 3 is invalid: Too big: expected number to be <=2. Using the default instead.');
  });

  it('says where inside a list the problem is', () => {
    const { problems } = readConfig(
      reader({
        prompts: [
          { label: 'ok', instruction: 'fine' },
          { label: '', instruction: 'x' },
        ],
      }),
    );
    assert.equal(
      problems[0].message,
      'sail.prompts = [{"label":"ok","instruction":"fine"},{"… is invalid (at 1.label): Too small: expected string to have >=1 characters. Using the default instead.',
    );
  });
});

describe('readConfig: sail.baseUrl', () => {
  it("uses the user's value, then the default value, then the built-in default", () => {
    assert.equal(
      readConfig(reader({}, { globalValue: 'https://user.example/v1/', defaultValue: 'https://default.example/v1' })).config.baseUrl,
      'https://user.example/v1',
    );
    assert.equal(readConfig(reader({}, { defaultValue: 'https://default.example/v1' })).config.baseUrl, 'https://default.example/v1');
    assert.equal(readConfig(reader({}, {})).config.baseUrl, DEFAULT_BASE_URL);
    assert.equal(readConfig(reader({}, undefined)).config.baseUrl, DEFAULT_BASE_URL);
  });

  it('refuses a value that is not a string, and says why an invalid one is invalid', () => {
    const notString = readConfig(reader({}, { globalValue: 42 }));
    assert.equal(notString.config.baseUrl, undefined);
    assert.deepEqual(notString.problems, [{ setting: 'sail.baseUrl', message: 'sail.baseUrl is invalid: It must be a URL string.' }]);
    const query = readConfig(reader({}, { globalValue: 'https://a.example/v1?x=1' }));
    assert.deepEqual(query.problems, [{ setting: 'sail.baseUrl', message: 'sail.baseUrl is invalid: The base URL must not have a query or fragment.' }]);
  });
});
