// @ts-check
// `npm test`: every layer, in order, each ending with a closing line "<layer>: N passed, N failed".
// Fails on any failure and on a layer that ran no test.
//   node test/run.mjs [typecheck] [lint] [unit] [hostnet] [integration] [ui]     (default: all)
// typecheck, lint and unit run on any Node >= 20 on any OS, with no harness; only hostnet, integration
// and ui install it (apt, Node 24, code-server, playwright-core: see test/host/install.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NODE24, ROOT } from './host/paths.mjs';

const LAYERS = ['typecheck', 'lint', 'unit', 'hostnet', 'integration', 'ui'];
const requested = process.argv.slice(2);
for (const name of requested) {
  if (!LAYERS.includes(name)) {
    console.error(`Unknown layer "${name}". Layers: ${LAYERS.join(', ')}`);
    process.exit(2);
  }
}
const layers = requested.length ? requested : LAYERS;

/** @param {string} cmd @param {string[]} args */
function step(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  return result.status === 0;
}

/**
 * Runs a test layer, echoing its output, and reads its closing line.
 * @param {string} layer @param {string} cmd @param {string[]} args
 * @returns {Promise<{ layer: string, passed: number, failed: number, ok: boolean }>}
 */
function testLayer(layer, cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SAIL_LAYER: layer } });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.on('close', (code) => {
      const match = [...output.matchAll(new RegExp(`^${layer}: (\\d+) passed, (\\d+) failed`, 'gm'))].pop();
      const passed = match ? Number(match[1]) : 0;
      const failed = match ? Number(match[2]) : 1;
      if (passed === 0) {
        console.error(`${layer}: ran no test`);
      }
      resolve({ layer, passed, failed, ok: code === 0 && failed === 0 && passed > 0 });
    });
  });
}

/**
 * The test files under a folder (node --test takes no globs before Node 21).
 * @param {string} dir relative to the root @param {string} suffix
 */
function testFiles(dir, suffix) {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .map((name) => relative(ROOT, join(ROOT, dir, name)))
    .sort();
}

const nodeTest = (/** @type {string[]} */ files) => [
  '--enable-source-maps',
  '--test',
  '--test-concurrency=1',
  // A test that hangs fails instead of holding the run until CI's limit.
  '--test-timeout=120000',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=./test/host/countReporter.mjs',
  '--test-reporter-destination=stdout',
  ...files,
];

// The unit tests run on the harness's Node 24 when it is installed (the Node of today's VS Code
// hosts, as in CI), and otherwise on the Node running this script.
const unitNode = existsSync(NODE24) ? NODE24 : process.execPath;

if (layers.some((layer) => layer === 'hostnet' || layer === 'integration' || layer === 'ui') && !step(process.execPath, ['test/host/install.mjs'])) {
  process.exit(1);
}
if (!step(process.execPath, ['esbuild.mjs']) || !step(process.execPath, ['esbuild.mjs', '--tests'])) {
  process.exit(1);
}

const results = [];
let ok = true;
for (const layer of layers) {
  console.log(`\n=== ${layer} ===`);
  switch (layer) {
    case 'typecheck': {
      const passedCheck =
        step(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.', '--noEmit']) &&
        step(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'src/webview', '--noEmit']);
      console.log(`typecheck: ${passedCheck ? 'ok' : 'FAILED'}`);
      ok &&= passedCheck;
      break;
    }
    case 'lint': {
      const passedLint =
        step(process.execPath, ['node_modules/eslint/bin/eslint.js', '--max-warnings', '0', '.']) &&
        step(process.execPath, ['node_modules/prettier/bin/prettier.cjs', '--check', '--log-level', 'warn', '.']);
      console.log(`lint: ${passedLint ? 'ok' : 'FAILED'}`);
      ok &&= passedLint;
      break;
    }
    case 'unit':
      console.log(`unit: on Node ${spawnSync(unitNode, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
      results.push(await testLayer('unit', unitNode, nodeTest(testFiles('out/test/unit', '.test.js'))));
      break;
    case 'hostnet':
      // The client through VS Code's own networking (@vscode/proxy-agent from the harness's code-server),
      // on the harness's Node 24, against real proxies on loopback: no workbench needed.
      results.push(await testLayer('hostnet', NODE24, nodeTest(testFiles('out/test/hostnet', '.test.js'))));
      break;
    case 'integration':
      results.push(await testLayer('integration', process.execPath, ['test/host/runIntegration.mjs']));
      break;
    case 'ui': {
      if (!step('npm', ['run', '--silent', 'package'])) {
        results.push({ layer: 'ui', passed: 0, failed: 1, ok: false });
        break;
      }
      results.push(await testLayer('ui', NODE24, nodeTest(testFiles('test/ui', '.test.mjs'))));
      break;
    }
  }
}

console.log('\n=== summary ===');
for (const r of results) {
  console.log(`${r.layer}: ${r.passed} passed, ${r.failed} failed${r.ok ? '' : '  <- FAILED'}`);
  ok &&= r.ok;
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
