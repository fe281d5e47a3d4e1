// @ts-check
// Installs the test harness (idempotent): Debian chromium + libkrb5-dev, then Node 24, code-server and
// playwright-core from npm, each in its own folder with its own lockfile. A folder is reinstalled only
// when its lockfile changed since the last install.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, CODE_SERVER_ENTRY, HOST_DIR, NODE24, NODE24_DIR } from './paths.mjs';

const APT_PACKAGES = ['chromium', 'libkrb5-dev'];

/** @param {string} cmd @param {string[]} args @param {import('node:child_process').SpawnSyncOptions} [options] */
function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  }
}

function ensureAptPackages() {
  if (existsSync(CHROMIUM) && existsSync('/usr/include/gssapi/gssapi.h')) {
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`Install the Debian packages first: sudo apt-get install -y ${APT_PACKAGES.join(' ')}`);
  }
  console.log(`harness: apt-get install ${APT_PACKAGES.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...APT_PACKAGES], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** @param {string} folder */
function lockHash(folder) {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) {
    hash.update(readFileSync(join(folder, file)));
  }
  return hash.digest('hex');
}

/**
 * @param {string} name folder under test/host
 * @param {NodeJS.ProcessEnv} env
 */
function ensureNpmFolder(name, env) {
  const folder = join(HOST_DIR, name);
  const marker = join(folder, 'node_modules', '.sail-installed');
  const hash = lockHash(folder);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === hash) {
    return;
  }
  console.log(`harness: npm ci in test/host/${name}`);
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: folder, env });
  writeFileSync(marker, hash);
}

ensureAptPackages();
// Run the inner installs with a clean npm environment: under `npm run`, npm_config_* variables (such as
// the user agent naming the outer Node) would be read as config by the inner npm and its scripts.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

ensureNpmFolder('node24', cleanEnv);
ensureNpmFolder('playwright', cleanEnv);
// code-server's postinstall refuses any npm not running on Node 24, and builds native modules
// against Node 24's headers (the machine's npm config points nodedir at Node 20).
ensureNpmFolder('code-server', {
  ...cleanEnv,
  PATH: `${join(NODE24_DIR, 'bin')}:${process.env.PATH}`,
  npm_config_nodedir: NODE24_DIR,
});
if (!existsSync(CODE_SERVER_ENTRY)) {
  throw new Error(`code-server did not install: ${CODE_SERVER_ENTRY} is missing`);
}
run(NODE24, [CODE_SERVER_ENTRY, '--version'], { stdio: 'ignore' });
console.log('harness: ready');
