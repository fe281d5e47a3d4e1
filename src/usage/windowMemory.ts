import type { KeyValueStore } from '../jobs/jobStore';
import { hashText } from '../jobs/prompt';
import { parseWindow, type CompletionWindow } from '../sail/windows';

/** The window chosen last for each instruction (a few hundred at most), so the picker can offer it again. */
export class WindowMemory {
  private static readonly KEY = 'sail.windowChoices';
  private static readonly LIMIT = 200;

  constructor(private readonly state: KeyValueStore) {}

  get(instruction: string): CompletionWindow | undefined {
    return parseWindow(this.read()[hashText(instruction.trim())]);
  }

  async set(instruction: string, window: CompletionWindow): Promise<void> {
    // By hash: the choices stay small, and globalState holds no instruction text.
    const key = hashText(instruction.trim());
    const choices = this.read();
    delete choices[key];
    choices[key] = window;
    const kept = Object.entries(choices).slice(-WindowMemory.LIMIT);
    await this.state.update(WindowMemory.KEY, Object.fromEntries(kept));
  }

  private read(): Record<string, string> {
    const value = this.state.get<unknown>(WindowMemory.KEY);
    return value && typeof value === 'object' ? { ...(value as Record<string, string>) } : {};
  }
}
