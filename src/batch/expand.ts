/**
 * A selection (files and folders from the Explorer, a glob's matches, Source Control's changes) as
 * the list of files it stands for. A selected file is taken as it is: the person named it. A
 * selected folder is walked, leaving out what the workspace excludes (`files.exclude`,
 * `search.exclude`), what `.gitignore` files on the way ignore, and `.git` itself.
 *
 * The file system is passed in, shaped like `vscode.workspace.fs` but over URI strings, so Node
 * tests can back it with a temporary folder.
 */
import ignore, { type Ignore } from 'ignore';
import { Minimatch } from 'minimatch';
import { comparePaths } from './customIds';

/** The bits of VS Code's `FileType`, with its values, so the glue passes `stat().type` through. */
export const FileType = { File: 1, Directory: 2, SymbolicLink: 64 } as const;

export interface FileStat {
  /** A `FileType` bit set: a link to a folder is `Directory | SymbolicLink`. */
  readonly type: number;
  readonly size: number;
}

export interface SelectionFileSystem {
  stat(uri: string): Promise<FileStat>;
  /** Names and `FileType` bit sets of a folder's entries. */
  readDirectory(uri: string): Promise<ReadonlyArray<readonly [string, number]>>;
  readFile(uri: string): Promise<Uint8Array>;
}

export interface SelectedItem {
  readonly uri: string;
  /** Workspace-relative, '/'-separated; '' for the workspace folder itself. */
  readonly path: string;
}

export interface ExpandOptions {
  /** Glob patterns relative to the workspace folder, as in `files.exclude` and `search.exclude`. */
  readonly excludes?: readonly string[];
  /** Read `.gitignore` files (default true). */
  readonly gitignore?: boolean;
  /** The workspace folder: the `.gitignore` files between it and a selected folder apply too. */
  readonly rootUri?: string;
  /** Stop after this many files (default 100,000, what one batch holds). */
  readonly maxFiles?: number;
}

export const DEFAULT_MAX_FILES = 100_000;

export interface Expansion {
  /** In path order, each path once. */
  readonly files: readonly SelectedItem[];
  /** True when the walk stopped at `maxFiles`: there are more files than `files` lists. */
  readonly capped: boolean;
  /** Linked folders found inside a selected folder, not walked (a link can lead back up, into a loop). */
  readonly linksNotFollowed: readonly SelectedItem[];
  /** Selected items and folders that could not be read. */
  readonly unreadable: readonly SelectedItem[];
}

/** The URI of `name` inside the folder at `uri`. */
export function childUri(uri: string, name: string): string {
  return `${uri.replace(/\/+$/, '')}/${encodeURIComponent(name)}`;
}

/** The `.gitignore` rules of one folder, and the folder's path they are relative to. */
interface IgnoreLevel {
  readonly base: string;
  readonly rules: Ignore;
}

class Walk {
  readonly files = new Map<string, SelectedItem>();
  readonly linksNotFollowed: SelectedItem[] = [];
  readonly unreadable: SelectedItem[] = [];
  capped = false;
  private readonly excludes: readonly Minimatch[];
  private readonly maxFiles: number;
  private readonly gitignore: boolean;

  constructor(
    private readonly fs: SelectionFileSystem,
    options: ExpandOptions,
  ) {
    this.excludes = (options.excludes ?? []).map((pattern) => new Minimatch(pattern, { dot: true }));
    this.maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
    this.gitignore = options.gitignore ?? true;
  }

  /** Adds a file; false when the cap is reached and the walk must stop. */
  add(item: SelectedItem): boolean {
    if (this.files.has(item.path)) {
      return true;
    }
    if (this.files.size >= this.maxFiles) {
      this.capped = true;
      return false;
    }
    this.files.set(item.path, item);
    return true;
  }

  async folder(folder: SelectedItem, levels: readonly IgnoreLevel[]): Promise<boolean> {
    let entries: ReadonlyArray<readonly [string, number]>;
    try {
      entries = await this.fs.readDirectory(folder.uri);
    } catch {
      this.unreadable.push(folder);
      return true;
    }
    const own = entries.some(([name, type]) => name === '.gitignore' && type & FileType.File) ? await this.ignoreLevel(folder) : undefined;
    const inner = own ? [...levels, own] : levels;
    for (const [name, type] of [...entries].sort(([a], [b]) => comparePaths(a, b))) {
      const item = { uri: childUri(folder.uri, name), path: folder.path ? `${folder.path}/${name}` : name };
      const isFolder = (type & FileType.Directory) !== 0;
      if ((isFolder && name === '.git') || this.excluded(item.path, isFolder) || ignoredByGit(inner, item.path, isFolder)) {
        continue;
      }
      if (isFolder && type & FileType.SymbolicLink) {
        this.linksNotFollowed.push(item);
      } else if (isFolder) {
        if (!(await this.folder(item, inner))) {
          return false;
        }
      } else if (type & FileType.File && !this.add(item)) {
        return false;
      }
    }
    return true;
  }

  /** The rules of the `.gitignore` files in the folders from the workspace folder down to (not including) `path`. */
  async levelsAbove(rootUri: string | undefined, path: string): Promise<IgnoreLevel[]> {
    if (!this.gitignore || rootUri === undefined) {
      return [];
    }
    const levels: IgnoreLevel[] = [];
    const names = path ? path.split('/') : [];
    let folder: SelectedItem = { uri: rootUri, path: '' };
    for (const name of names) {
      const level = await this.ignoreLevel(folder);
      if (level) {
        levels.push(level);
      }
      folder = { uri: childUri(folder.uri, name), path: folder.path ? `${folder.path}/${name}` : name };
    }
    return levels;
  }

  private async ignoreLevel(folder: SelectedItem): Promise<IgnoreLevel | undefined> {
    if (!this.gitignore) {
      return undefined;
    }
    try {
      const text = new TextDecoder('utf-8').decode(await this.fs.readFile(childUri(folder.uri, '.gitignore')));
      return { base: folder.path, rules: ignore({ ignorecase: false }).add(text) };
    } catch {
      return undefined; // none there, or unreadable: git would ignore nothing on its account either
    }
  }

  private excluded(path: string, isFolder: boolean): boolean {
    return this.excludes.some((glob) => glob.match(path) || (isFolder && glob.match(`${path}/`)));
  }
}

/**
 * Git's precedence: the deepest `.gitignore` with a rule for the path decides (its last matching
 * rule, `!` included); a folder git ignores is never entered, so nothing inside can come back.
 */
function ignoredByGit(levels: readonly IgnoreLevel[], path: string, isFolder: boolean): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const { base, rules } = levels[i];
    const relative = base ? path.slice(base.length + 1) : path;
    const result = rules.test(isFolder ? `${relative}/` : relative);
    if (result.ignored || result.unignored) {
      return result.ignored;
    }
  }
  return false;
}

export async function expandSelection(fs: SelectionFileSystem, selection: readonly SelectedItem[], options: ExpandOptions = {}): Promise<Expansion> {
  const walk = new Walk(fs, options);
  for (const item of selection) {
    let stat: FileStat;
    try {
      stat = await fs.stat(item.uri);
    } catch {
      walk.unreadable.push(item);
      continue;
    }
    if (stat.type & FileType.Directory) {
      // A selected folder is walked even when it is a link (links inside are not followed), and even
      // when git ignores it: the person chose it, and the rules above it would leave nothing.
      const above = await walk.levelsAbove(options.rootUri, item.path);
      if (!(await walk.folder(item, ignoredByGit(above, item.path, true) ? [] : above))) {
        break;
      }
    } else if (stat.type & FileType.File && !walk.add(item)) {
      break;
    }
  }
  return {
    files: [...walk.files.values()].sort((a, b) => comparePaths(a.path, b.path)),
    capped: walk.capped,
    linksNotFollowed: walk.linksNotFollowed,
    unreadable: walk.unreadable,
  };
}
