import * as vscode from 'vscode';
import { isBatch, mayHaveReachedSail, refusedAsSent } from '../jobs/job';
import type { JobTracker } from '../jobs/jobTracker';
import { rebuildRequest, type RequestOverrides } from '../jobs/prompt';
import { firstProblem, problemText, type LoadedPrompt } from '../prompts/library';
import type { ConfigWatcher } from './configWatcher';
import { jobIdOf } from './jobsView';
import type { PromptLibrary } from './promptLibrary';
import { icon, join, notify, statusMessage, t } from './uiText';

export interface SendAgainDeps {
  readonly tracker: JobTracker;
  readonly configs: ConfigWatcher;
  readonly prompts: PromptLibrary;
}

/** `sail.sendAgain` (a job id, or a row of the Sail view): from the view, a notification, a result view. */
export function registerSendAgain(deps: SendAgainDeps): vscode.Disposable {
  return vscode.commands.registerCommand('sail.sendAgain', async (arg?: unknown) => {
    const id = jobIdOf(arg);
    if (id) {
      await sendAgain(deps, id);
    }
  });
}

/**
 * Send Again, from the result view or a notification. Asks first when an earlier attempt may have
 * reached Sail (it could run, and bill, twice); offers the current settings when Sail refused the
 * request as it was (the stored body would be refused again); says why when it cannot be done here.
 */
export async function sendAgain(deps: SendAgainDeps, jobId: string): Promise<void> {
  const { tracker, configs } = deps;
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
    // A prompt file's job takes the prompt file's options and format as they are now (the user may
    // have fixed it); its instruction was filled in when it was sent and stays as sent.
    const prompt = job.prompt === undefined ? undefined : (await deps.prompts.load()).find((p) => p.uri === job.prompt);
    const batch = isBatch(job);
    const what = batch ? t('(model, limits; each file keeps its completion window)') : t('(model, completion window, limits)');
    const detail = join(
      [
        prompt
          ? t('With the current settings and the options of the prompt file {0} as it is now {1}, it goes as a new request.', `${prompt.file.name}.md`, what)
          : t('With the current settings {0}, it goes as a new request.', what),
        ...(job.prompt !== undefined && !prompt
          ? [
              t(
                'The prompt file it came from is not read in this window (moved, deleted, in a folder not open here, or in Restricted Mode): the settings alone apply.',
              ),
            ]
          : []),
        t('As before, it is the same request again.'),
      ],
      ' ',
    );
    const choice = await notify.warning(
      t('Sail refused "{0}" as it was sent. Send it with the current settings instead?', job.title),
      { modal: true, detail },
      current,
      asBefore,
    );
    if (choice === current) {
      const overrides = prompt && (await promptOverrides(deps.prompts, prompt));
      if (prompt && !overrides) {
        return;
      }
      const sent = await tracker.sendAsNew(job.id, (request) => rebuildRequest(configs.config, request, { prompt: overrides, keepWindow: batch }));
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

/**
 * What a prompt file sets for a request now, over the settings; undefined, after saying why, when
 * it cannot be used as it is (a problem in it, a schema that cannot be read).
 */
async function promptOverrides(prompts: PromptLibrary, prompt: LoadedPrompt): Promise<RequestOverrides | undefined> {
  const problem = prompt.file.valid ? undefined : firstProblem(prompt);
  if (problem) {
    void notify.error(t('Nothing was sent: the prompt file has a problem ({0}). Fix it, then Send Again.', problemText(prompt, problem)));
    return undefined;
  }
  const read = await prompts.requestOptions(prompt);
  if ('error' in read) {
    void notify.error(t('Nothing was sent: {0}', read.error));
    return undefined;
  }
  return read.overrides;
}
