/**
 * Which proxy, if any, the client's own transport uses for its base URL. Explicit settings (VS
 * Code's http.proxy / http.noProxy) win; otherwise the conventional environment variables apply.
 * A loopback target is always reached directly: a proxy would see the API key of a plain-http
 * request, and has no business with this machine's own services anyway.
 */
import { isLoopbackHost } from './baseUrl';

export interface ProxySettings {
  /** e.g. 'http://proxy.corp:3128' or 'socks5://proxy.corp:1080' (credentials allowed in the URL). Empty means "not set". */
  url?: string;
  /** Hosts to reach directly: 'host', 'host:port', '.domain' / '*.domain', '*'. Empty means "not set". */
  noProxy?: readonly string[];
  /** Verify TLS certificates (of Sail and of an https proxy). Default true. */
  strictSSL?: boolean;
  /** Sent as the Proxy-Authorization header to an http(s) proxy (VS Code's http.proxyAuthorization), e.g. 'Basic …'. Never logged. */
  authorization?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface ProxyDecision {
  /** The proxy URL to use, or undefined to connect directly. */
  proxyUrl?: string;
  /** Where the decision came from, for the log. */
  source: 'settings' | 'env' | 'none' | 'no_proxy' | 'loopback';
}

/** Splits a NO_PROXY value ("a.com, .b.com  c:8080") into entries. */
export function parseNoProxy(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isIpLiteral(host: string): boolean {
  return host.includes(':') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

function splitEntry(entry: string): { host: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    return { host: bracketed[1], port: bracketed[2] };
  }
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = entry.split(':');
    return /^\d+$/.test(port) ? { host, port } : { host: entry };
  }
  // No colon, or a bare IPv6 address.
  return { host: entry };
}

/**
 * Whether `target` bypasses the proxy under `entries`. An entry matches its host exactly and, for
 * domain names, every subdomain ('example.com' and '.example.com' both cover api.example.com);
 * IP addresses match only exactly; 'host:port' also requires the port; '*' matches everything.
 * CIDR ranges are not supported.
 */
export function matchesNoProxy(target: URL, entries: readonly string[]): boolean {
  const host = stripBrackets(target.hostname.toLowerCase()).replace(/\.$/, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return entries.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (entry === '*') {
      return true;
    }
    const parsed = splitEntry(entry);
    if (parsed.port !== undefined && parsed.port !== port) {
      return false;
    }
    const entryHost = parsed.host.replace(/^\*/, '').replace(/\.$/, '');
    if (!entryHost || entryHost === '.') {
      return false;
    }
    if (entryHost.startsWith('.')) {
      return host === entryHost.slice(1) || (!isIpLiteral(host) && host.endsWith(entryHost));
    }
    return host === entryHost || (!isIpLiteral(host) && host.endsWith(`.${entryHost}`));
  });
}

function envValue(env: Env, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return value && value.trim() ? value.trim() : undefined;
}

/** A proxy URL from settings may omit the scheme ('proxy:3128' means http). */
export function normalizeProxyUrl(raw: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
}

/** Decides the proxy for `target`. Pure: the environment is passed in. */
export function resolveProxy(target: URL, settings: ProxySettings | undefined, env: Env): ProxyDecision {
  if (isLoopbackHost(target.hostname)) {
    return { source: 'loopback' };
  }
  const fromSettings = settings?.url?.trim();
  const fromEnv = target.protocol === 'https:' ? (envValue(env, 'https_proxy') ?? envValue(env, 'http_proxy')) : envValue(env, 'http_proxy');
  const proxyUrl = fromSettings || fromEnv;
  if (!proxyUrl) {
    return { source: 'none' };
  }
  const noProxy = settings?.noProxy?.length ? settings.noProxy : parseNoProxy(envValue(env, 'no_proxy'));
  if (matchesNoProxy(target, noProxy)) {
    return { source: 'no_proxy' };
  }
  return { proxyUrl: normalizeProxyUrl(proxyUrl), source: fromSettings ? 'settings' : 'env' };
}

/** The proxy URL without credentials, safe for logs and messages. */
export function describeProxy(proxyUrl: string): string {
  try {
    const url = new URL(proxyUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return '(unparseable proxy URL)';
  }
}

/** Proxy URL schemes the client's own transport can use: an HTTP CONNECT proxy (plain or TLS) or SOCKS5. */
export type ProxyKind = 'http' | 'socks5' | 'socks4' | 'unknown';

export function proxyKind(proxyUrl: URL): ProxyKind {
  switch (proxyUrl.protocol) {
    case 'http:':
    case 'https:':
      return 'http';
    case 'socks:':
    case 'socks5:':
    case 'socks5h:':
      return 'socks5';
    case 'socks4:':
    case 'socks4a:':
      return 'socks4';
    default:
      return 'unknown';
  }
}

/** Why requests cannot go through the host's fetch (VS Code's), so the client's own transport must carry them. */
export type OwnTransportReason = 'loopback' | 'fetch_support_off' | 'strict_ssl_off' | 'proxy_authorization' | 'socks_proxy';

/**
 * Whether the client's own transport, rather than the host's fetch, must carry requests to
 * `target`, and why; undefined when the host's fetch can. A loopback target is always reached
 * directly, by the client's own transport (SailClient enforces it too). VS Code's patched fetch
 * (@vscode/proxy-agent's createFetchPatch) checks every certificate whatever http.proxyStrictSSL
 * says, never sends http.proxyAuthorization, and speaks TLS to a SOCKS proxy, which then fails;
 * with http.fetchAdditionalSupport off it applies no proxy or certificate support at all.
 */
export function ownTransportReason(target: URL, settings: ProxySettings, env: Env, hostFetchSupport: boolean): OwnTransportReason | undefined {
  if (isLoopbackHost(target.hostname)) {
    return 'loopback';
  }
  if (!hostFetchSupport) {
    return 'fetch_support_off';
  }
  if (settings.strictSSL === false) {
    return 'strict_ssl_off';
  }
  if (settings.authorization?.trim()) {
    return 'proxy_authorization';
  }
  const { proxyUrl } = resolveProxy(target, settings, env);
  if (proxyUrl !== undefined && (!URL.canParse(proxyUrl) || proxyKind(new URL(proxyUrl)) !== 'http')) {
    return 'socks_proxy';
  }
  return undefined;
}
