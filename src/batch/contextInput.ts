/**
 * The other way to send many files: one request with all of them as context and one answer. The
 * files come first, in path order, and the instruction last, so two requests over the same files
 * share their longest prefix (what Sail's prompt cache reuses) even when the instruction changes.
 */
import { fenceFor } from '../jobs/prompt';
import { estimateInputTokens } from '../usage/estimate';
import { comparePaths } from './customIds';
import { languageIdForPath } from './language';

export interface ContextFile {
  /** Workspace-relative, '/'-separated. */
  readonly path: string;
  readonly text: string;
  /** VS Code's language id; from the file name when absent. */
  readonly languageId?: string;
}

export function buildContextInput(instruction: string, files: readonly ContextFile[]): string {
  const sorted = [...files].sort((a, b) => comparePaths(a.path, b.path));
  const parts = [
    files.length === 1
      ? 'The file below is from the workspace, fenced, with its path and language.'
      : `The ${files.length} files below are from the workspace, each fenced, with its path and language.`,
    '',
  ];
  for (const file of sorted) {
    const languageId = file.languageId ?? languageIdForPath(file.path);
    const fence = fenceFor(file.text);
    parts.push(`File ${file.path} (language: ${languageId}):`, '', `${fence}${languageId}`, file.text, fence, '');
  }
  // Labelled as in a single file's input (jobs/prompt buildInput), so it reads as the request, not more code.
  parts.push('Instruction:', instruction.trim(), '');
  return parts.join('\n');
}

export interface InputSize {
  /** UTF-8 bytes. */
  readonly bytes: number;
  /** An estimate from the length (about four characters a token): label it as such. */
  readonly estimatedTokens: number;
}

/** How big an input is, to show before it is sent. */
export function inputSize(input: string): InputSize {
  return { bytes: Buffer.byteLength(input), estimatedTokens: estimateInputTokens(input) };
}
