// @ts-check
// Runs the mocha suite (out/test/integration/index.js) inside a real VS Code extension host:
// code-server serves the workbench, headless Chromium opens it with a test payload, and the
// workbench reports the host's console and exit code back through the smoke-test driver hooks.
//   node test/host/runIntegration.mjs        (after `node esbuild.mjs && node esbuild.mjs --tests`)
import { format } from 'node:util';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { installExtension, launchBrowser, startCodeServer } from './codeServer.mjs';
import { setUpIntegration } from './integrationSetup.mjs';
import { ROOT } from './paths.mjs';

const TIMEOUT_MS = Number(process.env.SAIL_INTEGRATION_TIMEOUT_MS ?? 10 * 60_000);
const RESULT_MARKER = 'sail-test-result ';
/** A second extension, test only, that reaches Sail's models through vscode.lm as any other would. */
const CONSUMER = join(ROOT, 'test', 'fixtures', 'lm-consumer');

/** Packs the consumer extension into a .vsix (vsce, from this project's devDependencies). */
function packConsumer() {
  const vsix = join(ROOT, 'out', 'lm-consumer.vsix');
  const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const flags = ['--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-update-package-json'];
  const result = spawnSync(process.execPath, [vsce, 'package', ...flags, '-o', vsix], { cwd: CONSUMER, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`Could not pack ${CONSUMER}:\n${result.stdout}\n${result.stderr}`);
  }
  return vsix;
}
/**
 * The suite talks to a simulator started here: its URL is the user's `sail.baseUrl`, and the tests
 * reach its admin API (faults, counters) through SAIL_SIM_* variables in the extension host
 * (integrationSetup.mjs, shared with the desktop runners).
 * @returns {Promise<{ passed: number, failed: number, exitCode: number }>}
 */
export async function runIntegration() {
  const { state, extensionEnvironment, close } = await setUpIntegration();
  installExtension(state, packConsumer());
  const server = await startCodeServer(state, { testPayload: true });
  const browser = await launchBrowser(state.stateDir);
  try {
    let result = { passed: 0, failed: 0 };
    /** @type {(code: number) => void} */
    let onExit = () => {};
    const exited = new Promise((resolve) => {
      onExit = resolve;
    });
    await browser.page.exposeFunction('codeAutomationLog', (/** @type {string} */ _type, /** @type {unknown[]} */ args) => {
      const line = format(...args);
      if (line.startsWith(RESULT_MARKER)) {
        result = JSON.parse(line.slice(RESULT_MARKER.length));
      } else {
        console.log(line);
      }
    });
    await browser.page.exposeFunction('codeAutomationExit', (/** @type {number} */ code) => onExit(code));

    /** @type {[string, string][]} */
    const payload = [
      ['extensionDevelopmentPath', server.remoteUri(ROOT)],
      ['extensionTestsPath', server.remoteUri(join(ROOT, 'out', 'test', 'integration', 'index.js'))],
      ['extensionEnvironment', JSON.stringify(extensionEnvironment)],
    ];
    await browser.page.goto(server.workbenchUrl(state.workspace, payload));
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), TIMEOUT_MS).unref());
    const outcome = await Promise.race([exited, timeout]);
    if (outcome === 'timeout') {
      console.error(`integration: the suite did not finish within ${TIMEOUT_MS} ms`);
      return { ...result, failed: result.failed + 1, exitCode: 1 };
    }
    return { ...result, exitCode: Number(outcome) };
  } finally {
    await browser.close();
    await server.stop();
    await close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { passed, failed, exitCode } = await runIntegration();
  console.log(`integration: ${passed} passed, ${failed} failed`);
  process.exit(exitCode !== 0 || failed > 0 || passed === 0 ? 1 : 0);
}
