import * as vscode from 'vscode';
import { accountLines } from '../render/account';
import { usageSummaryText } from '../render/cost';
import type { UsageLedger } from '../usage/usageLedger';
import type { AccountService } from './account';
import type { HeaderRow, JobsHeaders } from './jobsView';
import { markdown } from './uiText';

function table(title: string, rows: readonly (readonly [string, string])[], footer?: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(`**${markdown(title)}**\n\n`);
  for (const [label, value] of rows) {
    md.appendMarkdown(`${markdown(label)}: ${markdown(value, 200)}  \n`);
  }
  if (footer) {
    md.appendMarkdown(`\n${markdown(footer)}`);
  }
  return md;
}

function accountRow(account: AccountService): HeaderRow | undefined {
  const state = account.current();
  const refresh: vscode.Command = { command: 'sail.refreshAccount', title: vscode.l10n.t('Refresh Account') };
  switch (state.kind) {
    case 'off':
      return undefined;
    case 'loading':
      return { id: 'account', label: vscode.l10n.t('Account'), description: vscode.l10n.t('loading…'), icon: 'loading~spin', command: refresh };
    case 'unavailable':
      return {
        id: 'account',
        label: vscode.l10n.t('Account'),
        description: vscode.l10n.t('figures unavailable'),
        icon: 'account',
        tooltip: table(vscode.l10n.t('Sail account'), [[vscode.l10n.t('Why'), state.reason]], vscode.l10n.t('Click to try again.')),
        command: refresh,
      };
    case 'ok': {
      const lines = accountLines(state.summary);
      const find = (figure: string) => lines.find((line) => line.figure === figure)?.value;
      const balance = find('balance');
      const spend = find('spend');
      const days = find('daysRemaining');
      const rest = [spend && vscode.l10n.t('{0} spent', spend), days && vscode.l10n.t('{0} left', days)].filter((v) => v !== undefined);
      return {
        id: 'account',
        label: balance ? vscode.l10n.t('Balance {0}', balance) : vscode.l10n.t('Account'),
        description: rest.join(' · '),
        icon: 'account',
        tooltip: table(
          vscode.l10n.t('Sail account'),
          lines.map((line) => [line.label, line.value] as const),
          vscode.l10n.t('From Sail’s Usage API at {0}. Click to refresh.', new Date(state.fetchedAt).toLocaleTimeString()),
        ),
        command: refresh,
        contextValue: 'sail.account',
      };
    }
  }
}

function usageRow(usage: UsageLedger, now: number): HeaderRow | undefined {
  if (usage.size === 0) {
    return undefined;
  }
  const { description, lines } = usageSummaryText(usage.summary(now));
  return {
    id: 'usage',
    label: vscode.l10n.t('Usage'),
    description,
    icon: 'graph',
    tooltip: table(vscode.l10n.t('Your Sail usage (estimates, from this machine’s jobs)'), lines, vscode.l10n.t('Click to export it as CSV or JSON.')),
    command: { command: 'sail.exportUsage', title: vscode.l10n.t('Export Usage…') },
    contextValue: 'sail.usage',
  };
}

/** The rows above the jobs: the account's figures (Sail's Usage API) and the usage summary (the local ledger). */
export function viewHeaders(account: AccountService, usage: UsageLedger): JobsHeaders {
  return {
    rows: () => [accountRow(account), usageRow(usage, Date.now())].filter((row) => row !== undefined),
    onDidChange: (listener) => {
      const subscriptions = [account.onDidChange(listener), usage.onDidChange(listener)];
      return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
    },
    shown: () => {
      void account.refresh();
      usage.load().catch(() => undefined);
    },
  };
}
