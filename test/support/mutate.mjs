// @ts-check
// `npm run mutate [-- <stryker options>]`: StrykerJS over the pure core (see stryker.config.json), run
// on the harness's Node 24 (Stryker 10 needs Node >= 22). Node 24 also goes first on PATH, because the
// tap runner starts every test file with the `node` it finds there. Then prints the score per folder
// and the surviving mutants, read from the JSON report.
//   npm run mutate                                   everything in stryker.config.json (incremental)
//   npm run mutate -- --mutate 'src/jobs/**/*.ts'    one folder
//   npm run mutate -- --force                        ignore the incremental file, test every mutant
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NODE24, ROOT } from '../host/paths.mjs';

if (!existsSync(NODE24)) {
  console.error(`Node 24 is not installed at ${NODE24}: run \`npm run harness\` first.`);
  process.exit(1);
}
const stryker = join(ROOT, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const env = { ...process.env, PATH: `${dirname(NODE24)}:${process.env.PATH ?? ''}` };
const run = spawnSync(NODE24, [stryker, 'run', ...process.argv.slice(2)], { cwd: ROOT, env, stdio: 'inherit' });
if (run.status !== 0) {
  process.exit(run.status ?? 1);
}

/** @typedef {{ id: string, mutatorName: string, replacement?: string, status: string, location: { start: { line: number, column: number } } }} Mutant */
/** @type {{ files: Record<string, { mutants: Mutant[] }> }} */
const report = JSON.parse(readFileSync(join(ROOT, 'reports', 'mutation', 'mutation.json'), 'utf8'));
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
/** @type {Map<string, { detected: number, undetected: number }>} */
const folders = new Map();
/** @type {string[]} */
const survivors = [];
for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  // src/config.ts is a folder of its own.
  const folder = file.split('/').length > 2 ? dirname(file) : file;
  const score = folders.get(folder) ?? { detected: 0, undetected: 0 };
  for (const m of mutants) {
    if (DETECTED.has(m.status)) {
      score.detected += 1;
    } else if (UNDETECTED.has(m.status)) {
      score.undetected += 1;
      const replacement = (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100);
      survivors.push(`${file}:${m.location.start.line}:${m.location.start.column}  ${m.status}  ${m.mutatorName}  → ${replacement}`);
    }
  }
  folders.set(folder, score);
}
console.log('\nMutation score per folder (killed + timed out, of the mutants that ran):');
for (const [folder, { detected, undetected }] of folders) {
  const total = detected + undetected;
  console.log(`  ${folder.padEnd(20)} ${total ? ((100 * detected) / total).toFixed(1).padStart(5) : '  -  '} %  (${detected}/${total})`);
}
console.log(`\nSurviving mutants (${survivors.length}):`);
for (const line of survivors) {
  console.log(`  ${line}`);
}
