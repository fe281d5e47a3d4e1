// For contributors with internet access: runs the same suite in a downloaded desktop VS Code, set up
// as the code-server runner sets it up (test/host/integrationSetup.mjs: the simulator as the user's
// sail.baseUrl, fresh user settings, an empty folder, the SAIL_SIM_* variables). It cannot download
// VS Code on the offline CI machines, so it is not part of `npm test`.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runTests } from '@vscode/test-electron';

type IntegrationSetup = typeof import('../host/integrationSetup.mjs', { with: { 'resolution-mode': 'import' } });

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..', '..');
  // An ES module, loaded from the sources (this file runs as CommonJS from out/).
  const { setUpIntegration } = (await import(pathToFileURL(path.join(root, 'test', 'host', 'integrationSetup.mjs')).href)) as IntegrationSetup;
  const { state, extensionEnvironment, close } = await setUpIntegration();
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index.js'),
      extensionTestsEnv: extensionEnvironment,
      launchArgs: [state.workspace, `--user-data-dir=${state.userDataDir}`, `--extensions-dir=${state.extensionsDir}`, '--disable-extensions'],
    });
  } finally {
    await close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
