// @ts-check
// The product as a person uses it: select code, send it from the palette or the context menu, see the
// job in the status bar, open the answer, read the rendered output and its token usage.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSimulator } from '../host/simulator.mjs';
import { openWorkbench } from './workbench.mjs';

const CODE = `export function add(a: number, b: number): number {
  return a + b;
}
`;

/** A second account: Sail shows it none of the first account's jobs. */
const OTHER_ACCOUNT_KEY = 'sk_sim_other_account';

describe('Send selection → status bar → result view (packaged .vsix)', () => {
  /**
   * Opens the file, selects all of it and sends it from the palette with a typed instruction.
   * @param {string} file @param {string} instruction
   */
  async function sendAllOf(file, instruction) {
    await workbench.openFile(file);
    await workbench.selectAll();
    await workbench.runCommand('Sail: Send Selection…');
    await workbench.typeInstruction(instruction);
  }

  // Tests run in order and share one window: the first one enters the API key.
  /** @type {Awaited<ReturnType<typeof startSimulator>>} */
  let sim;
  /** @type {Awaited<ReturnType<typeof openWorkbench>>} */
  let workbench;

  before(async () => {
    // 100× real time: a standard job takes about 3 s.
    sim = await startSimulator({ timeScale: 100, apiKeys: ['sk_sim_test', OTHER_ACCOUNT_KEY] });
    workbench = await openWorkbench({
      files: { 'add.ts': CODE },
      settings: { 'sail.baseUrl': sim.baseUrl, 'sail.usageBaseUrl': sim.baseUrl, 'sail.completionWindow': 'standard', 'sail.askForWindow': false },
    });
  });

  afterEach(async (t) => {
    // What the screen showed when each test ended, to look at when one fails.
    await workbench?.screenshot(`end-${t.name.replace(/[^\w]+/g, '-').slice(0, 60)}`);
    // A test that held jobs running (and perhaps failed before letting them go) must not hold the next.
    release();
  });

  /**
   * Presses Check Now until the view shows the job completed: its own schedule would look again only
   * in a while. The button goes away when the job completes on its own meanwhile, which is fine.
   * @param {ReturnType<typeof workbench.webview>} view
   */
  async function checkUntilCompleted(view) {
    const completed = view.locator('.state-label', { hasText: 'Completed' });
    for (let attempt = 1; attempt <= 5; attempt++) {
      if (
        await completed.waitFor({ timeout: 3_000 }).then(
          () => true,
          () => false,
        )
      ) {
        return;
      }
      await view
        .getByRole('button', { name: 'Check Now' })
        .click({ timeout: 5_000 })
        .catch(() => {});
    }
    await completed.waitFor({ timeout: 10_000 });
  }

  /** Ends every job the simulator was holding, and holds no more. */
  function release() {
    sim?.hold(false);
    sim?.finishAll();
  }

  after(async () => {
    await workbench?.close();
    await sim?.close();
  });

  it('palette → Send Selection → instruction → API key prompt → running in the status bar → rendered answer with usage', async () => {
    const { page } = workbench;
    await workbench.reset();
    await workbench.openFile('add.ts');
    await workbench.selectAll();
    await workbench.runCommand('Sail: Send Selection…');

    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Explain' }).first().waitFor();
    await workbench.screenshot('send-instruction-pick');
    await workbench.typeInstruction('Explain what add does');

    // First use: the key is asked for in a password box.
    const keyBox = page.locator('.quick-input-widget input[type="password"]');
    await keyBox.waitFor({ timeout: 15_000 });
    await workbench.screenshot('api-key-prompt');
    await workbench.readmeScreenshot('api-key-prompt', [page.locator('.quick-input-widget')], { margin: 8 });
    await keyBox.fill(sim.apiKey);
    await page.keyboard.press('Enter');

    const status = page.locator('.statusbar-item', { hasText: /Sail.*1 running/ });
    await status.waitFor({ timeout: 15_000 });
    await workbench.screenshot('status-bar-running');

    const notification = page.locator('.notification-toast', { hasText: 'Sail finished' });
    await notification.waitFor({ timeout: 60_000 });
    await workbench.screenshot('finished-notification');
    await notification.getByRole('button', { name: 'Open' }).click();

    const view = workbench.webview();
    await view.locator('article.output h2').first().waitFor({ timeout: 30_000 });
    const heading = await view.locator('article.output h2').first().innerText();
    assert.match(heading, /Explain what add does/);
    assert.ok((await view.locator('article.output pre code').count()) > 0, 'code blocks render');

    const usage = await workbench.usageTable();
    assert.deepEqual(Object.keys(usage), ['Input tokens', 'Cached input tokens', 'Output tokens', 'Reasoning tokens', 'Total tokens']);
    assert.ok(usage['Input tokens'] > 0 && usage['Output tokens'] > 0);
    assert.equal(usage['Total tokens'], usage['Input tokens'] + usage['Output tokens']);
    assert.equal(sim.counters.totalInferences(), 1);
    await workbench.screenshot('result-view');
    await workbench.readmeScreenshot('result-view', [page.locator('.part.editor')], { margin: 0, height: 1120 });
    await view.locator('table.usage').scrollIntoViewIfNeeded();
    await workbench.screenshot('result-view-usage');
    await page.locator('.statusbar-item', { hasText: /running/ }).waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('the editor context menu sends the selection too', async () => {
    const { page } = workbench;
    await workbench.reset();
    const before = sim.counters.totalInferences();
    await workbench.openFile('add.ts');
    await workbench.selectAll();
    const item = await workbench.contextMenuItem(workbench.activeEditor(), 'Send Selection…');
    await workbench.screenshot('editor-context-menu');
    await workbench.chooseMenuItem(item);
    await page.locator('.quick-input-title', { hasText: 'what should be done' }).waitFor();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Review' }).first().click();
    await page.locator('.notification-toast', { hasText: 'Sail finished' }).first().waitFor({ timeout: 60_000 });
    assert.equal(sim.counters.totalInferences(), before + 1);
  });

  it('the Explorer context menu sends a whole file', async () => {
    const { page } = workbench;
    await workbench.reset();
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'add.ts' }).first();
    const item = await workbench.contextMenuItem(row, 'Send File…');
    await workbench.screenshot('explorer-context-menu');
    await workbench.chooseMenuItem(item);
    await workbench.typeInstruction('Document the whole file');
    await page.locator('.notification-toast', { hasText: 'Document the whole file' }).first().waitFor({ timeout: 60_000 });
  });

  it('a page reload while a job runs: the job comes back, finishes, and Sail ran it once', async () => {
    const { page } = workbench;
    await workbench.reset();
    const postsBefore = sim.counters.requests('POST', 'createResponse');
    const before = sim.counters.totalInferences();
    // The simulator keeps the job running across the reload, and ends it after.
    sim.hold(true);
    await sendAllOf('add.ts', 'Find bugs before the reload');
    await page.locator('.statusbar-item', { hasText: /1 running/ }).waitFor({ timeout: 15_000 });
    // Reload once Sail has accepted the job ("1 running" shows from the moment it is written down).
    for (let attempt = 1; ; attempt++) {
      await workbench.runCommand('Sail: Show Jobs');
      const listed = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Find bugs before the reload' }).first();
      const accepted = /Queued|Running/.test(await listed.innerText());
      await page.keyboard.press('Escape');
      if (accepted) {
        break;
      }
      assert.ok(attempt < 20, 'Sail accepted the job');
      await page.waitForTimeout(250);
    }

    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The reloaded window has picked the running job up again; then Sail finishes it.
    await page.locator('.statusbar-item', { hasText: /1 running/ }).waitFor({ timeout: 60_000 });
    release();
    await workbench.runCommand('Sail: Show Jobs');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Find bugs before the reload' }).first();
    await row.waitFor();
    await workbench.screenshot('jobs-quick-pick');
    await workbench.readmeScreenshot('jobs-list', [page.locator('.quick-input-widget')], { margin: 8 });
    await row.click();
    const view = workbench.webview();
    await checkUntilCompleted(view);
    assert.match(await view.locator('article.output h2').first().innerText(), /Find bugs before the reload/);
    await page.locator('.statusbar-item', { hasText: /^Sail(?!.*running)/ }).waitFor({ timeout: 10_000 });
    await workbench.screenshot('after-reload-ready');
    assert.equal(sim.counters.totalInferences(), before + 1, 'Sail ran the job once, reload or not');
    assert.equal(sim.counters.requests('POST', 'createResponse'), postsBefore + 1, 'the job was not sent again');
  });

  it('hostile model output renders inert in the result view', async () => {
    const { page } = workbench;
    await workbench.reset();
    // The simulator echoes the instruction's first line as a Markdown heading.
    const hostile = '<img src=x onerror="document.title=1"> [click](javascript:alert(1)) <script>alert(2)</script>';
    await sendAllOf('add.ts', hostile);
    const notification = page.locator('.notification-toast', { hasText: 'Sail finished' }).first();
    await notification.waitFor({ timeout: 60_000 });
    await notification.getByRole('button', { name: 'Open' }).click();
    const view = workbench.webview();
    const heading = view.locator('article.output h2').first();
    await heading.waitFor({ timeout: 30_000 });
    assert.match(await heading.innerText(), /<img src=x onerror=/, 'the HTML is shown as text');
    assert.equal(await view.locator('article.output img').count(), 0);
    assert.equal(await view.locator('article.output script').count(), 0);
    assert.equal(await view.locator('article.output a[href^="javascript:"]').count(), 0);
    await workbench.screenshot('hostile-output');
  });

  it("Select Model lists Sail's models and switches sail.model", async () => {
    const { page } = workbench;
    await workbench.reset();
    await workbench.runCommand('Sail: Select Model');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'zai-org/GLM-5.3' }).first();
    await row.waitFor({ timeout: 15_000 });
    assert.ok(await page.locator('.quick-input-list .monaco-list-row', { hasText: 'moonshotai/Kimi-K2.5' }).first().isVisible());
    await workbench.screenshot('select-model');
    await row.click();
    await page.locator('.statusbar-item', { hasText: 'Sail model: zai-org/GLM-5.3' }).waitFor({ timeout: 10_000 });
    await workbench.runCommand('Sail: Select Model');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'moonshotai/Kimi-K2.5' }).first().click();
    await page.locator('.statusbar-item', { hasText: 'Sail model: moonshotai/Kimi-K2.5' }).waitFor({ timeout: 10_000 });
  });

  it('while a job runs its view shows the window, elapsed time and next check; Stop Tracking says the job goes on', async () => {
    const { page } = workbench;
    await workbench.reset();
    // The simulator keeps the job running while we look at it.
    sim.hold(true);
    await sendAllOf('add.ts', 'A job Sail holds running');
    const running = page.locator('.statusbar-item', { hasText: /1 running/ });
    const tooltip = page.locator('.workbench-hover', { hasText: 'Sail jobs' }).first();
    await workbench.readmeScreenshot('status-bar', [running, tooltip], { hover: running });
    await running.click();
    await workbench.screenshot('jobs-while-running');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'A job Sail holds running' }).first().click();
    const view = workbench.webview();
    await view.locator('.state-label', { hasText: /Queued|Running/ }).waitFor({ timeout: 30_000 });
    await view.locator('.clock', { hasText: /elapsed .* next check in|elapsed .* checking now/ }).waitFor({ timeout: 10_000 });
    await workbench.screenshot('pending-view');
    await view.getByRole('button', { name: 'Stop Tracking' }).click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /keeps running \(and is billed\) on Sail/);
    await dialog.getByRole('button', { name: 'Stop Tracking' }).click();
    await view.locator('.state-label', { hasText: 'No longer tracked' }).waitFor({ timeout: 10_000 });
    assert.match(await view.locator('.notice').innerText(), /no cancel endpoint/);
  });

  it('an open result view comes back after a page reload', async () => {
    const { page } = workbench;
    await workbench.reset();
    await workbench.runCommand('Sail: Show Jobs');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Explain what add does' }).first().click();
    await workbench.webview().locator('.state-label', { hasText: 'Completed' }).waitFor({ timeout: 30_000 });
    // Reload as a person does (the workbench records its open editors on the way down).
    const reloaded = page.waitForEvent('load');
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const restored = workbench.webview();
    await restored.locator('.state-label', { hasText: 'Completed' }).waitFor({ timeout: 60_000 });
    assert.match(await restored.locator('h1').innerText(), /Explain what add does/);
    await workbench.screenshot('result-restored-after-reload');
  });
  it("Replace Selection puts the answer's code in place; a file changed since gets a diff and a question first", async () => {
    const { page } = workbench;
    await workbench.reset();
    try {
      await sendAllOf('add.ts', 'Refactor please');
      const notification = page.locator('.notification-toast', { hasText: 'Refactor please' }).first();
      await notification.waitFor({ timeout: 60_000 });
      // The person keeps editing while Sail works.
      await workbench.activeEditor().click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.type('// edited meanwhile');
      await page.keyboard.press('Enter');
      await notification.getByRole('button', { name: 'Open' }).click();
      const view = workbench.webview();
      await view.getByRole('button', { name: 'Replace Selection' }).click();
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 10_000 });
      assert.match(await dialog.innerText(), /changed since the request was sent/);
      await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 10_000 });
      await workbench.screenshot('replace-diff-question');
      await dialog.getByRole('button', { name: 'Replace' }).click();
      // The simulator's longest code block quotes the prompt, so that is what replaces the selection —
      // in the file itself, which Sail shows as the active editor (not in the diff's preview).
      const group = page.locator('.editor-group-container.active');
      await group.locator('.tab.active', { hasText: 'add.ts' }).filter({ hasNotText: 'Sail answer' }).waitFor({ timeout: 10_000 });
      await group
        .locator('.editor-instance .view-lines', { hasText: /Refactor\splease/ })
        .first()
        .waitFor({ timeout: 10_000 });
      assert.equal(await group.locator('.monaco-diff-editor').count(), 0, 'the active editor is the file, not the diff');
      await workbench.screenshot('replaced');
    } finally {
      // Put the file back for the next test, even after a failure: close it unsaved, and write the
      // original over whatever auto save may already have put on disk.
      await workbench.reset();
      writeFileSync(join(workbench.state.workspace, 'add.ts'), CODE);
    }
  });

  it("a job under another account's key waits, says so in its view, and finishes once the key is back", async () => {
    const { page } = workbench;
    await workbench.reset();
    const before = sim.counters.totalInferences();
    // The simulator keeps the job running while the key changes.
    sim.hold(true);
    await sendAllOf('add.ts', 'Wait for my key');
    await page.locator('.statusbar-item', { hasText: /1 running/ }).waitFor({ timeout: 15_000 });

    /** Sail: Set API Key from the palette, typed into its password box. @param {string} key */
    const setKey = async (key) => {
      await workbench.runCommand('Sail: Set API Key');
      const box = page.locator('.quick-input-widget input[type="password"]');
      await box.waitFor();
      await box.fill(key);
      await page.keyboard.press('Enter');
      await box.waitFor({ state: 'hidden' });
    };
    await setKey(OTHER_ACCOUNT_KEY);
    await workbench.runCommand('Sail: Show Jobs');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Wait for my key' }).first().click();
    const view = workbench.webview();
    // Ask Sail now rather than at the job's next scheduled check: with the other key, it says 404.
    await view
      .getByRole('button', { name: 'Check Now' })
      .click({ timeout: 10_000 })
      .catch(() => {});
    await view.locator('.state-label', { hasText: 'Waiting for its base URL or API key' }).waitFor({ timeout: 60_000 });
    assert.match(await view.locator('.notice').innerText(), /another account's key/);
    await workbench.screenshot('waiting-for-key');

    await setKey(sim.apiKey);
    await view.locator('.state-label', { hasText: /Queued|Running/ }).waitFor({ timeout: 30_000 });
    release();
    await checkUntilCompleted(view);
    assert.match(await view.locator('article.output h2').first().innerText(), /Wait for my key/);
    assert.equal(sim.counters.totalInferences(), before + 1);
  });
});
