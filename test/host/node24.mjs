// @ts-check
// Runs a Node script on the harness's Node 24 (tools such as vsce need Node >= 22; the machine may have 20).
//   node test/host/node24.mjs <script> [args...]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { NODE24 } from './paths.mjs';

if (!existsSync(NODE24)) {
  console.error('Node 24 is not installed yet: run `npm run harness` first.');
  process.exit(1);
}
const result = spawnSync(NODE24, process.argv.slice(2), { stdio: 'inherit' });
process.exit(result.status ?? 1);
