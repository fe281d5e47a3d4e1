// Sail's models in VS Code's own model list (issue 13), in the real extension host (VS Code 1.139):
// `vscode.lm.selectChatModels({ vendor: 'sail' })` finds them as any extension would; a request comes
// back with the simulator's answer and its usage lands in the usage ledger; cancelling stops it; a
// refused key is a LanguageModelError that says what to do and never holds the key.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeEditors, finished, freshSailWithKey, openEditor, sim, testApi, waitFor } from './support';

async function sailModels(): Promise<vscode.LanguageModelChat[]> {
  return waitFor(
    "Sail's models in vscode.lm",
    async () => {
      const models = await vscode.lm.selectChatModels({ vendor: 'sail' });
      return models.length ? models : undefined;
    },
    20_000,
  );
}

async function textOf(response: vscode.LanguageModelChatResponse): Promise<string> {
  let text = '';
  for await (const chunk of response.text) {
    text += chunk;
  }
  return text;
}

suite('Sail models in vscode.lm', () => {
  setup(freshSailWithKey);

  test('the asap models are listed under vendor sail; a request returns the answer, and its usage is counted', async () => {
    const api = await testApi();
    const models = await sailModels();
    const ids = models.map((m) => m.id).sort();
    assert.ok(ids.includes('moonshotai/Kimi-K2.6'), ids.join(', '));
    assert.ok(!ids.includes('zai-org/GLM-5.3'), 'a model Sail does not run at asap is not offered');
    const model = models.find((m) => m.id === 'moonshotai/Kimi-K2.6');
    assert.ok(model);
    assert.equal(model.vendor, 'sail');
    assert.equal(model.name, 'Kimi-K2.6');
    const asapTokens = () => api.usage.rows({ model: 'moonshotai/Kimi-K2.6', window: 'asap' }).reduce((sum, r) => sum + r.total, 0);
    const before = asapTokens();
    const response = await model.sendRequest(
      [vscode.LanguageModelChatMessage.User('Explain recursion in one line.')],
      {},
      new vscode.CancellationTokenSource().token,
    );
    const text = await textOf(response);
    assert.match(text, /Simulated answer: Explain recursion in one line\./);
    const counters = await sim.counters();
    assert.equal(counters.requests['POST createResponse'], 1);
    const after = await waitFor('the usage counted', () => (asapTokens() > before ? asapTokens() : undefined));
    const reported = (await sim.counters()).requests['POST createResponse'];
    assert.equal(reported, 1);
    assert.ok(after - before > 0, `${after - before} tokens counted`);
    assert.ok((await model.countTokens('four words of text')) > 0);
  });

  test('another extension finds Sail through vscode.lm and reads its answer', async () => {
    await sailModels();
    // test/fixtures/lm-consumer: loaded beside this extension, with no tie to it.
    const consumer = vscode.extensions.getExtension('sail-test.lm-consumer');
    assert.ok(consumer, 'the test-only consumer extension is loaded');
    const result = await vscode.commands.executeCommand<{ models: string[]; model?: string; text?: string }>('sailTest.askSail', 'Name one prime number.');
    assert.ok(result.models.includes('moonshotai/Kimi-K2.6'), result.models.join(', '));
    assert.equal(result.model, 'moonshotai/Kimi-K2.6');
    assert.match(result.text ?? '', /Simulated answer: Name one prime number\./);
  });

  test('cancelling a request stops it at once', async () => {
    const [model] = await sailModels();
    assert.ok(model);
    // Sail holds the answer back for 20 s: only cancelling ends the wait sooner.
    await sim.inject({ route: 'createResponse', fault: 'slow_headers', delayMs: 20_000 });
    const source = new vscode.CancellationTokenSource();
    const started = Date.now();
    const sent = Promise.resolve(model.sendRequest([vscode.LanguageModelChatMessage.User('Take your time.')], {}, source.token)).then(textOf);
    setTimeout(() => source.cancel(), 300);
    await assert.rejects(sent);
    assert.ok(Date.now() - started < 10_000, `cancelled after ${Date.now() - started} ms`);
  });

  test('a refused key is a LanguageModelError (NoPermissions) saying what to do, without the key', async () => {
    const [model] = await sailModels();
    assert.ok(model);
    await sim.inject({ route: 'createResponse', fault: 'echo_key', status: 401 });
    const error = await model
      .sendRequest([vscode.LanguageModelChatMessage.User('Hello')], {}, new vscode.CancellationTokenSource().token)
      .then(textOf)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof vscode.LanguageModelError, `got ${String(error)}`);
    assert.equal(error.code, 'NoPermissions');
    assert.match(error.message, /API key/);
    assert.ok(!error.message.includes(sim.key), 'the key is not in the message');
  });
});

/** What the handler streamed: its Markdown and its buttons. */
function recorder(): { markdown: string[]; buttons: vscode.Command[]; stream: Parameters<Awaited<ReturnType<typeof testApi>>['chat']>[1] } {
  const markdown: string[] = [];
  const buttons: vscode.Command[] = [];
  return {
    markdown,
    buttons,
    stream: {
      markdown: (value: string | vscode.MarkdownString) => {
        markdown.push(typeof value === 'string' ? value : value.value);
      },
      button: (command: vscode.Command) => {
        buttons.push(command);
      },
      progress: () => {},
    },
  };
}

suite('@sail in the chat (the handler, as the chat view calls it)', () => {
  setup(freshSailWithKey);
  teardown(closeEditors);

  test('/flex with a selection attached becomes a background job at flex; the reply names the window and cost, with a button to open it', async () => {
    const api = await testApi();
    const editor = await openEditor('chat-later.ts', 'const a = 1;\nexport function twice(n: number) {\n  return n * 2;\n}\n');
    const range = new vscode.Range(1, 0, 3, 1);
    const reply = recorder();
    const result = await api.chat(
      {
        prompt: 'Explain this function.',
        command: 'flex',
        references: [{ id: 'vscode.implicit.selection', value: new vscode.Location(editor.document.uri, range) }],
      },
      reply.stream,
      new vscode.CancellationTokenSource().token,
    );
    const jobId = result.metadata.jobId;
    assert.ok(jobId, 'a job was made');
    const job = api.tracker.get(jobId);
    assert.ok(job);
    assert.equal(job.window, 'flex');
    assert.equal(job.background, true);
    assert.equal(job.source?.range?.start.line, 1);
    const request = await api.tracker.request(jobId);
    assert.equal(request?.metadata?.completion_window, 'flex');
    const input = String(request?.input);
    assert.ok(input.indexOf('return n * 2;') < input.indexOf('Explain this function.'), 'the code first, the instruction last');
    assert.doesNotMatch(input, /const a = 1;/, 'only the selection');
    const text = reply.markdown.join('');
    assert.match(text, /flex/);
    assert.match(text, /Estimated cost|price/);
    assert.deepEqual(
      reply.buttons.map((b) => [b.command, b.arguments]),
      [['sail.openResult', [jobId]]],
    );
    await waitFor('accepted by Sail', () => api.tracker.get(jobId)?.responseId);
    await sim.finish();
    assert.equal((await finished(api.tracker, jobId)).state, 'completed');
  });

  test('without a command, @sail answers at asap in the chat; an unknown command sends nothing', async () => {
    const api = await testApi();
    const reply = recorder();
    const result = await api.chat({ prompt: 'Say hello.', command: undefined, references: [] }, reply.stream, new vscode.CancellationTokenSource().token);
    assert.ok(result.metadata.jobId);
    assert.equal(api.tracker.get(result.metadata.jobId)?.window, 'asap');
    assert.match(reply.markdown.join(''), /Simulated answer: Say hello\./);
    const before = (await sim.counters()).requests['POST createResponse'] ?? 0;
    const unknown = recorder();
    assert.deepEqual(await api.chat({ prompt: 'x', command: 'soon', references: [] }, unknown.stream, new vscode.CancellationTokenSource().token), {
      metadata: {},
    });
    assert.match(unknown.markdown.join(''), /later.*flex/);
    assert.equal((await sim.counters()).requests['POST createResponse'] ?? 0, before);
  });
});
