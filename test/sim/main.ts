// `npm run sim -- [--port 8787] [--time-scale 60] [--legacy-statuses] [--retention-ms N] [--api-key sk_... ...]`
import { parseArgs } from 'node:util';
import { startSimulator } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      'time-scale': { type: 'string', default: '1' },
      'legacy-statuses': { type: 'boolean', default: false },
      'retention-ms': { type: 'string' },
      'api-key': { type: 'string', multiple: true },
    },
  });
  const sim = await startSimulator({
    port: toNumber('--port', values.port),
    timeScale: toNumber('--time-scale', values['time-scale']),
    legacyStatuses: values['legacy-statuses'],
    retentionMs: values['retention-ms'] === undefined ? undefined : toNumber('--retention-ms', values['retention-ms']),
    apiKeys: values['api-key'],
  });
  console.log(`Sail simulator listening on ${sim.baseUrl}`);
  console.log(`API key: ${sim.apiKey}`);
  console.log('Admin API: POST/DELETE /__sim/faults, GET /__sim/counters, GET /__sim/requests, POST /__sim/reset, POST /__sim/expire. Ctrl-C stops.');

  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function toNumber(flag: string, raw: string | undefined): number {
  const value = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(value)) {
    throw new Error(`${flag} needs a number (got ${JSON.stringify(raw)})`);
  }
  return value;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
