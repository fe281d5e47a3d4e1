/**
 * The account figures as a state that views read, and the policy for fetching them: nothing until
 * someone asks, then at most once per `refreshMs` unless forced, one request shared by concurrent
 * askers, and an answer dropped when the key or the address changed while it was on the way. Pure:
 * the VS Code side (ui/account.ts) gives it the client, the key and a clock.
 */
import type { SailLogger } from './client';
import { accountProblemOf, type AccountProblem, type UsageRange, type UsageSummary } from './usage';

export type AccountFiguresState =
  /** No address (the setting is empty or invalid), or no API key. */
  | { readonly kind: 'off' }
  /** Not fetched yet for this key and address; a request may be on the way. */
  | { readonly kind: 'loading' }
  /** `fetchedAt`: wall-clock ms. */
  | { readonly kind: 'ok'; readonly summary: UsageSummary; readonly fetchedAt: number }
  | { readonly kind: 'unavailable'; readonly problem: AccountProblem };

/** The one call of SailClient this needs. */
export interface UsageApi {
  getUsageSummary(range: UsageRange, options: { apiKey: string }): Promise<UsageSummary>;
}

export interface AccountFiguresDeps {
  /** The Usage API's address now (`sail.usageBaseUrl`); undefined turns the figures off. */
  readonly usageBaseUrl: () => string | undefined;
  /** The client for that address; asked only while there is one. */
  readonly api: () => UsageApi;
  /** Read once per fetch, never kept. */
  readonly apiKey: () => Promise<string | undefined>;
  readonly log: SailLogger;
  /** Told after every change of `current`. */
  readonly onDidChange: () => void;
  /** Monotonic ms, for the refresh interval. Default performance.now. */
  readonly monotonic?: () => number;
  /** Wall-clock ms, for `fetchedAt`. Default Date.now. */
  readonly now?: () => number;
  /** Default 5 minutes. */
  readonly refreshMs?: number;
  /** Default `period`: the current billing period. */
  readonly range?: UsageRange;
}

/** A fetch at most this often unless forced (Sail: Refresh Account, a new key or address). */
export const ACCOUNT_REFRESH_MS = 5 * 60_000;

export class AccountFigures {
  private state: AccountFiguresState;
  /** Bumped by `restart`: an answer for an older key or address is dropped. */
  private generation = 0;
  private inflight: { generation: number; done: Promise<void> } | undefined;
  /** Monotonic ms when the last fetch of this generation started. */
  private lastFetchAt: number | undefined;
  /** Someone asked for the figures: keep them current when the key or address changes. */
  private wanted = false;
  private disposed = false;
  private readonly monotonic: () => number;
  private readonly now: () => number;
  private readonly refreshMs: number;

  constructor(private readonly deps: AccountFiguresDeps) {
    this.monotonic = deps.monotonic ?? (() => performance.now());
    this.now = deps.now ?? Date.now;
    this.refreshMs = deps.refreshMs ?? ACCOUNT_REFRESH_MS;
    this.state = deps.usageBaseUrl() === undefined ? { kind: 'off' } : { kind: 'loading' };
  }

  current(): AccountFiguresState {
    return this.state;
  }

  /**
   * Fetches the figures unless the last fetch started less than `refreshMs` ago (`force` skips the
   * wait). Calls while a fetch is on the way share it. Never rejects: a failure is the state.
   */
  refresh(force = false): Promise<void> {
    this.wanted = true;
    if (this.disposed) {
      return Promise.resolve();
    }
    if (this.inflight?.generation === this.generation) {
      return this.inflight.done;
    }
    if (!force && this.lastFetchAt !== undefined && this.monotonic() - this.lastFetchAt < this.refreshMs) {
      return Promise.resolve();
    }
    const generation = this.generation;
    this.lastFetchAt = this.monotonic();
    const done = this.fetch(generation).finally(() => {
      if (this.inflight?.done === done) {
        this.inflight = undefined;
      }
    });
    this.inflight = { generation, done };
    return done;
  }

  /**
   * The key or the address changed: what was shown belongs to the old one. Fetches again at once if
   * anyone has asked for the figures before.
   */
  restart(): void {
    this.generation++;
    this.lastFetchAt = undefined;
    this.set(this.deps.usageBaseUrl() === undefined ? { kind: 'off' } : { kind: 'loading' });
    if (this.wanted) {
      void this.refresh(true);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
  }

  private async fetch(generation: number): Promise<void> {
    let key: string | undefined;
    try {
      key = await this.deps.apiKey();
    } catch (error) {
      this.deps.log.warn(`Account figures: could not read the API key: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (generation !== this.generation) {
      return;
    }
    if (this.deps.usageBaseUrl() === undefined || !key) {
      this.set({ kind: 'off' });
      return;
    }
    if (this.state.kind !== 'ok') {
      this.set({ kind: 'loading' });
    }
    try {
      const summary = await this.deps.api().getUsageSummary(this.deps.range ?? 'period', { apiKey: key });
      if (generation === this.generation) {
        this.set({ kind: 'ok', summary, fetchedAt: this.now() });
      }
    } catch (error) {
      if (generation !== this.generation) {
        return;
      }
      const problem = accountProblemOf(error);
      // A SailError's message is redacted: path, status and what the server said, never the key.
      this.deps.log.warn(`Account figures unavailable (${problem}): ${error instanceof Error ? error.message : String(error)}`);
      this.set({ kind: 'unavailable', problem });
    }
  }

  private set(state: AccountFiguresState): void {
    const same = state.kind === this.state.kind && (state.kind === 'off' || state.kind === 'loading');
    this.state = state;
    if (!same && !this.disposed) {
      this.deps.onDidChange();
    }
  }
}
