import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lmModels, modelName } from '../../src/lm/models';
import { priceCatalog } from '../../src/usage/catalog';

describe('modelName', () => {
  it('is the id without its publisher', () => {
    assert.equal(modelName('moonshotai/Kimi-K2.6'), 'Kimi-K2.6');
    assert.equal(modelName('local-model'), 'local-model');
  });
});

describe('lmModels', () => {
  const catalog = priceCatalog();
  const options = { maxOutputTokens: null, toolCalling: true };

  it('offers each model that runs at asap, once, in id order, with assumed sizes and no image input', () => {
    const models = lmModels(
      [
        { id: 'zai-org/GLM-5.3', created: 1785542400 },
        { id: 'moonshotai/Kimi-K2.6', created: 1775001600 },
        { id: 'acme/new-model' },
        { id: 'moonshotai/Kimi-K2.6', created: 1775001600 },
      ],
      catalog,
      options,
    );
    assert.deepEqual(models, [
      {
        id: 'acme/new-model',
        name: 'new-model',
        family: 'acme/new-model',
        version: '1',
        tooltip: 'acme/new-model on Sail, answered at asap',
        detail: 'Sail · asap',
        maxInputTokens: 128000,
        maxOutputTokens: 16384,
        capabilities: { imageInput: false, toolCalling: true },
      },
      {
        id: 'moonshotai/Kimi-K2.6',
        name: 'Kimi-K2.6',
        family: 'moonshotai/Kimi-K2.6',
        version: '2026-04-01',
        tooltip: 'moonshotai/Kimi-K2.6 on Sail, answered at asap',
        detail: 'Sail · asap',
        maxInputTokens: 128000,
        maxOutputTokens: 16384,
        capabilities: { imageInput: false, toolCalling: true },
      },
    ]);
  });

  it('declares sail.maxOutputTokens as the output limit when it is lower, and tool calling as asked', () => {
    const [model] = lmModels([{ id: 'openai/gpt-oss-120b' }], catalog, { maxOutputTokens: 2000, toolCalling: false });
    assert.equal(model.maxOutputTokens, 2000);
    assert.deepEqual(model.capabilities, { imageInput: false, toolCalling: false });
    const [capped] = lmModels([{ id: 'openai/gpt-oss-120b' }], catalog, { maxOutputTokens: 100_000, toolCalling: true });
    assert.equal(capped.maxOutputTokens, 16384);
  });

  it('follows sail.modelCatalog: a model the user says runs at asap is offered, one without asap is not', () => {
    const own = priceCatalog({ 'zai-org/GLM-5.3': { windows: ['asap', 'flex'] }, 'moonshotai/Kimi-K3': { windows: ['flex'] } });
    assert.deepEqual(
      lmModels([{ id: 'zai-org/GLM-5.3' }, { id: 'moonshotai/Kimi-K3' }], own, options).map((m) => m.id),
      ['zai-org/GLM-5.3'],
    );
  });
});
