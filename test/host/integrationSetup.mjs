// @ts-check
// What the integration suite expects around it, set up the same way for every host it runs in:
// a Sail simulator that is the user's `sail.baseUrl`, a fresh user-data folder with the harness's
// user settings, an empty workspace folder, and the SAIL_SIM_* variables through which the tests
// reach the simulator's admin API. Used by the code-server runner (runIntegration.mjs), by
// `npm run test:electron` (desktop VS Code), and by F5 "Extension Tests" in .vscode/launch.json:
//   node test/host/integrationSetup.mjs --serve     sets up out/integration-desktop with the simulator on
//                                                   127.0.0.1:8797 and keeps it running until stopped
// Needs the built simulator (`node esbuild.mjs --tests`), not the harness.
import { join } from 'node:path';
import { createState, removeState } from './codeServer.mjs';
import { ROOT } from './paths.mjs';
import { adminUrl, startSimulator } from './simulator.mjs';

/** Sail's windows run 100× faster than real time in the simulator: standard ≈ 3 s. */
export const SIM_TIME_SCALE = 100;
/** Two accounts: tests switch keys, and each account sees only its own responses. */
export const SIM_KEYS = ['sk_sim_test', 'sk_sim_second_account'];
/** Where F5 "Extension Tests" finds its folder and simulator (fixed: launch.json names them). */
export const DESKTOP_STATE_DIR = join(ROOT, 'out', 'integration-desktop');
export const DESKTOP_SIM_PORT = 8797;

/**
 * @param {{ port?: number, stateDir?: string }} [options] the simulator's port (default: a free one);
 *   the state folder (default: a new temporary one)
 */
export async function setUpIntegration(options = {}) {
  const sim = await startSimulator({ timeScale: SIM_TIME_SCALE, apiKeys: SIM_KEYS, port: options.port ?? 0 });
  const state = createState({ settings: { 'sail.baseUrl': sim.baseUrl, 'sail.usageBaseUrl': sim.baseUrl, 'sail.askForWindow': false }, dir: options.stateDir });
  /** The extension host's extra environment: read by test/integration/support.ts. */
  const extensionEnvironment = {
    SAIL_SIM_URL: sim.baseUrl,
    SAIL_SIM_ADMIN: adminUrl(sim),
    SAIL_SIM_KEY: SIM_KEYS[0],
    SAIL_SIM_OTHER_KEY: SIM_KEYS[1],
    // A job counts as gone once Sail has answered 404 for this long (10 minutes in real use).
    SAIL_TEST_GONE_AFTER_MS: '1500',
  };
  return {
    sim,
    state,
    extensionEnvironment,
    async close() {
      await sim.close();
      removeState(state);
    },
  };
}

if (process.argv[1] && import.meta.filename === process.argv[1] && process.argv[2] === '--serve') {
  console.log('integration: setting up');
  const setup = await setUpIntegration({ port: DESKTOP_SIM_PORT, stateDir: DESKTOP_STATE_DIR });
  // launch.json passes these to the extension host; the lines say what to set when running it otherwise.
  for (const [name, value] of Object.entries(setup.extensionEnvironment)) {
    console.log(`  ${name}=${value}`);
  }
  console.log(`integration: ready (folder ${setup.state.workspace}, user data ${setup.state.userDataDir}); Ctrl-C stops the simulator`);
  await new Promise((resolve) => {
    for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
      process.once(signal, resolve);
    }
  });
  await setup.close();
}
