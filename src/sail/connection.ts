/**
 * How the client reaches Sail: the host's fetch (VS Code's patched networking: system/PAC proxy, OS
 * certificates, proxy sign-in), or the client's own undici dispatcher — direct, through an HTTP(S)
 * proxy with CONNECT, or through SOCKS5 — with a bounded connection pool. A loopback base URL is always
 * reached directly. The rules for which proxy applies are in ./proxy; this file builds the connection.
 */
import * as tls from 'node:tls';
import * as l10n from '@vscode/l10n';
import { Agent, Pool, ProxyAgent, type Dispatcher } from 'undici';
import { isLoopbackHost } from './baseUrl';
import { SailError } from './errors';
import { describeProxy, proxyKind, resolveProxy, type Env, type ProxySettings } from './proxy';
import { dispatcherTransport, fetchTransport, type FetchLike, type Transport } from './transport';

/** Connections per origin in the client's own pool: polls and sends are few at a time, so a handful suffices. */
const MAX_CONNECTIONS = 8;

export interface ConnectionOptions {
  /** The host's fetch; used for every non-loopback base URL when given. */
  readonly fetch?: FetchLike;
  readonly proxy?: ProxySettings;
  readonly env: Env;
  /** Added to Node's trust store (e.g. the OS store) for the client's own dispatcher. */
  readonly trustedCertificates: readonly string[];
  readonly connectMs: number;
  readonly log: { info(message: string): void };
  /** Called for each TCP connection the client's own dispatcher opens (to Sail, or to a proxy). */
  readonly onConnect: () => void;
}

export function openTransport(base: URL, options: ConnectionOptions): Transport {
  const where = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  if (options.fetch && !isLoopbackHost(base.hostname)) {
    options.log.info(`Sail client for ${where}, through the host's network stack (its proxy and certificate settings)`);
    return fetchTransport(options.fetch);
  }
  return dispatcherTransport(createDispatcher(base, where, options));
}

function createDispatcher(base: URL, where: string, options: ConnectionOptions): Dispatcher {
  const settings = options.proxy;
  const strictSSL = settings?.strictSSL ?? true;
  const connectMs = options.connectMs;
  // Passing `ca` replaces Node's trust store, so the extra certificates are added to it.
  const ca = options.trustedCertificates.length > 0 ? [...defaultCertificates(), ...options.trustedCertificates] : undefined;
  // Each connection-pool origin reports its new sockets, with or without a proxy.
  const factory = (origin: string | URL, poolOptions: object): Dispatcher => {
    const pool = new Pool(origin, { ...(poolOptions as Pool.Options), connections: MAX_CONNECTIONS });
    pool.on('connect', options.onConnect);
    return pool;
  };
  const decision = resolveProxy(base, settings, options.env);
  if (decision.proxyUrl === undefined) {
    const why =
      decision.source === 'no_proxy' ? ' (proxy bypassed: no-proxy list)' : decision.source === 'loopback' ? ' (loopback: never through a proxy)' : '';
    options.log.info(`Sail client for ${where}, direct${why}`);
    return new Agent({ factory, connect: { timeout: connectMs, rejectUnauthorized: strictSSL, ca } });
  }
  const proxyUrl = URL.canParse(decision.proxyUrl) ? new URL(decision.proxyUrl) : undefined;
  const kind = proxyUrl ? proxyKind(proxyUrl) : 'unknown';
  if (proxyUrl === undefined || kind === 'unknown' || kind === 'socks4') {
    const shown = describeProxy(decision.proxyUrl);
    throw new SailError('network', `unusable proxy URL from ${decision.source}: ${shown}`, {
      code: 'proxy_unsupported',
      userMessage:
        kind === 'socks4'
          ? l10n.t(
              "Sail cannot use the SOCKS4 proxy {0}. Use an HTTP, HTTPS or SOCKS5 proxy in VS Code's http.proxy setting or the HTTPS_PROXY variable.",
              shown,
            )
          : l10n.t(
              "The proxy address is not an http://, https:// or socks5:// URL. Fix VS Code's http.proxy setting or the HTTPS_PROXY / HTTP_PROXY variable.",
            ),
    });
  }
  if (kind === 'socks5') {
    // undici's SOCKS5 support is spelled socks5: (it always lets the proxy resolve the host name).
    proxyUrl.protocol = 'socks5:';
  }
  options.log.info(`Sail client for ${where}, through proxy ${describeProxy(proxyUrl.href)} (from ${decision.source})`);
  const tlsOptions = { rejectUnauthorized: strictSSL, timeout: connectMs, ca };
  const authorization = kind === 'http' ? settings?.authorization?.trim() : undefined;
  return new ProxyAgent({
    uri: proxyUrl.href,
    factory,
    // Sent with CONNECT; it wins over credentials in the proxy URL.
    token: authorization || undefined,
    // Plain-http targets (loopback only) are forwarded like any browser would; https is tunnelled with CONNECT.
    proxyTunnel: base.protocol === 'https:',
    requestTls: tlsOptions,
    // For SOCKS, undici takes proxyTls as "speak TLS to the proxy", which SOCKS proxies do not.
    proxyTls: kind === 'http' ? tlsOptions : undefined,
  });
}

/** Node's trust store as it would be without a `ca` option: its bundled roots plus NODE_EXTRA_CA_CERTS where Node can list them. */
function defaultCertificates(): string[] {
  const list = (tls as { getCACertificates?: (type?: 'default') => string[] }).getCACertificates;
  return list ? list('default') : [...tls.rootCertificates];
}
