// @ts-check
// Many files at once, as a person does it (issue 11): three files selected in the Explorer, sent with
// one instruction at flex as a Sail batch; the batch in the Sail view with a row per file, its
// progress, one answer opened, the failed file sent again as a new batch; a reload mid-batch loses
// nothing and sends the batch once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSimulator } from '../host/simulator.mjs';
import { openWorkbench } from './workbench.mjs';

const FILES = {
  'alpha.ts': 'export const alpha = 1;\n',
  'beta.ts': 'export function beta(): number {\n  return 2;\n}\n',
  'gamma.py': 'def gamma():\n    return 3\n',
  'later/delta.ts': 'export const delta = 4;\n',
  'later/epsilon.ts': 'export const epsilon = 5;\n',
};

describe('Many files at once: a batch in the real workbench (packaged .vsix)', () => {
  /** @type {Awaited<ReturnType<typeof startSimulator>>} */
  let sim;
  /** @type {Awaited<ReturnType<typeof openWorkbench>>} */
  let workbench;

  before(async () => {
    sim = await startSimulator({ timeScale: 100 });
    workbench = await openWorkbench({
      files: FILES,
      settings: { 'sail.baseUrl': sim.baseUrl, 'sail.usageBaseUrl': sim.baseUrl, 'sail.model': 'moonshotai/Kimi-K2.6', 'sail.completionWindow': 'balanced' },
    });
  });

  afterEach(async (t) => {
    await workbench?.screenshot(`batch-end-${t.name.replace(/[^\w]+/g, '-').slice(0, 60)}`);
    sim?.hold(false);
    sim?.finishAll();
  });

  after(async () => {
    await workbench?.close();
    await sim?.close();
  });

  /** The POST /v1/batches bodies the simulator received, oldest first. */
  function batchPosts() {
    return sim.requests
      .entries()
      .filter((r) => r.method === 'POST' && r.url === '/v1/batches')
      .map((r) => JSON.parse(r.body ?? '{}'));
  }

  /** @param {number} count */
  async function batchPostsWhen(count) {
    for (let waited = 0; batchPosts().length < count && waited < 15_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return batchPosts();
  }

  /** @param {string} name */
  function explorerRow(name) {
    return workbench.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  }

  /** The Explorer, shown (a click on its activity bar icon would hide it when it is showing already). */
  async function showExplorer() {
    await workbench.runCommand('View: Show Explorer');
    await explorerRow('alpha.ts').waitFor({ timeout: 15_000 });
  }

  /**
   * Selects the Explorer's rows from `first` to `last` (click, then Shift+click) and chooses Send File…
   * on the last. A click that lands while the list re-renders (the first click opens a preview
   * editor) can be lost, so the selection is checked and made again if it did not take.
   * @param {string} first @param {string} last @param {string[]} all the names that must end up selected
   */
  async function sendSelected(first, last, all) {
    const { page } = workbench;
    await showExplorer();
    const selected = (/** @type {string} */ name) => page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: name }).first();
    for (let attempt = 1; ; attempt++) {
      await explorerRow(first).click();
      await selected(first).waitFor({ timeout: 5_000 });
      await page.waitForTimeout(500);
      await explorerRow(last).click({ modifiers: ['Shift'] });
      const took = await Promise.all(
        all.map((name) =>
          selected(name)
            .waitFor({ timeout: 3_000 })
            .then(
              () => true,
              () => false,
            ),
        ),
      );
      if (took.every(Boolean)) {
        break;
      }
      assert.ok(attempt < 3, `the Explorer selection did not take: ${all.filter((_, i) => !took[i]).join(', ')}`);
    }
    await workbench.chooseMenuItem(await workbench.contextMenuItem(explorerRow(last), 'Send File…'));
  }

  /** Types the API key when Sail asks for it (the first send of the suite does). */
  async function answerKeyPrompt() {
    const { page } = workbench;
    const keyBox = page.locator('.quick-input-widget input[type="password"]');
    const asked = await keyBox.waitFor({ timeout: 5_000 }).then(
      () => true,
      () => false,
    );
    if (asked) {
      await keyBox.fill(sim.apiKey);
      await page.keyboard.press('Enter');
    }
  }

  /**
   * Asks Sail about the batch now (the real schedule for flex is hours): its result view's Check Now.
   * @param {import('playwright-core').Locator} row @param {() => Promise<boolean>} done
   */
  async function checkNow(row, done) {
    await row.click();
    const view = workbench.webview();
    for (let attempt = 1; attempt <= 10 && !(await done()); attempt++) {
      await view
        .getByRole('button', { name: 'Check Now' })
        .click({ timeout: 5_000 })
        .catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    assert.ok(await done(), 'the batch was seen done');
  }

  it('three files selected in the Explorer go as one batch at flex; the view shows a row per file; one answer opens; the failed file goes again', async () => {
    const { page } = workbench;
    sim.hold(true);
    // The simulated model fails the batch's first item.
    sim.faults.inject({ route: 'createBatch', fault: 'fail_job', message: 'simulated overload' });
    await sendSelected('alpha.ts', 'gamma.py', ['alpha.ts', 'beta.ts', 'gamma.py']);

    await page.locator('.quick-input-title', { hasText: 'send 3 files' }).waitFor({ timeout: 15_000 });
    await workbench.screenshot('batch-mode-pick');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Each file on its own' }).first().click();
    await workbench.typeInstruction('Rewrite with a header comment');
    await page.locator('.quick-input-title', { hasText: 'when do you need the 3 answers' }).waitFor({ timeout: 15_000 });
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await rows.filter({ hasText: 'flex' }).first().waitFor();
    // Every row's detail compares with asap; no row is asap itself.
    assert.deepEqual(
      (await page.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts())
        .map((label) => label.trim())
        .filter((label) => /^(asap|priority|balanced|flex)$/.test(label))
        .sort(),
      ['balanced', 'flex'],
      'a batch offers only the windows its items may run in',
    );
    const flex = rows.filter({ hasText: 'flex' }).first();
    assert.match(await flex.innerText(), /\$\d/, 'the estimate covers the whole batch');
    await flex.click();
    await answerKeyPrompt();

    const [posted] = await batchPostsWhen(1);
    assert.ok(posted, 'one POST /v1/batches');
    assert.equal(posted.requests.length, 3, 'every selected file is an item');
    assert.deepEqual(
      posted.requests.map((/** @type {any} */ r) => r.params.metadata?.completion_window),
      ['flex', 'flex', 'flex'],
    );
    for (const name of ['alpha.ts', 'beta.ts', 'gamma.py']) {
      assert.ok(
        posted.requests.some((/** @type {any} */ r) => String(r.params.input).includes(name)),
        `${name} reached Sail`,
      );
    }
    await page.locator('.statusbar-item', { hasText: /Sail.*1 running \(0\/3 files\)/ }).waitFor({ timeout: 15_000 });

    await workbench.showSailView();
    const batchRow = workbench.viewRow(/Rewrite with a header comment · 3 files/);
    await batchRow.waitFor({ timeout: 30_000 });
    assert.match(await batchRow.innerText(), /flex/);
    assert.match(await batchRow.innerText(), /0 of 3 done/);
    await batchRow.locator('.monaco-tl-twistie').click();
    await workbench.viewRow(/^alpha\.ts/).waitFor({ timeout: 10_000 });
    await workbench.viewRow(/^gamma\.py/).waitFor();

    sim.finishAll();
    await checkNow(batchRow, async () => /Completed/.test(await batchRow.innerText()));
    await page
      .locator('.part.sidebar .monaco-list-row', { hasText: /3 files, 1 failed/ })
      .first()
      .waitFor({ timeout: 30_000 });
    // Done, the batch moved from Running to Today: open it again.
    if ((await batchRow.getAttribute('aria-expanded')) !== 'true') {
      await batchRow.locator('.monaco-tl-twistie').click();
    }
    await workbench.viewRow(/^beta\.ts/).waitFor({ timeout: 10_000 });
    await workbench.readmeScreenshot('batch-view', [page.locator('.part.sidebar')], { margin: 0, height: 320 });

    // One file's answer, in the result view.
    const betaRow = workbench.viewRow(/^beta\.ts/);
    assert.match(await betaRow.innerText(), /Completed · [\d,]+ tokens/);
    await betaRow.click();
    const view = workbench.webview();
    await view.locator('.state-label', { hasText: 'Completed' }).waitFor({ timeout: 15_000 });
    await view.getByText('Reviewed by the Sail simulator.').first().waitFor({ timeout: 10_000 });

    // Review Changes: beta's proposal as a diff against beta.ts as it is now; apply it, skip gamma.
    await workbench.showSailView();
    await workbench.chooseMenuItem(await workbench.contextMenuItem(batchRow, 'Review Changes…'));
    await page.locator('.quick-input-title', { hasText: /Review beta\.ts \(1 of 2\)/ }).waitFor({ timeout: 15_000 });
    await page
      .locator('.tab', { hasText: /beta\.ts ↔/ })
      .first()
      .waitFor({ timeout: 15_000 });
    await workbench.screenshot('batch-review-diff');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Make beta.ts read as' }).first().click();
    await page.locator('.quick-input-title', { hasText: /Review gamma\.py \(2 of 2\)/ }).waitFor({ timeout: 15_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Leave gamma.py as it is' }).first().click();
    for (let waited = 0; !readFileSync(join(workbench.state.workspace, 'beta.ts'), 'utf8').startsWith('//') && waited < 10_000; waited += 200) {
      await page.waitForTimeout(200);
    }
    assert.equal(
      readFileSync(join(workbench.state.workspace, 'beta.ts'), 'utf8'),
      `// Reviewed by the Sail simulator.\n${FILES['beta.ts']}`,
      'the applied proposal is saved into beta.ts',
    );
    assert.equal(readFileSync(join(workbench.state.workspace, 'gamma.py'), 'utf8'), FILES['gamma.py'], 'the skipped file is unchanged');

    // The failed file, sent again on its own as a new batch.
    await workbench.showSailView();
    assert.match(await workbench.viewRow(/^alpha\.ts/).innerText(), /Failed/);
    await workbench.chooseMenuItem(await workbench.contextMenuItem(batchRow, 'Re-run Failed Files'));
    const again = await batchPostsWhen(2);
    assert.equal(again.length, 2, 'a second batch');
    assert.equal(again[1].requests.length, 1, 'with only the failed file');
    assert.ok(String(again[1].requests[0].params.input).includes('alpha.ts'));
  });

  it('a reload mid-batch loses nothing and sends the batch once', async () => {
    const { page } = workbench;
    await workbench.reset();
    sim.hold(true);
    const before = batchPosts().length;
    // A folder's Send Files… takes every file under it.
    await showExplorer();
    await workbench.chooseMenuItem(await workbench.contextMenuItem(explorerRow('later'), 'Send Files…'));
    await page.locator('.quick-input-title', { hasText: 'send 2 files' }).waitFor({ timeout: 15_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Each file on its own' }).first().click();
    await workbench.typeInstruction('Review before the reload');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'balanced' }).first().click();
    await answerKeyPrompt();
    await batchPostsWhen(before + 1);
    await page.locator('.statusbar-item', { hasText: /Sail.*\(0\/2 files\)/ }).waitFor({ timeout: 15_000 });

    await workbench.runCommand('Developer: Reload Window');
    await page.locator('.explorer-folders-view .monaco-list-row, .part.sidebar .monaco-list-row').first().waitFor({ timeout: 60_000 });
    sim.finishAll();
    await workbench.showSailView();
    const batchRow = workbench.viewRow(/Review before the reload · 2 files/);
    await batchRow.waitFor({ timeout: 30_000 });
    await checkNow(batchRow, async () => /Completed/.test(await batchRow.innerText()));
    assert.equal(batchPosts().length, before + 1, 'the batch was sent once');
  });
});
