// @ts-check
// `npm run demo`: a real VS Code in your browser with Sail installed from the packaged .vsix, talking
// to a local Sail simulator (windows run 60× faster: standard ≈ 5 s, flex ≈ 2 min).
// Stop it with Ctrl-C (or SIGTERM); every process it started is stopped by PID.
//   SAIL_DEMO_PORT (default 8080) and SAIL_DEMO_SIM_PORT (default: a free port) choose the ports.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, VSIX } from './host/paths.mjs';

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
  if (spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' }).status !== 0) {
    process.exit(1);
  }
}

run(process.execPath, ['test/host/install.mjs']);
run('npm', ['run', '--silent', 'package']);
run(process.execPath, ['esbuild.mjs', '--tests']);

// Only now are they there: the harness (playwright-core, code-server) and the built simulator.
const { createState, installExtension, removeState, startCodeServer } = await import('./host/codeServer.mjs');
const { startSimulator } = await import('./host/simulator.mjs');

const port = Number(process.env.SAIL_DEMO_PORT ?? 8080);
const sim = await startSimulator({ timeScale: 60, port: Number(process.env.SAIL_DEMO_SIM_PORT ?? 0) });
const state = createState({ settings: { 'sail.baseUrl': sim.baseUrl, 'sail.usageBaseUrl': sim.baseUrl, 'sail.completionWindow': 'standard' } });
writeFileSync(
  join(state.workspace, 'fibonacci.ts'),
  `// Select some code, right-click, and choose "Send Selection…".
export function fibonacci(n: number): number {
  if (n < 2) {
    return n;
  }
  return fibonacci(n - 1) + fibonacci(n - 2);
}
`,
);
installExtension(state, VSIX);
const server = await startCodeServer(state, { port });

console.log(`
Sail demo is running.
  Open:             ${server.workbenchUrl(state.workspace)}
  Sail simulator:   ${sim.baseUrl}  (sail.baseUrl and sail.usageBaseUrl point here)
  API key to enter: ${sim.apiKey}
  Try: open fibonacci.ts, select the function, right-click → "Send Selection…", pick "Explain".
Press Ctrl-C to stop.`);

await new Promise((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await server.stop();
await sim.close();
removeState(state);
console.log('Sail demo stopped.');
