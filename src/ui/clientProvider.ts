import * as vscode from 'vscode';
import type { SailConfig } from '../config';
import { SailClient } from '../sail/client';
import { SailError } from '../sail/errors';
import type { ApiKeyStore } from './apiKeyStore';
import type { ConfigWatcher } from './configWatcher';

/**
 * One SailClient (one connection pool) for the current base URL and VS Code's proxy settings,
 * rebuilt when either changes. The key is read from SecretStorage on every request.
 */
export class ClientProvider implements vscode.Disposable {
  private client: SailClient | undefined;
  private clientBaseUrl: string | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly configs: ConfigWatcher,
    private readonly apiKey: ApiKeyStore,
    private readonly log: vscode.LogOutputChannel,
    private readonly userAgent: string,
  ) {
    this.subscriptions.push(
      configs.onDidChange((config) => {
        if (config.baseUrl !== this.clientBaseUrl) {
          this.reset();
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('http.proxy') || e.affectsConfiguration('http.noProxy') || e.affectsConfiguration('http.proxyStrictSSL')) {
          this.reset();
        }
      }),
    );
  }

  /** The client, or a SailError saying what to fix. */
  get(): SailClient {
    if (!this.client) {
      this.client = this.create(this.configs.config);
      this.clientBaseUrl = this.configs.config.baseUrl;
    }
    return this.client;
  }

  private create(config: SailConfig): SailClient {
    if (!config.baseUrl) {
      throw new SailError('invalid_request', 'sail.baseUrl is invalid', {
        userMessage: vscode.l10n.t('The setting sail.baseUrl is invalid; fix it in your user settings.'),
      });
    }
    const http = vscode.workspace.getConfiguration('http');
    const proxyUrl = http.get<string>('proxy')?.trim();
    return new SailClient({
      baseUrl: config.baseUrl,
      getApiKey: () => this.apiKey.get(),
      proxy: {
        url: proxyUrl ? proxyUrl : undefined,
        noProxy: http.get<string[]>('noProxy') ?? [],
        strictSSL: http.get<boolean>('proxyStrictSSL') ?? true,
      },
      logger: this.log,
      userAgent: this.userAgent,
    });
  }

  private reset(): void {
    const old = this.client;
    this.client = undefined;
    void old?.close();
  }

  dispose(): void {
    this.reset();
    for (const s of this.subscriptions) {
      s.dispose();
    }
  }
}
