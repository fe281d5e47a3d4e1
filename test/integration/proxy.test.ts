// Sail's requests in the real extension host follow VS Code's network settings: they go through the
// host's patched fetch (VS Code's proxy support), so http.proxy and http.proxySupport reach them,
// the OS certificate store is trusted, and a loopback base URL is never sent through a proxy.
// "Sail" is https://sail.test:<port>/v1, an https front for the runner's simulator, with a
// certificate from a test CA; real proxies run on 127.0.0.1 in this process (test/proxies).
// Two stand-ins, both the operating system's own mechanisms:
//   - the OS certificate store: on Linux, OpenSSL's SSL_CERT_FILE names the system bundle, and
//     Node's tls.getCACertificates('system') — which VS Code reads (http.systemCertificatesNode)
//     and so does Sail's own transport — honours it. It is set when this file loads, before
//     anything in this host reads the store (each reads it once per process).
//   - the hosts file: `sail.test` resolves to 127.0.0.1 in this process (dns.lookup), for the
//     cases that connect directly; proxies resolve it the same way, so nothing leaves loopback.
import * as assert from 'node:assert/strict';
import dns from 'node:dns';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { makeTestPki, SAIL_HOST, startConnectProxy, startSailFront, type SailFront, type TestProxy } from '../proxies/index';
import { finished, sendSelection, sim, testApi } from './support';

const pki = makeTestPki();
const osStore = join(mkdtempSync(join(tmpdir(), 'sail-os-store-')), 'ca-certificates.crt');
writeFileSync(osStore, pki.publicCa);
process.env.SSL_CERT_FILE = osStore;

const CREDENTIALS = { user: 'proxy-user', password: 'proxy-secret-pw' };

/**
 * Sets a user setting and returns once this host has seen the change: Sail's own listeners (the
 * base URL, the client's network settings) were registered first, so they have run by then.
 */
async function setUserSetting(section: string, key: string, value: unknown): Promise<void> {
  const config = vscode.workspace.getConfiguration(section);
  if (JSON.stringify(config.inspect(key)?.globalValue) === JSON.stringify(value)) {
    return;
  }
  const seen = new Promise<void>((resolve) => {
    const listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${section}.${key}`)) {
        listener.dispose();
        resolve();
      }
    });
  });
  await config.update(key, value, vscode.ConfigurationTarget.Global);
  await seen;
}

suite('Proxies: VS Code network settings reach Sail', () => {
  let front: SailFront;
  let proxy: TestProxy;
  const originalLookup = dns.lookup;

  suiteSetup(async () => {
    const mapped = ((hostname: string, options: unknown, callback: unknown) => {
      const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      if (hostname !== SAIL_HOST) {
        return (originalLookup as (...args: unknown[]) => void)(hostname, options, callback);
      }
      return all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
    }) as typeof dns.lookup;
    dns.lookup = mapped;
    front = await startSailFront(sim.url, pki.sail);
    proxy = await startConnectProxy();
    const api = await testApi();
    await api.apiKey.set(sim.key);
  });

  suiteTeardown(async () => {
    dns.lookup = originalLookup;
    await front?.close();
    await proxy?.close();
  });

  setup(async () => {
    await sim.reset();
    proxy.reset();
    front.seen.length = 0;
  });

  teardown(async () => {
    for (const key of ['proxy', 'proxySupport', 'proxyAuthorization']) {
      await setUserSetting('http', key, undefined);
    }
    await setUserSetting('sail', 'baseUrl', sim.url);
  });

  async function sendThrough(baseUrl: string, name: string): Promise<string> {
    await setUserSetting('sail', 'baseUrl', baseUrl);
    return sendSelection(name, 'const answer = 42;\n', 'answer', { instruction: 'Explain', completionWindow: 'priority' });
  }

  test('http.proxy carries a job to Sail through VS Code’s proxy support, trusting the OS certificate store', async () => {
    await setUserSetting('http', 'proxy', proxy.url);
    const jobId = await sendThrough(front.baseUrl, 'proxied.ts');
    const job = await finished((await testApi()).tracker, jobId, 15_000);
    assert.equal(job.state, 'completed', job.error ? JSON.stringify(job.error) : job.state);
    assert.ok(proxy.log.connects.length > 0, 'the proxy carried the requests');
    assert.ok(proxy.log.connects.every((target) => target === `${SAIL_HOST}:${front.port}`));
    assert.deepEqual(proxy.log.authorizations, [], 'the proxy cannot read the key inside the tunnel');
    assert.ok(front.seen.length >= 2, 'the POST and at least one poll reached Sail');
  });

  test('http.proxySupport off: Sail connects directly and the proxy sees nothing', async () => {
    await setUserSetting('http', 'proxy', proxy.url);
    await setUserSetting('http', 'proxySupport', 'off');
    const jobId = await sendThrough(front.baseUrl, 'direct.ts');
    const job = await finished((await testApi()).tracker, jobId, 15_000);
    assert.equal(job.state, 'completed', job.error ? JSON.stringify(job.error) : job.state);
    assert.deepEqual(proxy.log.connects, []);
    assert.ok(front.seen.length >= 2);
  });

  test('a loopback base URL is never sent through http.proxy: the proxy sees no request and no key', async () => {
    await setUserSetting('http', 'proxy', proxy.url);
    const jobId = await sendThrough(sim.url, 'loopback.ts');
    const job = await finished((await testApi()).tracker, jobId, 15_000);
    assert.equal(job.state, 'completed');
    assert.deepEqual(proxy.log, { connects: [], requests: [], authorizations: [], proxyAuthorizations: [] });
  });

  test('http.proxyAuthorization gets a job through a proxy that demands credentials, still trusting the OS store', async () => {
    const authorization = `Basic ${Buffer.from(`${CREDENTIALS.user}:${CREDENTIALS.password}`).toString('base64')}`;
    proxy.credentials = CREDENTIALS;
    await setUserSetting('http', 'proxy', proxy.url);
    await setUserSetting('http', 'proxyAuthorization', authorization);
    // Sail's own transport sends it with CONNECT; VS Code's fetch would not send it at all.
    const jobId = await sendThrough(front.baseUrl, 'authorized.ts');
    const job = await finished((await testApi()).tracker, jobId, 15_000);
    assert.equal(job.state, 'completed', job.error ? JSON.stringify(job.error) : job.state);
    assert.ok(proxy.log.proxyAuthorizations.length > 0);
    assert.ok(proxy.log.proxyAuthorizations.every((value) => value === authorization));
    assert.ok(proxy.log.connects.every((target) => target === `${SAIL_HOST}:${front.port}`));
  });
});
