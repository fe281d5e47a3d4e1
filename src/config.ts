/**
 * The one place that reads `sail.*` settings. Pure: it takes a reader shaped like VS Code's
 * WorkspaceConfiguration, so it is unit-tested without VS Code. Every invalid value falls back to its
 * default and is reported with the setting's name, so a typo never silently changes behaviour.
 */
import * as l10n from '@vscode/l10n';
import { z } from 'zod';
import { neutralize, quoted } from './render/untrusted';
import { checkBaseUrl } from './sail/baseUrl';

export const DEFAULT_BASE_URL = 'https://api.sailresearch.com/v1';
/** Sail's Usage API (balance, spend), on its own host; the same key. */
export const DEFAULT_USAGE_BASE_URL = 'https://usage.sailresearch.com/v1';
export const DEFAULT_MODEL = 'moonshotai/Kimi-K2.5';

/** `balanced` is Sail's current name for `standard`; both are accepted (see sail/windows). */
export const WINDOW_SETTINGS = ['auto', 'asap', 'priority', 'balanced', 'flex', 'standard'] as const;
export type WindowSetting = (typeof WINDOW_SETTINGS)[number];
export const REASONING_SETTINGS = ['default', 'none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;

/** USD per million tokens, as the pricing page lists them. */
const PriceSchema = z.object({
  input: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
  output: z.number().min(0),
});

/** One model's correction of the shipped price table (usage/catalog.ts). */
const ModelOverrideSchema = z.object({
  windows: z.array(z.enum(['asap', 'priority', 'balanced', 'standard', 'flex'])).optional(),
  prices: z.partialRecord(z.enum(['asap', 'priority', 'balanced', 'standard', 'flex']), PriceSchema).optional(),
});

const PromptSchema = z.object({
  label: z.string().trim().min(1),
  instruction: z.string().trim().min(1),
  description: z.string().optional(),
});
export type PromptTemplate = z.infer<typeof PromptSchema>;

export const DEFAULT_PROMPTS: readonly PromptTemplate[] = [
  { label: 'Explain', instruction: 'Explain what this code does, step by step, and point out anything surprising.' },
  { label: 'Review', instruction: 'Review this code for bugs, security problems and unclear parts. List concrete fixes.' },
  { label: 'Write tests', instruction: 'Write thorough unit tests for this code, covering edge cases.' },
  { label: 'Document', instruction: 'Write documentation comments for this code in the style of its language.' },
  { label: 'Refactor', instruction: 'Refactor this code for readability without changing its behaviour. Show the full result.' },
  { label: 'Find bugs', instruction: 'Find the bugs in this code. For each: the line, why it is wrong, and the fix.' },
];

/** Each setting: its schema (with the default) — the names match package.json's `sail.*` keys. */
export const SETTINGS = {
  model: z.string().trim().min(1).default(DEFAULT_MODEL),
  completionWindow: z.enum(WINDOW_SETTINGS).default('auto'),
  askForWindow: z.boolean().default(true),
  modelCatalog: z.record(z.string().min(1), ModelOverrideSchema).default({}),
  background: z.boolean().default(true),
  maxOutputTokens: z.number().int().min(1).nullable().default(null),
  temperature: z.number().min(0).max(2).nullable().default(null),
  topP: z.number().min(0).max(1).nullable().default(null),
  reasoningEffort: z.enum(REASONING_SETTINGS).default('default'),
  instructions: z.string().default(''),
  prompts: z.array(PromptSchema).default([...DEFAULT_PROMPTS]),
  promptCacheKey: z.enum(['off', 'workspace', 'file']).default('workspace'),
  endUserId: z.enum(['install', 'off']).default('install'),
  maxFileSizeKB: z.number().int().min(1).max(10_240).default(512),
  openResult: z.enum(['notify', 'open']).default('notify'),
  historyMaxAgeDays: z.number().int().min(1).max(3650).default(30),
  historyMaxJobs: z.number().int().min(10).max(100_000).default(1000),
} as const;

type Settings = { -readonly [K in keyof typeof SETTINGS]: z.output<(typeof SETTINGS)[K]> };

export interface SailConfig extends Readonly<Settings> {
  /** Checked: https, or http to a loopback address. Undefined when the setting is invalid. */
  readonly baseUrl: string | undefined;
  /**
   * Where the account figures come from, checked as `baseUrl` is. Undefined when the setting is
   * empty (the user turned the figures off) or invalid (reported as a problem).
   */
  readonly usageBaseUrl: string | undefined;
}

export interface ConfigProblem {
  /** The full setting id, e.g. `sail.temperature`. */
  readonly setting: string;
  readonly message: string;
}

/** The part of VS Code's WorkspaceConfiguration this module uses. */
export interface ConfigurationReader {
  get<T>(section: string): T | undefined;
  inspect<T>(section: string): { defaultValue?: T; globalValue?: T } | undefined;
}

/** Reads and validates `sail.*`; never throws. */
export function readConfig(reader: ConfigurationReader): { config: SailConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(SETTINGS)) {
    const raw = reader.get<unknown>(key);
    const parsed = schema.safeParse(raw ?? undefined);
    if (parsed.success) {
      values[key] = parsed.data;
    } else {
      values[key] = schema.parse(undefined);
      problems.push({ setting: `sail.${key}`, message: describeIssue(key, raw, parsed.error) });
    }
  }
  const baseUrl = userUrl(reader, 'baseUrl', DEFAULT_BASE_URL, problems);
  const usageBaseUrl = userUrl(reader, 'usageBaseUrl', DEFAULT_USAGE_BASE_URL, problems, { emptyTurnsOff: true });
  return { config: Object.freeze({ ...(values as Settings), baseUrl, usageBaseUrl }), problems };
}

/**
 * A URL the API key is sent to. Only the user's own (global) value counts: a workspace must never
 * redirect the key. Checked with checkBaseUrl; an invalid one is a problem and reads as undefined.
 */
function userUrl(
  reader: ConfigurationReader,
  key: 'baseUrl' | 'usageBaseUrl',
  fallback: string,
  problems: ConfigProblem[],
  options: { emptyTurnsOff?: boolean } = {},
): string | undefined {
  const inspected = reader.inspect<string>(key);
  const raw = inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
  if (options.emptyTurnsOff && typeof raw === 'string' && raw.trim() === '') {
    return undefined;
  }
  const checked = typeof raw === 'string' ? checkBaseUrl(raw) : { ok: false as const, message: l10n.t('It must be a URL string.') };
  if (checked.ok) {
    return checked.url;
  }
  problems.push({ setting: `sail.${key}`, message: l10n.t('sail.{0} is invalid: {1}', key, checked.message) });
  return undefined;
}

/**
 * Names the setting and what is wrong. The value itself may come from a workspace's settings file, so
 * it appears only as a short, neutralized excerpt: never a link, an icon or a wall of text.
 */
function describeIssue(key: string, raw: unknown, error: z.ZodError): string {
  const issue = error.issues[0];
  const reason = neutralize(issue?.message ?? l10n.t('unexpected value'), 120);
  return issue?.path.length
    ? l10n.t('sail.{0} = {1} is invalid (at {2}): {3}. Using the default instead.', key, quoted(raw), neutralize(issue.path.join('.'), 40), reason)
    : l10n.t('sail.{0} = {1} is invalid: {2}. Using the default instead.', key, quoted(raw), reason);
}
