import * as assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FileType, childUri, expandSelection, type SelectionFileSystem } from '../../src/batch/expand';
import { readCandidates } from '../../src/batch/readFiles';

/** The file system as VS Code's workspace.fs shows it, over a real folder. */
async function typeOf(path: string): Promise<number> {
  const link = (await lstat(path)).isSymbolicLink() ? FileType.SymbolicLink : 0;
  try {
    const target = await stat(path);
    return link | (target.isDirectory() ? FileType.Directory : target.isFile() ? FileType.File : 0);
  } catch {
    return link; // a broken link
  }
}

const nodeFs: SelectionFileSystem = {
  stat: async (uri) => {
    const path = fileURLToPath(uri);
    return { type: await typeOf(path), size: (await stat(path)).size };
  },
  readDirectory: async (uri) => {
    const path = fileURLToPath(uri);
    return Promise.all((await readdir(path)).map(async (name) => [name, await typeOf(join(path, name))] as const));
  },
  readFile: async (uri) => readFile(fileURLToPath(uri)),
};

let root = '';
let rootUri = '';

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

const item = (path: string) => ({ uri: path ? childUri(rootUri, path) : rootUri, path });
const at = (path: string) => ({ uri: path.split('/').reduce(childUri, rootUri), path });

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sail-expand-'));
  rootUri = pathToFileURL(root).toString();
  await write({
    '.gitignore': '*.log\nbuild/\n!keep.log\n',
    'a.ts': 'a',
    'debug.log': 'x',
    'keep.log': 'kept by negation',
    'build/out.js': 'x',
    'src/main.ts': 'main',
    'src/gen/.gitignore': '*.gen.ts\n!important.gen.ts\n',
    'src/gen/x.gen.ts': 'x',
    'src/gen/important.gen.ts': 'kept',
    'src/gen/plain.ts': 'p',
    'src/nested/.gitignore': '!trace.log\n',
    'src/nested/trace.log': 'nested negation wins',
    'src/nested/other.log': 'still ignored',
    'node_modules/dep/index.js': 'x',
    'docs/Read me ü.md': 'unicode name',
    '.git/HEAD': 'ref',
    'big.txt': 'x'.repeat(3000),
  });
  await symlink(root, join(root, 'src', 'loop'), 'dir');
  await symlink(join(root, 'a.ts'), join(root, 'src', 'link-to-a.ts'), 'file');
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('expandSelection', () => {
  it('walks a folder in path order, leaving out what .gitignore files (negations and nested ones included) and excludes leave out, and .git', async () => {
    const expansion = await expandSelection(nodeFs, [item('')], { excludes: ['**/node_modules'], rootUri });
    assert.deepEqual(
      expansion.files.map((f) => f.path),
      [
        '.gitignore',
        'a.ts',
        'big.txt',
        'docs/Read me ü.md',
        'keep.log',
        'src/gen/.gitignore',
        'src/gen/important.gen.ts',
        'src/gen/plain.ts',
        'src/link-to-a.ts',
        'src/main.ts',
        'src/nested/.gitignore',
        'src/nested/trace.log',
      ],
    );
    assert.equal(expansion.capped, false);
    assert.deepEqual(
      expansion.linksNotFollowed.map((l) => l.path),
      ['src/loop'],
      'the link back to the root is reported, not followed',
    );
    assert.deepEqual(expansion.unreadable, []);
    const docs = expansion.files.find((f) => f.path.startsWith('docs/'));
    assert.equal(await readFile(fileURLToPath(docs?.uri ?? ''), 'utf8'), 'unicode name', 'the URI leads to the file');
  });

  it('takes node_modules when no exclude names it, and leaves out what a glob exclude matches', async () => {
    const all = await expandSelection(nodeFs, [item('')], { rootUri });
    assert.ok(all.files.some((f) => f.path === 'node_modules/dep/index.js'));
    const noTs = await expandSelection(nodeFs, [item('')], { excludes: ['**/*.ts', 'docs'], rootUri });
    assert.ok(!noTs.files.some((f) => f.path.endsWith('.ts') || f.path.startsWith('docs/')));
    assert.ok(noTs.files.some((f) => f.path === 'keep.log'));
  });

  it('applies the .gitignore files above a selected folder, from the workspace folder down', async () => {
    const nested = await expandSelection(nodeFs, [at('src/nested')], { rootUri });
    assert.deepEqual(
      nested.files.map((f) => f.path),
      ['src/nested/.gitignore', 'src/nested/trace.log'],
      "the root's *.log leaves other.log out; the nested negation keeps trace.log",
    );
    const withoutRoot = await expandSelection(nodeFs, [at('src/nested')]);
    assert.ok(
      withoutRoot.files.some((f) => f.path === 'src/nested/other.log'),
      'without the workspace folder, only the .gitignore files inside count',
    );
  });

  it('walks a selected folder git ignores, and takes a selected file as it is', async () => {
    const expansion = await expandSelection(nodeFs, [at('build'), at('debug.log'), at('node_modules/dep/index.js')], {
      rootUri,
      excludes: ['**/node_modules'],
    });
    assert.deepEqual(
      expansion.files.map((f) => f.path),
      ['build/out.js', 'debug.log', 'node_modules/dep/index.js'],
    );
  });

  it('reads no .gitignore when told not to', async () => {
    const expansion = await expandSelection(nodeFs, [item('')], { gitignore: false, excludes: ['**/node_modules'], rootUri });
    assert.ok(expansion.files.some((f) => f.path === 'debug.log'));
    assert.ok(expansion.files.some((f) => f.path === 'build/out.js'));
    assert.ok(!expansion.files.some((f) => f.path.startsWith('.git/')), '.git is never walked');
  });

  it('lists a file selected twice, or inside a selected folder, once', async () => {
    const expansion = await expandSelection(nodeFs, [at('src/main.ts'), at('src'), at('src/main.ts')], { rootUri });
    assert.equal(expansion.files.filter((f) => f.path === 'src/main.ts').length, 1);
  });

  it('stops at the cap and says so', async () => {
    const capped = await expandSelection(nodeFs, [item('')], { rootUri, maxFiles: 3 });
    assert.equal(capped.files.length, 3);
    assert.equal(capped.capped, true);
    const exact = await expandSelection(nodeFs, [at('src/gen')], { rootUri, maxFiles: 3 });
    assert.equal(exact.files.length, 3);
    assert.equal(exact.capped, false, 'exactly the cap is not over it');
  });

  it('reports what it cannot read instead of failing', async () => {
    const expansion = await expandSelection(nodeFs, [at('missing'), at('a.ts')], { rootUri });
    assert.deepEqual(
      expansion.unreadable.map((u) => u.path),
      ['missing'],
    );
    assert.deepEqual(
      expansion.files.map((f) => f.path),
      ['a.ts'],
    );
  });
});

describe('readCandidates', () => {
  it('reads sizes and contents in order, skips reading files over the limit, and leaves unreadable ones without contents', async () => {
    const candidates = await readCandidates(nodeFs, [at('big.txt'), at('a.ts'), at('missing'), at('src/main.ts')], 1024);
    assert.deepEqual(
      candidates.map((c) => [c.path, c.size, c.bytes && new TextDecoder().decode(c.bytes)]),
      [
        ['big.txt', 3000, undefined],
        ['a.ts', 1, 'a'],
        ['missing', 0, undefined],
        ['src/main.ts', 4, 'main'],
      ],
    );
  });
});
