import * as tls from 'node:tls';
import * as vscode from 'vscode';
import type { SailConfig } from '../config';
import { SailClient } from '../sail/client';
import { SailError } from '../sail/errors';
import { ownTransportReason, type OwnTransportReason, type ProxySettings } from '../sail/proxy';
import type { ApiKeyStore } from './apiKeyStore';
import type { ConfigWatcher } from './configWatcher';

/** For the log. */
const OWN_TRANSPORT_REASONS: Record<OwnTransportReason, string> = {
  loopback: 'a loopback base URL, which is never sent through a proxy',
  fetch_support_off: 'http.fetchAdditionalSupport: false',
  strict_ssl_off: 'http.proxyStrictSSL: false',
  proxy_authorization: 'http.proxyAuthorization',
  socks_proxy: 'a SOCKS proxy, which VS Code cannot use for extensions',
};

/** Which of Sail's APIs a provider's client talks to: the setting that names its base URL. */
export interface ClientTarget {
  readonly setting: 'sail.baseUrl' | 'sail.usageBaseUrl';
  readonly baseUrl: (config: SailConfig) => string | undefined;
}

/** Responses, models, batches. */
export const INFERENCE_API: ClientTarget = { setting: 'sail.baseUrl', baseUrl: (config) => config.baseUrl };
/** The Usage API (account figures): another host, the same key and network settings. */
export const USAGE_API: ClientTarget = { setting: 'sail.usageBaseUrl', baseUrl: (config) => config.usageBaseUrl };

/**
 * One SailClient for the current base URL and VS Code's network settings, rebuilt when either
 * changes. The key is read from SecretStorage on every request.
 *
 * Sail's requests go through the extension host's global fetch, which VS Code patches
 * (`http.fetchAdditionalSupport`) so that it follows the system or PAC proxy, `http.proxy`,
 * `http.noProxy`, `http.proxySupport`, the OS certificate store (`http.systemCertificates`) and
 * answers proxy authentication (Kerberos, or credentials VS Code asks for) — as every extension's
 * fetch does. That fetch cannot send `http.proxyAuthorization`, skip certificate checks or use a
 * SOCKS proxy, so in those cases (and with the patch turned off) the client uses its own transport
 * with `http.proxy` / HTTPS_PROXY and the OS certificates Node can read (ownTransportReason). A
 * loopback base URL is always reached directly (SailClient).
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
    private readonly target: ClientTarget = INFERENCE_API,
  ) {
    this.subscriptions.push(
      configs.onDidChange((config) => {
        if (target.baseUrl(config) !== this.clientBaseUrl) {
          this.reset();
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('http')) {
          this.reset();
        }
      }),
    );
  }

  /** The client, or a SailError saying what to fix. */
  get(): SailClient {
    if (!this.client) {
      this.client = this.create(this.configs.config);
      this.clientBaseUrl = this.target.baseUrl(this.configs.config);
    }
    return this.client;
  }

  private create(config: SailConfig): SailClient {
    const baseUrl = this.target.baseUrl(config);
    if (!baseUrl) {
      throw new SailError('invalid_request', `${this.target.setting} is invalid or empty`, {
        userMessage: vscode.l10n.t('The setting {0} is invalid; fix it in your user settings.', this.target.setting),
      });
    }
    const http = vscode.workspace.getConfiguration('http');
    const strictSSL = http.get<boolean>('proxyStrictSSL') ?? true;
    // http.proxySupport: off means VS Code gives extensions no proxy, so neither does Sail's own transport.
    const proxySupportOff = http.get<string>('proxySupport') === 'off';
    const proxy: ProxySettings = proxySupportOff
      ? { strictSSL }
      : {
          url: http.get<string>('proxy')?.trim() || undefined,
          noProxy: http.get<string[]>('noProxy') ?? [],
          strictSSL,
          authorization: http.get<string | null>('proxyAuthorization')?.trim() || undefined,
        };
    const env = proxySupportOff ? {} : process.env;
    const ownTransport = ownTransportReason(new URL(baseUrl), proxy, env, http.get<boolean>('fetchAdditionalSupport') ?? true);
    if (ownTransport) {
      this.log.info(`Sail uses its own network transport, not VS Code's, because of ${OWN_TRANSPORT_REASONS[ownTransport]}`);
    }
    return new SailClient({
      baseUrl,
      getApiKey: () => this.apiKey.get(),
      // Looked up per request: VS Code installs its patched fetch before extensions run.
      fetch: ownTransport ? undefined : (input, init) => globalThis.fetch(input, init),
      proxy,
      env,
      trustedCertificates: ownTransport && http.get<boolean>('systemCertificates') !== false ? this.systemCertificates() : undefined,
      logger: this.log,
      userAgent: this.userAgent,
    });
  }

  /** The OS certificate store, where this Node can read it (22.15 and later); otherwise Node's own plus NODE_EXTRA_CA_CERTS apply. */
  private systemCertificates(): string[] | undefined {
    const list = (tls as { getCACertificates?: (type: 'system') => string[] }).getCACertificates;
    try {
      return list?.('system');
    } catch (error) {
      this.log.warn(`Could not read the system certificates: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
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
