/**
 * A job's error in words. Records hold only a kind and what the server said (see JobError in
 * jobs/job.ts); the sentence is made here, when it is shown, so it is in the current display
 * language. A SailError's kinds read exactly as the live error did (sail/errors.ts `failureText`
 * writes both); only the job core's own kinds have words here. The server's words are quoted only
 * neutralized: they never become a link, an icon or a second line on any surface.
 */
import * as l10n from '@vscode/l10n';
import type { JobError } from '../jobs/job';
import { failureText } from '../sail/errors';
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
  switch (error.kind) {
    case 'gone':
      // The poller's 404 for a job Sail had accepted: the result is gone, as a GET's 404 says.
      return failureText({ kind: 'not_found' });
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
    default:
      // A stored not_found is the send's: a POST answered 404, so the address is wrong. A job is
      // rate-limited only by Sail's 429 (records from before statuses were stored have none), and
      // Retry-After is not stored, so it names no wait.
      return failureText({
        kind: error.kind,
        status: error.kind === 'rate_limited' ? (error.status ?? 429) : error.status,
        code: error.code,
        detail,
        host: hostOf(baseUrl),
        wrongAddress: error.kind === 'not_found',
      });
  }
}

/** host:port of the address the job was sent to, as the client names it. */
function hostOf(baseUrl: string | undefined): string | undefined {
  return baseUrl !== undefined && URL.canParse(baseUrl) ? new URL(baseUrl).host : undefined;
}
