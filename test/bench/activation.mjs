// @ts-check
// Part of `npm run bench`: the packaged extension's activate() time in a real VS Code (code-server),
// read from the line the extension logs, next to the size of the bundle it loads.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../host/paths.mjs';
import { openWorkbench } from '../ui/workbench.mjs';

const RUNS = 3;
const times = [];
for (let i = 0; i < RUNS; i++) {
  // A file in the folder: the workbench counts as restored once the Explorer lists it.
  const workbench = await openWorkbench({ files: { 'hello.ts': 'export const hello = 1;\n' } });
  try {
    await workbench.runCommand('Sail: Show Log');
    const line = workbench.page.locator('.part.panel .monaco-editor .view-lines').filter({ hasText: /activated\sin/ });
    await line.waitFor({ timeout: 30_000 });
    const match = /activated\sin\s([\d.]+)\sms/.exec(await line.innerText());
    times.push(Number(match?.[1]));
  } finally {
    await workbench.close();
  }
}
const bundle = statSync(join(ROOT, 'dist', 'extension.js')).size;
console.log('3. Extension (packaged .vsix in code-server)');
console.log(`   time in activate(): ${times.map((t) => `${t.toFixed(1)} ms`).join(', ')} over ${RUNS} fresh windows`);
console.log(`   dist/extension.js: ${(bundle / 1024).toFixed(0)} KiB (production build)`);
