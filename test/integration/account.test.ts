import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { sim, testApi, waitFor } from './support';

/** Sets a user setting and returns once this host has seen the change (Sail's listeners ran first). */
async function setUserSetting(key: string, value: unknown): Promise<void> {
  const config = vscode.workspace.getConfiguration('sail');
  if (JSON.stringify(config.inspect(key)?.globalValue) === JSON.stringify(value)) {
    return;
  }
  const seen = new Promise<void>((resolve) => {
    const listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`sail.${key}`)) {
        listener.dispose();
        resolve();
      }
    });
  });
  await config.update(key, value, vscode.ConfigurationTarget.Global);
  await seen;
}

suite('Account figures from the Usage API', () => {
  setup(async () => {
    await sim.reset();
    await sim.admin('POST', '/account', { balanceCents: 2_500, balanceUnavailable: false });
    await (await testApi()).apiKey.set(sim.key);
  });

  teardown(async () => {
    await setUserSetting('usageBaseUrl', sim.url);
  });

  test('Sail: Refresh Account fetches the balance from the simulator', async () => {
    const { account } = await testApi();
    await vscode.commands.executeCommand('sail.refreshAccount');
    const state = account.current();
    assert.equal(state.kind, 'ok', JSON.stringify(state));
    assert.equal(state.kind === 'ok' && state.summary.balanceCents, 2_500);
  });

  test('an endpoint that answers 404 leaves the figures unavailable, with a reason naming the setting', async () => {
    const { account } = await testApi();
    await sim.inject({ route: 'getUsage', fault: 'http_error', status: 404 });
    await account.refresh(true);
    const state = account.current();
    assert.equal(state.kind, 'unavailable', JSON.stringify(state));
    assert.match(state.kind === 'unavailable' ? state.reason : '', /sail\.usageBaseUrl/);
  });

  test('an empty sail.usageBaseUrl, or no key, turns the figures off', async () => {
    const { account, apiKey } = await testApi();
    await account.refresh(true);
    await setUserSetting('usageBaseUrl', '');
    await waitFor('the figures off', () => (account.current().kind === 'off' ? true : undefined));
    await setUserSetting('usageBaseUrl', sim.url);
    await waitFor('the figures back', () => (account.current().kind === 'ok' ? true : undefined));
    await apiKey.clear();
    await waitFor('the figures off without a key', () => (account.current().kind === 'off' ? true : undefined));
  });
});
