// The Sail client's own transport through real proxies on 127.0.0.1 (test/proxies): an HTTP CONNECT
// proxy, the same demanding credentials, a TLS-inspecting proxy with a private CA, and SOCKS5.
// "Sail" is `https://sail.test:<port>/v1`, an https front for the simulator whose certificate
// comes from a test CA; the proxies map `sail.test` to 127.0.0.1 (the client never resolves a
// proxied name itself). `trustedCertificates` plays the OS certificate store: the test CA stands
// for a public root, and a test adds the corporate CA the way an IT department installs it.
import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SailClient, type SailClientOptions, type SailLogger } from '../../src/sail/client';
import { SailError } from '../../src/sail/errors';
import { startSimulator, type Simulator } from '../sim/index';
import {
  makeTestPki,
  PROXY_BASIC,
  PROXY_CREDENTIALS,
  sailFailure,
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

describe('SailClient through real proxies (its own transport)', () => {
  let sim: Simulator;
  let pki: TestPki;
  let front: SailFront;
  let proxy: TestProxy;
  let inspecting: TestProxy;
  let socks: Socks5Proxy;
  let deadProxyUrl: string;
  const clients: SailClient[] = [];
  let lines: string[] = [];
  let slept: number[] = [];

  function client(baseUrl: string, overrides: Partial<SailClientOptions> = {}): SailClient {
    const log = (message: string) => void lines.push(message);
    const logger: SailLogger = { trace: log, debug: log, info: log, warn: log, error: log };
    const c = new SailClient({
      baseUrl,
      getApiKey: async () => sim.apiKey,
      logger,
      env: {},
      trustedCertificates: [pki.publicCa],
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
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    deadProxyUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise((resolve) => dead.close(resolve));
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([front?.close(), proxy?.close(), inspecting?.close(), socks?.close()]);
    await sim?.close();
  });

  beforeEach(() => {
    sim.reset();
    proxy.reset();
    inspecting.reset();
    socks.connects.length = 0;
    socks.credentials = undefined;
    front.seen.length = 0;
    lines = [];
    slept = [];
  });

  it('tunnels https to Sail through an HTTP CONNECT proxy from the settings; the proxy sees no request', async () => {
    const c = client(front.baseUrl, { proxy: { url: proxy.url } });
    assert.ok((await c.listModels()).length > 0);
    const { httpStatus } = await c.createResponse({ model: 'moonshotai/Kimi-K2.6', input: 'via proxy' });
    assert.equal(httpStatus, 200);
    assert.ok(proxy.log.connects.length > 0);
    assert.ok(
      proxy.log.connects.every((target) => target === `${SAIL_HOST}:${front.port}`),
      'tunnels to the name, not an address',
    );
    assert.deepEqual([proxy.log.requests, proxy.log.authorizations], [[], []]);
    assert.deepEqual(
      front.seen.map((s) => s.authorization),
      [`Bearer ${sim.apiKey}`, `Bearer ${sim.apiKey}`],
    );
    assert.equal(c.stats.connectionsOpened, proxy.log.connects.length);
    assert.ok(
      lines.some((l) => l.includes(`through proxy ${proxy.url} (from settings)`)),
      lines.join('\n'),
    );
  });

  it('uses HTTPS_PROXY / https_proxy, else HTTP_PROXY, from the given environment', async () => {
    await client(front.baseUrl, { env: { HTTPS_PROXY: proxy.url } }).listModels();
    await client(front.baseUrl, { env: { https_proxy: proxy.url } }).listModels();
    await client(front.baseUrl, { env: { HTTP_PROXY: proxy.url } }).listModels();
    assert.equal(proxy.log.connects.length, 3);
    assert.equal(sim.counters.requests('GET', 'listModels'), 3);
  });

  it('reads process.env by default', async () => {
    const names = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
    const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    let c: SailClient;
    try {
      for (const name of names) {
        delete process.env[name];
      }
      process.env.HTTPS_PROXY = proxy.url;
      c = client(front.baseUrl, { env: undefined });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) {
          delete process.env[name];
        } else {
          process.env[name] = value;
        }
      }
    }
    await c.listModels();
    assert.equal(proxy.log.connects.length, 1);
  });

  it('never sends a loopback base URL through a proxy: the proxy sees no request and no Authorization header', async () => {
    const everywhere = { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, http_proxy: proxy.url };
    const c = client(sim.baseUrl, { proxy: { url: proxy.url }, env: everywhere });
    await c.listModels();
    await c.createResponse({ model: 'moonshotai/Kimi-K2.6', input: 'stays on this machine' });
    await client(sim.baseUrl.replace('127.0.0.1', 'localhost'), { env: everywhere }).listModels();
    assert.deepEqual(proxy.log, { connects: [], requests: [], authorizations: [], proxyAuthorizations: [] });
    assert.equal(sim.counters.requests('GET', 'listModels'), 2);
    assert.equal(sim.counters.requests('POST', 'createResponse'), 1);
    assert.ok(lines.some((l) => l.includes('direct (loopback: never through a proxy)')));
  });

  it('a proxy that demands credentials: 407 without them (not retried), works with http.proxyAuthorization or credentials in the URL', async () => {
    proxy.credentials = PROXY_CREDENTIALS;
    const refused = await sailFailure(client(front.baseUrl, { proxy: { url: proxy.url } }).listModels());
    assert.deepEqual([refused.kind, refused.code, refused.status], ['network', 'proxy_refused', 407]);
    assert.deepEqual(slept, [], 'a refusal is not retried');
    assert.match(refused.userMessage, /http\.proxyAuthorization/);
    assert.match(refused.userMessage, /http\.proxy\b/);

    assert.ok((await client(front.baseUrl, { proxy: { url: proxy.url, authorization: PROXY_BASIC } }).listModels()).length > 0);
    const withCredentials = `http://${PROXY_CREDENTIALS.user}:${PROXY_CREDENTIALS.password}@${new URL(proxy.url).host}`;
    assert.ok((await client(front.baseUrl, { proxy: { url: withCredentials } }).listModels()).length > 0);
    assert.equal(sim.counters.requests('GET', 'listModels'), 2);
    assert.deepEqual(proxy.log.proxyAuthorizations, [PROXY_BASIC, PROXY_BASIC]);
    assert.ok(!lines.some((l) => l.includes(PROXY_CREDENTIALS.password) || l.includes(PROXY_BASIC)), 'proxy credentials are never logged');
  });

  it('a TLS-inspecting proxy with a private CA works with certificate checks on once its CA is trusted, and is refused clearly until then', async () => {
    const untrusted = await sailFailure(client(front.baseUrl, { proxy: { url: inspecting.url } }).listModels());
    assert.equal(untrusted.kind, 'network');
    assert.equal(untrusted.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.match(untrusted.userMessage, /certificate store/);
    assert.deepEqual(slept, [], 'certificate errors are not retried');
    assert.equal(sim.counters.requests('GET', 'listModels'), 0, 'nothing reached Sail over the untrusted connection');

    const trusted = client(front.baseUrl, { proxy: { url: inspecting.url, strictSSL: true }, trustedCertificates: [pki.publicCa, pki.corporateCa] });
    assert.ok((await trusted.listModels()).length > 0);
    assert.ok(inspecting.log.connects.every((target) => target === `${SAIL_HOST}:${front.port}`));
    assert.equal(sim.counters.requests('GET', 'listModels'), 1);
  });

  it('the inspecting proxy demanding credentials works with http.proxyAuthorization', async () => {
    inspecting.credentials = PROXY_CREDENTIALS;
    const trustedCertificates = [pki.publicCa, pki.corporateCa];
    const refused = await sailFailure(client(front.baseUrl, { proxy: { url: inspecting.url }, trustedCertificates }).listModels());
    assert.equal(refused.status, 407);
    const c = client(front.baseUrl, { proxy: { url: inspecting.url, authorization: PROXY_BASIC }, trustedCertificates });
    assert.ok((await c.listModels()).length > 0);
  });

  it('strictSSL false turns off certificate checks (of Sail and of the inspecting proxy)', async () => {
    const lax = client(front.baseUrl, { proxy: { url: inspecting.url, strictSSL: false }, trustedCertificates: [] });
    assert.ok((await lax.listModels()).length > 0);
  });

  it('Sail itself must present a certificate from a trusted CA', async () => {
    const error = await sailFailure(client(front.baseUrl, { proxy: { url: proxy.url }, trustedCertificates: [] }).listModels());
    assert.equal(error.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('goes through a SOCKS5 proxy, which resolves the name itself, with or without credentials', async () => {
    assert.ok((await client(front.baseUrl, { proxy: { url: socks.url } }).listModels()).length > 0);
    assert.ok((await client(front.baseUrl, { proxy: { url: socks.url.replace('socks5:', 'socks:') } }).listModels()).length > 0);
    assert.deepEqual(socks.connects, [`${SAIL_HOST}:${front.port}`, `${SAIL_HOST}:${front.port}`]);

    socks.credentials = PROXY_CREDENTIALS;
    const wrong = `socks5://${PROXY_CREDENTIALS.user}:nope@${new URL(socks.url).host}`;
    const refused = await sailFailure(client(front.baseUrl, { proxy: { url: wrong } }).listModels());
    assert.deepEqual([refused.kind, refused.code], ['network', 'proxy_refused']);
    assert.match(refused.userMessage, /SOCKS5.*http\.proxy/);
    assert.deepEqual(slept, []);
    const right = `socks5://${PROXY_CREDENTIALS.user}:${PROXY_CREDENTIALS.password}@${new URL(socks.url).host}`;
    assert.ok((await client(front.baseUrl, { proxy: { url: right } }).listModels()).length > 0);
    assert.equal(sim.counters.requests('GET', 'listModels'), 3);
  });

  it('refuses a SOCKS4 proxy, or one that is no proxy URL, at construction with a message saying what to use', () => {
    for (const url of ['socks4://user:pw@proxy.example:1080', 'socks4a://proxy.example:1080']) {
      assert.throws(
        () => client(front.baseUrl, { proxy: { url } }),
        (e: SailError) => e.kind === 'network' && e.code === 'proxy_unsupported' && /SOCKS4.*SOCKS5/.test(e.userMessage) && !e.message.includes('pw@'),
      );
    }
    assert.throws(
      () => client(front.baseUrl, { proxy: { url: 'ftp://user:pw@proxy.example:21' } }),
      (e: SailError) => e.kind === 'network' && /http\.proxy/.test(e.userMessage) && !e.message.includes('pw@'),
    );
  });

  it('reports an unreachable proxy as a network error after retrying', async () => {
    const error = await sailFailure(client(front.baseUrl, { proxy: { url: deadProxyUrl } }).listModels());
    assert.deepEqual([error.kind, error.code, error.attempts], ['network', 'ECONNREFUSED', 3]);
    assert.deepEqual(slept, [250, 500]);
  });
});
