import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBaseUrl, isLoopbackHost } from '../../src/sail/baseUrl';

describe('checkBaseUrl', () => {
  it('accepts https and drops the trailing slash', () => {
    assert.deepEqual(checkBaseUrl('https://api.sailresearch.com/v1/'), { ok: true, url: 'https://api.sailresearch.com/v1' });
  });

  it('accepts plain http to loopback addresses only', () => {
    assert.equal(checkBaseUrl('http://127.0.0.1:8080/v1').ok, true);
    assert.equal(checkBaseUrl('http://localhost:8080/v1').ok, true);
    assert.equal(checkBaseUrl('http://[::1]:8080/v1').ok, true);
    const remote = checkBaseUrl('http://api.example.com/v1');
    assert.equal(remote.ok, false);
    assert.match(!remote.ok ? remote.message : '', /loopback/);
  });

  it('refuses credentials, other schemes, queries and garbage with a message', () => {
    for (const raw of ['https://user:pw@api.example.com/v1', 'ftp://127.0.0.1/v1', 'https://a.example/v1?x=1', 'not a url']) {
      const result = checkBaseUrl(raw);
      assert.equal(result.ok, false, raw);
      assert.ok(!result.ok && result.message.length > 10);
    }
  });

  it('does not treat look-alike hosts as loopback', () => {
    assert.equal(isLoopbackHost('127.0.0.1.example.com'), false);
    assert.equal(isLoopbackHost('localhost.example.com'), false);
    assert.equal(isLoopbackHost('127.1.2.3'), true);
  });
});
