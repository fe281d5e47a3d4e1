/**
 * Sail's models in VS Code's own model list (`vscode.lm`, vendor `sail`): any extension, and the
 * editor's chat where the user's plan allows it, can send a conversation to Sail with
 * `vscode.lm.selectChatModels({ vendor: 'sail' })`. A provider must answer while the caller waits,
 * so it asks at asap, in the foreground; the background windows stay with Sail's own commands.
 *
 * The API was finalized in VS Code 1.104 and the extension supports 1.96: the provider is registered
 * only where `vscode.lm.registerLanguageModelChatProvider` exists, through the few declarations below
 * (the 1.96 typings do not have them). The mapping itself is the pure `src/lm`.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { responseStatus } from '../jobs/kinds';
import { endUserId } from '../jobs/prompt';
import { lmFailureOf } from '../lm/errors';
import { buildLmRequest, estimateTokenCount, LmMappingError, responseParts, type LmMessageLike, type LmResponseOptionsLike } from '../lm/messages';
import { lmModels, type LmModelInfo } from '../lm/models';
import { SailError } from '../sail/errors';
import { priceCatalog } from '../usage/catalog';
import { jobCost } from '../usage/estimate';
import type { UsageSource } from '../usage/usageEntry';
import type { UsageLedger } from '../usage/usageLedger';
import type { ApiKeyStore } from './apiKeyStore';
import type { ClientProvider } from './clientProvider';
import type { ConfigWatcher } from './configWatcher';

/** The vendor contributed in package.json (`languageModelChatProviders`). */
export const LM_VENDOR = 'sail';

/** The part of VS Code ≥ 1.104's `LanguageModelChatProvider` this provider implements. */
interface ChatProvider {
  readonly onDidChangeLanguageModelChatInformation?: vscode.Event<void>;
  provideLanguageModelChatInformation(options: { readonly silent: boolean }, token: vscode.CancellationToken): Promise<LmModelInfo[]>;
  provideLanguageModelChatResponse(
    model: LmModelInfo,
    messages: readonly LmMessageLike[],
    options: LmResponseOptionsLike,
    progress: vscode.Progress<unknown>,
    token: vscode.CancellationToken,
  ): Promise<void>;
  provideTokenCount(model: LmModelInfo, text: string | LmMessageLike, token: vscode.CancellationToken): Promise<number>;
}

type LmWithProviders = typeof vscode.lm & {
  registerLanguageModelChatProvider?: (vendor: string, provider: ChatProvider) => vscode.Disposable;
};

type PartConstructors = typeof vscode & {
  LanguageModelToolCallPart?: new (callId: string, name: string, input: object) => unknown;
};

export interface LmProviderDeps {
  readonly clients: ClientProvider;
  readonly configs: ConfigWatcher;
  readonly apiKey: ApiKeyStore;
  readonly usage: UsageLedger;
  readonly log: vscode.LogOutputChannel;
  /** The per-install secret behind the `user` id (sail.endUserId). */
  readonly salt: string;
}

/** Registers the `sail` vendor's provider, or nothing on a VS Code without the API. */
export function registerLmProvider(deps: LmProviderDeps): vscode.Disposable | undefined {
  const lm = vscode.lm as LmWithProviders;
  if (typeof lm.registerLanguageModelChatProvider !== 'function') {
    deps.log.info('This VS Code has no language-model provider API (1.104 or later): Sail models are not offered to its chat');
    return undefined;
  }
  const provider = new SailChatProvider(deps);
  const registration = lm.registerLanguageModelChatProvider(LM_VENDOR, provider);
  return vscode.Disposable.from(registration, provider);
}

class SailChatProvider implements ChatProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** A new key or other settings (base URL, price table): VS Code asks for the models again. */
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly deps: LmProviderDeps) {
    this.subscriptions = [this.changed, deps.apiKey.onDidChange(() => this.changed.fire()), deps.configs.onDidChange(() => this.changed.fire())];
  }

  dispose(): void {
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
  }

  async provideLanguageModelChatInformation(options: { readonly silent: boolean }, token: vscode.CancellationToken): Promise<LmModelInfo[]> {
    if ((await this.deps.apiKey.get()) === undefined) {
      // No key: no models. Asked silently (at start-up), nothing is shown; asked by the user (the
      // model manager), the key is asked for, as Sail: Set API Key does.
      if (options.silent) {
        return [];
      }
      await vscode.commands.executeCommand('sail.setApiKey');
      if ((await this.deps.apiKey.get()) === undefined) {
        return [];
      }
    }
    const abort = abortOn(token);
    try {
      const models = await this.deps.clients.get().listModels({ signal: abort.signal });
      const config = this.deps.configs.config;
      return lmModels(models, priceCatalog(config.modelCatalog), { maxOutputTokens: config.maxOutputTokens, toolCalling: true });
    } catch (error) {
      this.deps.log.warn(`Could not list Sail's models for VS Code's model list: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    } finally {
      abort.dispose();
    }
  }

  async provideLanguageModelChatResponse(
    model: LmModelInfo,
    messages: readonly LmMessageLike[],
    options: LmResponseOptionsLike,
    progress: vscode.Progress<unknown>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const config = this.deps.configs.config;
    let request;
    try {
      request = buildLmRequest(messages, options, {
        model: model.id,
        instructions: config.instructions,
        imageInput: model.capabilities.imageInput,
        maxOutputTokens: config.maxOutputTokens,
        user: endUserId(config.endUserId, this.deps.salt),
      });
    } catch (error) {
      throw error instanceof LmMappingError ? new Error(error.message) : error;
    }
    const abort = abortOn(token);
    const started = Date.now();
    try {
      const { response } = await this.deps.clients.get().createResponse(request, { signal: abort.signal });
      for (const part of responseParts(response)) {
        if (part.kind === 'text') {
          progress.report(new vscode.LanguageModelTextPart(part.value));
        } else {
          const ToolCall = (vscode as PartConstructors).LanguageModelToolCallPart;
          if (ToolCall) {
            progress.report(new ToolCall(part.callId, part.name, part.input));
          }
        }
      }
      await this.record(model.id, response, started);
    } catch (error) {
      if (error instanceof SailError) {
        const failure = lmFailureOf(error);
        if (failure.kind === 'cancelled') {
          throw new vscode.CancellationError();
        }
        this.deps.log.warn(`A language-model request to ${model.id} failed: ${failure.message}`);
        throw failure.code ? vscode.LanguageModelError[failure.code](failure.message) : new Error(failure.message);
      }
      throw error;
    } finally {
      abort.dispose();
    }
  }

  provideTokenCount(_model: LmModelInfo, text: string | LmMessageLike): Promise<number> {
    return Promise.resolve(estimateTokenCount(text));
  }

  /** VS Code reports a provider's usage nowhere: it goes into Sail's own usage ledger, like a job's. */
  private async record(model: string, response: Parameters<typeof responseStatus>[0], started: number): Promise<void> {
    const usage = responseStatus(response).usage;
    if (!usage) {
      return;
    }
    const now = Date.now();
    // Not a job: counted under an id of its own, at asap, like one.
    const entry: UsageSource = { id: `lm-${randomUUID()}`, attempt: 1, state: 'completed', model, window: 'asap', usage, finishedAt: now, updatedAt: started };
    try {
      const cost = jobCost(priceCatalog(this.deps.configs.config.modelCatalog), entry);
      await this.deps.usage.record(entry, { folder: '', cost: cost ?? {} });
    } catch (error) {
      this.deps.log.warn(`Could not count a language-model request's usage: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** An AbortSignal that follows a cancellation token. */
function abortOn(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) {
    controller.abort();
  }
  const listener = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => listener.dispose() };
}
