// The job store's files (issue 14: the survivors of a mutation run of src/jobs/fileBlobStore.ts).
// What a caller relies on: incremental reads that notice a replaced or shortened file, an append that
// follows a log another window rewrote under it, renames that outlast a Windows virus scanner but not
// a real error, bad names refused rather than read as missing, no file handle left open.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { FileBlobStore } from '../../src/jobs/fileBlobStore';

/** Fails fast when something that takes milliseconds never ends. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');

/** Files whose reads hand over at most `piece` bytes a call, and nothing past `total` bytes (a file cut short). */
function piecewise(piece: number, total = Infinity): void {
  const real = fsp.open;
  mock.method(fsp, 'open', async (...args: Parameters<typeof fsp.open>) => {
    const handle = await real(...args);
    let given = 0;
    return {
      stat: () => handle.stat(),
      close: () => handle.close(),
      read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
        const allowed = Math.max(0, Math.min(length, piece, total - given));
        if (allowed === 0) {
          return { bytesRead: 0, buffer };
        }
        const result = await handle.read(buffer, offset, allowed, position);
        given += result.bytesRead;
        return result;
      },
    };
  });
}

describe('file blob store: edges its callers rely on', () => {
  let dir: string;
  let blobs: FileBlobStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sail-blobs-'));
    blobs = new FileBlobStore(dir);
  });
  afterEach(() => {
    mock.restoreAll();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('readFrom', () => {
    it('reads only what was appended since, and nothing when nothing was', async () => {
      await blobs.append('log', 'one\n');
      const first = await blobs.readFrom('log', 0, undefined);
      assert.equal(text(first?.bytes), 'one\n');
      await blobs.append('log', 'two\n');
      const next = await blobs.readFrom('log', 4, first?.identity);
      assert.deepEqual([next?.start, text(next?.bytes)], [4, 'two\n']);
      const none = await blobs.readFrom('log', 8, next?.identity);
      assert.deepEqual([none?.start, text(none?.bytes)], [8, ''], 'at the end: an empty tail, not the whole file again');
    });

    it('a file replaced by another (a rewrite) is read from its start, even when longer than the offset', async () => {
      await blobs.append('log', 'old line\n');
      const first = await blobs.readFrom('log', 0, undefined);
      // Another window rewrote it: a new file with different, longer content in its place.
      renameSync(join(dir, 'log'), join(dir, 'log.aside'));
      writeFileSync(join(dir, 'log'), 'new first line\nnew second line\n');
      const tail = await blobs.readFrom('log', 9, first?.identity);
      assert.notEqual(tail?.identity, first?.identity);
      assert.deepEqual([tail?.start, text(tail?.bytes)], [0, 'new first line\nnew second line\n']);
    });

    it('the same file cut shorter than the offset is read from its start', async () => {
      await blobs.append('log', 'a long first line\n');
      const first = await blobs.readFrom('log', 0, undefined);
      truncateSync(join(dir, 'log'), 0);
      writeFileSync(join(dir, 'log'), 'short\n', { flag: 'r+' });
      const tail = await blobs.readFrom('log', 18, first?.identity);
      assert.deepEqual([tail?.start, text(tail?.bytes)], [0, 'short\n']);
    });

    it('a file handed over in small pieces (a network drive) is read whole and in order', async () => {
      await blobs.append('log', 'first line\n');
      const first = await blobs.readFrom('log', 0, undefined);
      await blobs.append('log', 'second line, longer\n');
      piecewise(3);
      assert.equal(text((await within(3_000, 'read', blobs.readFrom('log', 0, undefined)))?.bytes), 'first line\nsecond line, longer\n');
      assert.equal(text((await within(3_000, 'read', blobs.readFrom('log', 11, first?.identity)))?.bytes), 'second line, longer\n');
    });

    it('a file cut short while it is read: what was read is returned, and the read ends', async () => {
      await blobs.append('log', 'a line that will be cut\n');
      piecewise(4, 4);
      const tail = await within(3_000, 'read', blobs.readFrom('log', 0, undefined));
      assert.equal(text(tail?.bytes), 'a li');
    });

    it('a bad name is refused, not taken for a missing file', async () => {
      await assert.rejects(blobs.readFrom('../escape', 0, undefined), /Invalid blob name/);
      assert.equal(await blobs.readFrom('missing', 0, undefined), undefined);
    });

    it('leaves no file handle open, however many reads', { skip: !existsSync('/proc/self/fd') }, async () => {
      await blobs.append('log', 'line\n');
      const before = readdirSync('/proc/self/fd').length;
      for (let i = 0; i < 200; i++) {
        await blobs.readFrom('log', 0, undefined);
      }
      const after = readdirSync('/proc/self/fd').length;
      assert.ok(after < before + 20, `${after - before} more open files after 200 reads`);
    });
  });

  describe('append', () => {
    it('adds each text once, to a new file and to an existing one', async () => {
      await blobs.append('log', 'one\n');
      await blobs.append('log', 'two\n');
      assert.equal(readFileSync(join(dir, 'log'), 'utf8'), 'one\ntwo\n');
    });

    it('follows a log that another window replaced while this one appended, twice over', async () => {
      writeFileSync(join(dir, 'log'), 'earlier\n');
      const real = fsp.appendFile;
      let replacements = 2;
      mock.method(fsp, 'appendFile', async (...args: Parameters<typeof fsp.appendFile>) => {
        await real(...args);
        if (replacements > 0) {
          replacements -= 1;
          // Another window's rewrite: the log moved aside, a new one started in its place.
          renameSync(join(dir, 'log'), join(dir, `log.aside${replacements}`));
          writeFileSync(join(dir, 'log'), '');
        }
      });
      await blobs.append('log', 'kept\n');
      assert.match(readFileSync(join(dir, 'log'), 'utf8'), /kept/, 'the line reached the log that is read from now on');
    });
  });

  describe('an append under a log replaced again and again', () => {
    it('gives up following after three tries instead of appending forever (a livelock between windows)', async () => {
      writeFileSync(join(dir, 'log'), 'earlier\n');
      const real = fsp.appendFile;
      let appends = 0;
      const appending = mock.method(fsp, 'appendFile', async (...args: Parameters<typeof fsp.appendFile>) => {
        appends += 1;
        await real(...args);
        // Every time, another window has just renamed a fresh log into place.
        renameSync(join(dir, 'log'), join(dir, `log.aside${appends}`));
        writeFileSync(join(dir, 'log'), '');
      });
      try {
        await within(2_000, 'an append under a log that never stays put', blobs.append('log', 'line\n'));
      } finally {
        appending.mock.restore();
      }
      assert.equal(appends, 3);
    });
  });

  describe('renames (write, move)', () => {
    for (const code of ['EPERM', 'EBUSY', 'EACCES']) {
      it(`a file held a moment by another process (${code}) is renamed once it is let go`, async () => {
        const real = fsp.rename;
        let refusals = 2;
        mock.method(fsp, 'rename', async (...args: Parameters<typeof fsp.rename>) => {
          if (refusals-- > 0) {
            throw Object.assign(new Error(code), { code });
          }
          return real(...args);
        });
        await within(3_000, 'write', blobs.write('job.json', '{"ok":true}'));
        assert.equal(await blobs.read('job.json'), '{"ok":true}');
      });
    }

    it('gives a holder about 200 ms: held for 150 ms, the rename still happens', async () => {
      const real = fsp.rename;
      const until = Date.now() + 150;
      mock.method(fsp, 'rename', async (...args: Parameters<typeof fsp.rename>) => {
        if (Date.now() < until) {
          throw Object.assign(new Error('EBUSY'), { code: 'EBUSY' });
        }
        return real(...args);
      });
      await within(3_000, 'move', blobs.write('a', 'x'));
      assert.equal(await blobs.read('a'), 'x');
    });

    it('a file held for good fails after five tries, and leaves no temporary behind', async () => {
      let calls = 0;
      mock.method(fsp, 'rename', async () => {
        calls += 1;
        throw Object.assign(new Error('EBUSY'), { code: 'EBUSY' });
      });
      await within(3_000, 'write', assert.rejects(blobs.write('a', 'x'), /EBUSY/));
      assert.equal(calls, 5);
      assert.deepEqual(readdirSync(dir), []);
    });

    it('a real error is not retried', async () => {
      let calls = 0;
      mock.method(fsp, 'rename', async () => {
        calls += 1;
        throw Object.assign(new Error('EXDEV'), { code: 'EXDEV' });
      });
      await within(3_000, 'move', assert.rejects(blobs.move('a', 'b'), /EXDEV/));
      assert.equal(calls, 1);
    });

    it('moving a missing file says so; moving with a bad name throws', async () => {
      assert.equal(await within(3_000, 'move', blobs.move('missing', 'b')), false);
      await assert.rejects(blobs.move('../a', 'b'), /Invalid blob name/);
    });
  });

  describe('create, readNow, deleteNow', () => {
    it('create refuses a bad name instead of reporting the file as existing', async () => {
      await assert.rejects(blobs.create('../lock', 'x'), /Invalid blob name/);
      assert.equal(await blobs.create('lock', 'x'), true);
      assert.equal(await blobs.create('lock', 'y'), false);
    });

    it('readNow gives the text (as text), undefined when missing, and refuses a bad name', async () => {
      await blobs.write('a', 'héllo');
      assert.equal(blobs.readNow('a'), 'héllo');
      assert.equal(blobs.readNow('missing'), undefined);
      assert.throws(() => blobs.readNow('../a'), /Invalid blob name/);
    });

    it('deleteNow of a file already gone does not throw (a window closing must not fail)', () => {
      blobs.deleteNow('missing');
      writeFileSync(join(dir, 'a'), 'x');
      blobs.deleteNow('a');
      assert.equal(existsSync(join(dir, 'a')), false);
    });
  });
});
