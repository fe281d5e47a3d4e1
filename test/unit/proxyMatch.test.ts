import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeProxy, matchesNoProxy, ownTransportReason, parseNoProxy, proxyKind, resolveProxy } from '../../src/sail/proxy';

const sail = new URL('https://api.sailresearch.com/v1');
const local = new URL('http://127.0.0.1:43123/v1');
const intranet = new URL('http://sail.intranet:8080/v1');

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

  it('uses only HTTP_PROXY / http_proxy for http targets', () => {
    assert.deepEqual(resolveProxy(intranet, undefined, { HTTPS_PROXY: 'http://s:1' }), { source: 'none' });
    assert.deepEqual(resolveProxy(intranet, undefined, { http_proxy: 'http://p:1' }), { proxyUrl: 'http://p:1', source: 'env' });
  });

  it('never proxies a loopback target, whatever the settings and environment say', () => {
    const everything = { HTTP_PROXY: 'http://p:1', HTTPS_PROXY: 'http://p:1', NO_PROXY: '' };
    for (const target of [local, new URL('https://localhost:8443/v1'), new URL('http://[::1]:9/v1'), new URL('https://127.1.2.3/v1')]) {
      assert.deepEqual(resolveProxy(target, { url: 'http://settings:3128' }, everything), { source: 'loopback' }, target.href);
      assert.deepEqual(resolveProxy(target, undefined, everything), { source: 'loopback' }, target.href);
    }
  });

  it('applies the explicit no-proxy list when given, else NO_PROXY / no_proxy', () => {
    assert.deepEqual(resolveProxy(intranet, { url: 'http://p:1', noProxy: ['sail.intranet'] }, {}), { source: 'no_proxy' });
    assert.deepEqual(resolveProxy(intranet, { url: 'http://p:1', noProxy: [] }, { NO_PROXY: 'localhost,.intranet' }), { source: 'no_proxy' });
    assert.deepEqual(resolveProxy(intranet, undefined, { HTTP_PROXY: 'http://p:1', no_proxy: '.example.com' }), { proxyUrl: 'http://p:1', source: 'env' });
    assert.deepEqual(resolveProxy(intranet, { noProxy: ['other'] }, { HTTP_PROXY: 'http://p:1', NO_PROXY: '*' }), { proxyUrl: 'http://p:1', source: 'env' });
  });

  it('tells HTTP, SOCKS5 and SOCKS4 proxies apart', () => {
    const kinds = ['http://p:1', 'https://p:1', 'socks://p:1', 'socks5://p:1', 'socks5h://p:1', 'socks4://p:1', 'socks4a://p:1', 'ftp://p:1'].map((u) =>
      proxyKind(new URL(u)),
    );
    assert.deepEqual(kinds, ['http', 'http', 'socks5', 'socks5', 'socks5', 'socks4', 'socks4', 'unknown']);
  });

  it('adds http:// to a scheme-less proxy and hides credentials when describing it', () => {
    assert.equal(resolveProxy(sail, { url: 'proxy.corp:3128' }, {}).proxyUrl, 'http://proxy.corp:3128');
    assert.equal(describeProxy('http://user:secret@proxy.corp:3128/'), 'http://proxy.corp:3128');
  });
});

describe('ownTransportReason', () => {
  it("uses the host's fetch (VS Code's proxy and certificate support) for an https Sail by default", () => {
    assert.equal(ownTransportReason(sail, {}, {}, true), undefined);
    assert.equal(ownTransportReason(sail, { url: 'http://proxy:3128', strictSSL: true }, { HTTPS_PROXY: 'http://env:1' }, true), undefined);
  });

  it('keeps loopback on its own direct transport, first of all', () => {
    assert.equal(ownTransportReason(local, { url: 'socks5://p:1', strictSSL: false }, {}, false), 'loopback');
  });

  it("takes its own transport for what VS Code's fetch cannot do", () => {
    assert.equal(ownTransportReason(sail, {}, {}, false), 'fetch_support_off');
    assert.equal(ownTransportReason(sail, { strictSSL: false }, {}, true), 'strict_ssl_off');
    assert.equal(ownTransportReason(sail, { authorization: 'Basic eDp5' }, {}, true), 'proxy_authorization');
    assert.equal(ownTransportReason(sail, { authorization: '  ' }, {}, true), undefined);
    assert.equal(ownTransportReason(sail, { url: 'socks5://p:1080' }, {}, true), 'socks_proxy');
    assert.equal(ownTransportReason(sail, {}, { HTTPS_PROXY: 'socks://p:1080' }, true), 'socks_proxy');
    assert.equal(ownTransportReason(sail, { url: 'socks4://p:1080' }, {}, true), 'socks_proxy', 'so that its refusal is clear');
    assert.equal(ownTransportReason(sail, { url: 'socks5://p:1080', noProxy: ['.sailresearch.com'] }, {}, true), undefined);
  });
});
