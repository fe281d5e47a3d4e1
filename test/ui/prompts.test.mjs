// @ts-check
// Prompt files as a person uses them (issue 12): a team's prompt file with a JSON Schema, in the
// repository's .sail/prompts, shows in the instruction picker under its folder; sending with it
// (from the default keybinding) puts text.format on the wire; the result view shows the answer as
// pretty JSON, says it is valid, and opens it as a JSON document.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSimulator } from '../host/simulator.mjs';
import { openWorkbench } from './workbench.mjs';

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['summary', 'risks'],
  properties: {
    summary: { type: 'string' },
    risks: { type: 'array', items: { type: 'string' } },
  },
};

const PROMPT = [
  '---',
  'label: Risks as JSON',
  'description: A summary and the risks, as data',
  'format: ../schemas/risks.json',
  'window: asap',
  '---',
  'Summarize ${fileBasename} and list its risks.',
  '',
].join('\n');

describe('Prompt files: a structured answer in the real workbench (packaged .vsix)', () => {
  /** @type {Awaited<ReturnType<typeof startSimulator>>} */
  let sim;
  /** @type {Awaited<ReturnType<typeof openWorkbench>>} */
  let workbench;

  before(async () => {
    sim = await startSimulator({ timeScale: 100 });
    workbench = await openWorkbench({
      files: {
        'divide.ts': 'export function divide(a: number, b: number): number {\n  return a / b;\n}\n',
        '.sail/prompts/risks.md': PROMPT,
        '.sail/schemas/risks.json': JSON.stringify(SCHEMA, null, 2),
        '.sail/prompts/broken.md': '---\nlabel: Broken prompt\nwindow: fast\n---\nExplain.\n',
      },
      settings: { 'sail.baseUrl': sim.baseUrl, 'sail.usageBaseUrl': sim.baseUrl, 'sail.askForWindow': false },
    });
  });

  afterEach(async (t) => {
    await workbench?.screenshot(`prompts-end-${t.name.replace(/[^\w]+/g, '-').slice(0, 60)}`);
  });

  after(async () => {
    await workbench?.close();
    await sim?.close();
  });

  /**
   * Waits, bounded, until `probe` holds.
   * @param {() => boolean} probe
   * @param {string} what
   */
  async function waitUntil(probe, what, timeoutMs = 30_000) {
    const end = Date.now() + timeoutMs;
    while (!probe()) {
      if (Date.now() > end) {
        throw new Error(`Timed out waiting for ${what}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Types the key when VS Code asks for it: the first test sets it; a test run on its own sets it here. */
  async function giveKeyIfAsked() {
    const keyBox = workbench.page.locator('.quick-input-widget input[type="password"]');
    if (
      await keyBox.waitFor({ timeout: 3_000 }).then(
        () => true,
        () => false,
      )
    ) {
      await keyBox.fill(sim.apiKey);
      await workbench.page.keyboard.press('Enter');
    }
  }

  /** The POST /v1/responses bodies the simulator received, oldest first. */
  function responsePosts() {
    return sim.requests
      .entries()
      .filter((r) => r.method === 'POST' && r.url === '/v1/responses')
      .map((r) => JSON.parse(r.body ?? '{}'));
  }

  it('the prompt file shows under its folder; its schema goes out as text.format; the answer shows as valid pretty JSON', async () => {
    const { page } = workbench;
    await workbench.openFile('divide.ts');
    await workbench.selectAll();
    // Send Selection's default keybinding.
    await page.keyboard.press('Control+Shift+Alt+S');
    await page.locator('.quick-input-title', { hasText: 'what should be done' }).waitFor({ timeout: 15_000 });
    const folder = basename(workbench.state.workspace);
    await page.locator('.quick-input-list', { hasText: `Prompt files in ${folder}` }).waitFor();
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Risks as JSON' }).first();
    await row.waitFor();
    assert.match(await row.innerText(), /A summary and the risks, as data/, 'the description shows beside the label');
    // An invalid prompt file is shown as such, with where it is wrong, not left out.
    const broken = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Broken prompt' }).first();
    assert.match(await broken.innerText(), /invalid prompt file[\s\S]*broken\.md:3:\d+: "window" must be one of/);
    // The settings' prompts are still offered, under their own heading.
    await page.locator('.quick-input-list', { hasText: 'Settings (sail.prompts)' }).waitFor();
    await workbench.screenshot('prompt-picker');
    await workbench.readmeScreenshot('prompt-picker', [page.locator('.quick-input-widget')], { margin: 8 });
    await row.click();

    const keyBox = page.locator('.quick-input-widget input[type="password"]');
    await keyBox.waitFor({ timeout: 15_000 });
    await keyBox.fill(sim.apiKey);
    await page.keyboard.press('Enter');

    const notification = page.locator('.notification-toast', { hasText: 'Sail finished' });
    await notification.waitFor({ timeout: 60_000 });
    await notification.getByRole('button', { name: 'Open' }).click();

    const posts = responsePosts();
    assert.equal(posts.length, 1);
    assert.equal(posts[0].text?.format?.type, 'json_schema');
    assert.equal(posts[0].text.format.name, 'risks');
    assert.deepEqual(posts[0].text.format.schema, SCHEMA);
    assert.equal(posts[0].metadata?.completion_window, 'asap', "the prompt file's window");
    assert.match(posts[0].input, /Summarize divide\.ts and list its risks\.\s*$/, 'the variable filled in, the instruction last');

    const view = workbench.webview();
    const verdict = view.locator('.structured .verdict');
    await verdict.waitFor({ timeout: 30_000 });
    assert.match(await verdict.innerText(), /^valid: matches the schema "risks"/);
    const json = await view.locator('article.output pre code').first().innerText();
    const parsed = JSON.parse(json);
    assert.deepEqual(Object.keys(parsed), ['summary', 'risks']);
    assert.match(json, /\n {2}"risks"/, 'pretty-printed, two spaces');
    await workbench.screenshot('structured-result');
    await workbench.readmeScreenshot('structured-result', [page.locator('.part.editor')], { margin: 0, height: 900 });

    await view.getByRole('button', { name: 'Open as JSON' }).click();
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ timeout: 15_000 });
    await page
      .locator('.statusbar-item', { hasText: /^JSON$/ })
      .first()
      .waitFor({ timeout: 15_000 });
    const text = await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText();
    assert.match(text, /"summary"/);
  });

  it('the pencil opens a prompt file; an answer that is not JSON says where it stops, and Open as JSON opens it as it came', async () => {
    const { page } = workbench;
    const postsBefore = responsePosts().length;
    writeFileSync(
      join(workbench.state.workspace, '.sail/prompts/chatty.md'),
      ['---', 'label: Chatty risks', 'format: ../schemas/risks.json', 'window: asap', '---', 'List the risks of ${fileBasename}; answer broken json.', ''].join(
        '\n',
      ),
    );
    await workbench.openFile('divide.ts');
    await workbench.selectAll();
    await page.keyboard.press('Control+Shift+Alt+S');
    // The pencil on a prompt file's row opens the file, and sends nothing.
    const chattyRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Chatty risks' }).first();
    await chattyRow.hover({ timeout: 15_000 });
    await chattyRow.getByRole('button', { name: 'Edit Prompt File' }).click();
    await page.locator('.tab.active', { hasText: 'chatty.md' }).waitFor({ timeout: 15_000 });
    assert.equal(responsePosts().length, postsBefore, 'editing sends nothing');
    await page.locator('.tab', { hasText: 'divide.ts' }).first().click();
    await page.locator('.tab.active', { hasText: 'divide.ts' }).waitFor();
    await workbench.selectAll();
    await page.keyboard.press('Control+Shift+Alt+S');
    await chattyRow.click({ timeout: 15_000 });
    await giveKeyIfAsked();
    const notification = page.locator('.notification-toast', { hasText: 'Chatty risks' });
    await notification.waitFor({ timeout: 60_000 });
    await notification.getByRole('button', { name: 'Open' }).click();
    const view = workbench.webview();
    const verdict = view.locator('.structured .verdict');
    await verdict.waitFor({ timeout: 30_000 });
    assert.match(await verdict.innerText(), /^Not JSON: line 1, column 1: /);
    await view.getByRole('button', { name: 'Open as JSON' }).click();
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ timeout: 15_000 });
    // The editor draws spaces as no-break spaces.
    const text = (await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /^Here is the JSON you asked for:/, 'as it came, not re-formatted or cut');
    // VS Code's JSON language service marks where it stops being JSON.
    await page.locator('.editor-group-container.active .monaco-editor .squiggly-error').first().waitFor({ timeout: 15_000 });
  });

  it('Send Again (Sail view) with current settings, after Sail refused a prompt file’s model, uses the prompt file as fixed', async () => {
    const { page } = workbench;
    const promptPath = join(workbench.state.workspace, '.sail/prompts/deep.md');
    /** @param {string} model */
    const deep = (model) =>
      [
        '---',
        'label: Deep review',
        `model: ${model}`,
        'window: asap',
        'reasoningEffort: high',
        'temperature: 0.3',
        '---',
        'Review ${fileBasename} in depth.',
        '',
      ].join('\n');
    writeFileSync(promptPath, deep('no-such/model'));
    const before = responsePosts().length;
    await workbench.openFile('divide.ts');
    await workbench.selectAll();
    await page.keyboard.press('Control+Shift+Alt+S');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Deep review' }).first().click({ timeout: 15_000 });
    await giveKeyIfAsked();
    const failed = page.locator('.notification-toast', { hasText: 'Deep review' });
    await failed.waitFor({ timeout: 30_000 });
    assert.match(await failed.innerText(), /failed/);
    assert.equal(responsePosts().at(-1)?.model, 'no-such/model');

    await failed.getByRole('button', { name: 'Send Again' }).waitFor();

    // The user fixes the prompt file, then sends the job again from its row in the Sail view.
    writeFileSync(promptPath, deep('openai/gpt-oss-120b'));
    await workbench.showSailView();
    const row = workbench.viewRow('Deep review');
    await row.waitFor({ timeout: 15_000 });
    await workbench.chooseMenuItem(await workbench.contextMenuItem(row, 'Send Again'));
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    assert.match(await dialog.innerText(), /the prompt file deep\.md as it is now/);
    await dialog.getByRole('button', { name: 'Send with Current Settings' }).click();
    await waitUntil(() => responsePosts().length === before + 2, 'the request sent again');
    const again = responsePosts().at(-1);
    assert.deepEqual(
      { model: again.model, window: again.metadata?.completion_window, effort: again.reasoning?.effort, temperature: again.temperature },
      { model: 'openai/gpt-oss-120b', window: 'asap', effort: 'high', temperature: 0.3 },
      "the prompt file's options as they are now, not the settings'",
    );
    assert.match(again.input, /Review divide\.ts in depth\.\s*$/);
    await page.locator('.notification-toast', { hasText: 'Sail finished' }).first().waitFor({ timeout: 60_000 });
  });
});

describe('Prompt files in an untrusted folder (packaged .vsix, Restricted Mode)', () => {
  /** @type {Awaited<ReturnType<typeof startSimulator>>} */
  let sim;
  /** @type {Awaited<ReturnType<typeof openWorkbench>>} */
  let workbench;

  before(async () => {
    sim = await startSimulator({ timeScale: 100 });
    workbench = await openWorkbench({
      untrusted: true,
      files: {
        'divide.ts': 'export function divide(a: number, b: number): number {\n  return a / b;\n}\n',
        '.sail/prompts/team.md': '---\nlabel: Team prompt from the repository\n---\nDo what the repository says.\n',
      },
      userFiles: {
        'User/globalStorage/sailresearch.sail-vscode/prompts/mine.md': '---\nlabel: My own prompt\n---\nExplain ${fileBasename}.\n',
      },
      settings: { 'sail.baseUrl': sim.baseUrl, 'sail.usageBaseUrl': sim.baseUrl, 'sail.askForWindow': false },
    });
  });

  afterEach(async (t) => {
    await workbench?.screenshot(`prompts-untrusted-${t.name.replace(/[^\w]+/g, '-').slice(0, 60)}`);
  });

  after(async () => {
    await workbench?.close();
    await sim?.close();
  });

  it("offers your own prompt files but not the folder's", async () => {
    const { page } = workbench;
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
    await workbench.openFile('divide.ts');
    await workbench.selectAll();
    await workbench.runCommand('Sail: Send Selection…');
    await page.locator('.quick-input-title', { hasText: 'what should be done' }).waitFor({ timeout: 15_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'My own prompt' }).first().waitFor();
    await page.locator('.quick-input-list', { hasText: 'Your prompt files' }).waitFor();
    const listed = await page.locator('.quick-input-list').innerText();
    assert.doesNotMatch(listed, /Team prompt from the repository/);
    assert.doesNotMatch(listed, /Prompt files in/);
    await page.keyboard.press('Escape');
    assert.equal(sim.counters.totalInferences(), 0);
  });
});
