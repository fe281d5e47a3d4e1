// @ts-check
// `node test/support/mergeMutation.mjs <report.json>...`: merges Stryker JSON reports of runs scoped to
// single files or line ranges (see docs/mutation.md) into one score. Reports are read in the order
// given; a mutant is identified by its file, its exact source span, its mutator and its replacement,
// and a later report's result for it replaces an earlier one's. The source must not have changed
// between the runs (the spans would no longer match).
import { readFileSync } from 'node:fs';

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** @typedef {{ line: number, column: number }} Position */
/** @typedef {{ mutatorName: string, replacement?: string, status: string, location: { start: Position, end: Position } }} Mutant */

/** @type {Map<string, { file: string, mutant: Mutant }>} */
const latest = new Map();
for (const path of process.argv.slice(2)) {
  /** @type {{ files: Record<string, { mutants: Mutant[] }> }} */
  const report = JSON.parse(readFileSync(path, 'utf8'));
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const mutant of mutants) {
      const { start, end } = mutant.location;
      latest.set(`${file}:${start.line}:${start.column}-${end.line}:${end.column} ${mutant.mutatorName} ${mutant.replacement ?? ''}`, { file, mutant });
    }
  }
}

/** @type {Map<string, { killed: number, survived: number, noCoverage: number, other: number }>} */
const perFile = new Map();
/** @type {string[]} */
const undetected = [];
for (const { file, mutant } of [...latest.values()].sort(
  (a, b) => a.file.localeCompare(b.file) || a.mutant.location.start.line - b.mutant.location.start.line,
)) {
  const counts = perFile.get(file) ?? { killed: 0, survived: 0, noCoverage: 0, other: 0 };
  if (DETECTED.has(mutant.status)) {
    counts.killed += 1;
  } else if (UNDETECTED.has(mutant.status)) {
    counts[mutant.status === 'Survived' ? 'survived' : 'noCoverage'] += 1;
    const replacement = (mutant.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80);
    undetected.push(`${file}:${mutant.location.start.line}:${mutant.location.start.column}  ${mutant.status}  ${mutant.mutatorName}  → ${replacement}`);
  } else {
    counts.other += 1;
  }
  perFile.set(file, counts);
}

const score = (/** @type {{ killed: number, survived: number, noCoverage: number }} */ c) => {
  const total = c.killed + c.survived + c.noCoverage;
  return total ? `${((100 * c.killed) / total).toFixed(1)} %` : '-';
};
const all = { killed: 0, survived: 0, noCoverage: 0, other: 0 };
console.log('| File | Score | Killed | Survived | No coverage | Other |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [file, c] of perFile) {
  console.log(`| \`${file}\` | ${score(c)} | ${c.killed} | ${c.survived} | ${c.noCoverage} | ${c.other} |`);
  for (const key of /** @type {const} */ (['killed', 'survived', 'noCoverage', 'other'])) {
    all[key] += c[key];
  }
}
console.log(`| together | ${score(all)} | ${all.killed} | ${all.survived} | ${all.noCoverage} | ${all.other} |`);
console.log(`\nUndetected (${undetected.length}):`);
for (const line of undetected) {
  console.log(`  ${line}`);
}
