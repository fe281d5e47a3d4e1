// Prompt files and request options (issue 12), in the real extension host against the simulator: a
// workspace prompt file's options and variables reach the wire; a JSON Schema makes a structured
// answer that is checked; an invalid prompt file is reported where it is wrong and sends nothing; a
// schema outside the workspace is never read; the default keybinding collides with none of VS Code's.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { jobView } from '../../src/render/jobView';
import { closeEditors, finished, freshSailWithKey, openEditor, sim, testApi, waitFor } from './support';

const encoder = new TextEncoder();

async function write(relative: string, content: string): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  const uri = vscode.Uri.joinPath(folder.uri, relative);
  await vscode.workspace.fs.writeFile(uri, encoder.encode(content));
  return uri;
}

interface Wire {
  input: string;
  temperature?: number;
  max_output_tokens?: number;
  reasoning?: { effort?: string };
  metadata?: Record<string, string>;
  text?: { format: { type: string; name?: string; schema?: Record<string, unknown>; strict?: boolean } };
  model: string;
}

/** The request as Sail holds it. */
async function wire(responseId: string): Promise<Wire> {
  const response = await fetch(`${sim.url}/responses/${responseId}`, { headers: { authorization: `Bearer ${sim.key}` } });
  assert.equal(response.status, 200);
  return (await response.json()) as Wire;
}

const FINDINGS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['summary', 'findings'],
  properties: {
    summary: { type: 'string' },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['line', 'severity', 'message'],
        properties: { line: { type: 'integer' }, severity: { enum: ['low', 'medium', 'high'] }, message: { type: 'string' } },
      },
    },
  },
};

suite('Prompt files and request options', () => {
  setup(freshSailWithKey);
  teardown(closeEditors);

  test("a workspace prompt file's options and filled-in variables reach the wire, the code first and the instruction last", async () => {
    const api = await testApi();
    await write(
      '.sail/prompts/summarize.md',
      [
        '---',
        'label: Summarize',
        'window: priority',
        'reasoningEffort: low',
        'maxOutputTokens: 900',
        'temperature: 0.1',
        '---',
        'Summarize ${relativeFile} (${languageId}) in two sentences, as of ${date}.',
        '',
      ].join('\n'),
    );
    const code = 'export function twice(n: number) {\n  return n * 2;\n}\n';
    await openEditor('prompt-vars.ts', code, 'return n * 2;');
    const jobId = await vscode.commands.executeCommand<string>('sail.sendSelection', { prompt: 'summarize' });
    assert.ok(jobId, 'the command returns the new job id');
    const job = await finished(api.tracker, jobId);
    assert.equal(job.state, 'completed');
    assert.equal(job.window, 'priority');
    assert.ok(job.title.startsWith('Summarize · prompt-vars.ts'), job.title);
    assert.ok(job.responseId);
    const sent = await wire(job.responseId);
    assert.equal(sent.temperature, 0.1);
    assert.equal(sent.max_output_tokens, 900);
    assert.equal(sent.reasoning?.effort, 'low');
    assert.equal(sent.metadata?.completion_window, 'priority');
    assert.equal(sent.text?.format.type ?? 'text', 'text', 'no format: plain text');
    assert.equal((await api.tracker.request(jobId))?.text, undefined, 'no text.format is sent');
    const today = new Date().toISOString().slice(0, 10);
    const instruction = `Summarize prompt-vars.ts (typescript) in two sentences, as of ${today}.`;
    assert.ok(sent.input.trimEnd().endsWith(instruction), `the instruction, filled in, comes last:\n${sent.input}`);
    assert.ok(sent.input.indexOf('return n * 2;') < sent.input.indexOf(instruction), 'the code comes before the instruction');
  });

  test('a prompt with a JSON Schema file: text.format goes out, the structured answer matches, and the result view says so', async () => {
    const api = await testApi();
    await write('.sail/schemas/findings.json', JSON.stringify(FINDINGS_SCHEMA, null, 2));
    await write(
      '.sail/prompts/findings.md',
      ['---', 'label: Findings as JSON', 'format: ../schemas/findings.json', 'mode: selection', '---', 'List the problems in this code.', ''].join('\n'),
    );
    await openEditor('structured.ts', 'let total = 0;\nfor (const x of xs) total += x;\n', 'for (const x of xs) total += x;');
    const jobId = await vscode.commands.executeCommand<string>('sail.sendSelection', { prompt: 'findings', completionWindow: 'asap' });
    assert.ok(jobId);
    const job = await finished(api.tracker, jobId);
    assert.equal(job.state, 'completed');
    assert.ok(job.responseId);
    const format = (await wire(job.responseId)).text?.format;
    assert.equal(format?.type, 'json_schema');
    assert.equal(format?.name, 'findings');
    assert.equal(format?.strict, true);
    assert.deepEqual(format?.schema, FINDINGS_SCHEMA);
    const response = await api.tracker.response(jobId);
    assert.ok(response);
    const view = jobView({ job, response, format: (await api.tracker.request(jobId))?.text?.format });
    assert.equal(view.structured?.tone, 'done');
    assert.match(view.structured?.verdict ?? '', /^valid/);
    assert.match(view.outputHtml ?? '', /&quot;findings&quot;/, 'the answer is shown as pretty JSON');
  });

  test('an answer that does not match its schema is shown with where it fails', async () => {
    const api = await testApi();
    await write(
      '.sail/prompts/strict-inline.md',
      ['---', 'format:', '  schema: ' + JSON.stringify(FINDINGS_SCHEMA), '---', 'answer invalid json', ''].join('\n'),
    );
    await openEditor('invalid-answer.ts', 'const a = 1;\n', 'const a = 1;');
    const jobId = await vscode.commands.executeCommand<string>('sail.sendSelection', { prompt: 'strict-inline', completionWindow: 'asap' });
    assert.ok(jobId);
    const job = await finished(api.tracker, jobId);
    const response = await api.tracker.response(jobId);
    assert.ok(response);
    const view = jobView({ job, response, format: (await api.tracker.request(jobId))?.text?.format });
    assert.equal(view.structured?.tone, 'warning');
    assert.match(view.structured?.verdict ?? '', /^invalid/);
    assert.ok((view.structured?.problems.length ?? 0) > 0, 'the problems are listed');
    assert.match(view.structured?.problems[0] ?? '', /^\/.*: /, 'each problem starts with where it is (a JSON pointer)');
  });

  test("with several files, each file fills in the prompt file's variables for itself, and every item carries the format", async () => {
    const api = await testApi();
    await write(
      '.sail/prompts/per-file.md',
      ['---', 'mode: files', 'format:', '  schema: ' + JSON.stringify(FINDINGS_SCHEMA), '---', 'Describe ${relativeFile} (${languageId}).', ''].join('\n'),
    );
    const a = await write('each/a.ts', 'export const a = 1;\n');
    const b = await write('each/b.py', 'b = 2\n');
    const jobId = await vscode.commands.executeCommand<string>('sail.sendFile', a, [a, b], { mode: 'each', prompt: 'per-file', completionWindow: 'flex' });
    assert.ok(jobId);
    const accepted = await waitFor('the batch accepted', () => api.tracker.get(jobId)?.responseId);
    const manifest = await api.tracker.batchManifest(jobId);
    const items = manifest?.items ?? [];
    assert.deepEqual(
      items.map((i) => i.path),
      ['each/a.ts', 'each/b.py'],
    );
    const expected = ['Describe each/a.ts (typescript).', 'Describe each/b.py (python).'];
    for (const [index, item] of items.entries()) {
      const held = await fetch(`${sim.url}/batches/${accepted}/${item.customId}`, { headers: { authorization: `Bearer ${sim.key}` } });
      assert.equal(held.status, 200);
      const body = (await held.json()) as Wire;
      assert.ok(body.input.trimEnd().endsWith(expected[index]), `item ${item.path}:\n${body.input}`);
      assert.equal(body.text?.format.type, 'json_schema');
      assert.deepEqual(body.text?.format.schema, FINDINGS_SCHEMA);
    }
    await sim.finish();
    assert.equal((await finished(api.tracker, jobId)).state, 'completed');
  });

  test('an invalid prompt file sends nothing and is reported in the Problems view at its line', async () => {
    const uri = await write('.sail/prompts/broken.md', ['---', 'label: Broken', 'window: fast', '---', 'Explain ${nosuchvariable}.', ''].join('\n'));
    await openEditor('broken-target.ts', 'const b = 2;\n', 'const b = 2;');
    const jobId = await vscode.commands.executeCommand<string | undefined>('sail.sendSelection', { prompt: 'broken' });
    assert.equal(jobId, undefined, 'nothing was sent');
    assert.equal((await sim.counters()).requests['POST createResponse'] ?? 0, 0);
    const problems = await waitFor('the problems of broken.md', () => {
      const found = vscode.languages.getDiagnostics(uri);
      return found.length >= 2 ? found : undefined;
    });
    const window = problems.find((d) => d.message.includes('window'));
    assert.ok(window, problems.map((d) => d.message).join('\n'));
    assert.equal(window.range.start.line, 2, 'the window problem is on line 3');
    assert.equal(window.severity, vscode.DiagnosticSeverity.Error);
    const variable = problems.find((d) => d.message.includes('nosuchvariable'));
    assert.ok(variable);
    assert.equal(variable.range.start.line, 4, 'the unknown variable is on line 5');
  });

  test('saving a prompt file shows its problems at once, before any send reads it, and saving it fixed clears them', async () => {
    const uri = await write('.sail/prompts/edited.md', ['---', 'label: Edited', '---', 'Explain ${selection}.', ''].join('\n'));
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    const whole = () => new vscode.Range(0, 0, document.lineCount, 0);
    await editor.edit((edit) => edit.replace(whole(), ['---', 'label: Edited', 'temperature: hot', '---', 'Explain ${selection}.', ''].join('\n')));
    await document.save();
    const problems = await waitFor('the problem of edited.md after the save', () => {
      const found = vscode.languages.getDiagnostics(uri);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(problems[0].range.start.line, 2, 'on the line of temperature');
    assert.match(problems[0].message, /temperature/);
    await editor.edit((edit) => edit.replace(whole(), ['---', 'label: Edited', 'temperature: 0.5', '---', 'Explain ${selection}.', ''].join('\n')));
    await document.save();
    await waitFor('the problems of edited.md to clear', () => (vscode.languages.getDiagnostics(uri).length === 0 ? true : undefined));
    assert.equal((await sim.counters()).requests['POST createResponse'] ?? 0, 0, 'nothing was sent');
  });

  test('a schema outside the workspace folder is never read, and nothing is sent', async () => {
    await write('.sail/prompts/escape.md', ['---', 'format: ../../../../../../../../etc/hostname', '---', 'Explain.', ''].join('\n'));
    await openEditor('escape-target.ts', 'const c = 3;\n', 'const c = 3;');
    const jobId = await vscode.commands.executeCommand<string | undefined>('sail.sendSelection', { prompt: 'escape' });
    assert.equal(jobId, undefined);
    assert.equal((await sim.counters()).requests['POST createResponse'] ?? 0, 0);
  });

  test('links are not followed out of the workspace: neither a linked schema nor a linked prompt file is read', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'sail-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'secret.json'), JSON.stringify({ type: 'object', properties: { token: { const: 'hunter2' } } }));
      fs.writeFileSync(path.join(outside, 'secret.md'), 'machine example.com password hunter2\n');
      const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      assert.ok(root);
      fs.mkdirSync(path.join(root, '.sail', 'linked'), { recursive: true });
      fs.symlinkSync(path.join(outside, 'secret.json'), path.join(root, '.sail', 'linked', 'schema.json'));
      fs.symlinkSync(path.join(outside, 'secret.md'), path.join(root, '.sail', 'prompts', 'linked-secret.md'));
      await write('.sail/prompts/linked-schema.md', ['---', 'format: ../linked/schema.json', '---', 'Explain.', ''].join('\n'));
      await openEditor('linked-target.ts', 'const e = 5;\n', 'const e = 5;');
      assert.equal(await vscode.commands.executeCommand('sail.sendSelection', { prompt: 'linked-schema' }), undefined);
      assert.equal(await vscode.commands.executeCommand('sail.sendSelection', { prompt: 'linked-secret' }), undefined);
      assert.equal((await sim.counters()).requests['POST createResponse'] ?? 0, 0, 'nothing was sent');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test('Sail: New Prompt File writes a valid prompt file that the send commands then offer', async () => {
    const api = await testApi();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const created = vscode.commands.executeCommand<vscode.Uri | undefined>('sail.newPromptFile', { where: folder.name, name: 'from-template' });
    const uri = await created;
    assert.ok(uri, 'the command returns the new file');
    assert.ok(uri.path.endsWith('/.sail/prompts/from-template.md'), uri.path);
    assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
    await openEditor('template-target.ts', 'const d = 4;\n', 'const d = 4;');
    const jobId = await vscode.commands.executeCommand<string>('sail.sendSelection', { prompt: 'from-template', completionWindow: 'asap' });
    assert.ok(jobId);
    assert.equal((await finished(api.tracker, jobId)).state, 'completed');
  });

  test("the default keybinding of Send Selection is taken by none of VS Code's default keybindings", async () => {
    await vscode.commands.executeCommand('workbench.action.openDefaultKeybindingsFile');
    const document = await waitFor('the default keybindings', () => {
      const open = vscode.window.activeTextEditor?.document;
      return open?.uri.toString().includes('keybindings') && open.getText().length > 1000 ? open : undefined;
    });
    const entries = JSON.parse(document.getText().replace(/^\s*\/\/.*$/gm, '')) as { key: string; command: string }[];
    const ours = entries.filter((e) => e.command === 'sail.sendSelection');
    assert.equal(ours.length, 1, 'Send Selection has one default keybinding');
    const taken = entries.filter((e) => e.key === ours[0].key && e.command !== 'sail.sendSelection');
    assert.deepEqual(taken, [], `${ours[0].key} is free`);
  });
});
