import { priceCatalog } from '../usage/catalog';
import { jobCost, type JobCost } from '../usage/estimate';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { JobRecord } from '../jobs/job';
import { hashText } from '../jobs/prompt';
import type { JobTracker } from '../jobs/jobTracker';
import { canEditWith, jobView } from '../render/jobView';
import { itemJob } from '../render/batchItems';
import { codeForEditor } from '../render/markdown';
import { PanelStateSchema, WebviewMessageSchema, type HostMessage, type WebviewMessage } from '../render/messages';
import { resultPageHtml } from '../render/resultPage';
import { outputText } from '../sail/output';
import type { CreateResponseRequest, SailResponse, TextFormat } from '../sail/schemas';
import { checkStructured } from '../sail/structured';
import type { ConfigWatcher } from './configWatcher';
import { icon, join, notify, plain, statusMessage, t } from './uiText';

export const RESULT_VIEW_TYPE = 'sail.result';

function panelKey(jobId: string, customId: string | undefined): string {
  return customId === undefined ? jobId : `${jobId}\n${customId}`;
}
const PREVIEW_SCHEME = 'sail-preview';

/** Proposed documents shown on the right of a "replace" diff. */
class PreviewDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();

  set(uri: vscode.Uri, text: string): void {
    this.contents.set(uri.toString(), text);
  }

  delete(uri: vscode.Uri): void {
    this.contents.delete(uri.toString());
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }
}

/** One result view per job; they come back after a reload through the panel serializer. */
export class ResultPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ResultPanel>();
  private readonly previews = new PreviewDocuments();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The text editor the user worked in last: webviews take the focus, but "insert" goes there. */
  private lastEditor: vscode.TextEditor | undefined = vscode.window.activeTextEditor;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly tracker: JobTracker,
    private readonly log: vscode.LogOutputChannel,
    private readonly configs: ConfigWatcher,
  ) {
    const changes = tracker.onDidChange(({ job, removed }) => {
      for (const panel of this.panels.values()) {
        if (panel.jobId !== job.id) {
          continue;
        }
        if (removed) {
          panel.dispose();
        } else {
          void panel.update();
        }
      }
    });
    this.subscriptions.push(
      { dispose: () => changes.dispose() },
      vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this.previews),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor && editor.document.uri.scheme !== PREVIEW_SCHEME) {
          this.lastEditor = editor;
        }
      }),
      vscode.window.registerWebviewPanelSerializer(RESULT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => {
          // The job list may still be loading (its file copy, the history): look the job up once it is in.
          const parsed = PanelStateSchema.safeParse(state);
          if (!parsed.success || !(await tracker.find(parsed.data.jobId))) {
            panel.dispose();
            return;
          }
          this.attach(panel, parsed.data.jobId);
        },
      }),
    );
  }

  isOpen(jobId: string): boolean {
    return this.panels.has(jobId);
  }

  /** Shows the job's result view (or, with `customId`, one batch item's), creating it if needed. */
  open(jobId: string, options: { preserveFocus?: boolean; customId?: string } = {}): void {
    const key = panelKey(jobId, options.customId);
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal(options.preserveFocus ?? false);
      return;
    }
    const job = this.tracker.get(jobId);
    const panel = vscode.window.createWebviewPanel(
      RESULT_VIEW_TYPE,
      job && !options.customId ? plain(job.title, 80) : 'Sail',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: options.preserveFocus ?? false },
      this.webviewOptions(),
    );
    this.attach(panel, jobId, options.customId);
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel, jobId: string, customId?: string): void {
    panel.webview.options = this.webviewOptions();
    const key = panelKey(jobId, customId);
    const resultPanel = new ResultPanel(panel, jobId, customId, this.context.extensionUri, {
      tracker: this.tracker,
      log: this.log,
      act: (message, job, response, customId) => this.act(message, job, response, customId),
      costOf: (job) => jobCost(priceCatalog(this.configs.config.modelCatalog), job),
    });
    this.panels.set(key, resultPanel);
    panel.onDidDispose(() => this.panels.delete(key));
  }

  /** `customId`: the view shows one item of the batch `job`. */
  private async act(message: WebviewMessage, job: JobRecord, response: SailResponse | undefined, customId?: string): Promise<void> {
    const text = response ? outputText(response) : '';
    switch (message.type) {
      case 'copy':
        await vscode.env.clipboard.writeText(text);
        statusMessage(join([icon('copy'), t('Sail answer copied')]), 3000);
        return;
      case 'openUntitled': {
        const document = await vscode.workspace.openTextDocument({ content: text, language: 'markdown' });
        await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Active });
        return;
      }
      case 'openJson': {
        // Pretty when it parses; otherwise as it came, so the JSON editor points at what is wrong.
        const check = checkStructured(text, {});
        const document = await vscode.workspace.openTextDocument({ content: check.parsed ? check.pretty : text, language: 'json' });
        await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Active });
        return;
      }
      case 'insert':
      case 'replace':
        // The view offers these only for a whole answer; a stale view or a crafted message must not
        // put a cut-off (or missing) answer into the user's code.
        if (!canEditWith(job, response)) {
          void notify.warning(t('Only a completed answer can go into your code. Use Copy or Open as Document for this one.'));
          return;
        }
        return message.type === 'insert' ? this.insert(codeForEditor(text)) : this.replace(job, codeForEditor(text));
      case 'review':
        // The same as the Sail view's Review and Apply Result (for a batch's file: Review Changes on
        // that file alone): it checks the answer itself.
        await (customId === undefined
          ? vscode.commands.executeCommand('sail.applyResult', job.id)
          : vscode.commands.executeCommand('sail.reviewBatch', job.id, [customId]));
        return;
      case 'refresh':
        this.tracker.refresh(job.id);
        return;
      case 'stopTracking':
        return this.stopTracking(job);
      case 'retry':
        await vscode.commands.executeCommand('sail.sendAgain', job.id);
        return;
      case 'ready':
        return;
    }
  }

  private async insert(code: string): Promise<void> {
    const editor = this.lastEditor && vscode.window.visibleTextEditors.includes(this.lastEditor) ? this.lastEditor : vscode.window.visibleTextEditors[0];
    if (!editor) {
      void notify.warning(t('Open an editor to insert the answer into.'));
      return;
    }
    await editor.edit((edit) => edit.replace(editor.selection, code));
    await vscode.window.showTextDocument(editor.document, editor.viewColumn);
  }

  private async replace(job: JobRecord, code: string): Promise<void> {
    const source = job.source;
    if (!source?.range) {
      return;
    }
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(source.uri));
    const range = document.validateRange(
      new vscode.Range(source.range.start.line, source.range.start.character, source.range.end.line, source.range.end.character),
    );
    // Versions restart when a file is reopened, so compare the text itself when we have its hash.
    const current = document.getText(range);
    const changed = source.textHash ? hashText(current) !== source.textHash : document.version !== source.version;
    if (changed) {
      // The text changed since the request: show what the replacement would do, then ask.
      const proposed = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${job.id}/${Date.now()}/${source.fileName}` });
      this.previews.set(proposed, document.getText().slice(0, document.offsetAt(range.start)) + code + document.getText().slice(document.offsetAt(range.end)));
      await vscode.commands.executeCommand('vscode.diff', document.uri, proposed, t('{0} ↔ with Sail answer', source.fileName));
      const replace = t('Replace');
      const choice = await notify.warning(
        t('{0} changed since the request was sent. Replace lines {1}–{2} anyway?', source.fileName, range.start.line + 1, range.end.line + 1),
        { modal: true, detail: t('The diff shows the result.') },
        replace,
      );
      this.previews.delete(proposed);
      if (choice !== replace) {
        return;
      }
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, range, code);
    if (await vscode.workspace.applyEdit(edit)) {
      await vscode.window.showTextDocument(document, {
        selection: new vscode.Range(range.start, document.positionAt(document.offsetAt(range.start) + code.length)),
      });
    }
  }

  private async stopTracking(job: JobRecord): Promise<void> {
    const stop = t('Stop Tracking');
    const choice = await notify.warning(
      t('Stop tracking "{0}"?', job.title),
      {
        modal: true,
        detail: t('Sail has no way to cancel a job: it keeps running (and is billed) on Sail. The extension will just stop checking on it.'),
      },
      stop,
    );
    if (choice === stop) {
      await this.tracker.stopTracking(job.id);
    }
  }

  dispose(): void {
    for (const panel of this.panels.values()) {
      panel.dispose();
    }
    for (const s of this.subscriptions) {
      s.dispose();
    }
  }
}

interface PanelDeps {
  readonly tracker: JobTracker;
  readonly log: vscode.LogOutputChannel;
  readonly act: (message: WebviewMessage, job: JobRecord, response: SailResponse | undefined, customId?: string) => Promise<void>;
  /** The estimated cost of a job's usage at today's price table (sail.modelCatalog included). */
  readonly costOf: (job: JobRecord) => JobCost | undefined;
}

class ResultPanel {
  private ready = false;
  private requestFormat: TextFormat | undefined;
  private disposed = false;
  /** Updates run one after another, so the view never shows an older state after a newer one. */
  private updating: Promise<void> = Promise.resolve();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly jobId: string,
    /** One item of a batch job, when the view shows that. */
    private readonly customId: string | undefined,
    extensionUri: vscode.Uri,
    private readonly deps: PanelDeps,
  ) {
    const webview = panel.webview;
    const media = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', ...parts)).toString();
    webview.html = resultPageHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: media('dist', 'result.js'),
      styleUri: media('result.css'),
      codiconsUri: media('dist', 'codicons', 'codicon.css'),
      title: panel.title,
    });
    this.subscriptions.push(
      webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      panel.onDidChangeViewState(() => {
        if (panel.visible) {
          void this.deps.tracker.markSeen(this.jobId);
        }
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  reveal(preserveFocus: boolean): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  update(): Promise<void> {
    this.updating = this.updating
      .then(() => this.render())
      .catch((error: unknown) => {
        if (!this.disposed) {
          this.deps.log.warn(`Could not update the result view of job ${this.jobId}: ${error instanceof Error ? error.message : String(error)}`);
        }
      });
    return this.updating;
  }

  private async render(): Promise<void> {
    if (!this.ready || this.disposed) {
      return;
    }
    const subject = await this.subject();
    if (!subject) {
      await this.post({ type: 'missing', jobId: this.jobId, message: vscode.l10n.t('This job is no longer in the list.') });
      return;
    }
    const { job, response } = subject;
    this.panel.title = plain(job.title, 80);
    const format = await this.format();
    await this.post({
      type: 'update',
      view: jobView({ job, response, nextCheckAt: this.deps.tracker.nextPollAt(job.id), cost: this.deps.costOf(job), format }),
    });
    if (this.panel.visible) {
      await this.deps.tracker.markSeen(job.id);
    }
  }

  /** The request's output format — for a batch's file, its item's (it never changes, so it is read once). */
  private async format(): Promise<TextFormat | undefined> {
    if (this.requestFormat) {
      return this.requestFormat;
    }
    const stored = await this.deps.tracker.request(this.jobId);
    const batch = stored as { requests?: { custom_id?: string; params?: CreateResponseRequest }[] } | undefined;
    const format = this.customId === undefined ? stored?.text?.format : batch?.requests?.find((r) => r.custom_id === this.customId)?.params?.text?.format;
    // Kept once found; a request not readable yet is read again at the next update.
    this.requestFormat = format;
    return format;
  }

  /** The job shown and its answer: the job's own, or one batch item's (fetched now if not kept yet). */
  private async subject(): Promise<{ job: JobRecord; response: SailResponse | undefined } | undefined> {
    const job = this.deps.tracker.get(this.jobId) ?? (await this.deps.tracker.find(this.jobId));
    if (!job) {
      return undefined;
    }
    if (this.customId === undefined) {
      return { job, response: await this.deps.tracker.response(this.jobId) };
    }
    const item = (await this.deps.tracker.batchManifest(this.jobId))?.items.find((i) => i.customId === this.customId);
    if (!item) {
      return undefined;
    }
    const state = (await this.deps.tracker.batchStatus(this.jobId))?.items[item.customId]?.state ?? 'queued';
    const response = await this.deps.tracker.batchItem(this.jobId, item.customId);
    return { job: itemJob(job, item, state, response), response };
  }

  private async post(message: HostMessage): Promise<void> {
    await this.panel.webview.postMessage(message);
  }

  private async receive(raw: unknown): Promise<void> {
    const parsed = WebviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.deps.log.warn('Ignored an unexpected message from the result view');
      return;
    }
    if (parsed.data.type === 'ready') {
      this.ready = true;
      await this.update();
      return;
    }
    const subject = await this.subject();
    if (subject) {
      try {
        await this.deps.act(parsed.data, subject.job, subject.response, this.customId);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.deps.log.error(`Result view action ${parsed.data.type} failed: ${message}`);
        void notify.error(t('Sail: {0}', message));
      }
    }
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    for (const s of this.subscriptions.splice(0)) {
      s.dispose();
    }
    this.panel.dispose();
  }
}
