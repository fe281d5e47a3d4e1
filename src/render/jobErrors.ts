/**
 * A job's error in words. Records hold only a kind and what the server said (see JobError in
 * jobs/job.ts); the sentence is made here, when it is shown, so it is in the current display
 * language. The server's words are quoted only neutralized: they never become a link, an icon or a
 * second line on any surface.
 */
import * as l10n from '@vscode/l10n';
import type { JobError } from '../jobs/job';
import { isCertificateError, setKeyHint } from '../sail/errors';
import { neutralize } from './untrusted';

/** Room for a failed job's own explanation in the result view; notifications cut further. */
const DETAIL_MAX_LENGTH = 500;

/**
 * What went wrong, as a sentence that says what to do next. `baseUrl`: where the job was sent (the
 * job's own), named in connection problems. No error at all: Sail said the job failed, without why.
 */
export function jobErrorText(error: JobError | undefined, baseUrl?: string): string {
  if (!error) {
    return l10n.t('Sail reported that the job failed.');
  }
  const detail = error.detail !== undefined && error.detail.trim() !== '' ? neutralize(error.detail, DETAIL_MAX_LENGTH) : undefined;
  const host = hostOf(baseUrl);
  switch (error.kind) {
    case 'auth':
      return l10n.t('Sail rejected the API key. {0}', setKeyHint());
    case 'forbidden':
      return detail
        ? l10n.t(
            'The request was refused (HTTP 403): {0}. A proxy, firewall or gateway on the way may be blocking it: check sail.baseUrl and your proxy settings.',
            detail,
          )
        : l10n.t('The request was refused (HTTP 403). A proxy, firewall or gateway on the way may be blocking it: check sail.baseUrl and your proxy settings.');
    case 'invalid_request':
      return invalidRequestText(error.code, detail);
    case 'not_found':
      return l10n.t("Sail's API was not found at this address. Check the sail.baseUrl setting (it usually ends in /v1).");
    case 'gone':
      return l10n.t(
        'Sail no longer has this result: Sail keeps responses and batch results for at most 48 hours. Send the request again if you still need it.',
      );
    case 'rate_limited':
      return l10n.t('Sail is limiting the request rate. Try again later.');
    case 'server':
      return error.status !== undefined
        ? l10n.t('Sail had a server error (HTTP {0}). Try again in a minute; if it keeps failing, check https://status.sailresearch.com.', error.status)
        : l10n.t('Sail had a server error. Try again in a minute; if it keeps failing, check https://status.sailresearch.com.');
    case 'timeout':
      return timeoutText(error, host);
    case 'network':
      return networkText(error, host);
    case 'unexpected_response':
      return l10n.t("Sail sent a reply this extension does not understand. Try again; if it keeps happening, run 'Sail: Show Log' and report the log.");
    case 'aborted':
      return l10n.t('The request was cancelled.');
    case 'failed':
      // Sail's own explanation says it best; our words only when it gave none.
      return detail ?? l10n.t('Sail reported that the job failed.');
    case 'stale':
      return l10n.t(
        'This request was never confirmed by Sail and is over a day old, so it was not sent again on its own. Use Send Again if you still need it.',
      );
    case 'lost':
      return l10n.t('The stored request is missing, so it cannot be sent.');
    case 'error':
      return l10n.t("Something went wrong on this computer while sending it. Run 'Sail: Show Log' for details.");
  }
}

function invalidRequestText(code: string | undefined, detail: string | undefined): string {
  switch (code) {
    case 'idempotency_error':
      return l10n.t('Sail already has a different request under the same idempotency key. Send the request again as a new request.');
    case 'unsupported_asap_request':
      return l10n.t("The 'asap' completion window cannot run in the background. Pick another completion window, or send the request in the foreground.");
    default:
      return detail
        ? l10n.t('Sail refused the request: {0}. Check the model, completion window and request settings.', detail)
        : l10n.t('Sail refused the request. Check the model, completion window and request settings.');
  }
}

function timeoutText(error: JobError, host: string | undefined): string {
  if (error.status === 408) {
    return l10n.t('Sail took too long to finish the request. Try again, or send it as a background request.');
  }
  if (host !== undefined) {
    switch (error.code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return l10n.t('Timed out connecting to Sail at {0}. Check your connection and proxy settings, then try again.', host);
      case 'UND_ERR_BODY_TIMEOUT':
        return l10n.t('Timed out reading the reply from Sail at {0}. Check your connection and proxy settings, then try again.', host);
      case 'UND_ERR_HEADERS_TIMEOUT':
      case 'ETIMEDOUT':
        return l10n.t('Timed out waiting for Sail at {0}. Check your connection and proxy settings, then try again.', host);
    }
  }
  return l10n.t('Sail did not answer in time. Check your connection and proxy settings, then try again.');
}

function networkText(error: JobError, host: string | undefined): string {
  if (error.code === 'proxy_refused') {
    if (error.status === 407) {
      return l10n.t(
        "The proxy asks for credentials (HTTP 407). Put them in VS Code's http.proxy setting (http://user:password@host:port) or set http.proxyAuthorization, then try again.",
      );
    }
    return error.status !== undefined
      ? l10n.t(
          "The proxy refused to connect to Sail (HTTP {0}). Check the proxy address and credentials in VS Code's http.proxy setting.",
          String(error.status),
        )
      : l10n.t(
          "The SOCKS5 proxy did not accept Sail's credentials. Put them in VS Code's http.proxy setting (socks5://user:password@host:port), then try again.",
        );
  }
  if (error.code === 'proxy_unsupported') {
    return l10n.t("The proxy address is not an http://, https:// or socks5:// URL. Fix VS Code's http.proxy setting or the HTTPS_PROXY / HTTP_PROXY variable.");
  }
  if (host === undefined) {
    return l10n.t('Could not reach Sail. Check your network connection and proxy settings, then try again.');
  }
  if (isCertificateError(error.code)) {
    return l10n.t(
      "The TLS certificate of {0} was not accepted ({1}). If a corporate proxy inspects TLS, add its CA certificate to your operating system's certificate store and keep VS Code's http.systemCertificates on (turning off http.proxyStrictSSL also works, but checks no certificate at all).",
      host,
      error.code ?? '',
    );
  }
  return l10n.t('Could not reach Sail at {0}. Check your network connection and proxy settings, then try again.', host);
}

/** host:port of the address the job was sent to, as the client names it. */
function hostOf(baseUrl: string | undefined): string | undefined {
  return baseUrl !== undefined && URL.canParse(baseUrl) ? new URL(baseUrl).host : undefined;
}
