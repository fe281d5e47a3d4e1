// @ts-check
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openWorkbench } from './workbench.mjs';

describe('Sail in the workbench (packaged .vsix)', () => {
  /** @type {Awaited<ReturnType<typeof openWorkbench>>} */
  let workbench;

  before(async () => {
    workbench = await openWorkbench({ files: { 'hello.ts': 'export const hello = "world";\n' } });
  });

  after(async () => {
    await workbench?.close();
  });

  it('lists its commands in the command palette under the Sail category, the send commands only with an editor', async () => {
    const { page } = workbench;
    const rows = page.locator('.quick-input-list .monaco-list-row');
    for (const title of ['Sail: Show Jobs', 'Sail: Open Result', 'Sail: Select Model', 'Sail: Set API Key', 'Sail: Clear API Key', 'Sail: Show Log']) {
      await workbench.findCommand(title);
      await page.keyboard.press('Escape');
    }
    await (await workbench.openPalette()).fill('>Sail: Send');
    await rows.first().waitFor();
    assert.equal(await rows.filter({ hasText: 'Sail: Send Selection' }).count(), 0, 'no editor open: no Send Selection');
    await workbench.screenshot('palette-sail-commands');
    await page.keyboard.press('Escape');
  });

  it('"Sail: Show Log" opens the Sail output channel showing the activation line', async () => {
    const { page } = workbench;
    await workbench.runCommand('Sail: Show Log');
    const output = page.locator('.part.panel .monaco-editor .view-lines');
    // Monaco renders spaces as no-break spaces: match them with \s.
    await output.filter({ hasText: /Sail\s\d+\.\d+\.\d+\sactivated\sin\s[\d.]+\sms/ }).waitFor({ timeout: 30_000 });
    const text = await output.innerText();
    assert.match(text, /\[info\]\sSail\s\d+\.\d+\.\d+\sactivated\sin\s[\d.]+\sms/);
    await workbench.screenshot('show-log');
  });
});
