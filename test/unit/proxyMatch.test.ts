import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeProxy, matchesNoProxy, parseNoProxy, resolveProxy } from '../../src/sail/proxy';

const sail = new URL('https://api.sailresearch.com/v1');
const local = new URL('http://127.0.0.1:43123/v1');

describe('matchesNoProxy', () => {
  const cases: Array<[string, URL, string[], boolean]> = [
    ['exact host', sail, ['api.sailresearch.com'], true],
    ['case-insensitive', sail, ['API.SailResearch.COM'], true],
    ['bare domain covers subdomains', sail, ['sailresearch.com'], true],
    ['leading dot covers subdomains', sail, ['.sailresearch.com'], true],
    ['leading dot covers the domain itself', new URL('https://sailresearch.com'), ['.sailresearch.com'], true],
    ['*.domain', sail, ['*.sailresearch.com'], true],
    ['look-alike suffix does not match', new URL('https://evilsailresearch.com'), ['sailresearch.com'], false],
    ['host:port with the default port', sail, ['api.sailresearch.com:443'], true],
    ['host:port with another port', sail, ['api.sailresearch.com:8443'], false],
    ['loopback ip', local, ['127.0.0.1'], true],
    ['loopback ip:port', local, ['127.0.0.1:43123'], true],
    ['loopback ip, other port', local, ['127.0.0.1:9'], false],
    ['ip entries match only exactly', new URL('http://10.0.0.1/'), ['0.0.1'], false],
    ['localhost does not cover 127.0.0.1', local, ['localhost'], false],
    ['ipv6 bracketed with port', new URL('http://[::1]:8080/'), ['[::1]:8080'], true],
    ['ipv6 bare', new URL('http://[::1]:8080/'), ['::1'], true],
    ['star', sail, ['*'], true],
    ['unrelated', sail, ['example.com', '.corp'], false],
    ['empty list', sail, [], false],
  ];
  for (const [name, target, entries, expected] of cases) {
    it(name, () => assert.equal(matchesNoProxy(target, entries), expected));
  }
});

describe('parseNoProxy', () => {
  it('splits on commas and whitespace', () => {
    assert.deepEqual(parseNoProxy(' a.com, .b.com  c:80,,'), ['a.com', '.b.com', 'c:80']);
    assert.deepEqual(parseNoProxy(undefined), []);
  });
});

describe('resolveProxy', () => {
  it('uses the explicit setting over the environment', () => {
    const decision = resolveProxy(sail, { url: 'http://settings:3128' }, { HTTPS_PROXY: 'http://env:1' });
    assert.deepEqual(decision, { proxyUrl: 'http://settings:3128', source: 'settings' });
  });

  it('falls back to https_proxy, then HTTPS_PROXY, then HTTP_PROXY for https targets', () => {
    assert.equal(resolveProxy(sail, undefined, { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:1' }).proxyUrl, 'http://lower:1');
    assert.equal(resolveProxy(sail, {}, { HTTPS_PROXY: 'http://upper:1' }).proxyUrl, 'http://upper:1');
    assert.equal(resolveProxy(sail, { url: '' }, { HTTP_PROXY: 'http://plain:1' }).proxyUrl, 'http://plain:1');
  });

  it('uses only HTTP_PROXY / http_proxy for http targets, and proxies loopback unless excluded', () => {
    assert.deepEqual(resolveProxy(local, undefined, { HTTPS_PROXY: 'http://s:1' }), { source: 'none' });
    assert.deepEqual(resolveProxy(local, undefined, { http_proxy: 'http://p:1' }), { proxyUrl: 'http://p:1', source: 'env' });
  });

  it('applies the explicit no-proxy list when given, else NO_PROXY / no_proxy', () => {
    assert.deepEqual(resolveProxy(local, { url: 'http://p:1', noProxy: ['127.0.0.1'] }, {}), { source: 'no_proxy' });
    assert.deepEqual(resolveProxy(local, { url: 'http://p:1', noProxy: [] }, { NO_PROXY: 'localhost,127.0.0.1' }), { source: 'no_proxy' });
    assert.deepEqual(resolveProxy(local, undefined, { HTTP_PROXY: 'http://p:1', no_proxy: '.example.com' }), { proxyUrl: 'http://p:1', source: 'env' });
    assert.deepEqual(resolveProxy(local, { noProxy: ['other'] }, { HTTP_PROXY: 'http://p:1', NO_PROXY: '*' }), { proxyUrl: 'http://p:1', source: 'env' });
  });

  it('adds http:// to a scheme-less proxy and hides credentials when describing it', () => {
    assert.equal(resolveProxy(sail, { url: 'proxy.corp:3128' }, {}).proxyUrl, 'http://proxy.corp:3128');
    assert.equal(describeProxy('http://user:secret@proxy.corp:3128/'), 'http://proxy.corp:3128');
  });
});
