// FileBlobStore.create is what send leases and the history's lock stand on: "create only if absent".
// Another window reading at that moment must see nothing or the whole text, never an empty file —
// an empty lease reads as unreadable, and its reader takes it over while its owner sends.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileBlobStore } from '../../src/jobs/fileBlobStore';

describe('FileBlobStore.create', () => {
  it('never shows a reader a created file without its text, and only one of two creators wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sail-create-'));
    try {
      const mine = new FileBlobStore(dir);
      const theirs = new FileBlobStore(dir);
      const text = JSON.stringify({ owner: 'window-a', until: 1 });
      for (let i = 0; i < 300; i++) {
        const name = `job-${i}.lease.json`;
        const [a, seen, b, seenAgain] = await Promise.all([mine.create(name, text), theirs.read(name), theirs.create(name, text), mine.read(name)]);
        for (const read of [seen, seenAgain]) {
          assert.ok(read === undefined || read === text, `attempt ${i}: a reader saw ${JSON.stringify(read)}`);
        }
        assert.equal(Number(a) + Number(b), 1, `attempt ${i}: exactly one creator wins`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
