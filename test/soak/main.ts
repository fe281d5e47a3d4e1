// `npm run soak`: the long soak on its own (`-- --short` runs the one in `npm test`). Prints the
// table and exits 1 when anything was lost, duplicated, wrongly failed or stuck. `-- --seed N`
// repeats a run; `-- --jobs N` changes its size.
import { parseArgs } from 'node:util';
import { formatSoak, LONG_SOAK, runSoak, SHORT_SOAK, soakPassed } from './soak';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, jobs: { type: 'string' }, short: { type: 'boolean' } } });
  const preset = values.short ? SHORT_SOAK : LONG_SOAK;
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const jobs = values.jobs !== undefined ? Number(values.jobs) : preset.jobs;
  if (!Number.isInteger(seed) || !Number.isInteger(jobs) || jobs < 1) {
    throw new Error('--seed and --jobs take whole numbers');
  }
  const again = `npm run soak --${values.short ? ' --short' : ''} --seed ${seed}${values.jobs !== undefined ? ` --jobs ${jobs}` : ''}`;
  console.log(`Soak of the job core: ${jobs} jobs, seed ${seed} (repeat with: ${again})`);
  const result = await runSoak({ ...preset, jobs, seed, log: (line) => console.log(line) });
  console.log(formatSoak(result));
  if (!soakPassed(result)) {
    console.log(`\nSOAK FAILED (seed ${seed}; repeat with: ${again})`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
