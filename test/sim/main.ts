// `npm run sim -- [--port 8787] [--time-scale 60] [--legacy-statuses] [--retention-ms N] [--api-key sk_... ...] [--balance-cents N]`
import { parseArgs } from 'node:util';
import { startSimulator } from './index';

const USAGE = `Usage: npm run sim -- [options]

A local stand-in for Sail's API on 127.0.0.1 (see README, "The Sail simulator").

Options:
  --port <n>            port to listen on (default 8787; 0 picks a free one)
  --time-scale <x>      jobs run x times faster than the clock (default 1; at 60 a standard job
                        takes about 5 s, at 1000 about 0.3 s)
  --legacy-statuses     answer with pending/running instead of queued/in_progress (and the usage
                        window mix with the old keys 15min, standard, 24hr)
  --retention-ms <n>    virtual ms after creation when a response is gone (default 48 h)
  --api-key <key>       an accepted key, each its own account; repeat for more (default sk_sim_test)
  --balance-cents <n>   the Usage API's balance before anything was spent, in cents (default 2500)
  --balance-unavailable the Usage API says it cannot tell the balance (balance_unavailable)
  -h, --help            print this help

Admin API (no key): POST/DELETE/GET /__sim/faults, GET /__sim/counters, POST /__sim/reset,
POST /__sim/expire, POST /__sim/account ({"balanceCents": n, "balanceUnavailable": bool}). Ctrl-C stops.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      'time-scale': { type: 'string', default: '1' },
      'legacy-statuses': { type: 'boolean', default: false },
      'retention-ms': { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      'balance-cents': { type: 'string' },
      'balance-unavailable': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const sim = await startSimulator({
    port: toNumber('--port', values.port),
    timeScale: toNumber('--time-scale', values['time-scale']),
    legacyStatuses: values['legacy-statuses'],
    retentionMs: values['retention-ms'] === undefined ? undefined : toNumber('--retention-ms', values['retention-ms']),
    apiKeys: values['api-key'],
    balanceCents: values['balance-cents'] === undefined ? undefined : toNumber('--balance-cents', values['balance-cents']),
    balanceUnavailable: values['balance-unavailable'],
  });
  console.log(`Sail simulator listening on ${sim.baseUrl}`);
  console.log(`API key: ${sim.apiKey}`);
  console.log(`Usage API (account figures): ${sim.baseUrl}/usage`);
  console.log(
    'Admin API: POST/DELETE /__sim/faults, GET /__sim/counters, GET /__sim/requests, POST /__sim/reset, POST /__sim/expire, POST /__sim/account. Ctrl-C stops.',
  );

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
  console.error('Run `npm run sim -- --help` for the options.');
  process.exit(1);
});
