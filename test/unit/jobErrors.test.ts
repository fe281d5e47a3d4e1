// A job's error is stored as a code plus the server's own text; its words are made when shown, in
// the current language, and the server's text never turns into a link, an icon or a second line.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as l10n from '@vscode/l10n';
import { JobErrorKindSchema, jobErrorOf, JobRecordSchema, type JobError, type JobRecord } from '../../src/jobs/job';
import { HISTORY_FILE } from '../../src/jobs/history';
import { FileBlobStore, JOB_INDEX_KEY, JobStore } from '../../src/jobs/jobStore';
import { jobErrorText } from '../../src/render/jobErrors';
import { jobView } from '../../src/render/jobView';
import { errorFromException, errorFromHttp, type SailError } from '../../src/sail/errors';
import { MemoryState } from '../support/memoryState';

const BASE_URL = 'https://api.sail.test/v1';
const HOST = 'api.sail.test';

const base: JobRecord = {
  id: 'job-1',
  idempotencyKey: 'key-1',
  state: 'failed',
  title: 'Explain',
  instruction: 'Explain',
  model: 'moonshotai/Kimi-K2.5',
  window: 'standard',
  background: true,
  createdAt: 1_000,
  finishedAt: 2_000,
  baseUrl: BASE_URL,
  seen: false,
  sendAttempts: 0,
  attempt: 1,
  updatedAt: 0,
};

/** Every translatable string comes back marked, so words that skipped l10n (a raw code) stand out. */
const MARKED = new Proxy({} as Record<string, string>, {
  get: (_target, key) => (typeof key === 'string' ? `«${key}»` : undefined),
});

const HOSTILE = 'Denied [open settings](command:workbench.action.openSettings?%5B%22x%22%5D) $(zap) \u202eevil\u202c\nsecond line';

function http(status: number, body: unknown, method = 'POST'): SailError {
  return errorFromHttp({ method, path: '/responses', status, bodyText: JSON.stringify(body) });
}

function thrown(message: string, code?: string): SailError {
  const cause = Object.assign(new Error(message), code === undefined ? {} : { code });
  return errorFromException(new TypeError('fetch failed', { cause }), { method: 'POST', path: '/responses', host: HOST, aborted: false });
}

function assertNeutral(words: string): void {
  assert.doesNotMatch(words, /\]\(/, `no link seam in ${words}`);
  assert.doesNotMatch(words, /\$\(/, `no icon in ${words}`);
  assert.doesNotMatch(words, /[\n\r\u202a-\u202e\u2066-\u2069]/, `one plain line: ${JSON.stringify(words)}`);
}

describe('job errors in words', () => {
  afterEach(() => l10n.config({ contents: {} }));

  // Both are written by failureText; this guards what a stored record keeps (kind, status, code,
  // detail), the host named from the job's base URL, and which 404 a stored not_found is.
  it('say what Sail and the connection said, in the same sentences as the errors themselves', () => {
    const errors: SailError[] = [
      http(401, { error: { message: 'Invalid API key', type: 'authentication_error' } }),
      http(403, { error: { message: 'Access denied by WAF' } }),
      http(403, ''),
      http(400, { error: { message: 'max_output_tokens must be >= 1', type: 'invalid_request_error' } }),
      http(400, { error: { message: 'different body', type: 'idempotency_error', code: null } }),
      http(400, { error: { message: 'asap cannot be background', code: 'unsupported_asap_request' } }),
      http(400, ''),
      http(404, { error: { message: 'Not Found' } }),
      http(429, { error: { message: 'slow down' } }),
      http(408, { error: { message: 'Timed out waiting for completion', type: 'timeout' } }),
      http(503, ''),
      http(500, { error: { message: 'boom' } }),
      http(302, ''),
      thrown('connect timeout', 'UND_ERR_CONNECT_TIMEOUT'),
      thrown('headers timeout', 'UND_ERR_HEADERS_TIMEOUT'),
      thrown('body timeout', 'UND_ERR_BODY_TIMEOUT'),
      thrown('connect ETIMEDOUT 10.0.0.1:443', 'ETIMEDOUT'),
      thrown('Proxy response (407) !== 200 when HTTP Tunneling'),
      thrown('Proxy response (502) !== 200 when HTTP Tunneling'),
      thrown('socks auth failed', 'UND_ERR_SOCKS5_AUTH_REJECTED'),
      thrown('certificate has expired', 'CERT_HAS_EXPIRED'),
      thrown('proxy certificate rejected', 'UND_ERR_PRX_TLS'),
      thrown('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'),
    ];
    for (const error of errors) {
      const stored = JobRecordSchema.parse({ ...base, error: jobErrorOf(error) }).error;
      assert.equal(jobErrorText(stored, BASE_URL), error.userMessage, `${error.kind} ${error.status ?? error.code ?? ''}`);
    }
    // A poll's 404 ends the job as gone (the poller stores 'gone'); the POST's means a wrong address.
    assert.equal(jobErrorText({ kind: 'gone' }), http(404, { error: { message: 'Response not found' } }, 'GET').userMessage);
  });

  it("Sail's Retry-After is not stored: a rate-limited job still says why", () => {
    const limited = errorFromHttp({ method: 'POST', path: '/responses', status: 429, bodyText: '', retryAfterMs: 120_000 });
    assert.match(jobErrorText(jobErrorOf(limited), BASE_URL), /limiting the request rate/);
    // Records from before statuses were stored read as Sail's 429 without Retry-After did.
    assert.equal(jobErrorText({ kind: 'rate_limited' }, BASE_URL), http(429, '').userMessage);
  });

  it('every kind has words of its own, translated, never the bare code', () => {
    l10n.config({ contents: MARKED });
    const variants = (kind: JobError['kind']): JobError[] => [
      { kind },
      { kind, status: 407, code: 'proxy_refused' },
      { kind, status: 408 },
      { kind, status: 502 },
      { kind, code: 'CERT_HAS_EXPIRED' },
      { kind, code: 'UND_ERR_CONNECT_TIMEOUT' },
      { kind, code: 'idempotency_error' },
      ...(kind === 'failed' ? [] : [{ kind, detail: 'what the server said' }]),
    ];
    for (const kind of JobErrorKindSchema.options) {
      for (const error of variants(kind)) {
        for (const baseUrl of [BASE_URL, undefined]) {
          const words = jobErrorText(error, baseUrl);
          assert.match(words, /^«.*»$/s, `${JSON.stringify(error)} is in words: ${words}`);
          assert.notEqual(words, `«${kind}»`);
        }
      }
    }
    assert.match(jobErrorText(undefined), /^«.*»$/, 'a failure Sail gave no reason for');
  });

  it('a failed job shows what Sail said, neutralized', () => {
    const words = jobErrorText({ kind: 'failed', code: 'server_error', detail: HOSTILE });
    assertNeutral(words);
    assert.match(words, /Denied \[open settings\] \(command:/, 'still readable');
    assert.match(words, /\$ \(zap\)/);
    assertNeutral(jobView({ job: { ...base, error: { kind: 'failed', detail: HOSTILE } } }).notice ?? '');
  });

  it("a refusal's server message is quoted neutralized, from the error to the words", () => {
    for (const status of [403, 400]) {
      const error = http(status, { error: { message: HOSTILE } });
      assert.ok(jobErrorOf(error).detail, 'the server message is kept as detail');
      const words = jobErrorText(JobRecordSchema.parse({ ...base, error: jobErrorOf(error) }).error, BASE_URL);
      assertNeutral(words);
      assert.match(words, /Denied \[open settings\]/);
    }
    const submitting = jobView({ job: { ...base, state: 'submitting', sendAttempts: 1, error: { kind: 'forbidden', detail: HOSTILE } } });
    assert.match(submitting.notice ?? '', /^The last attempt failed: The request was refused \(HTTP 403\): Denied/);
    assertNeutral(submitting.notice ?? '');
  });

  it('a detail only ever comes from the server: our own failures store none', () => {
    assert.deepEqual(jobErrorOf(undefined), { kind: 'error' });
    assert.deepEqual(jobErrorOf(thrown('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')), { kind: 'network', code: 'ECONNREFUSED' });
  });
});

describe('job errors stored before kinds were typed', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-errors-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    l10n.config({ contents: {} });
  });

  async function load(...jobs: unknown[]): Promise<JobStore> {
    const state = new MemoryState();
    await state.update(JOB_INDEX_KEY, { version: 1, jobs, removed: [] });
    const store = new JobStore(state, new FileBlobStore(dir), { warn: () => undefined });
    await store.ready;
    return store;
  }

  it('come back with their words made again, in the language shown now', async () => {
    const english = {
      ...base,
      id: 'auth',
      error: { kind: 'auth', message: "Sail rejected the API key. Run 'Sail: Set API Key' to enter a valid key." },
    };
    const stale = {
      ...base,
      id: 'stale',
      error: {
        kind: 'stale',
        message: 'This request was never confirmed by Sail and is over a day old, so it was not sent again on its own. Use Send Again if you still need it.',
      },
    };
    const store = await load(english, stale);
    assert.deepEqual(store.get('auth')?.error, { kind: 'auth' }, 'our old sentence is dropped');
    assert.deepEqual(store.get('stale')?.error, { kind: 'stale' });

    l10n.config({
      contents: {
        'Sail rejected the API key. {0}': 'Sail a refusé la clé API. {0}',
        "Run 'Sail: Set API Key' to enter a valid key.": "Lancez 'Sail: Set API Key' pour saisir une clé valide.",
      },
    });
    const notice = jobView({ job: store.get('auth') as JobRecord }).notice ?? '';
    assert.equal(notice, "Sail a refusé la clé API. Lancez 'Sail: Set API Key' pour saisir une clé valide.");
    assert.match(jobView({ job: store.get('stale') as JobRecord }).notice ?? '', /over a day old/);
  });

  it("keep a failed job's message from Sail as its detail, and drop our own", async () => {
    const store = await load(
      { ...base, id: 'failed', responseId: 'resp_1', error: { kind: 'server_error', message: 'GPU on fire' } },
      { ...base, id: 'plain', responseId: 'resp_2', error: { kind: 'failed', message: 'model fell over' } },
      { ...base, id: 'expired', responseId: 'resp_3', state: 'expired', error: { kind: 'not_found', message: 'Sail no longer has this result.' } },
      { ...base, id: 'address', error: { kind: 'not_found', message: "Sail's API was not found at this address." } },
      { ...base, id: 'disk', state: 'submitting', error: { kind: 'error', message: "EACCES: permission denied, open '/home/me/secret'" } },
    );
    assert.deepEqual(store.get('failed')?.error, { kind: 'failed', code: 'server_error', detail: 'GPU on fire' });
    assert.equal(jobErrorText(store.get('failed')?.error), 'GPU on fire');
    assert.deepEqual(store.get('plain')?.error, { kind: 'failed', detail: 'model fell over' });
    assert.deepEqual(store.get('expired')?.error, { kind: 'gone' });
    assert.match(jobErrorText(store.get('expired')?.error), /48 hours/);
    assert.deepEqual(store.get('address')?.error, { kind: 'not_found' });
    assert.match(jobErrorText(store.get('address')?.error), /sail\.baseUrl/);
    assert.deepEqual(store.get('disk')?.error, { kind: 'error' });
    assert.doesNotMatch(jobView({ job: store.get('disk') as JobRecord }).notice ?? '', /EACCES|secret/);
  });

  it('in the history log load as codes too', async () => {
    const old = { ...base, id: 'seen', seen: true, error: { kind: 'lost', message: 'The stored request is missing, so it cannot be sent.' } };
    writeFileSync(join(dir, HISTORY_FILE), `${JSON.stringify({ v: 1, job: old })}\n`);
    const store = await load();
    const found = await store.find('seen');
    assert.deepEqual(found?.error, { kind: 'lost' });
    assert.match(jobView({ job: found as JobRecord }).notice ?? '', /stored request is missing/);
  });

  it('with a kind this version does not know still load, as a general error', async () => {
    const store = await load(
      { ...base, id: 'old', error: { kind: 'quota_exceeded', message: 'You are out of quota.' } },
      { ...base, id: 'newer', error: { kind: 'teleported', detail: 'Sail says hi', status: 499 } },
    );
    assert.deepEqual(store.get('old')?.error, { kind: 'error' });
    assert.deepEqual(store.get('newer')?.error, { kind: 'error', detail: 'Sail says hi', status: 499 });
    assert.equal(store.all().length, 2, 'neither is kept aside as unreadable');
    assert.match(jobView({ job: store.get('newer') as JobRecord }).notice ?? '', /Show Log/);
  });
});
