/**
 * The selected files' sizes and contents, for the plan. A file over the size limit is not read at
 * all (the plan only needs to know it is too large), and one that cannot be read comes back without
 * contents, so the plan says so rather than the whole send failing.
 */
import type { SelectedItem, SelectionFileSystem } from './expand';
import type { CandidateFile } from './plan';

/** Reads in flight at once: enough to hide a remote file system's latency, few enough not to flood it. */
const PARALLEL_READS = 8;

export async function readCandidates(fs: SelectionFileSystem, files: readonly SelectedItem[], maxFileBytes: number): Promise<CandidateFile[]> {
  const candidates: CandidateFile[] = new Array<CandidateFile>(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      candidates[index] = await readCandidate(fs, files[index], maxFileBytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, files.length) }, worker));
  return candidates;
}

async function readCandidate(fs: SelectionFileSystem, file: SelectedItem, maxFileBytes: number): Promise<CandidateFile> {
  let size: number;
  try {
    size = (await fs.stat(file.uri)).size;
  } catch {
    return { ...file, size: 0 };
  }
  if (size > maxFileBytes) {
    return { ...file, size };
  }
  try {
    return { ...file, size, bytes: await fs.readFile(file.uri) };
  } catch {
    return { ...file, size };
  }
}
