// Sail's requests through VS Code's network stack, in plain Node. VS Code's extension host replaces
// the global fetch with @vscode/proxy-agent's createFetchPatch (src/vs/workbench/api/node/
// proxyResolver.ts, `patchGlobalFetch`); ClientProvider hands that fetch to SailClient. Here the
// same module — the copy inside the code-server the harness installs — is wired the way
// proxyResolver.ts wires it, with VS Code's settings as test values, the OS's proxy answer (system
// or PAC) and the OS certificate store as test values too, against real proxies on 127.0.0.1.
import * as assert from 'node:assert/strict';
import dns from 'node:dns';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SailClient, type SailClientOptions } from '../../src/sail/client';
import { SailError } from '../../src/sail/errors';
import type { FetchLike } from '../../src/sail/transport';
import { startSimulator, type Simulator } from '../sim/index';
import {
  makeTestPki,
  SAIL_HOST,
  startConnectProxy,
  startInspectingProxy,
  startSailFront,
  startSocks5Proxy,
  type SailFront,
  type Socks5Proxy,
  type TestPki,
  type TestProxy,
} from '../proxies/index';

/** The parts of @vscode/proxy-agent's API used here (it ships its own types, but only inside code-server). */
interface VsCodeProxyAgent {
  createProxyResolver(params: object): { resolveProxyURL(url: string): Promise<string | undefined> };
  createFetchPatch(params: object, originalFetch: typeof fetch, resolveProxyURL: (url: string) => Promise<string | undefined>): FetchLike;
  createProxyAuthorizationLookup(params: object): unknown;
}

const PROXY_AGENT = join(__dirname, '../../../test/host/code-server/node_modules/code-server/lib/vscode/node_modules/@vscode/proxy-agent');
const CREDENTIALS = { username: 'proxy-user', password: 'proxy-secret-pw' };
const MODEL = 'moonshotai/Kimi-K2.6';

/** Fails in seconds if the client lets a request hang, instead of waiting for the test runner's limit. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function failure(promise: Promise<unknown>): Promise<SailError> {
  return within(
    15_000,
    promise.then(
      () => assert.fail('expected a SailError'),
      (e: unknown) => {
        assert.ok(e instanceof SailError, String(e));
        return e;
      },
    ),
  );
}

describe("SailClient through VS Code's patched fetch (@vscode/proxy-agent)", () => {
  let sim: Simulator;
  let pki: TestPki;
  let front: SailFront;
  let proxy: TestProxy;
  let inspecting: TestProxy;
  let socks: Socks5Proxy;
  let vscodeFetch: FetchLike;
  const originalLookup = dns.lookup;
  const clients: SailClient[] = [];
  let slept: number[] = [];
  /** VS Code's settings as the extension host reads them. */
  const settings = { proxy: '', noProxy: [] as string[], proxySupport: 'override', systemCertificates: true, fetchAdditionalSupport: true };
  /** What VS Code asks the user for when a proxy answers 407 (a login dialog in desktop VS Code). */
  let prompted: typeof CREDENTIALS | undefined;
  let fetchCalls = 0;

  function client(baseUrl: string, overrides: Partial<SailClientOptions> = {}): SailClient {
    const c = new SailClient({
      baseUrl,
      getApiKey: async () => sim.apiKey,
      fetch: (input, init) => {
        fetchCalls++;
        return vscodeFetch(input, init);
      },
      // Would apply only to the client's own transport; here they must change nothing.
      proxy: { url: proxy.url },
      env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url },
      random: () => 0.5,
      sleep: async (ms) => void slept.push(ms),
      ...overrides,
    });
    clients.push(c);
    return c;
  }

  before(async () => {
    pki = makeTestPki();
    sim = await startSimulator({ timeScale: 10_000_000, retentionMs: Number.MAX_SAFE_INTEGER });
    front = await startSailFront(sim.baseUrl, pki.sail);
    proxy = await startConnectProxy();
    inspecting = await startInspectingProxy(sim.baseUrl, pki.sailInspected);
    socks = await startSocks5Proxy();
    // This process's hosts file: `sail.test` is this machine (for the cases that connect directly).
    const mapped = ((hostname: string, options: unknown, callback: unknown) => {
      const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      if (hostname !== SAIL_HOST) {
        return (originalLookup as (...args: unknown[]) => void)(hostname, options, callback);
      }
      return all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
    }) as typeof dns.lookup;
    dns.lookup = mapped;

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const agent = require(PROXY_AGENT) as VsCodeProxyAgent;
    const log = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const params = {
      // The main process's answer for the URL: Electron's session.resolveProxy (system settings or a PAC file).
      // This machine's "corporate PAC file" sends everything through the TLS-inspecting proxy.
      resolveProxy: async () => `PROXY ${new URL(inspecting.url).host}`,
      getProxyURL: () => settings.proxy || undefined,
      getProxySupport: () => settings.proxySupport,
      getNoProxyConfig: () => settings.noProxy,
      isAdditionalFetchSupportEnabled: () => settings.fetchAdditionalSupport,
      isWebSocketPatchEnabled: () => false,
      addCertificatesV1: () => settings.systemCertificates,
      addCertificatesV2: () => false,
      loadSystemCertificatesFromNode: () => false,
      // The OS certificate store: a public root, and the corporate CA the IT department installed.
      loadAdditionalCertificates: async () => [pki.publicCa, pki.corporateCa],
      lookupProxyAuthorization: agent.createProxyAuthorizationLookup({ log, lookupAuthorization: async () => prompted }),
      log,
      getLogLevel: () => 6,
      proxyResolveTelemetry: () => {},
      isUseHostProxyEnabled: () => true,
      env: {},
    };
    const { resolveProxyURL } = agent.createProxyResolver(params);
    vscodeFetch = agent.createFetchPatch(params, globalThis.fetch, resolveProxyURL);
  });

  after(async () => {
    dns.lookup = originalLookup;
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([front?.close(), proxy?.close(), inspecting?.close(), socks?.close()]);
    await sim?.close();
  });

  beforeEach(() => {
    Object.assign(settings, { proxy: '', noProxy: [], proxySupport: 'override', systemCertificates: true, fetchAdditionalSupport: true });
    sim.reset();
    proxy.reset();
    inspecting.reset();
    socks.connects.length = 0;
    front.seen.length = 0;
    prompted = undefined;
    fetchCalls = 0;
    slept = [];
  });

  it('follows the system/PAC proxy — a TLS-inspecting one — trusting the OS certificate store, with certificate checks on', async () => {
    const c = client(front.baseUrl);
    assert.ok((await c.listModels()).length > 0);
    const { httpStatus } = await c.createResponse({ model: MODEL, input: 'through the corporate proxy' });
    assert.equal(httpStatus, 200);
    assert.ok(inspecting.log.connects.length > 0);
    assert.ok(inspecting.log.connects.every((target) => target === `${SAIL_HOST}:${front.port}`));
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1);
    assert.deepEqual(proxy.log.connects, [], "the client's own proxy settings are not used");
  });

  it('without the OS store (http.systemCertificates off) the inspecting proxy is refused, clearly and without retrying', async () => {
    settings.systemCertificates = false;
    const error = await failure(client(front.baseUrl).listModels());
    assert.equal(error.kind, 'network');
    assert.equal(error.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.match(error.userMessage, /certificate store/);
    assert.deepEqual(slept, []);
    assert.equal(sim.counters.requests('GET', 'listModels'), 0);
  });

  it('http.proxy wins over the system proxy', async () => {
    settings.proxy = proxy.url;
    assert.ok((await client(front.baseUrl).listModels()).length > 0);
    assert.ok(proxy.log.connects.every((target) => target === `${SAIL_HOST}:${front.port}`));
    assert.ok(proxy.log.connects.length > 0);
    assert.deepEqual(inspecting.log.connects, []);
  });

  it('a proxy answering 407 gets the credentials VS Code asks for; without any, the refusal says what to set', async () => {
    settings.proxy = proxy.url;
    proxy.credentials = { user: CREDENTIALS.username, password: CREDENTIALS.password };
    const refused = await failure(client(front.baseUrl).listModels());
    assert.deepEqual([refused.kind, refused.code, refused.status], ['network', 'proxy_refused', 407]);
    assert.match(refused.userMessage, /http\.proxy/);
    assert.deepEqual(slept, [], 'a refusal is not retried');

    prompted = CREDENTIALS;
    assert.ok((await client(front.baseUrl).listModels()).length > 0);
    assert.ok(proxy.log.proxyAuthorizations.length > 0);
    assert.equal(sim.counters.requests('GET', 'listModels'), 1);
  });

  it('http.proxySupport off: no proxy at all; on and fallback: the proxy, as override', async () => {
    settings.proxy = proxy.url;
    settings.proxySupport = 'off';
    assert.ok((await client(front.baseUrl).listModels()).length > 0);
    assert.deepEqual([proxy.log.connects, inspecting.log.connects], [[], []]);
    assert.equal(front.seen.length, 1, 'Sail was reached directly');

    for (const support of ['on', 'fallback']) {
      settings.proxySupport = support;
      proxy.reset();
      await client(front.baseUrl).listModels();
      assert.ok(proxy.log.connects.length > 0, support);
    }
  });

  it('http.noProxy sends a listed host directly', async () => {
    settings.proxy = proxy.url;
    settings.noProxy = [SAIL_HOST];
    await client(front.baseUrl).listModels();
    assert.deepEqual([proxy.log.connects, inspecting.log.connects], [[], []]);
    assert.equal(front.seen.length, 1);
  });

  it('a loopback base URL never reaches the host fetch: no proxy sees a request or the key', async () => {
    settings.proxy = proxy.url;
    const c = client(sim.baseUrl);
    await c.listModels();
    await c.createResponse({ model: MODEL, input: 'stays here' });
    assert.equal(fetchCalls, 0);
    assert.deepEqual(proxy.log, { connects: [], requests: [], authorizations: [], proxyAuthorizations: [] });
    assert.deepEqual(inspecting.log.connects, []);
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1);
  });

  it('keeps the headers timeout: retried, then given up', async () => {
    // Headers come after 5 s: well past the 1 s timeout, soon enough to fail fast if it is not kept.
    sim.faults.inject({ route: 'listModels', fault: 'slow_headers', delayMs: 5_000, times: 3 });
    const error = await failure(client(front.baseUrl, { timeouts: { headersMs: 1_000 } }).listModels());
    assert.deepEqual([error.kind, error.code, error.attempts], ['timeout', 'UND_ERR_HEADERS_TIMEOUT', 3]);
    assert.deepEqual(slept, [250, 500]);
  });

  it('a timed-out or dropped POST is retried with the same idempotency key and runs once', async () => {
    const c = client(front.baseUrl, { timeouts: { headersMs: 1_000 } });
    sim.faults.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 5_000 });
    const first = await within(15_000, c.createResponse({ model: MODEL, input: 'x', background: true }));
    assert.equal(first.httpStatus, 202);
    assert.equal(sim.counters.inferences(first.idempotencyKey), 1);
    sim.faults.inject({ route: 'createResponse', fault: 'reset_after_record' });
    const second = await within(15_000, c.createResponse({ model: MODEL, input: 'y', background: true }));
    assert.equal(sim.counters.inferences(second.idempotencyKey), 1);
    assert.equal(slept.length, 2, 'each POST was retried once');
  });

  it('keeps the body timeout', async () => {
    sim.faults.inject({ route: 'listModels', fault: 'stalled_body' });
    const error = await failure(client(front.baseUrl, { timeouts: { bodyMs: 200 }, retry: { maxAttemptsGet: 1 } }).listModels());
    assert.deepEqual([error.kind, error.code], ['timeout', 'UND_ERR_BODY_TIMEOUT']);
  });

  it("the caller's signal cancels a request in flight", async () => {
    sim.faults.inject({ route: 'getResponse', fault: 'slow_headers', delayMs: 60_000 });
    const controller = new AbortController();
    const pending = client(front.baseUrl).getResponse('resp_1', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await failure(pending);
    assert.equal(error.kind, 'aborted');
    assert.deepEqual(slept, []);
  });
});
