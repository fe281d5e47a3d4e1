// Sail's requests in the real extension host follow VS Code's network settings: they go through the
// host's patched fetch (VS Code's proxy support), so http.proxy and http.proxySupport reach them,
// the OS certificate store is trusted, and a loopback base URL is never sent through a proxy.
// "Sail" is https://sail.test:<port>/v1, an https front for the runner's simulator, with a
// certificate from a test CA; real proxies run on 127.0.0.1 in this process (test/proxies).
// Two stand-ins, both VS Code's or Node's own mechanisms:
//   - the OS certificate store: `https.globalAgent.testCertificates`, which VS Code's proxyResolver
//     adds to the store it loads when the host runs extension tests. It is set when this file
//     loads, before anything in this host asks for the store (VS Code loads it once).
//   - the hosts file: `sail.test` resolves to 127.0.0.1 in this process (dns.lookup), for the
//     cases that connect directly; proxies resolve it the same way, so nothing leaves loopback.
import * as assert from 'node:assert/strict';
import dns from 'node:dns';
import * as https from 'node:https';
import * as vscode from 'vscode';
import { makeTestPki, SAIL_HOST, startConnectProxy, startSailFront, type SailFront, type TestProxy } from '../proxies/index';
import { finished, sendSelection, sim, testApi, waitFor } from './support';

const pki = makeTestPki();
(https.globalAgent as { testCertificates?: string[] }).testCertificates = [pki.publicCa];

const CREDENTIALS = { user: 'proxy-user', password: 'proxy-secret-pw' };

suite('Proxies: VS Code network settings reach Sail', () => {
  let front: SailFront;
  let proxy: TestProxy;
  const originalLookup = dns.lookup;
  const http = () => vscode.workspace.getConfiguration('http');
  const sail = () => vscode.workspace.getConfiguration('sail');

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
      await http().update(key, undefined, vscode.ConfigurationTarget.Global);
    }
    await sail().update('baseUrl', undefined, vscode.ConfigurationTarget.Global);
  });

  async function sendThrough(baseUrl: string, name: string): Promise<string> {
    await sail().update('baseUrl', baseUrl, vscode.ConfigurationTarget.Global);
    return sendSelection(name, 'const answer = 42;\n', 'answer', { instruction: 'Explain', completionWindow: 'priority' });
  }

  test('http.proxy carries a job to Sail through VS Code’s proxy support, trusting the OS certificate store', async () => {
    await http().update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
    const jobId = await sendThrough(front.baseUrl, 'proxied.ts');
    const job = await finished((await testApi()).tracker, jobId);
    assert.equal(job.state, 'completed', job.error ? JSON.stringify(job.error) : job.state);
    assert.ok(proxy.log.connects.length > 0, 'the proxy carried the requests');
    assert.ok(proxy.log.connects.every((target) => target === `${SAIL_HOST}:${front.port}`));
    assert.deepEqual(proxy.log.authorizations, [], 'the proxy cannot read the key inside the tunnel');
    assert.ok(front.seen.length >= 2, 'the POST and at least one poll reached Sail');
  });

  test('http.proxySupport off: Sail connects directly and the proxy sees nothing', async () => {
    await http().update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
    await http().update('proxySupport', 'off', vscode.ConfigurationTarget.Global);
    const jobId = await sendThrough(front.baseUrl, 'direct.ts');
    const job = await finished((await testApi()).tracker, jobId);
    assert.equal(job.state, 'completed', job.error ? JSON.stringify(job.error) : job.state);
    assert.deepEqual(proxy.log.connects, []);
    assert.ok(front.seen.length >= 2);
  });

  test('a loopback base URL is never sent through http.proxy: the proxy sees no request and no key', async () => {
    await http().update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
    const jobId = await sendThrough(sim.url, 'loopback.ts');
    const job = await finished((await testApi()).tracker, jobId);
    assert.equal(job.state, 'completed');
    assert.deepEqual(proxy.log, { connects: [], requests: [], authorizations: [], proxyAuthorizations: [] });
  });

  test('http.proxyAuthorization is sent to a proxy that demands credentials', async () => {
    const authorization = `Basic ${Buffer.from(`${CREDENTIALS.user}:${CREDENTIALS.password}`).toString('base64')}`;
    proxy.credentials = CREDENTIALS;
    await http().update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
    await http().update('proxyAuthorization', authorization, vscode.ConfigurationTarget.Global);
    await sendThrough(front.baseUrl, 'authorized.ts');
    // Sail's own transport sends it with CONNECT; VS Code's fetch would not send it at all.
    await waitFor('the proxy to receive the credentials', () => proxy.log.proxyAuthorizations.includes(authorization) || undefined);
    assert.ok(proxy.log.connects.every((target) => target === `${SAIL_HOST}:${front.port}`));
  });
});
