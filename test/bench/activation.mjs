// @ts-check
// Part of `npm run bench`: the packaged extension's activate() time in a real VS Code (code-server),
// read from the line the extension logs, next to the size of the bundle it loads.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT } from '../host/paths.mjs';
import { openWorkbench } from '../ui/workbench.mjs';

const RUNS = 3;
/** How long a fresh window may take to start its extension host and activate Sail (onStartupFinished). */
const ACTIVATION_DEADLINE_MS = 90_000;
const ACTIVATED = /activated in ([\d.]+) ms/;

/**
 * The time Sail logged for activate(), read from its log file in the window's user-data folder.
 * Not from the Output panel through the command palette: the palette lists Sail's commands only
 * once the extension host has registered them, which a window that just showed its files may not
 * have done yet (the bench then timed out waiting for "Sail: Show Log").
 * @param {string} userDataDir
 */
async function loggedActivationMs(userDataDir) {
  const deadline = Date.now() + ACTIVATION_DEADLINE_MS;
  for (;;) {
    const match = sailLogs(join(userDataDir, 'logs'))
      .map((file) => ACTIVATED.exec(readFileSync(file, 'utf8')))
      .find((m) => m !== null);
    if (match) {
      return Number(match[1]);
    }
    if (Date.now() > deadline) {
      throw new Error(`Sail logged no "activated in" line within ${ACTIVATION_DEADLINE_MS / 1000} s of the window opening`);
    }
    await delay(250);
  }
}

/** @param {string} logsDir @returns {string[]} every Sail.log under it */
function sailLogs(logsDir) {
  if (!existsSync(logsDir)) {
    return [];
  }
  return readdirSync(logsDir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(join('sailresearch.sail-vscode', 'Sail.log')))
    .map((name) => join(logsDir, name));
}

const times = [];
for (let i = 0; i < RUNS; i++) {
  // A file in the folder: the workbench counts as restored once the Explorer lists it.
  const workbench = await openWorkbench({ files: { 'hello.ts': 'export const hello = 1;\n' } });
  try {
    times.push(await loggedActivationMs(workbench.state.userDataDir));
  } finally {
    await workbench.close();
  }
}
const bundle = statSync(join(ROOT, 'dist', 'extension.js')).size;
console.log('9. Extension (packaged .vsix in code-server)');
console.log(`   time in activate(): ${times.map((t) => `${t.toFixed(1)} ms`).join(', ')} over ${RUNS} fresh windows`);
console.log(`   dist/extension.js: ${(bundle / 1024).toFixed(0)} KiB (production build)`);
