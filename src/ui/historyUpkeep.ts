import type * as vscode from 'vscode';
import type { SailConfig } from '../config';
import type { JobTracker, Retention } from '../jobs/jobTracker';
import type { ConfigWatcher } from './configWatcher';

const DAY_MS = 24 * 60 * 60_000;
/** After activation, so that reading the history never slows the window's start. */
const FIRST_RUN_MS = 30_000;

export function retentionOf(config: SailConfig): Retention {
  return { maxAgeMs: config.historyMaxAgeDays * DAY_MS, maxJobs: config.historyMaxJobs };
}

/**
 * Applies the history's retention (sail.historyMaxAgeDays, sail.historyMaxJobs) a little after the
 * window starts, once a day while it stays open, and when either setting changes.
 */
export function keepHistory(tracker: JobTracker, configs: ConfigWatcher, log: vscode.LogOutputChannel): vscode.Disposable {
  let applied = JSON.stringify(retentionOf(configs.config));
  const run = () => {
    tracker.prune(retentionOf(configs.config)).catch((error: unknown) => log.warn(`Could not apply the history's retention: ${String(error)}`));
  };
  const first = setTimeout(run, FIRST_RUN_MS);
  const daily = setInterval(run, DAY_MS);
  first.unref?.();
  daily.unref?.();
  const changes = configs.onDidChange((config) => {
    const retention = JSON.stringify(retentionOf(config));
    if (retention !== applied) {
      applied = retention;
      run();
    }
  });
  return {
    dispose: () => {
      clearTimeout(first);
      clearInterval(daily);
      changes.dispose();
    },
  };
}
