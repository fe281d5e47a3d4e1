// The connection the Sail client builds itself (src/sail/connection.ts) in the cases mutation testing
// found unasserted (docs/mutation.md, "`src/sail`, other files"): a direct https connection to Sail on
// 127.0.0.1 (a private CA, strictSSL off, the connect time limit, Node's own trust store), an
// `https://` proxy (TLS to the proxy itself), and http.proxyAuthorization that is blank, padded, or
// set for a SOCKS5 proxy. Every server is on 127.0.0.1 (test/proxies in front of test/sim).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SailClient, type SailClientOptions, type SailLogger } from '../../src/sail/client';
import { startSimulator, type Simulator } from '../sim/index';
import {
  makeTestPki,
  PROXY_BASIC,
  PROXY_CREDENTIALS,
  sailFailure,
  SAIL_HOST,
  startConnectProxy,
  startLoopbackFront,
  startSailFront,
  startSocks5Proxy,
  type SailFront,
  type Socks5Proxy,
  type TestPki,
  type TestProxy,
} from '../proxies/index';

const CERTIFICATE_REFUSED = 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';

/** One PKI, simulator and set of clients for a describe block; every client is closed after it. */
function setUp(): {
  pki: () => TestPki;
  sim: () => Simulator;
  lines: string[];
  slept: number[];
  client(baseUrl: string, overrides?: Partial<SailClientOptions>): SailClient;
  start(): Promise<void>;
  stop(): Promise<void>;
} {
  let pki: TestPki | undefined;
  let sim: Simulator | undefined;
  const clients: SailClient[] = [];
  const lines: string[] = [];
  const slept: number[] = [];
  return {
    pki: () => pki!,
    sim: () => sim!,
    lines,
    slept,
    client(baseUrl, overrides = {}) {
      const log = (message: string) => void lines.push(message);
      const logger: SailLogger = { trace: log, debug: log, info: log, warn: log, error: log };
      const c = new SailClient({
        baseUrl,
        getApiKey: async () => sim!.apiKey,
        logger,
        env: {},
        random: () => 0.5,
        sleep: async (ms) => void slept.push(ms),
        ...overrides,
      });
      clients.push(c);
      return c;
    },
    async start() {
      pki = makeTestPki();
      sim = await startSimulator({ timeScale: 10_000_000, retentionMs: Number.MAX_SAFE_INTEGER });
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await sim?.close();
    },
  };
}

describe('SailClient direct to an https Sail on 127.0.0.1 (its own transport, no proxy)', () => {
  const t = setUp();
  let front: SailFront;

  before(async () => {
    await t.start();
    front = await startLoopbackFront(t.sim().baseUrl, t.pki().loopback);
  });

  after(async () => {
    await t.stop();
    await front?.close();
  });

  beforeEach(() => {
    t.sim().reset();
    front.seen.length = 0;
    t.lines.length = 0;
    t.slept.length = 0;
  });

  it('trusts a private CA given in trustedCertificates (the OS store), and is refused clearly without it', async () => {
    assert.ok((await t.client(front.baseUrl, { trustedCertificates: [t.pki().publicCa] }).listModels()).length > 0);
    assert.deepEqual(t.lines.slice(0, 1), [`Sail client for ${front.baseUrl}, direct (loopback: never through a proxy)`]);

    const refused = await sailFailure(t.client(front.baseUrl).listModels());
    assert.deepEqual([refused.kind, refused.code], ['network', CERTIFICATE_REFUSED]);
    assert.match(refused.userMessage, new RegExp(`^The TLS certificate of 127\\.0\\.0\\.1:${front.port} was not accepted \\(${CERTIFICATE_REFUSED}\\)`));
    assert.deepEqual(t.slept, [], 'certificate errors are not retried');
    assert.equal(front.seen.length, 1, 'nothing reached Sail over the refused connection');
  });

  it('strictSSL false turns off the certificate check of a direct connection too', async () => {
    // No trustedCertificates: the client adds none to Node's store, and checks nothing anyway.
    assert.ok((await t.client(front.baseUrl, { proxy: { strictSSL: false } }).listModels()).length > 0);
    assert.equal(front.seen.length, 1);
  });

  it('gives up connecting after the connect time limit, saying so', async () => {
    // Accepts TCP and never answers the TLS hello: only the connect time limit ends the wait.
    const silent = new Set<Socket>();
    const server = createServer((socket) => void silent.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const started = Date.now();
      const c = t.client(`https://127.0.0.1:${port}/v1`, { timeouts: { connectMs: 200 }, retry: { maxAttemptsGet: 1 } });
      const error = await sailFailure(c.listModels());
      const waited = Date.now() - started;
      assert.deepEqual([error.kind, error.code], ['timeout', 'UND_ERR_CONNECT_TIMEOUT']);
      assert.match(error.userMessage, new RegExp(`^Timed out connecting to Sail at 127\\.0\\.0\\.1:${port}\\.`));
      // undici's own default is 10 s: far above what the client was given.
      assert.ok(waited < 5_000, `gave up after ${waited} ms`);
    } finally {
      for (const socket of silent) {
        socket.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('without trustedCertificates, trusts what Node trusts (NODE_EXTRA_CA_CERTS), also on a Node that cannot list its certificates (Node 20)', async () => {
    // NODE_EXTRA_CA_CERTS is read when Node starts, hence a fresh Node; on Node 20 (the host of
    // VS Code 1.96) tls.getCACertificates does not exist, which the second run plays.
    const dir = mkdtempSync(join(tmpdir(), 'sail-extra-ca-'));
    try {
      const caFile = join(dir, 'extra-ca.pem');
      writeFileSync(caFile, t.pki().publicCa);
      const models = (await t.client(t.sim().baseUrl).listModels()).length;
      for (const withoutCertificateList of [false, true]) {
        const result = await listModelsInFreshNode(front.baseUrl, t.sim().apiKey, { NODE_EXTRA_CA_CERTS: caFile }, withoutCertificateList);
        assert.deepEqual(result, { models }, `without tls.getCACertificates: ${withoutCertificateList}`);
      }
      assert.equal(front.seen.length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a base URL without a path by its origin alone in the log', () => {
    const origin = `https://127.0.0.1:${front.port}`;
    t.client(origin);
    t.client(`${origin}/`);
    assert.deepEqual(t.lines, [
      `Sail client for ${origin}, direct (loopback: never through a proxy)`,
      `Sail client for ${origin}, direct (loopback: never through a proxy)`,
    ]);
  });
});

/**
 * Runs `listModels` of a client made without trustedCertificates in a fresh Node with `env` added,
 * optionally without `tls.getCACertificates`; gives the number of models or the error's kind and code.
 */
async function listModelsInFreshNode(baseUrl: string, apiKey: string, env: NodeJS.ProcessEnv, withoutCertificateList: boolean): Promise<unknown> {
  // The built client beside this built test (out/src/sail/client.js).
  const clientModule = join(__dirname, '..', '..', 'src', 'sail', 'client.js');
  const script = `
    const tls = require('node:tls');
    if (${JSON.stringify(withoutCertificateList)}) delete tls.getCACertificates;
    const { SailClient } = require(${JSON.stringify(clientModule)});
    const client = new SailClient({ baseUrl: ${JSON.stringify(baseUrl)}, getApiKey: async () => ${JSON.stringify(apiKey)}, env: {}, retry: { maxAttemptsGet: 1 } });
    client.listModels()
      .then((models) => ({ models: models.length }), (e) => ({ kind: e.kind, code: e.code }))
      .then(async (result) => { await client.close(); process.stdout.write(JSON.stringify(result)); });
  `;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout) as unknown;
}

describe('SailClient through an https:// proxy (TLS to the proxy itself)', () => {
  const t = setUp();
  let front: SailFront;
  let tlsProxy: TestProxy;

  before(async () => {
    await t.start();
    front = await startSailFront(t.sim().baseUrl, t.pki().sail);
    // A corporate proxy with its own certificate, for 127.0.0.1, from the corporate CA.
    tlsProxy = await startConnectProxy({ tls: t.pki().loopbackCorporate });
  });

  after(async () => {
    await t.stop();
    await Promise.all([front?.close(), tlsProxy?.close()]);
  });

  beforeEach(() => {
    t.sim().reset();
    tlsProxy.reset();
    front.seen.length = 0;
    t.lines.length = 0;
    t.slept.length = 0;
  });

  it("reaches Sail through it once the proxy's CA is trusted; the proxy logs the CONNECT", async () => {
    assert.match(tlsProxy.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const c = t.client(front.baseUrl, { proxy: { url: tlsProxy.url }, trustedCertificates: [t.pki().publicCa, t.pki().corporateCa] });
    assert.ok((await c.listModels()).length > 0);
    assert.deepEqual(tlsProxy.log.connects, [`${SAIL_HOST}:${front.port}`]);
    assert.equal(front.seen.length, 1);
    assert.deepEqual(t.lines.slice(0, 1), [`Sail client for ${front.baseUrl}, through proxy ${tlsProxy.url} (from settings)`]);
  });

  it("is refused clearly while the proxy's own certificate is not trusted, before any CONNECT", async () => {
    // Sail's CA is trusted, the proxy's is not.
    const refused = await sailFailure(t.client(front.baseUrl, { proxy: { url: tlsProxy.url }, trustedCertificates: [t.pki().publicCa] }).listModels());
    assert.deepEqual([refused.kind, refused.code], ['network', CERTIFICATE_REFUSED]);
    assert.match(refused.userMessage, /^The TLS certificate of .* was not accepted .*certificate store/);
    assert.deepEqual(t.slept, [], 'certificate errors are not retried');
    assert.deepEqual([tlsProxy.log.connects, front.seen], [[], []]);
  });

  it("strictSSL false turns off the check of the proxy's certificate as well as Sail's", async () => {
    const c = t.client(front.baseUrl, { proxy: { url: tlsProxy.url, strictSSL: false }, trustedCertificates: [] });
    assert.ok((await c.listModels()).length > 0);
    assert.deepEqual(tlsProxy.log.connects, [`${SAIL_HOST}:${front.port}`]);
  });
});

describe('http.proxyAuthorization: blank, padded, or beside a SOCKS5 proxy', () => {
  const t = setUp();
  let front: SailFront;
  let proxy: TestProxy;
  let socks: Socks5Proxy;

  before(async () => {
    await t.start();
    front = await startSailFront(t.sim().baseUrl, t.pki().sail);
    proxy = await startConnectProxy();
    socks = await startSocks5Proxy();
  });

  after(async () => {
    await t.stop();
    await Promise.all([front?.close(), proxy?.close(), socks?.close()]);
  });

  beforeEach(() => {
    t.sim().reset();
    proxy.reset();
    socks.connects.length = 0;
    socks.credentials = undefined;
    front.seen.length = 0;
    t.lines.length = 0;
    t.slept.length = 0;
  });

  const trustedCertificates = (): string[] => [t.pki().publicCa];
  const withCredentials = (url: string): string => {
    const parsed = new URL(url);
    return `${parsed.protocol}//${PROXY_CREDENTIALS.user}:${PROXY_CREDENTIALS.password}@${parsed.host}`;
  };

  it('a blank one leaves the credentials in the proxy URL in force, and alone sends no Proxy-Authorization header', async () => {
    proxy.credentials = PROXY_CREDENTIALS;
    const c = t.client(front.baseUrl, { proxy: { url: withCredentials(proxy.url), authorization: ' \t ' }, trustedCertificates: trustedCertificates() });
    assert.ok((await c.listModels()).length > 0, 'not refused with 407');
    assert.deepEqual(proxy.log.proxyAuthorizations, [PROXY_BASIC]);

    proxy.reset();
    const open = t.client(front.baseUrl, { proxy: { url: proxy.url, authorization: '   ' }, trustedCertificates: trustedCertificates() });
    assert.ok((await open.listModels()).length > 0);
    assert.deepEqual(proxy.log.proxyAuthorizations, [], 'not even an empty header');
  });

  it('one with spaces around it is sent without them, and a proxy demanding it lets the client in', async () => {
    proxy.credentials = PROXY_CREDENTIALS;
    const c = t.client(front.baseUrl, { proxy: { url: proxy.url, authorization: `  ${PROXY_BASIC}\t ` }, trustedCertificates: trustedCertificates() });
    assert.ok((await c.listModels()).length > 0);
    assert.deepEqual(proxy.log.proxyAuthorizations, [PROXY_BASIC]);
  });

  it('a SOCKS5 proxy takes its credentials from its URL only: http.proxyAuthorization (an HTTP header) changes nothing', async () => {
    const authorization = PROXY_BASIC;
    assert.ok(
      (await t.client(front.baseUrl, { proxy: { url: socks.url, authorization }, trustedCertificates: trustedCertificates() }).listModels()).length > 0,
    );

    socks.credentials = PROXY_CREDENTIALS;
    const right = t.client(front.baseUrl, {
      proxy: { url: withCredentials(socks.url), authorization: 'Basic bm90OnRoZXNl' },
      trustedCertificates: trustedCertificates(),
    });
    assert.ok((await right.listModels()).length > 0);
    const refused = await sailFailure(
      t.client(front.baseUrl, { proxy: { url: socks.url, authorization }, trustedCertificates: trustedCertificates() }).listModels(),
    );
    assert.deepEqual([refused.kind, refused.code], ['network', 'proxy_refused']);
    assert.deepEqual(socks.connects, [`${SAIL_HOST}:${front.port}`, `${SAIL_HOST}:${front.port}`]);
    assert.equal(front.seen.length, 2);
  });
});
