/**
 * The one path from text to VS Code surfaces that interpret markup (notifications and modals, quick
 * picks, status-bar messages, view titles, tooltips). A `UiText` is our own translated words with
 * every argument neutralized (`t`), or an untrusted value neutralized on its own (`plain`); the
 * wrappers below accept nothing else, and lint forbids calling VS Code's versions directly, so a new
 * call site cannot forget the escaping. The rules themselves live in the pure `render/untrusted`.
 */
import * as vscode from 'vscode';
import { markdownText, neutralize } from '../render/untrusted';

declare const uiText: unique symbol;
/** Text fit for a surface that interprets markup. Made only by the functions in this module. */
export type UiText = string & { readonly [uiText]: true };

/** Longest a single argument may be: room for our own sentences (errors' advice), not for a flood. */
const MAX_ARGUMENT = 300;

/** Our translated words (`vscode.l10n.t`), each argument neutralized: file names, titles, server text. */
export function t(message: string, ...args: Array<string | number | boolean>): UiText {
  return vscode.l10n.t(message, ...args.map((arg) => (typeof arg === 'string' ? neutralize(arg, MAX_ARGUMENT) : arg))) as UiText;
}

/** An untrusted value on its own, e.g. a job title as a panel title or a model id as a label. */
export function plain(value: unknown, maxLength?: number): UiText {
  return neutralize(value, maxLength) as UiText;
}

/** A codicon we chose, e.g. `icon('sync~spin')`. */
export function icon(name: 'copy' | 'edit' | 'key' | 'send' | 'sync~spin' | 'files' | 'file-code' | StateIcon | WindowIcon | ReviewIcon): UiText {
  return `$(${name})` as UiText;
}
type WindowIcon = 'zap' | 'flame' | 'dashboard' | 'watch' | 'sparkle' | 'symbol-class';
type StateIcon = 'cloud-upload' | 'clock' | 'pass' | 'warning' | 'error' | 'circle-slash' | 'history' | 'eye-closed';
type ReviewIcon = 'check' | 'check-all' | 'debug-step-over' | 'close' | 'diff';

/** Joins texts that are each already safe. */
export function join(parts: readonly UiText[], separator = ' '): UiText {
  return parts.join(separator) as UiText;
}

/** Untrusted text for a MarkdownString (Markdown and HTML syntax escaped too). */
export function markdown(value: unknown, maxLength?: number): string {
  return markdownText(value, maxLength);
}

export interface UiMessageOptions {
  readonly modal?: boolean;
  readonly detail?: UiText;
}

type Show = <T extends UiText>(message: UiText, ...rest: Array<UiMessageOptions | T>) => Thenable<T | undefined>;

function wrap(show: (message: string, ...rest: unknown[]) => Thenable<unknown>): Show {
  return (message, ...rest) => show(message, ...rest) as Thenable<never>;
}

/** Notifications and modal messages. Buttons are `UiText` too, and come back as chosen. */
export const notify = {
  // eslint-disable-next-line no-restricted-syntax -- the one place allowed to call it
  info: wrap((message, ...rest) => vscode.window.showInformationMessage(message, ...(rest as string[]))),
  // eslint-disable-next-line no-restricted-syntax -- the one place allowed to call it
  warning: wrap((message, ...rest) => vscode.window.showWarningMessage(message, ...(rest as string[]))),
  // eslint-disable-next-line no-restricted-syntax -- the one place allowed to call it
  error: wrap((message, ...rest) => vscode.window.showErrorMessage(message, ...(rest as string[]))),
};

/** A passing message in the status bar. */
export function statusMessage(text: UiText, hideAfterMs: number): vscode.Disposable {
  // eslint-disable-next-line no-restricted-syntax -- the one place allowed to call it
  return vscode.window.setStatusBarMessage(text, hideAfterMs);
}

export interface UiQuickPickItem extends vscode.QuickPickItem {
  label: UiText;
  description?: UiText;
  detail?: UiText;
}

/** A quick pick whose rows can only hold `UiText`. */
export function createQuickPick<T extends UiQuickPickItem>(): vscode.QuickPick<T> {
  // eslint-disable-next-line no-restricted-syntax -- the one place allowed to call it
  return vscode.window.createQuickPick<T>();
}

export function showQuickPick<T extends UiQuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions & { title?: UiText }): Thenable<T | undefined> {
  // eslint-disable-next-line no-restricted-syntax -- the one place allowed to call it
  return vscode.window.showQuickPick(items, options);
}
