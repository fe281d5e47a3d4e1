// @ts-check
// The trade between time and price, as a person sees it: the window picker with each window's time
// and estimated cost, the Sail view with the job and its window, the result's cost line, and Re-run at
// another window (a new job, a new idempotency key).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSimulator } from '../host/simulator.mjs';
import { openWorkbench } from './workbench.mjs';

const CODE = `export function add(a: number, b: number): number {
  return a + b;
}
`;
const MODEL = 'moonshotai/Kimi-K2.6';

describe('The Sail view, the window picker and cost (packaged .vsix)', () => {
  /** @type {Awaited<ReturnType<typeof startSimulator>>} */
  let sim;
  /** @type {Awaited<ReturnType<typeof openWorkbench>>} */
  let workbench;

  before(async () => {
    sim = await startSimulator({ timeScale: 100 });
    // sail.askForWindow is left at its default (on): the picker is what this suite is about.
    workbench = await openWorkbench({
      files: { 'add.ts': CODE },
      settings: { 'sail.baseUrl': sim.baseUrl, 'sail.usageBaseUrl': sim.baseUrl, 'sail.model': MODEL, 'sail.completionWindow': 'balanced' },
    });
  });

  afterEach(async (t) => {
    await workbench?.screenshot(`view-end-${t.name.replace(/[^\w]+/g, '-').slice(0, 60)}`);
    sim?.hold(false);
    sim?.finishAll();
  });

  after(async () => {
    await workbench?.close();
    await sim?.close();
  });

  /** The POST /v1/responses bodies the simulator received, oldest first, with their Idempotency-Key. */
  function posts() {
    return sim.requests
      .entries()
      .filter((r) => r.method === 'POST' && r.url.startsWith('/v1/responses'))
      .map((r) => ({
        body: JSON.parse(r.body ?? '{}'),
        key: r.headers.find(([name]) => name.toLowerCase() === 'idempotency-key')?.[1],
      }));
  }

  /** The POSTs once `count` have arrived (the status bar counts a job as running before its POST lands). @param {number} count */
  async function postsWhen(count) {
    for (let waited = 0; posts().length < count && waited < 15_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return posts();
  }

  it('with no key, the Sail view offers to set one', async () => {
    const { page } = workbench;
    await workbench.showSailView();
    const button = page.locator('.part.sidebar .welcome-view-content').getByRole('button', { name: 'Set API Key' });
    await button.waitFor({ timeout: 30_000 });
    await workbench.screenshot('view-welcome-no-key');
  });

  it('send → the window picker shows each window’s time and cost → flex is sent → the job shows in the view with its window → open → cost line', async () => {
    const { page } = workbench;
    await workbench.reset();
    await workbench.openFile('add.ts');
    await workbench.selectAll();
    await workbench.runCommand('Sail: Send Selection…');
    await workbench.typeInstruction('Explain add for the view');

    await page.locator('.quick-input-title', { hasText: 'when do you need the answer' }).waitFor({ timeout: 15_000 });
    const rows = page.locator('.quick-input-list .monaco-list-row');
    // The configured window (balanced) first; Kimi-K2.6 runs in asap, balanced and flex.
    await rows.first().filter({ hasText: 'balanced' }).waitFor();
    const flex = rows.filter({ hasText: 'flex' }).first();
    await flex.waitFor();
    assert.match(await flex.innerText(), /\$\d/, 'flex shows an estimated cost');
    assert.match(await flex.innerText(), /below asap/);
    const placeholder = await page.locator('.quick-input-widget input').first().getAttribute('placeholder');
    assert.match(placeholder ?? '', /tokens in \(from the length\).*estimate, prices of \d{4}-\d\d-\d\d/);
    assert.match(await page.locator('.quick-input-title').innerText(), new RegExp(MODEL.replace(/[.]/g, '\\.')));
    assert.equal(await rows.filter({ hasText: 'priority' }).count(), 0, 'a window the model does not run in is not offered');
    await workbench.screenshot('window-picker');
    await workbench.readmeScreenshot('window-picker', [page.locator('.quick-input-widget')], { margin: 8 });
    await flex.click();

    const keyBox = page.locator('.quick-input-widget input[type="password"]');
    await keyBox.waitFor({ timeout: 15_000 });
    await keyBox.fill(sim.apiKey);
    await page.keyboard.press('Enter');

    await page.locator('.statusbar-item', { hasText: /Sail.*1 running/ }).waitFor({ timeout: 15_000 });
    const sent = await postsWhen(1);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].body.metadata?.completion_window, 'flex', 'the request carries the window picked');
    assert.equal(sent[0].body.background, true, 'flex goes in the background');

    await workbench.showSailView();
    const row = workbench.viewRow('Explain add for the view');
    await row.waitFor({ timeout: 30_000 });
    assert.match(await row.innerText(), /flex/);
    await workbench.viewRow(/^Running/).waitFor();

    // Sail finishes it (a flex job would take hours); the view moves it to Ready and the badge counts it.
    sim.finishAll();
    await row.click();
    const view = workbench.webview();
    const completed = view.locator('.state-label', { hasText: 'Completed' });
    for (let attempt = 1; attempt <= 5 && !(await completed.isVisible()); attempt++) {
      await view
        .getByRole('button', { name: 'Check Now' })
        .click({ timeout: 5_000 })
        .catch(() => {});
      await completed.waitFor({ timeout: 3_000 }).catch(() => {});
    }
    await completed.waitFor({ timeout: 10_000 });
    const cost = view.locator('table.cost');
    await cost.waitFor({ timeout: 10_000 });
    const costText = await cost.innerText();
    assert.match(costText, /estimate, prices of \d{4}-\d\d-\d\d/);
    assert.match(costText, /≈ \$/);
    assert.match(costText, /Saved against asap/);
    await cost.scrollIntoViewIfNeeded();
    await workbench.readmeScreenshot('cost-line', [view.locator('table.usage'), cost], { margin: 8 });

    // Seen now: it is filed under today, and its tooltip has the cost.
    await workbench.viewRow(/^Today/).waitFor({ timeout: 10_000 });
    const tooltip = page.locator('.workbench-hover, .monaco-hover', { hasText: 'Cost' }).first();
    // A hover shows only when the pointer arrives: on a loaded machine the first one can be missed
    // (the pointer already there, the row redrawn under it), so leave the row and come back.
    for (let attempt = 1; attempt <= 3 && !(await tooltip.isVisible()); attempt++) {
      await page.mouse.move(0, 0);
      await row.hover();
      await tooltip.waitFor({ timeout: 4_000 }).catch(() => {});
    }
    await tooltip.waitFor({ timeout: 2_000 });
    assert.match(await tooltip.innerText(), new RegExp(MODEL.replace(/[.]/g, '\\.')));
    assert.match(await tooltip.innerText(), /saved ≈ \$/);
    await workbench.readmeScreenshot('sail-view', [page.locator('.part.sidebar'), tooltip], { margin: 0, hover: row });
  });

  it('Re-run at another window sends the same input as a new job with a new idempotency key', async () => {
    const { page } = workbench;
    await workbench.dismissMenus();
    await workbench.showSailView();
    const before = posts();
    const row = workbench.viewRow('Explain add for the view');
    const rerun = await workbench.contextMenuItem(row, 'Re-run…');
    await workbench.chooseMenuItem(rerun);
    await page.locator('.quick-input-title', { hasText: 'Re-run' }).waitFor({ timeout: 15_000 });
    // The job's own window (flex) first.
    await page.locator('.quick-input-list .monaco-list-row').first().filter({ hasText: 'flex' }).waitFor();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'balanced' }).first().click();

    await page.locator('.statusbar-item', { hasText: /Sail.*1 running/ }).waitFor({ timeout: 15_000 });
    const after = await postsWhen(before.length + 1);
    assert.equal(after.length, before.length + 1, 'one more POST');
    const [first, again] = [after[0], after.at(-1)];
    assert.equal(again?.body.metadata?.completion_window, 'standard', 'balanced goes as the window Sail knows');
    assert.equal(again?.body.input, first.body.input, 'the same input');
    assert.ok(again?.key && first.key && again.key !== first.key, 'a new idempotency key');
    await workbench.viewRow(/^Running/).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Explain add for the view' }).count(), 2, 'both jobs are listed');
  });

  it('the view shows the account figures from Sail and the usage summary; Export Usage writes a CSV a person can read', async () => {
    const { page } = workbench;
    await workbench.dismissMenus();
    await workbench.showSailView();
    const account = workbench.viewRow(/Balance \$/);
    await account.waitFor({ timeout: 30_000 });
    assert.match(await account.innerText(), /\$[\d.]+ spent/);
    const usage = workbench.viewRow(/^Usage/);
    await usage.waitFor({ timeout: 30_000 });
    assert.match(await usage.innerText(), /this month ≈ \$/);
    // The re-run job finished and is not opened yet: the view's badge counts it.
    await page
      .locator('.activitybar .action-item', { has: page.locator('a.action-label[aria-label^="Sail"]') })
      .locator('.badge-content', { hasText: /^1$/ })
      .waitFor({ timeout: 30_000 });
    await workbench.readmeScreenshot('sail-view-account', [page.locator('.part.sidebar')], { margin: 0 });

    await workbench.runCommand('Sail: Export Usage…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'CSV' }).first().click();
    // VS Code's own save dialog, in the browser: a path in a quick input.
    const target = join(workbench.state.workspace, 'usage-export.csv');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    // The dialog fills in its default path a moment after it shows: a path typed before that is overwritten.
    for (let waited = 0; !(await input.inputValue()).includes('sail-usage') && waited < 10_000; waited += 100) {
      await page.waitForTimeout(100);
    }
    await input.fill(target);
    for (let waited = 0; (await input.inputValue()) !== target && waited < 5_000; waited += 100) {
      await page.waitForTimeout(100);
    }
    await page.keyboard.press('Enter');
    const ok = page.locator('.monaco-dialog-box').getByRole('button', { name: /OK|Replace/ });
    if (
      await ok.waitFor({ timeout: 1_500 }).then(
        () => true,
        () => false,
      )
    ) {
      await ok.click();
    }
    // VS Code's simple save dialog can drop an Enter that lands while it is still reading the typed
    // path: while the dialog still shows that path, Enter is pressed again (every 2 s); a late
    // confirmation is answered.
    for (let waited = 0; !existsSync(target) && waited < 15_000; waited += 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (waited % 2_000 === 1_800 && (await input.isVisible()) && (await input.inputValue().catch(() => '')) === target) {
        await page.keyboard.press('Enter');
      }
      if (await ok.isVisible()) {
        await ok.click();
      }
    }
    const csv = readFileSync(target, 'utf8');
    const [header, ...lines] = csv.trim().split(/\r?\n/);
    assert.match(header, /day.*model.*window/i);
    assert.ok(
      lines.some((line) => line.includes(MODEL) && line.includes('flex')),
      `a row for the flex job: ${csv}`,
    );
  });

  it('the view’s filter narrows the list; Pin, Unpin and Remove act on the job right-clicked', async () => {
    const { page } = workbench;
    await workbench.dismissMenus();
    await workbench.showSailView();
    const rows = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Explain add for the view' });
    await rows.first().waitFor({ timeout: 10_000 });

    await workbench.runCommand('Sail: Filter Jobs…');
    const box = page.locator('.quick-input-widget input');
    await box.waitFor();
    await box.fill('nothing matches this');
    await page.keyboard.press('Enter');
    await rows.first().waitFor({ state: 'detached', timeout: 10_000 });
    await page.locator('.part.sidebar', { hasText: 'Showing jobs matching' }).waitFor({ timeout: 10_000 });
    await workbench.runCommand('Sail: Clear Jobs Filter');
    await rows.first().waitFor({ timeout: 10_000 });

    // The finished flex job, under Today.
    const flexRow = page.locator('.part.sidebar .monaco-list-row', { hasText: /Explain add for the view.*flex/ }).first();
    await workbench.chooseMenuItem(await workbench.contextMenuItem(flexRow, 'Pin (Keep in History)'));
    // Pinned, its menu offers Unpin instead.
    const unpin = await workbench.contextMenuItem(flexRow, 'Unpin');
    assert.equal(await page.locator('.context-view .action-label', { hasText: 'Pin (Keep in History)' }).count(), 0);
    await workbench.chooseMenuItem(unpin);
    await workbench.contextMenuItem(flexRow, 'Pin (Keep in History)');
    await workbench.dismissMenus();

    await workbench.chooseMenuItem(await workbench.contextMenuItem(flexRow, 'Copy Result'));
    await page.locator('.statusbar-item', { hasText: 'Sail result copied' }).waitFor({ timeout: 10_000 });

    const before = await rows.count();
    await workbench.chooseMenuItem(await workbench.contextMenuItem(flexRow, 'Remove'));
    for (let waited = 0; (await rows.count()) !== before - 1 && waited < 10_000; waited += 200) {
      await page.waitForTimeout(200);
    }
    assert.equal(await rows.count(), before - 1, 'the removed job is gone from the view');
  });
});
