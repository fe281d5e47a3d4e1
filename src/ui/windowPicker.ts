import * as vscode from 'vscode';
import type { WindowSetting } from '../config';
import { pricesLabel, windowChoice } from '../render/cost';
import { parseWindow, type CompletionWindow } from '../sail/windows';
import type { PriceCatalog } from '../usage/catalog';
import { estimateWindows, type TokenCounts } from '../usage/estimate';
import { createQuickPick, icon, join, plain, t, type UiQuickPickItem, type UiText } from './uiText';

/** What the picker answers: a window, Sail's choice, or (Re-run) "another model". */
export type WindowPick = CompletionWindow | 'auto' | 'otherModel';

const WINDOW_ICONS = { asap: 'zap', priority: 'flame', standard: 'dashboard', flex: 'watch' } as const;

type Item = UiQuickPickItem & { pick: WindowPick };

export interface WindowPickerOptions {
  readonly title: UiText;
  readonly catalog: PriceCatalog;
  readonly model: string;
  /** The request's size: estimated input and output tokens. */
  readonly tokens: TokenCounts;
  /** The output figure is the configured ceiling (sail.maxOutputTokens) rather than a typical answer. */
  readonly outputCeiling: boolean;
  /** Offered first: the configured window (sail.completionWindow), or the one the job ran in. */
  readonly preferred: WindowSetting;
  /** Offered next: what the user chose last time for the same instruction. */
  readonly remembered?: CompletionWindow;
  /** Adds "Another model…" (Re-run). */
  readonly offerOtherModel?: boolean;
  /** Only these windows, and no "auto" (a batch's items run only in standard or flex). */
  readonly only?: readonly CompletionWindow[];
}

/**
 * A quick pick of the windows the model runs in, each with its typical turn time and what this
 * request would cost there; every figure is labelled an estimate. Shows at once: the figures are
 * computed from the text's length, nothing waits for the network.
 */
export function pickWindow(options: WindowPickerOptions): Promise<WindowPick | undefined> {
  const { only } = options;
  const estimates = estimateWindows(options.catalog, options.model, options.tokens).filter((e) => !only || only.includes(e.window));
  const preferred = options.preferred === 'auto' ? 'auto' : parseWindow(options.preferred);
  const items: Item[] = estimates.map((estimate) => {
    const choice = windowChoice(estimate);
    return {
      pick: estimate.window,
      label: join([icon(WINDOW_ICONS[estimate.window]), plain(choice.name)]),
      description: t('{0}', choice.time),
      detail: t('{0}', choice.price),
    };
  });
  const auto: Item = {
    pick: 'auto',
    label: join([icon('sparkle'), t('auto')]),
    description: t('Sail chooses the fastest window the model supports'),
    detail: t('Priced as the window Sail chooses'),
  };
  if (!only) {
    items.push(auto);
  }
  const rank = (pick: WindowPick) => (pick === preferred ? 0 : pick === options.remembered ? 1 : 2);
  items.sort((a, b) => rank(a.pick) - rank(b.pick));
  for (const item of items) {
    if (item.pick === preferred) {
      item.description = join([item.description ?? t(''), t('(default)')], ' ');
    } else if (item.pick === options.remembered) {
      item.description = join([item.description ?? t(''), t('(your last choice for this instruction)')], ' ');
    }
  }
  if (options.offerOtherModel) {
    items.push({ pick: 'otherModel', label: join([icon('symbol-class'), t('Another model…')]), description: t('now {0}', options.model) });
  }
  const known = options.catalog.knowsWindows(options.model);
  const quickPick = createQuickPick<Item>();
  quickPick.title = t('{0} — {1}', options.title, options.model);
  quickPick.placeholder = vscode.l10n.t(
    '≈ {0} tokens in (from the length), {1} {2} out · {3}{4}',
    options.tokens.input.toLocaleString('en-US'),
    options.outputCeiling ? vscode.l10n.t('at most') : '≈',
    options.tokens.output.toLocaleString('en-US'),
    pricesLabel(options.catalog.pricesDate(options.model)),
    known ? '' : vscode.l10n.t(' · this model’s windows are not known: all are offered'),
  );
  quickPick.matchOnDetail = true;
  quickPick.ignoreFocusOut = true;
  quickPick.items = items;
  return new Promise((resolve) => {
    quickPick.onDidAccept(() => {
      resolve(quickPick.selectedItems[0]?.pick);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}
