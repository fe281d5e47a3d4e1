import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customIdFor } from '../../src/batch/customIds';
import { SAIL_BATCH_LIMITS, batchLabel, batchWindow, buildBatchRequest, planBatch, type CandidateFile, type PlannedFile } from '../../src/batch/plan';
import type { CreateResponseRequest } from '../../src/sail/schemas';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function file(path: string, contents: string | Uint8Array | undefined, size?: number): CandidateFile {
  const bytes = typeof contents === 'string' ? text(contents) : contents;
  return { path, uri: `file:///w/${path}`, size: size ?? bytes?.byteLength ?? 0, ...(bytes && { bytes }) };
}

const params = (f: PlannedFile): CreateResponseRequest => ({ model: 'm', input: `Review ${f.path}\n${f.text}`, metadata: { completion_window: 'flex' } });

describe('planBatch', () => {
  it('sends text files in path order, each with the id its path gives', () => {
    const plan = planBatch([file('b.ts', 'b'), file('a/z.ts', 'z'), file('a.ts', 'a')], { maxFileBytes: 1024 });
    assert.deepEqual(
      plan.send.map((f) => f.path),
      ['a.ts', 'a/z.ts', 'b.ts'],
    );
    assert.deepEqual(
      plan.send.map((f) => f.customId),
      ['a.ts', 'a/z.ts', 'b.ts'].map((p) => customIdFor(p)),
    );
    assert.equal(plan.send[0].text, 'a');
    assert.equal(plan.ids.pathOf.get(plan.send[1].customId), 'a/z.ts');
    assert.deepEqual(plan.skipped, []);
    assert.deepEqual(plan.limits, { maxFileBytes: 1024, ...SAIL_BATCH_LIMITS });
  });

  it('gives the same plan whatever order the files come in', () => {
    const files = [file('c', 'c'), file('a', 'a'), file('b', ''), file('a', 'again')];
    const one = planBatch(files, { maxFileBytes: 1024 });
    const other = planBatch([...files].reverse(), { maxFileBytes: 1024 });
    assert.deepEqual(
      one.send.map((f) => f.path),
      other.send.map((f) => f.path),
    );
    assert.deepEqual(
      one.skipped.map((s) => [s.file.path, s.kind]),
      other.skipped.map((s) => [s.file.path, s.kind]),
    );
  });

  it('leaves out each kind of file that cannot be sent, with a sentence naming it', () => {
    const plan = planBatch(
      [
        file('ok.ts', 'fine'),
        file('image.png', new Uint8Array([0x89, 0x50, 0x00, 0x47])),
        file('latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20])),
        file('empty.ts', ''),
        file('huge.ts', undefined, 5000),
        file('bigread.ts', 'x'.repeat(2000), 10),
        file('gone.ts', undefined, 10),
        file('ok.ts', 'fine'),
      ],
      { maxFileBytes: 1024 },
    );
    assert.deepEqual(
      plan.send.map((f) => f.path),
      ['ok.ts'],
    );
    const kinds = Object.fromEntries(plan.skipped.map((s) => [s.file.path, s.kind]));
    assert.deepEqual(kinds, {
      'image.png': 'binary',
      'latin1.txt': 'binary',
      'empty.ts': 'empty',
      'huge.ts': 'tooLarge',
      'bigread.ts': 'tooLarge',
      'gone.ts': 'unreadable',
      'ok.ts': 'duplicate',
    });
    for (const skipped of plan.skipped) {
      assert.ok(skipped.reason.includes(skipped.file.path), `"${skipped.reason}" names the file`);
    }
    assert.match(plan.skipped.find((s) => s.file.path === 'latin1.txt')?.reason ?? '', /not UTF-8/);
    assert.match(plan.skipped.find((s) => s.file.path === 'huge.ts')?.reason ?? '', /5 KB, over the 1 KB limit/);
    assert.deepEqual(
      plan.skipped.map((s) => s.file.path),
      [...plan.skipped.map((s) => s.file.path)].sort(),
      'in path order',
    );
  });

  it('sends the first files by path up to the request count, and says why the rest stay', () => {
    const files = Array.from({ length: 7 }, (_, i) => file(`f${i}.ts`, `${i}`));
    const plan = planBatch(files, { maxFileBytes: 1024, maxRequests: 5 });
    assert.deepEqual(
      plan.send.map((f) => f.path),
      ['f0.ts', 'f1.ts', 'f2.ts', 'f3.ts', 'f4.ts'],
    );
    assert.deepEqual(
      plan.skipped.map((s) => [s.file.path, s.kind]),
      [
        ['f5.ts', 'overLimit'],
        ['f6.ts', 'overLimit'],
      ],
    );
    assert.match(plan.skipped[0].reason, /past the 5 requests/);
    assert.equal(plan.ids.idOf.size, 5);
  });

  it('does not count files it leaves out against the request count', () => {
    const plan = planBatch([file('a', ''), file('b', 'b'), file('c', 'c')], { maxFileBytes: 1024, maxRequests: 2 });
    assert.deepEqual(
      plan.send.map((f) => f.path),
      ['b', 'c'],
    );
  });
});

describe('buildBatchRequest', () => {
  it('builds the body with one request per file, and knows its size in bytes exactly', () => {
    const plan = planBatch([file('b.ts', 'const b = "é🚀";'), file('a.ts', 'a')], { maxFileBytes: 1024 });
    for (const label of [undefined, 'review-1']) {
      const built = buildBatchRequest(plan, params, label);
      assert.ok(built.request);
      assert.equal(built.request.endpoint, '/v1/responses');
      assert.equal(built.request.label, label);
      assert.deepEqual(
        built.request.requests.map((r) => r.custom_id),
        [customIdFor('a.ts'), customIdFor('b.ts')],
      );
      assert.equal(built.request.requests[1].params.input, 'Review b.ts\nconst b = "é🚀";');
      assert.equal(built.bodyBytes, Buffer.byteLength(JSON.stringify(built.request)));
      assert.equal(built.plan.send.length, 2);
    }
  });

  it('moves the files past the body limit to skipped, in path order, and never drops one', () => {
    const files = Array.from({ length: 6 }, (_, i) => file(`f${i}.ts`, 'x'.repeat(100)));
    const unlimited = buildBatchRequest(planBatch(files, { maxFileBytes: 1024 }), params);
    const perItem = (unlimited.bodyBytes - Buffer.byteLength('{"endpoint":"/v1/responses","requests":[]}') + 1) / 6;
    // Room for three items and a bit, not four.
    const limit = Buffer.byteLength('{"endpoint":"/v1/responses","requests":[]}') + 3 * perItem + perItem / 2;
    const plan = planBatch([...files, file('bin', new Uint8Array([0]))], { maxFileBytes: 1024, maxBodyBytes: limit });
    const built = buildBatchRequest(plan, params);
    assert.deepEqual(
      built.request?.requests.map((r) => r.custom_id),
      ['f0.ts', 'f1.ts', 'f2.ts'].map((p) => customIdFor(p)),
    );
    assert.ok(built.bodyBytes <= limit);
    assert.equal(built.bodyBytes, Buffer.byteLength(JSON.stringify(built.request)));
    assert.deepEqual(
      built.plan.send.map((f) => f.path),
      ['f0.ts', 'f1.ts', 'f2.ts'],
    );
    assert.deepEqual(
      built.plan.skipped.map((s) => [s.file.path, s.kind]),
      [
        ['bin', 'binary'],
        ['f3.ts', 'overLimit'],
        ['f4.ts', 'overLimit'],
        ['f5.ts', 'overLimit'],
      ],
    );
    assert.match(built.plan.skipped[1].reason, /request size limit/);
    assert.equal(built.plan.ids.idOf.size, 3, 'the ids are those of the files sent');
    assert.equal(built.plan.ids.pathOf.get(customIdFor('f2.ts')), 'f2.ts');
  });

  it('keeps a file that fits the body limit exactly', () => {
    const plan = planBatch([file('a', 'a')], { maxFileBytes: 1024 });
    const exact = buildBatchRequest(plan, params).bodyBytes;
    const fits = buildBatchRequest(planBatch([file('a', 'a')], { maxFileBytes: 1024, maxBodyBytes: exact }), params);
    assert.equal(fits.request?.requests.length, 1);
    const over = buildBatchRequest(planBatch([file('a', 'a')], { maxFileBytes: 1024, maxBodyBytes: exact - 1 }), params);
    assert.equal(over.request, undefined, 'nothing left to send: no request (Sail refuses an empty batch)');
    assert.equal(over.bodyBytes, 0);
    assert.deepEqual(
      over.plan.skipped.map((s) => s.kind),
      ['overLimit'],
    );
  });

  it('refuses a label Sail would refuse; batchLabel makes one it accepts', () => {
    const plan = planBatch([file('a', 'a')], { maxFileBytes: 1024 });
    assert.throws(() => buildBatchRequest(plan, params, 'has space'), RangeError);
    assert.throws(() => buildBatchRequest(plan, params, 'x'.repeat(129)), RangeError);
    assert.equal(batchLabel('Review: src/ (all files)'), 'Review-src-all-files');
    assert.equal(batchLabel('x'.repeat(300))?.length, 128);
    assert.equal(batchLabel('日本語'), undefined);
    assert.equal(buildBatchRequest(plan, params, batchLabel('Review: src/'))?.request?.label, 'Review-src');
  });
});

describe('batchWindow', () => {
  it('maps balanced and standard to standard, flex to flex', () => {
    assert.deepEqual(batchWindow('standard'), { window: 'standard' });
    assert.deepEqual(batchWindow('balanced'), { window: 'standard' });
    assert.deepEqual(batchWindow('flex'), { window: 'flex' });
  });

  it('refuses the windows batch items cannot run in, in words the UI can show', () => {
    for (const window of ['asap', 'priority', 'auto', 'nonsense']) {
      const answer = batchWindow(window);
      assert.ok('refusal' in answer, `${window} is refused`);
      assert.match(answer.refusal, /balanced or flex/);
      assert.ok(answer.refusal.includes(window));
    }
  });
});
