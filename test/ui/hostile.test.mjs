// @ts-check
// A cloned repository is hostile: its file names and its .vscode/settings.json are text we did not
// write. In the real workbench, they must never become a link, an icon or a command that runs.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSimulator } from '../host/simulator.mjs';
import { openWorkbench } from './workbench.mjs';

// Each would run "File: New Untitled Text File" if VS Code turned it into a command link: the proof
// that a command ran is an Untitled editor appearing.
const LINK_COMMAND = 'command:workbench.action.files.newUntitledFile';
const HOSTILE_FILE = `$(gear)[Open result](${LINK_COMMAND}).py`;
const HOSTILE_SETTING = `[Open Settings](${LINK_COMMAND})`;

describe('Hostile file names and workspace settings stay text (packaged .vsix)', () => {
  /** @type {Awaited<ReturnType<typeof startSimulator>>} */
  let sim;
  /** @type {Awaited<ReturnType<typeof openWorkbench>>} */
  let workbench;

  before(async () => {
    sim = await startSimulator({ timeScale: 100 });
    workbench = await openWorkbench({
      files: {
        [HOSTILE_FILE]: 'print("hello")\n',
        // Not in restrictedConfigurations before this fix, so read even from an untrusted folder.
        '.vscode/settings.json': JSON.stringify({ 'sail.openResult': HOSTILE_SETTING }),
      },
      settings: { 'sail.baseUrl': sim.baseUrl, 'sail.usageBaseUrl': sim.baseUrl, 'sail.completionWindow': 'standard', 'sail.askForWindow': false },
    });
  });

  afterEach(async (t) => {
    await workbench?.screenshot(`hostile-${t.name.replace(/[^\w]+/g, '-').slice(0, 60)}`);
  });

  after(async () => {
    await workbench?.close();
    await sim?.close();
  });

  /** No editor tab named Untitled: no hostile link ran its command. */
  async function assertNoCommandRan() {
    // A command run by a click shows its editor within moments.
    await delay(1_500);
    assert.equal(await workbench.page.locator('.tab', { hasText: 'Untitled' }).count(), 0, 'a command link in untrusted text ran');
  }

  /** @param {import('playwright-core').Locator} toast */
  async function assertPlainMessage(toast) {
    const message = toast.locator('.notification-list-item-message');
    assert.equal(await message.locator('a').count(), 0, `a link in: ${await message.innerText()}`);
    assert.equal(await toast.locator('.notification-list-item-message .codicon').count(), 0, 'an icon in the message');
    // A person clicking the words that looked like a link.
    await message.click();
    await assertNoCommandRan();
  }

  it('a hostile sail.openResult in .vscode/settings.json is reported as text, with no link', async () => {
    const { page } = workbench;
    const toast = page.locator('.notification-toast', { hasText: 'sail.openResult' }).first();
    await toast.waitFor({ timeout: 30_000 });
    await workbench.screenshot('hostile-setting-warning');
    const text = await toast.locator('.notification-list-item-message').innerText();
    assert.ok(!text.includes(HOSTILE_SETTING), `the hostile value is echoed verbatim: ${text}`);
    await assertPlainMessage(toast);
  });

  it('a hostile file name shows no icon or link in the picker, the status bar, the notification or the jobs list', async () => {
    const { page } = workbench;
    await workbench.reset();
    await workbench.runCommand('Sail: Set API Key');
    const keyBox = page.locator('.quick-input-widget input[type="password"]');
    await keyBox.waitFor({ timeout: 15_000 });
    await keyBox.fill(sim.apiKey);
    await page.keyboard.press('Enter');

    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'Open result' }).first();
    const item = await workbench.contextMenuItem(row, 'Send File…');
    await workbench.chooseMenuItem(item);
    const title = page.locator('.quick-input-title', { hasText: 'what should be done' });
    await title.waitFor();
    assert.equal(await page.locator('.quick-input-widget .codicon-gear').count(), 0, 'the file name drew an icon in the picker');
    assert.match(await title.innerText(), /Open result/);
    await workbench.typeInstruction('say hello');

    const toast = page.locator('.notification-toast', { hasText: 'Sail finished' }).first();
    await toast.waitFor({ timeout: 60_000 });
    await workbench.screenshot('hostile-file-finished');
    assert.match(await toast.innerText(), /Open result/);
    assert.equal(await page.locator('.statusbar .codicon-gear').count(), 0, 'the file name drew an icon in the status bar');
    await assertPlainMessage(toast);

    await workbench.runCommand('Sail: Show Jobs');
    const job = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open result' }).first();
    await job.waitFor();
    assert.equal(await page.locator('.quick-input-list .codicon-gear').count(), 0, 'the file name drew an icon in the jobs list');
    await page.keyboard.press('Escape');
  });
});
