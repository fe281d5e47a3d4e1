/**
 * The prompts a send command offers, wherever they come from: prompt files in a workspace folder's
 * `.sail/prompts`, in the user's prompts folder, and the `sail.prompts` setting. Pure: the glue reads
 * the files and hands them in.
 */
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import type { PromptFile, PromptMode, PromptProblem } from './promptFile';

/** Where prompt files live inside a workspace folder. */
export const WORKSPACE_PROMPTS_FOLDER = '.sail/prompts';

export type PromptOrigin = 'workspace' | 'user';

/** A prompt file as read: where it came from, and what it says. */
export interface LoadedPrompt {
  readonly file: PromptFile;
  /** The file's URI, as a string. */
  readonly uri: string;
  readonly origin: PromptOrigin;
  /** The workspace folder's name (workspace prompts only). */
  readonly folder?: string;
}

/** A prompt applies to a command when it names none, or names that command's mode. */
export function offeredFor(prompt: LoadedPrompt, mode: PromptMode): boolean {
  return prompt.file.options.mode === undefined || prompt.file.options.mode === mode;
}

/**
 * The prompt a keybinding or a command argument names: by file name (without `.md`), else by label;
 * a workspace's before the user's, so a team's prompt wins over a personal one of the same name.
 */
export function findPrompt(prompts: readonly LoadedPrompt[], name: string): LoadedPrompt | undefined {
  const wanted = name.trim().replace(/\.md$/i, '');
  const ordered = [...prompts.filter((p) => p.origin === 'workspace'), ...prompts.filter((p) => p.origin === 'user')];
  return ordered.find((p) => p.file.name === wanted) ?? ordered.find((p) => p.file.label === name.trim());
}

/** The first error of an invalid prompt file, as "name.md:4:3: message". */
export function firstProblem(prompt: LoadedPrompt): PromptProblem | undefined {
  return prompt.file.problems.find((p) => p.severity === 'error') ?? prompt.file.problems[0];
}

export function problemText(prompt: LoadedPrompt, problem: PromptProblem): string {
  return `${prompt.file.name}.md:${problem.line}:${problem.column}: ${problem.message}`;
}

/**
 * The path of a prompt's schema file, or why it may not be read: it must stay inside the folder the
 * prompt came from (the workspace folder, or the user's prompts folder). A repository could otherwise
 * name a JSON file elsewhere on the machine (a credentials file, say) and have it sent to Sail as a
 * "schema". Paths are URI paths (forward slashes).
 */
export function schemaPath(promptPath: string, relative: string, root: string): { path: string } | { error: string } {
  // A backslash or a drive letter is a path separator on Windows, not a character in a name: '..\\'
  // would climb out unnoticed here.
  if (/[\\:]/.test(relative)) {
    return { error: l10n.t('The schema path {0} uses "\\" or ":"; write it relative to the prompt file, with "/".', relative) };
  }
  const resolved = path.posix.resolve(path.posix.dirname(promptPath), relative);
  const inside = path.posix.relative(root, resolved);
  if (inside === '' || inside === '..' || inside.startsWith('../') || path.posix.isAbsolute(inside)) {
    return { error: l10n.t('The schema file {0} is outside {1}; a prompt may only use a schema from its own folder tree.', relative, root) };
  }
  return { path: resolved };
}
