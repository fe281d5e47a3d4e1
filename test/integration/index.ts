// The entry the extension host loads (the same `run()` contract @vscode/test-electron uses).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // SAIL_TEST_GREP runs only the suites and tests whose names match (while working on one).
  const grep = process.env.SAIL_TEST_GREP;
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 30_000, reporter: 'spec', ...(grep && { grep }) });
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) {
      mocha.addFile(path.join(__dirname, file));
    }
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const stats = runner.stats ?? { passes: 0, failures };
      // Read by test/host/runIntegration.mjs to print the layer's closing line.
      console.log(`sail-test-result ${JSON.stringify({ passed: stats.passes, failed: stats.failures })}`);
      if (failures > 0) {
        reject(new Error(`${failures} integration test(s) failed`));
      } else {
        resolve();
      }
    });
  });
}
