// @ts-check
// Runs the mocha suite (out/test/integration/index.js) inside a real VS Code extension host:
// code-server serves the workbench, headless Chromium opens it with a test payload, and the
// workbench reports the host's console and exit code back through the smoke-test driver hooks.
//   node test/host/runIntegration.mjs        (after `node esbuild.mjs && node esbuild.mjs --tests`)
import { format } from 'node:util';
import { join } from 'node:path';
import { createState, launchBrowser, removeState, startCodeServer } from './codeServer.mjs';
import { ROOT } from './paths.mjs';

const TIMEOUT_MS = Number(process.env.SAIL_INTEGRATION_TIMEOUT_MS ?? 10 * 60_000);
const RESULT_MARKER = 'sail-test-result ';

/**
 * @param {{ extensionEnvironment?: Record<string, string> }} [options]
 * @returns {Promise<{ passed: number, failed: number, exitCode: number }>}
 */
export async function runIntegration(options = {}) {
  const state = createState();
  const server = await startCodeServer(state);
  const browser = await launchBrowser(state.stateDir);
  try {
    let result = { passed: 0, failed: 0 };
    /** @type {(code: number) => void} */
    let onExit = () => {};
    const exited = new Promise((resolve) => { onExit = resolve; });
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
    ];
    if (options.extensionEnvironment) {
      payload.push(['extensionEnvironment', JSON.stringify(options.extensionEnvironment)]);
    }
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
    removeState(state);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { passed, failed, exitCode } = await runIntegration();
  console.log(`integration: ${passed} passed, ${failed} failed`);
  process.exit(exitCode !== 0 || failed > 0 || passed === 0 ? 1 : 0);
}
