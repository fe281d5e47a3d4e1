import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { hashText } from '../../src/jobs/prompt';
import type { ReviewChoice, ReviewItem, ReviewStep } from '../../src/ui/reviewChanges';
import { openEditor, testApi } from './support';

const ORIGINAL = 'export function add(a: number, b: number) {\n  return a + b;\n}\n';
const FIXED = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
const answerWith = (code: string) => `Here is the file with a return type:\n\n\`\`\`ts\n${code}\`\`\`\n`;

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

function item(uri: vscode.Uri, answer: string | undefined, sent = ORIGINAL, extra: Partial<ReviewItem> = {}): ReviewItem {
  return { uri, label: uri.path.split('/').pop() ?? '', answer: () => Promise.resolve(answer), sentTextHash: hashText(sent), ...extra };
}

/** Answers each step from `choices` in turn, noting what the person would have seen. */
function answering(...choices: ReviewChoice[]): { decide: (step: ReviewStep) => Promise<ReviewChoice>; steps: ReviewStep[]; diffs: boolean[] } {
  const steps: ReviewStep[] = [];
  const diffs: boolean[] = [];
  return {
    steps,
    diffs,
    decide: (step) => {
      steps.push(step);
      diffs.push(proposalTabs().some((tab) => (tab.input as vscode.TabInputTextDiff).modified.toString() === step.proposal.toString()));
      return Promise.resolve(choices.shift() ?? 'stop');
    },
  };
}

function proposalTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) =>
    g.tabs.filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === 'sail-proposal'),
  );
}

async function fileText(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

suite('Review changes', () => {
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('an open file: the diff shows the proposal, Apply is one undoable edit, and the file is left unsaved', async () => {
    const api = await testApi();
    const editor = await openEditor('review-open.ts', ORIGINAL);
    const uri = editor.document.uri;
    const person = answering('apply');
    const summary = await api.reviewChanges([item(uri, answerWith(FIXED))], person.decide);
    assert.equal(summary.applied, 1);
    assert.deepEqual(person.diffs, [true], 'the diff was on screen when the question came');
    const step = person.steps[0];
    assert.ok(step);
    assert.equal(step.changedSinceSent, false);
    assert.ok(!step.proposal.toString().includes('number'), 'the URI carries an id, not the proposal');
    assert.equal(proposalTabs().length, 0, 'the diff is closed after the review');
    const document = await vscode.workspace.openTextDocument(uri);
    assert.equal(document.getText(), FIXED);
    assert.ok(document.isDirty, 'a file the person had open is not saved for them');
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), ORIGINAL, 'one undo takes the whole change back');
  });

  test('a file that was not open is saved after Apply', async () => {
    const api = await testApi();
    const uri = workspaceFile('review-closed.ts');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(ORIGINAL));
    const summary = await api.reviewChanges([item(uri, answerWith(FIXED))], answering('apply').decide);
    assert.equal(summary.applied, 1);
    assert.equal(await fileText(uri), FIXED);
  });

  test('several files: answers without code are skipped with the reason, Skip leaves a file, Apply All Remaining applies the rest', async () => {
    const api = await testApi();
    const names = ['review-1.ts', 'review-2.ts', 'review-3.ts', 'review-4.ts'];
    const uris = names.map(workspaceFile);
    for (const uri of uris) {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(ORIGINAL));
    }
    const person = answering('skip', 'applyAll');
    const summary = await api.reviewChanges(
      [item(uris[0]!, 'Looks fine to me.'), item(uris[1]!, answerWith(FIXED)), item(uris[2]!, answerWith(FIXED)), item(uris[3]!, answerWith(FIXED))],
      person.decide,
    );
    assert.equal(person.steps.length, 2, 'asked about the second and third files only');
    assert.deepEqual(
      summary.outcomes.map((o) => (o.applied ? 'applied' : o.skip?.kind)),
      ['noProposal', 'skipped', 'applied', 'applied'],
    );
    assert.equal(await fileText(uris[1]!), ORIGINAL);
    assert.equal(await fileText(uris[3]!), FIXED);
  });

  test('a file changed since it was sent: the question warns, and Apply All Remaining leaves it for a look of its own', async () => {
    const api = await testApi();
    const first = workspaceFile('review-changed-1.ts');
    const second = workspaceFile('review-changed-2.ts');
    const edited = ORIGINAL.replace('a + b', 'b + a');
    await vscode.workspace.fs.writeFile(first, new TextEncoder().encode(edited));
    await vscode.workspace.fs.writeFile(second, new TextEncoder().encode(edited));
    const person = answering('applyAll');
    const summary = await api.reviewChanges([item(first, answerWith(FIXED)), item(second, answerWith(FIXED))], person.decide);
    assert.equal(person.steps[0]?.changedSinceSent, true);
    assert.deepEqual(
      summary.outcomes.map((o) => (o.applied ? 'applied' : o.skip?.kind)),
      ['applied', 'changedSinceSent'],
    );
  });

  test('a selection job replaces only its range, and only while the range holds what was sent', async () => {
    const api = await testApi();
    const editor = await openEditor('review-selection.ts', ORIGINAL);
    const document = editor.document;
    const start = ORIGINAL.indexOf('return a + b;');
    const range = new vscode.Range(document.positionAt(start), document.positionAt(start + 'return a + b;'.length));
    const selectionItem = item(document.uri, '```ts\nreturn a - b;\n```', 'return a + b;', { range });
    const summary = await api.reviewChanges([selectionItem], answering('apply').decide);
    assert.equal(summary.applied, 1);
    assert.equal(document.getText(), ORIGINAL.replace('a + b', 'a - b'));
    const again = await api.reviewChanges([selectionItem], answering('apply').decide);
    assert.equal(again.outcomes[0]?.skip?.kind, 'selectionChanged');
    await document.save();
  });

  test('Stop leaves the current file and the rest as they are', async () => {
    const api = await testApi();
    const uris = ['review-stop-1.ts', 'review-stop-2.ts'].map(workspaceFile);
    for (const uri of uris) {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(ORIGINAL));
    }
    const summary = await api.reviewChanges(
      uris.map((uri) => item(uri, answerWith(FIXED))),
      answering('stop').decide,
    );
    assert.deepEqual(
      summary.outcomes.map((o) => o.skip?.kind),
      ['stopped', 'stopped'],
    );
    assert.equal(await fileText(uris[0]!), ORIGINAL);
  });
});
