import { mayHaveReachedSail, refusedAsSent } from '../jobs/job';
import type { JobTracker } from '../jobs/jobTracker';
import { rebuildRequest } from '../jobs/prompt';
import type { ConfigWatcher } from './configWatcher';
import { icon, join, notify, statusMessage, t } from './uiText';

/**
 * Send Again, from the result view or a notification. Asks first when an earlier attempt may have
 * reached Sail (it could run, and bill, twice); offers the current settings when Sail refused the
 * request as it was (the stored body would be refused again); says why when it cannot be done here.
 */
export async function sendAgain(tracker: JobTracker, configs: ConfigWatcher, jobId: string): Promise<void> {
  const job = await tracker.find(jobId);
  if (!job) {
    return;
  }
  if (mayHaveReachedSail(job)) {
    const send = t('Send Now');
    const choice = await notify.warning(
      t('Send "{0}" now, with the current API key and base URL?', job.title),
      {
        modal: true,
        detail: t(
          'Sail never confirmed the earlier attempt. If it did reach Sail, sending the request with another key, to another URL, or after Sail forgot it (48 hours), runs it, and bills it, a second time.',
        ),
      },
      send,
    );
    if (choice !== send) {
      return;
    }
  } else if (refusedAsSent(job)) {
    const current = t('Send with Current Settings');
    const asBefore = t('Send as Before');
    const choice = await notify.warning(
      t('Sail refused "{0}" as it was sent. Send it with the current settings instead?', job.title),
      {
        modal: true,
        detail: t('With the current settings (model, completion window, limits) it goes as a new request. As before, it is the same request again.'),
      },
      current,
      asBefore,
    );
    if (choice === current) {
      const sent = await tracker.sendAsNew(job.id, (request) => rebuildRequest(configs.config, request));
      if (!sent) {
        void notify.warning(t('This request is stored on another machine (a VS Code Remote window wrote it down). Send it again from that window.'));
      } else if (sent.state !== 'failed') {
        statusMessage(join([icon('send'), t('Sent to Sail: {0}', sent.title)]), 5000);
      }
      return;
    }
    if (choice !== asBefore) {
      return;
    }
  }
  const result = await tracker.retry(jobId);
  if (result === 'elsewhere') {
    void notify.warning(t('This request is stored on another machine (a VS Code Remote window wrote it down). Send it again from that window.'));
  } else if (result === 'busy') {
    statusMessage(join([icon('sync~spin'), t('Sail is sending this request already')]), 3000);
  }
}
