// @ts-check
// The Sail simulator for the .mjs harness scripts: the TypeScript build (`node esbuild.mjs --tests`)
// puts it in out/test/sim.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

/** @type {typeof import('../sim/index.js')} */
const sim = createRequire(import.meta.url)(join(ROOT, 'out', 'test', 'sim', 'index.js'));

export const { startSimulator } = sim;

/** @param {{ baseUrl: string }} simulator */
export function adminUrl(simulator) {
  return simulator.baseUrl.replace(/\/v1$/, '/__sim');
}
