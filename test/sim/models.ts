// The simulated model catalogue and Sail's completion-window rules (sail-api.md §4).
import { badRequest } from './errors';

export const COMPLETION_WINDOWS = ['asap', 'priority', 'standard', 'flex'] as const;
export type CompletionWindow = (typeof COMPLETION_WINDOWS)[number];

export interface SimModel {
  id: string;
  /** Windows the model is published in. Sail's API does not expose this; the docs' pricing page does. */
  windows: CompletionWindow[];
  ownedBy?: string;
  /** Unix seconds, as in `GET /v1/models`. */
  created?: number;
  /** What `ResponseObject.model` echoes. Sail sometimes answers with an alias of the requested id. */
  responseModel?: string;
  /** Accepts `input_image` parts. */
  imageInput?: boolean;
}

export const DEFAULT_MODELS: readonly SimModel[] = [
  { id: 'moonshotai/Kimi-K2.5', windows: ['asap', 'priority', 'standard', 'flex'], ownedBy: 'moonshotai', created: 1769904000, imageInput: true },
  { id: 'moonshotai/Kimi-K2.6', windows: ['asap', 'standard', 'flex'], ownedBy: 'moonshotai', created: 1775001600 },
  { id: 'zai-org/GLM-5.3', windows: ['standard', 'flex'], ownedBy: 'zai-org', created: 1785542400 },
  {
    id: 'deepseek-ai/DeepSeek-V4-Flash-0731',
    windows: ['asap'],
    ownedBy: 'deepseek-ai',
    created: 1785456000,
    responseModel: 'deepseek/deepseek-v4-flash-0731',
  },
  { id: 'openai/gpt-oss-120b', windows: ['asap'], ownedBy: 'openai', created: 1754352000 },
];

/** Typical turn time of each window, in virtual milliseconds. */
export const WINDOW_LATENCY_MS: Record<CompletionWindow, number> = {
  asap: 2_000,
  priority: 60_000,
  standard: 300_000,
  flex: 2 * 60 * 60_000,
};

const WINDOW_PARAM = 'metadata.completion_window';

/**
 * The window a request runs in. An explicit window is checked, never replaced; an unset one falls back
 * to standard → flex for background work and to the fastest non-flex window for foreground work.
 */
export function resolveWindow(model: SimModel, requested: CompletionWindow | undefined, background: boolean, paramPrefix = ''): CompletionWindow {
  const param = paramPrefix + WINDOW_PARAM;
  if (requested === 'asap' && background) {
    throw badRequest(param, "The 'asap' completion window cannot be used with background=true; send it as a foreground request.", 'unsupported_asap_request');
  }
  if (requested === 'flex' && !background) {
    throw badRequest(paramPrefix + 'background', "The 'flex' completion window requires background=true.");
  }
  if (requested !== undefined) {
    if (!model.windows.includes(requested)) {
      throw badRequest(param, `Model '${model.id}' does not support the '${requested}' completion window. Supported windows: ${model.windows.join(', ')}.`);
    }
    return requested;
  }
  const preference: CompletionWindow[] = background ? ['standard', 'flex'] : ['asap', 'priority', 'standard'];
  const chosen = preference.find((w) => model.windows.includes(w));
  if (chosen === undefined) {
    const mode = background ? 'background' : 'foreground';
    throw badRequest(param, `Model '${model.id}' has no completion window compatible with a ${mode} request. Supported windows: ${model.windows.join(', ')}.`);
  }
  return chosen;
}
