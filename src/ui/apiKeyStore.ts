import * as vscode from 'vscode';

const SECRET_KEY = 'sail.apiKey';

/**
 * The Sail API key, kept only in SecretStorage. Read it per request and never cache it,
 * so that clearing or changing the key takes effect at once.
 */
export class ApiKeyStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key === SECRET_KEY) {
        this.changed.fire();
      }
    });
  }

  async get(): Promise<string | undefined> {
    const key = await this.secrets.get(SECRET_KEY);
    return key ? key : undefined;
  }

  async set(key: string): Promise<void> {
    await this.secrets.store(SECRET_KEY, key.trim());
  }

  async clear(): Promise<void> {
    await this.secrets.delete(SECRET_KEY);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
