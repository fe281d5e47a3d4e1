import * as vscode from 'vscode';
import { readConfig, type ConfigProblem, type SailConfig } from '../config';
import { notify, t } from './uiText';

/** The current `sail.*` configuration, re-read when it changes; problems are shown once per change. */
export class ConfigWatcher implements vscode.Disposable {
  private current: SailConfig;
  /** The problems last shown, so an unrelated settings change does not repeat the warning. */
  private shown = '';
  private readonly changed = new vscode.EventEmitter<SailConfig>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.current = this.read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('sail')) {
        this.current = this.read();
        this.changed.fire(this.current);
      }
    });
  }

  get config(): SailConfig {
    return this.current;
  }

  private read(): SailConfig {
    const { config, problems } = readConfig(vscode.workspace.getConfiguration('sail'));
    const summary = problems.map((p) => p.message).join('\n');
    if (summary && summary !== this.shown) {
      this.report(problems);
    }
    this.shown = summary;
    return config;
  }

  private report(problems: ConfigProblem[]): void {
    for (const problem of problems) {
      this.log.warn(problem.message);
    }
    const openSettings = t('Open Settings');
    const first = problems[0];
    const message = problems.length > 1 ? t('{0} (and {1} more; see the Sail log)', first.message, problems.length - 1) : t('{0}', first.message);
    void notify.warning(message, openSettings).then((choice) => {
      if (choice === openSettings) {
        void vscode.commands.executeCommand('workbench.action.openSettings', first.setting);
      }
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
