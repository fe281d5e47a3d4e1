import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SailTestApi } from '../../src/extension';

const EXTENSION_ID = 'sailresearch.sail-vscode';

function sailExtension(): vscode.Extension<SailTestApi | undefined> {
  const extension = vscode.extensions.getExtension<SailTestApi | undefined>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not loaded in this host`);
  return extension;
}

async function testApi(): Promise<SailTestApi> {
  const api = await sailExtension().activate();
  assert.ok(api, 'activate() returns the test API in test mode');
  return api;
}

suite('Extension host', () => {
  test('runs in a real Node extension host', () => {
    assert.equal(typeof process.versions.node, 'string');
    assert.ok(vscode.version.length > 0);
    assert.notEqual(vscode.env.uiKind, undefined);
  });

  test('the extension activates', async () => {
    await sailExtension().activate();
    assert.equal(sailExtension().isActive, true);
  });

  test('every declared command is registered, and no undeclared sail.* command is', async () => {
    await sailExtension().activate();
    const declared = (sailExtension().packageJSON.contributes.commands as { command: string }[]).map((c) => c.command).sort();
    // VS Code adds its own commands for each view (`sail.jobs.focus`, …): those are not ours to declare.
    const views = (sailExtension().packageJSON.contributes.views.sail as { id: string }[]).map((v) => `${v.id}.`);
    const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('sail.') && !views.some((view) => c.startsWith(view))).sort();
    assert.deepEqual(registered, declared);
    assert.ok((await vscode.commands.getCommands(true)).includes('sail.jobs.focus'), 'the Sail view is contributed');
  });

  test('Sail: Show Log runs', async () => {
    await sailExtension().activate();
    await vscode.commands.executeCommand('sail.showLog');
  });

  test('the API key round-trips through SecretStorage', async () => {
    const { apiKey } = await testApi();
    const changed = new Promise<void>((resolve) => {
      const sub = apiKey.onDidChange(() => {
        sub.dispose();
        resolve();
      });
    });
    await apiKey.set('  sk_test_roundtrip  ');
    await changed;
    assert.equal(await apiKey.get(), 'sk_test_roundtrip');
    await apiKey.clear();
    assert.equal(await apiKey.get(), undefined);
  });
});
