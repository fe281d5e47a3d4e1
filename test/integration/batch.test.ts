// Many files at once (issue 11), in the real extension host against the simulator: every file of an
// Explorer multi-selection reaches Sail, as a batch or as one request; folders are expanded with the
// workspace's excludes and .gitignore; files that cannot be sent are listed; a reload mid-batch
// loses nothing and sends the batch once.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { finished, sim, testApi, waitFor } from './support';

const encoder = new TextEncoder();

async function write(relative: string, content: string | Uint8Array): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  const uri = vscode.Uri.joinPath(folder.uri, relative);
  await vscode.workspace.fs.writeFile(uri, typeof content === 'string' ? encoder.encode(content) : content);
  return uri;
}

/** What Sail holds for one item of a batch: the request it ran, as the simulator renders it. */
async function itemInput(batchId: string, customId: string): Promise<string> {
  const response = await fetch(`${sim.url}/batches/${batchId}/${customId}`, { headers: { authorization: `Bearer ${sim.key}` } });
  assert.equal(response.status, 200);
  return ((await response.json()) as { input: string }).input;
}

suite('Many files at once', () => {
  setup(async () => {
    await sim.reset();
    const api = await testApi();
    await api.apiKey.set(sim.key);
  });

  test('every file of an Explorer multi-selection reaches Sail as one batch item; a binary one is listed as skipped', async () => {
    const api = await testApi();
    const a = await write('multi/a.ts', 'export const a = 1;\n');
    const b = await write('multi/b.py', 'def b():\n    return 2\n');
    const c = await write('multi/c.md', '# C\n');
    const png = await write('multi/d.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));
    const jobId = await vscode.commands.executeCommand<string>('sail.sendFile', a, [a, b, c, png], {
      mode: 'each',
      instruction: 'Review this file',
      completionWindow: 'flex',
    });
    assert.ok(jobId, 'the command returns the batch job id');
    // Flex takes over a minute even on the simulator's fast clock: its window passes now.
    await waitFor('the batch accepted', () => api.tracker.get(jobId)?.responseId);
    await sim.finish();
    const job = await finished(api.tracker, jobId);
    assert.equal(job.kind, 'batch');
    assert.equal(job.state, 'completed');
    assert.equal(job.window, 'flex');
    assert.equal(job.progress?.total, 3);
    const manifest = await api.tracker.batchManifest(jobId);
    assert.deepEqual(
      manifest?.items.map((i) => i.path),
      ['multi/a.ts', 'multi/b.py', 'multi/c.md'],
    );
    assert.deepEqual(
      manifest?.skipped.map((s) => [s.path, s.reason]),
      [['multi/d.png', 'binary']],
    );
    assert.ok(job.responseId);
    for (const item of manifest?.items ?? []) {
      const input = await itemInput(job.responseId, item.customId);
      assert.ok(input.includes(item.path), `item ${item.customId} carries ${item.path}`);
      assert.match(input, /Review this file/);
    }
    const counters = await sim.counters();
    assert.equal(counters.requests['POST createBatch'], 1);
    assert.equal(counters.inferencesByIdempotencyKey[job.idempotencyKey], 3);
    // The answers are kept here, with the summed usage.
    const done = await waitFor('every answer fetched', () => {
      const current = api.tracker.get(jobId);
      return current?.progress?.answered === 3 ? current : undefined;
    });
    assert.ok((done.usage?.total ?? 0) > 0);
    const answer = await api.tracker.batchItem(jobId, manifest?.items[1].customId ?? '');
    assert.equal(answer?.status, 'completed');
  });

  test('all files as context: one request holding every file, the instruction after them', async () => {
    const api = await testApi();
    const a = await write('together/one.ts', 'export const one = 1;\n');
    const b = await write('together/two.ts', 'export const two = 2;\n');
    const jobId = await vscode.commands.executeCommand<string>('sail.sendFile', a, [a, b], {
      mode: 'together',
      instruction: 'How do these files relate?',
      completionWindow: 'standard',
    });
    const job = await finished(api.tracker, jobId);
    assert.equal(job.kind, undefined);
    assert.equal(job.state, 'completed');
    assert.ok(job.responseId);
    const wire = (await (await fetch(`${sim.url}/responses/${job.responseId}`, { headers: { authorization: `Bearer ${sim.key}` } })).json()) as {
      input: string;
    };
    const one = wire.input.indexOf('together/one.ts');
    const two = wire.input.indexOf('together/two.ts');
    const instruction = wire.input.indexOf('How do these files relate?');
    assert.ok(one >= 0 && two > one && instruction > two, 'both files, in path order, then the instruction');
  });

  test('a folder is expanded with .gitignore and files.exclude respected', async () => {
    const api = await testApi();
    await write('tree/.gitignore', '*.log\nbuild/\n');
    await write('tree/src/main.ts', 'main();\n');
    await write('tree/src/util.ts', 'export {};\n');
    await write('tree/debug.log', 'noise\n');
    await write('tree/build/out.js', 'compiled();\n');
    await write('tree/secret/hidden.ts', 'hidden();\n');
    await write('tree/empty.ts', '');
    const files = vscode.workspace.getConfiguration('files');
    await files.update('exclude', { '**/secret': true }, vscode.ConfigurationTarget.Workspace);
    try {
      const folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'tree');
      const jobId = await vscode.commands.executeCommand<string>('sail.sendFiles', {
        uris: [folder.toString()],
        mode: 'each',
        instruction: 'Summarize',
        completionWindow: 'standard',
      });
      assert.ok(jobId);
      const manifest = await api.tracker.batchManifest(jobId);
      assert.deepEqual(
        manifest?.items.map((i) => i.path),
        // .gitignore itself is tracked by git, so it is sent like any file.
        ['tree/.gitignore', 'tree/src/main.ts', 'tree/src/util.ts'],
      );
      assert.deepEqual(
        manifest?.skipped.map((s) => [s.path, s.reason]),
        [['tree/empty.ts', 'empty']],
      );
      assert.equal((await finished(api.tracker, jobId, 60_000)).state, 'completed');
    } finally {
      await files.update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('where the endpoint refuses batches (404), the same files go as one background response each, shown the same way', async () => {
    const api = await testApi();
    const a = await write('fallback/p.ts', 'p();\n');
    const b = await write('fallback/q.ts', 'q();\n');
    await sim.inject({ route: 'createBatch', fault: 'http_error', status: 404 });
    const jobId = await vscode.commands.executeCommand<string>('sail.sendFile', a, [a, b], {
      mode: 'each',
      instruction: 'Check without batches',
      completionWindow: 'standard',
    });
    assert.ok(jobId);
    const job = await finished(api.tracker, jobId, 60_000);
    assert.equal(job.kind, 'files');
    assert.equal(job.state, 'completed');
    assert.deepEqual({ ...job.progress, answered: undefined }, { total: 2, done: 2, failed: 0, answered: undefined });
    const counters = await sim.counters();
    assert.equal(counters.requests['POST createBatch'], 1, 'the batch was asked for once');
    assert.equal(counters.requests['POST createResponse'], 2, 'then each file on its own');
    assert.equal(
      api.tracker.jobs().filter((j) => j.kind === 'batch' && j.instruction === 'Check without batches').length,
      0,
      'the refused batch is not left in the list',
    );
    const manifest = await api.tracker.batchManifest(jobId);
    const answer = await waitFor('an answer', () => api.tracker.batchItem(jobId, manifest?.items[0].customId ?? ''));
    assert.equal(answer.status, 'completed');
  });

  test('Re-run refuses a batch (it runs in balanced or flex only) and sends nothing', async () => {
    const api = await testApi();
    const a = await write('rerun/r.ts', 'r();\n');
    const b = await write('rerun/s.ts', 's();\n');
    const jobId = await vscode.commands.executeCommand<string>('sail.sendFile', a, [a, b], {
      mode: 'each',
      instruction: 'Rerun check',
      completionWindow: 'standard',
    });
    assert.ok(jobId);
    await finished(api.tracker, jobId, 60_000);
    const before = (await sim.counters()).requests;
    const rerun = await vscode.commands.executeCommand<string | undefined>('sail.rerun', jobId, { model: 'moonshotai/Kimi-K2.5', completionWindow: 'asap' });
    assert.equal(rerun, undefined);
    assert.deepEqual((await sim.counters()).requests, before, 'nothing sent');
  });

  test('Send Files with a glob sends what it matches; from Source Control, the changed files passed', async () => {
    const api = await testApi();
    await write('globbed/one.ts', 'one();\n');
    await write('globbed/two.ts', 'two();\n');
    await write('globbed/three.md', '# three\n');
    const byGlob = await vscode.commands.executeCommand<string>('sail.sendFiles', {
      glob: 'globbed/**/*.ts',
      mode: 'each',
      instruction: 'Glob',
      completionWindow: 'standard',
    });
    assert.deepEqual(
      (await api.tracker.batchManifest(byGlob))?.items.map((i) => i.path),
      ['globbed/one.ts', 'globbed/two.ts'],
    );
    // Source Control passes the resource states right-clicked (or a group's).
    const a = await write('scm/changed.ts', 'changed();\n');
    const b = await write('scm/added.ts', 'added();\n');
    const fromScm = await vscode.commands.executeCommand<string>('sail.sendFiles', { resourceUri: a }, [{ resourceUri: a }, { resourceUri: b }], {
      mode: 'each',
      instruction: 'Changes',
      completionWindow: 'standard',
    });
    assert.deepEqual(
      (await api.tracker.batchManifest(fromScm))?.items.map((i) => i.path),
      ['scm/added.ts', 'scm/changed.ts'],
    );
    const group = await vscode.commands.executeCommand<string>('sail.sendFiles', { resourceStates: [{ resourceUri: a }] }, undefined, {
      mode: 'together',
      instruction: 'Group',
      completionWindow: 'standard',
    });
    assert.equal((await finished(api.tracker, group)).state, 'completed');
  });

  test('a reload mid-batch loses nothing and sends the batch once', async () => {
    const api = await testApi();
    const a = await write('reload/x.ts', 'x();\n');
    const b = await write('reload/y.ts', 'y();\n');
    const jobId = await vscode.commands.executeCommand<string>('sail.sendFile', a, [a, b], {
      mode: 'each',
      instruction: 'Check',
      completionWindow: 'standard',
    });
    assert.ok(['queued', 'in_progress'].includes(api.tracker.get(jobId)?.state ?? ''), 'still running at reload');
    await api.reload();
    const job = await finished(api.tracker, jobId, 60_000);
    assert.equal(job.state, 'completed');
    const counters = await sim.counters();
    assert.equal(counters.requests['POST createBatch'], 1);
    assert.equal(counters.inferencesByIdempotencyKey[job.idempotencyKey], 2);
  });
});
