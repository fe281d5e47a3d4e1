/**
 * What every send command shares: its optional argument, its dependencies, and the instruction
 * picker (a template from sail.prompts, or whatever the user types).
 */
import * as vscode from 'vscode';
import type { JobTracker } from '../jobs/jobTracker';
import { parseWindow, type CompletionWindow } from '../sail/windows';
import type { ApiKeyStore } from '../ui/apiKeyStore';
import type { ConfigWatcher } from '../ui/configWatcher';
import { createQuickPick, icon, join, plain, t, type UiQuickPickItem, type UiText } from '../ui/uiText';
import type { WindowMemory } from '../usage/windowMemory';

/** Optional argument of both send commands (keybindings, tests): skips the instruction prompt. */
export interface SendArgs {
  instruction?: string;
  model?: string;
  /** Skips the window picker; `balanced` and `standard` are one window. */
  completionWindow?: CompletionWindow | 'auto';
}

export interface SendDeps {
  readonly configs: ConfigWatcher;
  readonly apiKey: ApiKeyStore;
  readonly tracker: JobTracker;
  readonly log: vscode.LogOutputChannel;
  /** Mixed into the prompt-cache key, so it reveals no path. */
  readonly cacheSalt: string;
  /** The window last chosen per instruction. */
  readonly windows: WindowMemory;
}

export function asSendArgs(value: unknown): SendArgs {
  if (!value || typeof value !== 'object' || value instanceof vscode.Uri) {
    return {};
  }
  const { instruction, model, completionWindow } = value as Record<string, unknown>;
  return {
    instruction: typeof instruction === 'string' ? instruction : undefined,
    model: typeof model === 'string' ? model : undefined,
    completionWindow: completionWindow === 'auto' ? 'auto' : parseWindow(completionWindow),
  };
}

/** The instruction: a template from sail.prompts, or whatever the user types. */
export async function pickInstruction(deps: Pick<SendDeps, 'configs'>, what: UiText): Promise<string | undefined> {
  type Item = UiQuickPickItem & { instruction: string };
  // Prompts may come from a workspace's settings: shown as plain text, never as icons.
  const templates: Item[] = deps.configs.config.prompts.map((p) => ({
    label: plain(p.label, 80),
    description: p.description ? plain(p.description) : undefined,
    detail: plain(p.instruction),
    instruction: p.instruction,
  }));
  const quickPick = createQuickPick<Item>();
  quickPick.title = what;
  quickPick.placeholder = t('Pick an instruction, or type your own and press Enter');
  quickPick.matchOnDetail = true;
  quickPick.ignoreFocusOut = true;
  quickPick.items = templates;
  quickPick.onDidChangeValue((value) => {
    const typed = value.trim();
    const custom: Item[] = typed
      ? [{ label: join([icon('edit'), plain(typed)]), description: t('your instruction'), instruction: typed, alwaysShow: true }]
      : [];
    quickPick.items = [...custom, ...templates];
  });
  return new Promise((resolve) => {
    quickPick.onDidAccept(() => {
      const picked = quickPick.selectedItems[0]?.instruction ?? quickPick.value.trim();
      resolve(picked || undefined);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}
