import * as vscode from 'vscode';
import { isBatch } from '../jobs/job';
import type { JobTracker } from '../jobs/jobTracker';
import { requestText, withModelAndWindow } from '../jobs/prompt';
import { SailError } from '../sail/errors';
import type { CompletionWindow } from '../sail/windows';
import { priceCatalog } from '../usage/catalog';
import { estimateInputTokens, estimateOutputTokens } from '../usage/estimate';
import type { ClientProvider } from '../ui/clientProvider';
import type { ConfigWatcher } from '../ui/configWatcher';
import { jobIdOf } from '../ui/jobsView';
import { notify, plain, showQuickPick, statusMessage, icon, join, t } from '../ui/uiText';
import { pickWindow } from '../ui/windowPicker';

/** Optional second argument (tests, keybindings): skips the pickers. */
interface RerunArgs {
  readonly model?: string;
  readonly completionWindow?: CompletionWindow | 'auto';
}

/** The models to offer: Sail's list when it answers, else the ones the price table knows. */
async function pickModel(clients: ClientProvider, current: string): Promise<string | undefined> {
  let ids: string[];
  try {
    ids = (await clients.get().listModels()).map((m) => m.id);
  } catch (error) {
    void notify.warning(t('Could not list Sail models: {0}', error instanceof SailError ? error.userMessage : String(error)));
    return undefined;
  }
  const picked = await showQuickPick(
    ids.map((id) => ({ label: plain(id), description: id === current ? t('as before') : undefined, id })),
    { title: t('Sail: Re-run with which model?') },
  );
  return picked?.id;
}

/**
 * Re-run: the same input as a *new* job (a new idempotency key), at the same or another model and
 * window, chosen in the window picker with each window's typical time and this request's estimated
 * cost. The old job stays as it was.
 */
export function registerRerun(tracker: JobTracker, configs: ConfigWatcher, clients: ClientProvider): vscode.Disposable {
  return vscode.commands.registerCommand('sail.rerun', async (arg?: unknown, options?: RerunArgs) => {
    const id = jobIdOf(arg);
    const job = id ? await tracker.find(id) : undefined;
    const request = id ? await tracker.request(id) : undefined;
    if (!job || !request) {
      void notify.warning(
        job
          ? t('This request is stored on another machine (a VS Code Remote window wrote it down). Re-run it from that window.')
          : t('That Sail job is no longer in the list.'),
      );
      return undefined;
    }
    if (isBatch(job)) {
      // A batch runs only in some windows, and its failed files have their own command.
      void notify.info(t('Re-run is for a single request. Use Re-run Failed Files, or send the files again.'));
      return undefined;
    }
    const config = configs.config;
    let model = options?.model ?? job.model;
    let window = options?.completionWindow;
    const inputTokens = estimateInputTokens(requestText(request));
    const output = estimateOutputTokens(inputTokens, request.max_output_tokens ?? null);
    while (window === undefined) {
      const picked = await pickWindow({
        title: t('Sail: Re-run "{0}"', job.title),
        catalog: priceCatalog(config.modelCatalog),
        model,
        tokens: { input: inputTokens, cached: 0, output: output.tokens },
        outputCeiling: output.ceiling,
        preferred: job.window ?? 'auto',
        offerOtherModel: true,
      });
      if (picked === undefined) {
        return undefined;
      }
      if (picked === 'otherModel') {
        model = (await pickModel(clients, model)) ?? model;
        continue;
      }
      window = picked;
    }
    const chosen = window;
    const sent = await tracker.sendAsNew(job.id, (previous) => withModelAndWindow(previous, model, chosen, config.background));
    if (sent && sent.state !== 'failed') {
      statusMessage(join([icon('send'), t('Sent to Sail again: {0}', sent.title)]), 5000);
    }
    return sent?.id;
  });
}
