import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { finished, sendSelection, sim, testApi, waitFor } from './support';

suite('Usage ledger → Sail: Export Usage', () => {
  setup(async () => {
    await sim.reset();
    const api = await testApi();
    await api.apiKey.set(sim.key);
  });

  test('a finished job is counted once under its workspace folder, and Export Usage writes it as CSV and JSON', async () => {
    const api = await testApi();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test run opens a workspace folder');
    await api.usage.load();
    const before = api.usage.summary(Date.now()).allTime;
    const jobId = await sendSelection('usage.ts', 'export const answer = 42;\n', 'answer = 42', { instruction: 'Explain', completionWindow: 'priority' });
    const job = await finished(api.tracker, jobId);
    assert.equal(job.state, 'completed');
    await waitFor('the job counted in the usage ledger', () => api.usage.has(jobId, 1) || undefined);
    await api.tracker.markSeen(jobId);
    const after = api.usage.summary(Date.now()).allTime;
    assert.equal(after.jobs - before.jobs, 1, 'counted once, through later changes of the job too');
    assert.equal(after.total - before.total, job.usage?.total);
    const row = api.usage.rows({ folder: folder.name, window: 'priority', model: job.model }).at(-1);
    assert.ok(row && row.jobs >= 1, 'a row for the job’s folder, window and model');

    const csvUri = vscode.Uri.joinPath(folder.uri, 'usage-export.csv');
    const written = await vscode.commands.executeCommand<string | undefined>('sail.exportUsage', { format: 'csv', uri: csvUri.toString() });
    assert.equal(written, csvUri.toString());
    const csv = new TextDecoder().decode(await vscode.workspace.fs.readFile(csvUri));
    assert.match(csv, /^day,folder,model,window,jobs,/);
    assert.ok(csv.includes(`,priority,`), 'the job’s window is in a row');

    const jsonUri = vscode.Uri.joinPath(folder.uri, 'usage-export.json');
    await vscode.commands.executeCommand('sail.exportUsage', { format: 'json', uri: jsonUri.toString() });
    const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(jsonUri))) as {
      pricesNote: string;
      rows: { folder: string; window: string; model: string; totalTokens: number }[];
    };
    assert.ok(json.pricesNote.length > 0);
    assert.ok(json.rows.some((r) => r.folder === folder.name && r.window === 'priority' && r.model === job.model && r.totalTokens >= (job.usage?.total ?? 1)));
  });
});
