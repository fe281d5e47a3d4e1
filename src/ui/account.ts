import * as vscode from 'vscode';
import { accountProblemText } from '../render/account';
import { AccountFigures } from '../sail/accountFigures';
import type { AccountProblem, UsageSummary } from '../sail/usage';
import type { ApiKeyStore } from './apiKeyStore';
import { ClientProvider, USAGE_API } from './clientProvider';
import type { ConfigWatcher } from './configWatcher';

/** What the account figures are now, for the Sail view and the status bar's tooltip. */
export type AccountState =
  /** `sail.usageBaseUrl` is empty (or invalid, which ConfigWatcher reports), or no API key is set. */
  | { readonly kind: 'off' }
  /** Not fetched yet for this key and address; a request may be on the way. */
  | { readonly kind: 'loading' }
  /** `summary`: Sail's figures, money in cents (render/account words them); `fetchedAt`: wall-clock ms. */
  | { readonly kind: 'ok'; readonly summary: UsageSummary; readonly fetchedAt: number }
  /** `reason`: our own sentence for `problem` (never the server's text), saying what the user can do. */
  | { readonly kind: 'unavailable'; readonly problem: AccountProblem; readonly reason: string };

/**
 * The account's balance, spend and days remaining from Sail's Usage API (`sail.usageBaseUrl`, the
 * same key), through a client of its own that follows VS Code's network settings as the inference
 * client does. The policy is the pure AccountFigures: nothing is fetched until a view asks
 * (`refresh`), then at most every 5 minutes unless forced; a new key or address fetches again.
 */
export class AccountService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly figures: AccountFigures;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(configs: ConfigWatcher, apiKey: ApiKeyStore, log: vscode.LogOutputChannel, userAgent: string) {
    // Made first, so its client is rebuilt for a new address before the figures are fetched again.
    const clients = new ClientProvider(configs, apiKey, log, userAgent, USAGE_API);
    let usageBaseUrl = configs.config.usageBaseUrl;
    this.figures = new AccountFigures({
      usageBaseUrl: () => usageBaseUrl,
      api: () => clients.get(),
      apiKey: () => apiKey.get(),
      log,
      onDidChange: () => this.changed.fire(),
    });
    this.subscriptions.push(
      clients,
      configs.onDidChange((config) => {
        if (config.usageBaseUrl !== usageBaseUrl) {
          usageBaseUrl = config.usageBaseUrl;
          this.figures.restart();
        }
      }),
      apiKey.onDidChange(() => this.figures.restart()),
    );
  }

  current(): AccountState {
    const state = this.figures.current();
    return state.kind === 'unavailable' ? { ...state, reason: accountProblemText(state.problem) } : state;
  }

  /** Fetches the figures unless they were fetched less than 5 minutes ago (`force` skips that); never rejects. */
  refresh(force = false): Promise<void> {
    return this.figures.refresh(force);
  }

  dispose(): void {
    this.figures.dispose();
    for (const subscription of this.subscriptions.splice(0).reverse()) {
      subscription.dispose();
    }
    this.changed.dispose();
  }
}
