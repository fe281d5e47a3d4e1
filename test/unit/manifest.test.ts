// package.json's `sail.*` settings (what VS Code shows and validates in the Settings editor) against
// src/config.ts (what Sail actually reads): a setting added, renamed or changed in one place only
// fails here.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { DEFAULT_BASE_URL, DEFAULT_USAGE_BASE_URL, SETTINGS } from '../../src/config';

interface ManifestSetting {
  type?: string | string[];
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  scope?: string;
  items?: { properties?: Record<string, unknown>; required?: string[] };
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, ManifestSetting> } };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
};
const declared = manifest.contributes.configuration.properties;
const readByConfig = Object.keys(SETTINGS) as (keyof typeof SETTINGS)[];
/** Shared by every window and no workspace's business: the history's retention, and the prices of models. */
const HISTORY_SETTINGS: readonly string[] = ['historyMaxAgeDays', 'historyMaxJobs', 'modelCatalog'];

/** The checks both sides make on a value, in one comparable shape. */
interface Shape {
  types: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
}

function manifestShape(setting: ManifestSetting): Shape {
  const types = Array.isArray(setting.type) ? setting.type : [setting.type ?? ''];
  return { types: [...types].sort(), enum: setting.enum, minimum: setting.minimum, maximum: setting.maximum };
}

function configShape(schema: z.ZodType): Shape {
  const json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown> & { anyOf?: Record<string, unknown>[] };
  const parts = json.anyOf ?? [json];
  const pick = (name: string) => parts.map((part) => part[name]).find((value) => value !== undefined);
  const maximum = pick('maximum') as number | undefined;
  return {
    types: parts.map((part) => String(part.type)).sort(),
    enum: pick('enum') as unknown[] | undefined,
    minimum: pick('minimum') as number | undefined,
    // z.int() bounds every integer by the largest safe one; that is no limit a person set.
    maximum: maximum === Number.MAX_SAFE_INTEGER ? undefined : maximum,
  };
}

describe('package.json settings match src/config.ts', () => {
  it('declares exactly the settings config.ts reads, plus the two base URLs', () => {
    assert.deepEqual(Object.keys(declared).sort(), [...readByConfig.map((key) => `sail.${key}`), 'sail.baseUrl', 'sail.usageBaseUrl'].sort());
  });

  it('gives each setting the default config.ts falls back to', () => {
    for (const key of readByConfig) {
      assert.deepEqual(declared[`sail.${key}`]?.default, SETTINGS[key].parse(undefined), `default of sail.${key}`);
    }
    assert.equal(declared['sail.baseUrl']?.default, DEFAULT_BASE_URL);
    assert.equal(declared['sail.usageBaseUrl']?.default, DEFAULT_USAGE_BASE_URL);
  });

  it('gives each setting the type, choices and bounds config.ts accepts', () => {
    for (const key of readByConfig) {
      const setting = declared[`sail.${key}`];
      assert.ok(setting, `sail.${key} is declared`);
      assert.deepEqual(manifestShape(setting), configShape(SETTINGS[key]), `sail.${key}`);
    }
  });

  it('describes a prompt with the fields config.ts reads', () => {
    const item = declared['sail.prompts']?.items;
    const schema = z.toJSONSchema(SETTINGS.prompts, { io: 'input' }) as { items: { properties: Record<string, unknown>; required: string[] } };
    assert.deepEqual(Object.keys(item?.properties ?? {}).sort(), Object.keys(schema.items.properties).sort());
    assert.deepEqual([...(item?.required ?? [])].sort(), [...schema.items.required].sort());
  });

  it('scopes both base URLs to the application, since config.ts reads only the user’s own value', () => {
    assert.equal(declared['sail.baseUrl']?.scope, 'application');
    assert.equal(declared['sail.usageBaseUrl']?.scope, 'application');
    assert.equal(declared['sail.usageBaseUrl']?.type, 'string');
  });

  it('scopes the history retention to the application: the history is shared by every window, and a workspace must not prune it', () => {
    for (const key of HISTORY_SETTINGS) {
      assert.equal(declared[`sail.${key}`]?.scope, 'application', `scope of sail.${key}`);
    }
  });

  it('scopes every other setting to the window, since config.ts reads one value per window', () => {
    for (const key of readByConfig.filter((k) => !HISTORY_SETTINGS.includes(k))) {
      assert.equal(declared[`sail.${key}`]?.scope, 'window', `scope of sail.${key}`);
    }
  });

  it('restricts in untrusted workspaces only settings that exist', () => {
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    assert.deepEqual(
      restricted.filter((name) => !(name in declared)),
      [],
    );
  });
});
