// Sail's models in VS Code's own model list (issue 13), in the real extension host (VS Code 1.139):
// `vscode.lm.selectChatModels({ vendor: 'sail' })` finds them as any extension would; a request comes
// back with the simulator's answer and its usage lands in the usage ledger; cancelling stops it; a
// refused key is a LanguageModelError that says what to do and never holds the key.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { sim, testApi, waitFor } from './support';

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
  setup(async () => {
    await sim.reset();
    const api = await testApi();
    await api.apiKey.set(sim.key);
  });

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
