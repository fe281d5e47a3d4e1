// The Sail client through a real HTTP proxy (the `proxy` package) on 127.0.0.1: explicit settings,
// HTTP_PROXY / NO_PROXY from the environment, proxy authentication, and an https target reached
// through a CONNECT tunnel with and without certificate checks.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ProxyServer } from 'proxy' with { 'resolution-mode': 'import' };
import { SailClient, type SailClientOptions, type SailLogger } from '../../src/sail/client';
import { SailError } from '../../src/sail/errors';
import { startSimulator, type Simulator } from '../sim/index';

// A self-signed certificate for IP 127.0.0.1, valid 2000–2100, used only by the https test server below.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg9IMrbqcxCekM9wYV
QRWLY9zk1HrIUraumdAItpR7hvahRANCAAT+AX9OtDofYEtVjiqMl0S43//kj1ho
R3O6lOB3j/YaiRBWqoaYXWsGp8a+SPSgrpcIXTrdpEUI8OTc0GTM2bCl
-----END PRIVATE KEY-----`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBVjCB/KADAgECAgEBMAoGCCqGSM49BAMCMBQxEjAQBgNVBAMMCTEyNy4wLjAu
MTAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowFDESMBAGA1UEAwwJ
MTI3LjAuMC4xMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/gF/TrQ6H2BLVY4q
jJdEuN//5I9YaEdzupTgd4/2GokQVqqGmF1rBqfGvkj0oK6XCF063aRFCPDk3NBk
zNmwpaM9MDswDwYDVR0RBAgwBocEfwAAATAJBgNVHRMEAjAAMB0GA1UdDgQWBBSG
yyfvTamOpfpgLdQlD/TTgeFRGzAKBggqhkjOPQQDAgNJADBGAiEA4Xn+aHQs/ZMS
yQYKilfxCnnzQAvZ9ZUlQAeh9k9kOO0CIQCto4CczBKiXRP1hQg+yC1WTXMkBsLT
LLsAP/MPMQxMCA==
-----END CERTIFICATE-----`;

const PROXY_USER = 'proxy-user';
const PROXY_PASSWORD = 'proxy-secret-pw';

interface ProxyHarness {
  server: ProxyServer;
  url: string;
  /** Forwarded (plain http) requests and CONNECT tunnels the proxy received. */
  seen: { requests: number; connects: number };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('SailClient through a proxy', () => {
  let sim: Simulator;
  let proxy: ProxyHarness;
  let https: Server;
  let httpsBaseUrl: string;
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
      random: () => 0.5,
      sleep: async (ms) => void slept.push(ms),
      ...overrides,
    });
    clients.push(c);
    return c;
  }

  before(async () => {
    sim = await startSimulator({ timeScale: 10_000_000, retentionMs: Number.MAX_SAFE_INTEGER });

    // `proxy` is an ES module and these tests are CommonJS, hence the dynamic import.
    const { createProxy } = await import('proxy');
    const seen = { requests: 0, connects: 0 };
    const raw = createServer();
    raw.on('request', () => seen.requests++);
    raw.on('connect', () => seen.connects++);
    const server = createProxy(raw);
    proxy = { server, seen, url: `http://${await listen(server)}` };

    https = createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }, (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'tls/model', object: 'model', created: 1, owned_by: 'tls' }] }));
    });
    httpsBaseUrl = `https://${await listen(https)}/v1`;

    const dead = createServer();
    deadProxyUrl = `http://${await listen(dead)}`;
    await close(dead);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([sim?.close(), proxy && close(proxy.server), https && close(https)]);
  });

  beforeEach(() => {
    sim.reset();
    proxy.seen.requests = 0;
    proxy.seen.connects = 0;
    proxy.server.authenticate = undefined;
    lines = [];
    slept = [];
  });

  it('uses the proxy from explicit settings, also for loopback targets', async () => {
    const c = client(sim.baseUrl, { proxy: { url: proxy.url } });
    await c.listModels();
    const { httpStatus } = await c.createResponse({ model: 'moonshotai/Kimi-K2.6', input: 'via proxy' });
    assert.equal(httpStatus, 200);
    assert.equal(proxy.seen.requests, 2);
    assert.equal(sim.counters.requests('GET', 'listModels'), 1);
    assert.ok(
      lines.some((l) => l.includes(`through proxy ${proxy.url} (from settings)`)),
      lines.join('\n'),
    );
  });

  it('uses HTTP_PROXY / http_proxy from the given environment', async () => {
    await client(sim.baseUrl, { env: { HTTP_PROXY: proxy.url } }).listModels();
    await client(sim.baseUrl, { env: { http_proxy: proxy.url } }).listModels();
    assert.equal(proxy.seen.requests, 2);
  });

  it('reads process.env by default', async () => {
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
    let c: SailClient;
    try {
      delete process.env.http_proxy;
      delete process.env.NO_PROXY;
      delete process.env.no_proxy;
      process.env.HTTP_PROXY = proxy.url;
      c = client(sim.baseUrl, { env: undefined });
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
    assert.equal(proxy.seen.requests, 1);
  });

  it('bypasses the proxy for a no-proxy match, from settings or NO_PROXY', async () => {
    await client(sim.baseUrl, { proxy: { url: proxy.url, noProxy: ['127.0.0.1'] } }).listModels();
    const port = new URL(sim.baseUrl).port;
    await client(sim.baseUrl, { env: { HTTP_PROXY: proxy.url, NO_PROXY: `example.com, 127.0.0.1:${port}` } }).listModels();
    assert.equal(proxy.seen.requests, 0);
    assert.equal(sim.counters.requests('GET', 'listModels'), 2);
    assert.ok(lines.some((l) => l.includes('proxy bypassed')));
  });

  it('fails without retrying when the proxy demands credentials, and works with them in the URL', async () => {
    const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
    proxy.server.authenticate = (req) => req.headers['proxy-authorization'] === expected;
    const refused = await client(sim.baseUrl, { proxy: { url: proxy.url } })
      .listModels()
      .then(
        () => assert.fail('expected a proxy refusal'),
        (e: unknown) => e as SailError,
      );
    assert.deepEqual([refused.kind, refused.code, refused.status], ['network', 'proxy_refused', 407]);
    assert.deepEqual(slept, []);
    assert.match(refused.userMessage, /http\.proxy/);

    const withCredentials = `http://${PROXY_USER}:${PROXY_PASSWORD}@${new URL(proxy.url).host}`;
    assert.ok((await client(sim.baseUrl, { proxy: { url: withCredentials } }).listModels()).length > 0);
    assert.equal(sim.counters.requests('GET', 'listModels'), 1);
    assert.ok(!lines.some((l) => l.includes(PROXY_PASSWORD)), 'the proxy password is never logged');
  });

  it('tunnels https with CONNECT, honouring strictSSL', async () => {
    const lax = client(httpsBaseUrl, { proxy: { url: proxy.url, strictSSL: false } });
    assert.deepEqual(await lax.listModels(), [{ id: 'tls/model', created: 1, owned_by: 'tls' }]);
    assert.equal(proxy.seen.connects, 1);
    assert.equal(lax.stats.connectionsOpened, 1);

    const strict = client(httpsBaseUrl, { proxy: { url: proxy.url } });
    const error = await strict.listModels().then(
      () => assert.fail('a self-signed certificate must be refused'),
      (e: unknown) => e as SailError,
    );
    assert.equal(error.kind, 'network');
    assert.equal(error.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.match(error.userMessage, /proxyStrictSSL/);
    assert.deepEqual(slept, [], 'certificate errors are not retried');
  });

  it('honours strictSSL without a proxy too', async () => {
    assert.equal((await client(httpsBaseUrl, { proxy: { strictSSL: false } }).listModels()).length, 1);
    const error = await client(httpsBaseUrl)
      .listModels()
      .then(
        () => assert.fail('expected a certificate error'),
        (e: unknown) => e as SailError,
      );
    assert.equal(error.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(proxy.seen.connects, 0);
  });

  it('reports an unreachable proxy as a network error after retrying', async () => {
    const error = await client(sim.baseUrl, { proxy: { url: deadProxyUrl } })
      .listModels()
      .then(
        () => assert.fail('expected a connection error'),
        (e: unknown) => e as SailError,
      );
    assert.deepEqual([error.kind, error.code, error.attempts], ['network', 'ECONNREFUSED', 3]);
    assert.deepEqual(slept, [250, 500]);
  });

  it('refuses a proxy URL that is not http(s) at construction', () => {
    assert.throws(
      () => client(sim.baseUrl, { proxy: { url: 'ftp://user:pw@proxy.example:21' } }),
      (e: SailError) => e.kind === 'network' && !e.message.includes('pw@'),
    );
  });
});
