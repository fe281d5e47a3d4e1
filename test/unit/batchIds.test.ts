import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CUSTOM_ID_MAX_LENGTH, CUSTOM_ID_PATTERN, customIdFor, customIdsFor } from '../../src/batch/customIds';

function assertValid(id: string, path: string): void {
  assert.match(id, CUSTOM_ID_PATTERN, `the id of ${JSON.stringify(path)} fits Sail's pattern`);
  assert.ok(id.length >= 1 && id.length <= CUSTOM_ID_MAX_LENGTH, `the id of ${JSON.stringify(path)} is 1..64 characters (${id.length})`);
}

describe('custom ids', () => {
  it('are the same for the same path, whatever else is in the batch', () => {
    const alone = customIdsFor(['src/a.ts']).idOf.get('src/a.ts');
    const among = customIdsFor(['z.md', 'src/a.ts', 'b/c.py']).idOf.get('src/a.ts');
    assert.equal(alone, customIdFor('src/a.ts'));
    assert.equal(among, alone);
    assert.equal(customIdFor('src/a.ts'), customIdFor('src/a.ts'));
  });

  it('read as the end of the path, then a hash', () => {
    assert.match(customIdFor('src/batch/plan.ts'), /^src-batch-plan-ts-[0-9a-f]{16}$/);
  });

  it('fit the pattern and the length for hostile paths', () => {
    const paths = [
      'Überprüfung/Größe.ts',
      '日本語/ファイル.md',
      '日本語',
      'with space/and  tabs\t.txt',
      '../../etc/passwd',
      '..',
      '-leading-dash.ts',
      '_leading_underscore.ts',
      '___',
      '.hidden',
      'CAPS/File.TS',
      'emoji/🚀.js',
      'x'.repeat(500),
      `${'deep/'.repeat(100)}file.ts`,
      'a\nb\u0000c',
      '',
    ];
    for (const path of paths) {
      assertValid(customIdFor(path), path);
    }
    assert.match(customIdFor('Café/Résumé.md'), /^cafe-resume-md-/, 'accents are dropped, not the letters');
    assert.match(customIdFor('日本語'), /^[0-9a-f]{16}$/, 'nothing readable: the hash alone');
    assert.match(customIdFor('-leading-dash.ts'), /^leading-dash-ts-/);
  });

  it('differ for paths that differ only in case or punctuation', () => {
    const paths = ['src/File.ts', 'src/file.ts', 'src/file-ts', 'src/file_ts', 'src/file.ts ', 'src/file..ts', 'src/file/ts'];
    const ids = customIdsFor(paths);
    assert.equal(new Set(ids.idOf.values()).size, paths.length);
  });

  it('do not collide over 100,000 paths, and map both ways', () => {
    const paths = Array.from({ length: 100_000 }, (_, i) => `packages/p${i % 97}/src/${i % 2 ? 'Index' : 'index'}${i}.ts`);
    const ids = customIdsFor(paths);
    assert.equal(ids.idOf.size, paths.length);
    assert.equal(ids.pathOf.size, paths.length, 'no two paths share an id');
    for (const path of paths) {
      const id = ids.idOf.get(path) ?? '';
      assert.equal(ids.pathOf.get(id), path);
      assert.match(id, CUSTOM_ID_PATTERN);
      assert.ok(id.length <= CUSTOM_ID_MAX_LENGTH);
    }
  });

  it('resolve a collision anyway, the same way whatever the order of the paths', () => {
    // One hex digit of hash: sixteen paths with one slug share 16 ids, so 12 of them collide by chance.
    const paths = Array.from({ length: 12 }, (_, i) => `${'_'.repeat(i)}index.ts`);
    assert.ok(new Set(paths.map((p) => customIdFor(p, { hashChars: 1 }))).size < paths.length, 'the test really has collisions');
    const forward = customIdsFor(paths, { hashChars: 1 });
    const backward = customIdsFor([...paths].reverse(), { hashChars: 1 });
    assert.equal(forward.pathOf.size, paths.length, 'every path has an id of its own');
    assert.deepEqual([...forward.idOf.entries()].sort(), [...backward.idOf.entries()].sort());
    for (const [id, path] of forward.pathOf) {
      assert.equal(forward.idOf.get(path), id);
      assert.match(id, CUSTOM_ID_PATTERN);
    }
    const first = [...paths].sort()[0];
    assert.equal(forward.idOf.get(first), customIdFor(first, { hashChars: 1 }), 'the path that sorts first keeps its own id');
  });

  it('give a path listed twice one id', () => {
    const ids = customIdsFor(['a.ts', 'a.ts']);
    assert.equal(ids.idOf.size, 1);
    assert.equal(ids.pathOf.size, 1);
  });
});
