// @ts-check
// `npm run demo`: a real VS Code in your browser with Sail installed from the packaged .vsix.
// Stop it with Ctrl-C; every process it started is stopped by PID.
import { spawnSync } from 'node:child_process';
import { createState, installExtension, removeState, startCodeServer } from './host/codeServer.mjs';
import { ROOT, VSIX } from './host/paths.mjs';

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
  if (spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' }).status !== 0) {
    process.exit(1);
  }
}

run(process.execPath, ['test/host/install.mjs']);
run('npm', ['run', '--silent', 'package']);

const port = Number(process.env.SAIL_DEMO_PORT ?? 8080);
const state = createState();
installExtension(state, VSIX);
const server = await startCodeServer(state, { port });

console.log(`
Sail demo is running.
  Open:   ${server.workbenchUrl(state.workspace)}
  Try:    F1 → "Sail: Show Log"
Press Ctrl-C to stop.`);

await new Promise((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await server.stop();
removeState(state);
console.log('Sail demo stopped.');
