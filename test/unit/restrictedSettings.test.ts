import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { scope?: string }> } };
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
};

/**
 * Settings an untrusted workspace may set, each with the reason it cannot change what is sent, where,
 * or what Sail does when a job finishes. Empty today: every sail.* setting does one of those.
 */
const HARMLESS: Record<string, string> = {};

describe('Restricted Mode: a workspace cannot steer Sail', () => {
  const settings = Object.keys(manifest.contributes.configuration.properties).filter((name) => name.startsWith('sail.'));
  const restricted = new Set(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations);

  it('lists every sail.* setting as restricted, unless it is known to be harmless', () => {
    const missing = settings.filter((name) => !restricted.has(name) && !(name in HARMLESS));
    assert.deepEqual(missing, [], 'add these to capabilities.untrustedWorkspaces.restrictedConfigurations in package.json');
  });

  it('restricts only settings that exist', () => {
    assert.deepEqual(
      [...restricted].filter((name) => !settings.includes(name)),
      [],
    );
  });

  it('keeps the base URLs, where the key is sent, out of any workspace: application scope', () => {
    assert.equal(manifest.contributes.configuration.properties['sail.baseUrl'].scope, 'application');
    assert.equal(manifest.contributes.configuration.properties['sail.usageBaseUrl'].scope, 'application');
  });
});
