/**
 * Sail base URLs: https anywhere, plain http only to this machine (the local simulator or a
 * loopback proxy), so the API key never travels unencrypted.
 */
import * as l10n from '@vscode/l10n';

export type BaseUrlCheck = { ok: true; url: string } | { ok: false; message: string };

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export function checkBaseUrl(raw: string): BaseUrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    return { ok: false, message: l10n.t('"{0}" is not a URL. Use e.g. https://api.sailresearch.com/v1.', raw) };
  }
  if (parsed.username || parsed.password) {
    return { ok: false, message: l10n.t('The base URL must not contain a user name or password.') };
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    return { ok: false, message: l10n.t('Plain http is allowed only for loopback addresses; use https for {0}.', parsed.host) };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return { ok: false, message: l10n.t('Unsupported protocol {0} in the base URL; use https.', parsed.protocol) };
  }
  if (parsed.search || parsed.hash) {
    return { ok: false, message: l10n.t('The base URL must not have a query or fragment.') };
  }
  return { ok: true, url: parsed.href.replace(/\/+$/, '') };
}

/**
 * Whether a base URL is Sail's own API (or this machine: the simulator), which takes batches. Any
 * other OpenAI-compatible endpoint gets one request per file instead (see filesKind).
 */
export function takesBatches(url: string): boolean {
  try {
    const { hostname } = new URL(url);
    return hostname === 'sailresearch.com' || hostname.endsWith('.sailresearch.com') || isLoopbackHost(hostname);
  } catch {
    return false;
  }
}
