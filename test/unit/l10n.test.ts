// Every string the pure modules show goes through @vscode/l10n, so a translation bundle from VS Code
// (passed in by activate()) reaches the result view, errors and settings messages too.
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as l10n from '@vscode/l10n';
import { readConfig } from '../../src/config';
import type { JobRecord } from '../../src/jobs/job';
import { jobView } from '../../src/render/jobView';
import { errorFromHttp } from '../../src/sail/errors';

const job: JobRecord = {
  id: 'job-1',
  idempotencyKey: 'key-1',
  state: 'expired',
  title: 'Explain',
  instruction: 'Explain',
  model: 'moonshotai/Kimi-K2.5',
  window: 'flex',
  background: true,
  createdAt: 1_000,
  finishedAt: 2_000,
  seen: false,
  sendAttempts: 0,
  attempt: 1,
  updatedAt: 0,
};

describe('translations', () => {
  after(() => l10n.config({ contents: {} }));

  it('reach the result view, Sail errors and settings problems', () => {
    l10n.config({
      contents: {
        Expired: 'Expiré',
        'flex (hours)': 'flex (des heures)',
        'Send Again': 'Renvoyer',
        'elapsed {0}': 'écoulé {0}',
        'Sail had a server error (HTTP {0}). Try again in a minute; if it keeps failing, check https://status.sailresearch.com.':
          'Erreur du serveur Sail (HTTP {0}).',
        'sail.{0} = {1} is invalid: {2}. Using the default instead.': 'sail.{0} = {1} est invalide : {2}.',
      },
    });
    const view = jobView({ job });
    assert.equal(view.stateLabel, 'Expiré');
    assert.ok(view.facts.some((f) => f.value === 'flex (des heures)'));
    assert.equal(view.labels.sendAgain, 'Renvoyer');
    assert.equal(view.labels.elapsed, 'écoulé {0}', 'the webview fills the placeholder');
    const error = errorFromHttp({ method: 'GET', path: '/responses/r', status: 503, bodyText: '' });
    assert.equal(error.userMessage, 'Erreur du serveur Sail (HTTP 503).');
    const { problems } = readConfig({ get: <T>(key: string) => (key === 'topP' ? 7 : undefined) as T | undefined, inspect: () => undefined });
    assert.match(problems[0]?.message ?? '', /^sail\.topP = 7 est invalide/);
  });
});
