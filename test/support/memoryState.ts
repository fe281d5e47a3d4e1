import type { KeyValueStore } from '../../src/jobs/jobStore';

/** VS Code's globalState in memory: values round-trip through JSON, as they do there. */
export class MemoryState implements KeyValueStore {
  readonly values = new Map<string, unknown>();

  get<T>(key: string): T | undefined {
    const value = this.values.get(key);
    return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as T);
  }

  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
}
