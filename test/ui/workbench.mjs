// @ts-check
// A person's view of VS Code: the packaged .vsix installed into code-server, the workbench open in
// headless Chromium, driven through the keyboard and mouse as a person would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createState, installExtension, launchBrowser, removeState, startCodeServer } from '../host/codeServer.mjs';
import { RESULTS_DIR, VSIX } from '../host/paths.mjs';

const SCREENSHOTS = join(RESULTS_DIR, 'ui');

/**
 * @param {{ files?: Record<string, string>, settings?: Record<string, unknown>, env?: NodeJS.ProcessEnv }} [options]
 */
export async function openWorkbench(options = {}) {
  const state = createState({ settings: options.settings });
  for (const [name, text] of Object.entries(options.files ?? {})) {
    writeFileSync(join(state.workspace, name), text);
  }
  installExtension(state, VSIX);
  const server = await startCodeServer(state, { env: options.env });
  const browser = await launchBrowser(state.stateDir);
  const { page } = browser;
  await page.goto(server.workbenchUrl(state.workspace));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.statusbar').waitFor({ timeout: 60_000 });

  return {
    page,
    state,
    server,
    /**
     * F1 → type the command's title → Enter, as a person would.
     * @param {string} title e.g. "Sail: Show Log"
     */
    async runCommand(title) {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill(`>${title}`);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
      await page.keyboard.press('Enter');
    },
    /** @param {string} name */
    async screenshot(name) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await browser.close();
      await server.stop();
      removeState(state);
    },
  };
}
