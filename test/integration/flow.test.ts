import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { jobErrorText } from '../../src/render/jobErrors';
import { finished, openEditor, sendSelection, sim, testApi, waitFor } from './support';

suite('Send → background job → result', () => {
  suiteSetup(async () => {
    const api = await testApi();
    await api.apiKey.set(sim.key);
  });

  setup(async () => {
    await sim.reset();
    const api = await testApi();
    await api.apiKey.set(sim.key);
  });

  test('a selection sent in the background completes with the usage Sail reported', async () => {
    const api = await testApi();
    await openEditor('flow.ts', 'export function add(a: number, b: number) {\n  return a + b;\n}\n', 'return a + b;');
    const jobId = await vscode.commands.executeCommand<string>('sail.sendSelection', { instruction: 'Explain this line', completionWindow: 'standard' });
    assert.ok(jobId, 'the command returns the new job id');
    const job = await finished(api.tracker, jobId);
    assert.equal(job.state, 'completed');
    assert.equal(job.window, 'standard');
    assert.ok(job.responseId);
    const reported = await sim.response(job.responseId);
    assert.equal(job.usage?.input, reported.usage.input_tokens);
    assert.equal(job.usage?.output, reported.usage.output_tokens);
    assert.equal(job.usage?.total, reported.usage.total_tokens);
    assert.equal(job.source?.range?.start.line, 1);
    const counters = await sim.counters();
    assert.equal(counters.inferencesByIdempotencyKey[job.idempotencyKey], 1);
  });

  test('the request carries the instruction, the code with its file name and language, and the settings', async () => {
    const api = await testApi();
    const config = vscode.workspace.getConfiguration('sail');
    await config.update('temperature', 0.3, vscode.ConfigurationTarget.Global);
    await config.update('maxOutputTokens', 4000, vscode.ConfigurationTarget.Global);
    try {
      await openEditor('settings.py', 'def f():\n    return 42\n');
      const jobId = await vscode.commands.executeCommand<string>('sail.sendFile', { instruction: 'Write tests' });
      assert.ok(jobId);
      const job = await finished(api.tracker, jobId);
      assert.equal(job.state, 'completed');
      const response = await api.tracker.response(jobId);
      assert.ok(response);
      const wire = (await (await fetch(`${sim.url}/responses/${response.id}`, { headers: { authorization: `Bearer ${sim.key}` } })).json()) as {
        temperature: number;
        max_output_tokens: number;
        input: string;
      };
      assert.equal(wire.temperature, 0.3);
      assert.equal(wire.max_output_tokens, 4000);
      // The code first (the prefix requests about this file share), the instruction last.
      assert.match(wire.input, /^The code below is the whole file \S*settings\.py \(language: python\)\.\n/);
      assert.match(wire.input, /```python\ndef f\(\):\n {4}return 42\n/);
      assert.match(wire.input, /\n```\n\nInstruction:\nWrite tests\n$/);
    } finally {
      await config.update('temperature', undefined, vscode.ConfigurationTarget.Global);
      await config.update('maxOutputTokens', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('a reload while the job runs: the job completes and Sail ran it exactly once', async () => {
    const api = await testApi();
    const jobId = await sendSelection('reload.ts', 'const answer = 42;\n', 'const answer = 42;', { instruction: 'Review', completionWindow: 'standard' });
    assert.ok(['queued', 'in_progress'].includes(api.tracker.get(jobId)?.state ?? ''), 'still running at reload');
    await api.reload();
    const job = await finished(api.tracker, jobId);
    assert.equal(job.state, 'completed');
    const counters = await sim.counters();
    assert.equal(counters.inferencesByIdempotencyKey[job.idempotencyKey], 1);
    assert.equal(counters.requests['POST createResponse'], 1);
  });

  test('a POST cut off before the id came back is re-sent with the same key and still runs once', async () => {
    const api = await testApi();
    // Every attempt of the client's own retries is cut off after Sail recorded the job.
    await sim.inject({ route: 'createResponse', fault: 'reset_after_record', times: 3 });
    const jobId = await sendSelection('cutoff.ts', 'let x = 1;\n', 'let x = 1;', { instruction: 'Explain', completionWindow: 'standard' });
    assert.equal(api.tracker.get(jobId)?.state, 'submitting', 'no answer yet: waiting to re-send');
    await api.reload();
    const job = await finished(api.tracker, jobId);
    assert.equal(job.state, 'completed');
    const counters = await sim.counters();
    assert.equal(counters.inferencesByIdempotencyKey[job.idempotencyKey], 1);
  });

  test('a job Sail fails ends failed with its message', async () => {
    const api = await testApi();
    await sim.inject({ fault: 'fail_job', message: 'the model ran out of memory' });
    const jobId = await sendSelection('fail.ts', 'while (true) {}\n', 'while (true) {}', { instruction: 'Explain', completionWindow: 'standard' });
    const job = await finished(api.tracker, jobId);
    assert.equal(job.state, 'failed');
    assert.match(jobErrorText(job.error, job.baseUrl), /ran out of memory/);
  });

  test('a job Sail no longer has (its 48 h retention passed) ends expired, and says why', async () => {
    const api = await testApi();
    const jobId = await sendSelection('expire.ts', 'let y = 2;\n', 'let y = 2;', { instruction: 'Explain', completionWindow: 'flex' });
    await sim.expire();
    const job = await finished(api.tracker, jobId);
    assert.equal(job.state, 'expired');
    assert.match(jobErrorText(job.error, job.baseUrl), /48 h|48 hours/);
  });

  test('Set API Key takes a key as an argument and Clear API Key removes it', async () => {
    const api = await testApi();
    await vscode.commands.executeCommand('sail.setApiKey', 'sk_from_argument');
    assert.equal(await api.apiKey.get(), 'sk_from_argument');
    await vscode.commands.executeCommand('sail.clearApiKey');
    assert.equal(await api.apiKey.get(), undefined);
  });

  test('Stop Tracking ends polling; the job stays listed as no longer tracked', async () => {
    const api = await testApi();
    const jobId = await sendSelection('stop.ts', 'let z = 3;\n', 'let z = 3;', { instruction: 'Explain', completionWindow: 'flex' });
    await api.tracker.stopTracking(jobId);
    const polls = (await sim.counters()).requests['GET getResponse'] ?? 0;
    api.tracker.refresh(jobId);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(api.tracker.get(jobId)?.state, 'untracked');
    assert.equal((await sim.counters()).requests['GET getResponse'] ?? 0, polls);
  });

  test("switching to another account's key mid-job: the job waits for its key, then completes once", async () => {
    const api = await testApi();
    const jobId = await sendSelection('switch.ts', 'let k = 7;\n', 'let k = 7;', { instruction: 'Explain', completionWindow: 'standard' });
    const responseId = api.tracker.get(jobId)?.responseId;
    assert.ok(responseId);
    await vscode.commands.executeCommand('sail.setApiKey', sim.otherKey);
    await waitFor('the job to say it waits for its key', () => {
      api.tracker.refresh(jobId);
      return api.tracker.get(jobId)?.waiting === 'otherKey';
    });
    // Sail finishes the job meanwhile; asked with the other key it would answer 404 and the job would look expired.
    await waitFor('Sail to finish the job', async () => (await sim.status(responseId)) === 'completed', 30_000);
    api.tracker.refresh(jobId);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(['queued', 'in_progress'].includes(api.tracker.get(jobId)?.state ?? ''), `still waiting, not ${api.tracker.get(jobId)?.state}`);

    // Setting the first key again is enough: the job is fetched without anything else being done.
    await vscode.commands.executeCommand('sail.setApiKey', sim.key);
    const job = await waitFor('the job to complete', () => {
      const current = api.tracker.get(jobId);
      return current?.state === 'completed' ? current : undefined;
    });
    assert.equal(job.error, undefined);
    assert.equal((await sim.counters()).inferencesByIdempotencyKey[job.idempotencyKey], 1);
  });

  test('a wrong API key fails the job as an auth problem, and runs nothing', async () => {
    const api = await testApi();
    await api.apiKey.set('sk_wrong_key');
    const jobId = await sendSelection('auth.ts', 'const a = 1;\n', 'const a = 1;', { instruction: 'Explain' });
    const job = api.tracker.get(jobId);
    assert.equal(job?.state, 'failed');
    assert.equal(job?.error?.kind, 'auth');
    assert.match(jobErrorText(job?.error, job?.baseUrl), /Set API Key/);
    assert.doesNotMatch(JSON.stringify(job), /sk_wrong_key/);
    assert.equal((await sim.counters()).totalInferences, 0);
  });

  test('Send Again (sail.sendAgain, as in the Sail view) sends a job refused for its key again with the key set since: it runs once', async () => {
    const api = await testApi();
    await api.apiKey.set('sk_wrong_key');
    const jobId = await sendSelection('again.ts', 'const c = 3;\n', 'const c = 3;', { instruction: 'Explain' });
    assert.equal(api.tracker.get(jobId)?.state, 'failed');
    await api.apiKey.set(sim.key);
    await vscode.commands.executeCommand('sail.sendAgain', jobId);
    const job = await finished(api.tracker, jobId);
    assert.equal(job.state, 'completed');
    assert.equal(job.attempt, 2, 'the same job, a second attempt');
    assert.equal((await sim.counters()).inferencesByIdempotencyKey[job.idempotencyKey], 1);
  });

  test('an empty selection sends nothing', async () => {
    const api = await testApi();
    const before = api.tracker.jobs().length;
    const editor = await openEditor('empty.ts', 'const b = 2;\n');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const jobId = await vscode.commands.executeCommand<string | undefined>('sail.sendSelection', { instruction: 'Explain' });
    assert.equal(jobId, undefined);
    assert.equal(api.tracker.jobs().length, before);
    assert.equal((await sim.counters()).requests['POST createResponse'] ?? 0, 0);
  });

  test('a binary file is refused and sends nothing', async () => {
    const api = await testApi();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = vscode.Uri.joinPath(folder.uri, 'image.bin');
    await vscode.workspace.fs.writeFile(uri, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x00]));
    const before = api.tracker.jobs().length;
    const jobId = await vscode.commands.executeCommand<string | undefined>('sail.sendFile', uri, { instruction: 'Explain' });
    assert.equal(jobId, undefined);
    assert.equal(api.tracker.jobs().length, before);
  });

  test('a file over sail.maxFileSizeKB is refused and sends nothing', async () => {
    const api = await testApi();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = vscode.Uri.joinPath(folder.uri, 'big.log');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('a log line that repeats\n'.repeat(200_000)));
    const before = api.tracker.jobs().length;
    const jobId = await vscode.commands.executeCommand<string | undefined>('sail.sendFile', uri, { instruction: 'Summarize' });
    assert.equal(jobId, undefined);
    assert.equal(api.tracker.jobs().length, before);
    assert.equal((await sim.counters()).requests['POST createResponse'] ?? 0, 0);
  });

  test('invalid settings fall back to defaults: the request still goes out without them', async () => {
    const api = await testApi();
    const config = vscode.workspace.getConfiguration('sail');
    await config.update('temperature', 9, vscode.ConfigurationTarget.Global);
    try {
      await openEditor('invalid.ts', 'const c = 3;\n', 'const c = 3;');
      const jobId = await vscode.commands.executeCommand<string>('sail.sendSelection', { instruction: 'Explain', completionWindow: 'standard' });
      assert.ok(jobId);
      const job = await finished(api.tracker, jobId);
      assert.equal(job.state, 'completed', 'temperature 9 was not sent (Sail would refuse it)');
    } finally {
      await config.update('temperature', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('the result view opens for a finished job and comes back from a stored answer', async () => {
    const api = await testApi();
    const jobId = await sendSelection('view.ts', 'function g() { return 1; }\n', 'function g() { return 1; }', {
      instruction: 'Explain',
      completionWindow: 'standard',
    });
    await finished(api.tracker, jobId);
    await vscode.commands.executeCommand('sail.openResult', jobId);
    await waitFor('the result panel', () => api.panels.isOpen(jobId));
    await waitFor('the job to be marked seen', () => api.tracker.get(jobId)?.seen);
  });
});
