/**
 * Sail base URLs: https anywhere, plain http only to this machine (the local simulator or a
 * loopback proxy), so the API key never travels unencrypted.
 */
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
    return { ok: false, message: `"${raw}" is not a URL. Use e.g. https://api.sailresearch.com/v1.` };
  }
  if (parsed.username || parsed.password) {
    return { ok: false, message: 'The base URL must not contain a user name or password.' };
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    return { ok: false, message: `Plain http is allowed only for loopback addresses; use https for ${parsed.host}.` };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return { ok: false, message: `Unsupported protocol ${parsed.protocol} in the base URL; use https.` };
  }
  if (parsed.search || parsed.hash) {
    return { ok: false, message: 'The base URL must not have a query or fragment.' };
  }
  return { ok: true, url: parsed.href.replace(/\/+$/, '') };
}
