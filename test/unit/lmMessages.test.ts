import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildLmRequest,
  classifyPart,
  estimateTokenCount,
  imageOmittedNote,
  LM_ROLE,
  LM_TOOL_MODE,
  LmMappingError,
  maxOutputTokensOf,
  messageText,
  responseParts,
  temperatureOf,
  toInputItems,
  toolResultText,
  type LmMessageLike,
} from '../../src/lm/messages';

// Stand-ins with the fields of VS Code's part classes: the mapping recognises parts by shape alone.
class TextPart {
  constructor(readonly value: string) {}
}
class ToolCallPart {
  constructor(
    readonly callId: string,
    readonly name: string,
    readonly input: object,
  ) {}
}
class ToolResultPart {
  constructor(
    readonly callId: string,
    readonly content: unknown[],
  ) {}
}
class DataPart {
  constructor(
    readonly data: Uint8Array,
    readonly mimeType: string,
  ) {}
}
class PromptTsxPart {
  constructor(readonly value: unknown) {}
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const user = (...content: unknown[]): LmMessageLike => ({ role: LM_ROLE.user, content, name: undefined });
const assistant = (...content: unknown[]): LmMessageLike => ({ role: LM_ROLE.assistant, content, name: undefined });

describe('classifyPart', () => {
  it('tells each of VS Code part kinds by its fields, and anything else is unknown', () => {
    assert.deepEqual(classifyPart(new TextPart('hi')), { kind: 'text', value: 'hi' });
    assert.deepEqual(classifyPart(new ToolCallPart('c1', 'search', { q: 'x' })), { kind: 'toolCall', callId: 'c1', name: 'search', input: { q: 'x' } });
    assert.deepEqual(classifyPart(new ToolResultPart('c1', [new TextPart('found')])), { kind: 'toolResult', callId: 'c1', content: [new TextPart('found')] });
    assert.deepEqual(classifyPart(new DataPart(bytes('{}'), 'application/json')), { kind: 'data', mimeType: 'application/json', data: bytes('{}') });
    assert.deepEqual(classifyPart(new PromptTsxPart({ node: 1 })), { kind: 'unknown' });
    assert.deepEqual(classifyPart('text'), { kind: 'unknown' });
    assert.deepEqual(classifyPart(null), { kind: 'unknown' });
  });
});

describe('toInputItems', () => {
  it('maps user and assistant text to messages with string content, text parts of one message joined', () => {
    const items = toInputItems([user(new TextPart('Hello, '), new TextPart('Sail.')), assistant(new TextPart('Hi.')), user(new TextPart('Again'))], {
      imageInput: false,
    });
    assert.deepEqual(items, [
      { role: 'user', content: 'Hello, Sail.' },
      { role: 'assistant', content: 'Hi.' },
      { role: 'user', content: 'Again' },
    ]);
  });

  it('maps a role other than user or assistant (the proposed System) to system', () => {
    assert.deepEqual(toInputItems([{ role: LM_ROLE.system, content: [new TextPart('Be brief.')] }], { imageInput: false }), [
      { role: 'system', content: 'Be brief.' },
    ]);
  });

  it('keeps tool calls and results where they were: text before a call, the call, then its result', () => {
    const items = toInputItems(
      [
        user(new TextPart('Find x')),
        assistant(new TextPart('Searching.'), new ToolCallPart('call_1', 'search', { q: 'x', limit: 2 })),
        user(
          new ToolResultPart('call_1', [new TextPart('x is '), new DataPart(bytes('{"at":3}'), 'application/json'), new PromptTsxPart({})]),
          new TextPart('Go on'),
        ),
      ],
      { imageInput: false },
    );
    assert.deepEqual(items, [
      { role: 'user', content: 'Find x' },
      { role: 'assistant', content: 'Searching.' },
      { type: 'function_call', call_id: 'call_1', name: 'search', arguments: '{"q":"x","limit":2}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'x is {"at":3}' },
      { role: 'user', content: 'Go on' },
    ]);
  });

  it('sends an image in a user message as a data URL when the model takes images', () => {
    const items = toInputItems([user(new TextPart('What is this?'), new DataPart(new Uint8Array([1, 2, 3]), 'image/png'))], { imageInput: true });
    assert.deepEqual(items, [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is this?' },
          { type: 'input_image', image_url: 'data:image/png;base64,AQID' },
        ],
      },
    ]);
  });

  it('puts a note in place of an image the model cannot take, and of any image in an assistant message', () => {
    const png = new DataPart(new Uint8Array([1]), 'image/png');
    assert.deepEqual(toInputItems([user(new TextPart('See: '), png)], { imageInput: false }), [
      { role: 'user', content: 'See: [An image (image/png) was attached here; it was left out because this model takes text only.]' },
    ]);
    assert.deepEqual(toInputItems([assistant(png)], { imageInput: true }), [{ role: 'assistant', content: imageOmittedNote('image/png') }]);
  });

  it('reads text-like data as text and drops data of other types and unknown parts', () => {
    const items = toInputItems(
      [
        user(
          new TextPart('a'),
          new DataPart(bytes('b'), 'text/plain; charset=utf-8'),
          new DataPart(bytes('{}'), 'cache_control'),
          new PromptTsxPart({ node: 'x' }),
          7,
        ),
      ],
      { imageInput: false },
    );
    assert.deepEqual(items, [{ role: 'user', content: 'ab' }]);
  });

  it('makes no item of a message with nothing left, nor of empty text', () => {
    assert.deepEqual(
      toInputItems([user(new DataPart(bytes('{}'), 'cache_control')), assistant(new TextPart('')), user(new TextPart('x'))], { imageInput: false }),
      [{ role: 'user', content: 'x' }],
    );
  });
});

describe('toolResultText', () => {
  it('joins text and text-like data, in order, leaving the rest out', () => {
    assert.equal(
      toolResultText([new TextPart('1'), new DataPart(new Uint8Array([9]), 'image/png'), new DataPart(bytes('2'), 'application/vnd.x+json'), 'raw']),
      '12',
    );
  });
});

describe('maxOutputTokensOf and temperatureOf', () => {
  it('take the limit under the names callers use, preferring Sail’s, and only positive integers', () => {
    assert.equal(maxOutputTokensOf(undefined), undefined);
    assert.equal(maxOutputTokensOf({ max_tokens: 100 }), 100);
    assert.equal(maxOutputTokensOf({ maxOutputTokens: 50 }), 50);
    assert.equal(maxOutputTokensOf({ max_output_tokens: 10, max_tokens: 100 }), 10);
    assert.equal(maxOutputTokensOf({ max_tokens: 0 }), undefined);
    assert.equal(maxOutputTokensOf({ max_tokens: 1.5 }), undefined);
    assert.equal(maxOutputTokensOf({ max_tokens: '100' }), undefined);
  });

  it('take a temperature Sail accepts (0–2) and nothing else', () => {
    assert.equal(temperatureOf({ temperature: 0 }), 0);
    assert.equal(temperatureOf({ temperature: 2 }), 2);
    assert.equal(temperatureOf({ temperature: 2.5 }), undefined);
    assert.equal(temperatureOf({}), undefined);
  });
});

describe('buildLmRequest', () => {
  const settings = { model: 'moonshotai/Kimi-K2.6', imageInput: false };

  it('asks at asap in the foreground, stored and untruncated, with the conversation as input', () => {
    assert.deepEqual(buildLmRequest([user(new TextPart('Hi'))], { toolMode: LM_TOOL_MODE.auto }, settings), {
      model: 'moonshotai/Kimi-K2.6',
      input: [{ role: 'user', content: 'Hi' }],
      background: false,
      store: true,
      truncation: 'disabled',
      metadata: { completion_window: 'asap' },
    });
  });

  it('adds the instructions, the caller’s limit over the setting’s, the temperature, cache key and user', () => {
    const request = buildLmRequest(
      [user(new TextPart('Hi'))],
      { modelOptions: { max_tokens: 256, temperature: 0.2 }, toolMode: LM_TOOL_MODE.auto },
      { ...settings, instructions: 'Answer in French.', maxOutputTokens: 1000, cacheKey: 'vscode-abc', user: 'vscode-user-1' },
    );
    assert.equal(request.instructions, 'Answer in French.');
    assert.equal(request.max_output_tokens, 256);
    assert.equal(request.temperature, 0.2);
    assert.equal(request.prompt_cache_key, 'vscode-abc');
    assert.equal(request.user, 'vscode-user-1');
  });

  it('uses the setting’s limit when the caller gives none, and no instructions when they are blank', () => {
    const request = buildLmRequest([user(new TextPart('Hi'))], { toolMode: LM_TOOL_MODE.auto }, { ...settings, instructions: '  ', maxOutputTokens: 1000 });
    assert.equal(request.max_output_tokens, 1000);
    assert.equal('instructions' in request, false);
    const none = buildLmRequest([user(new TextPart('Hi'))], { toolMode: LM_TOOL_MODE.auto }, { ...settings, maxOutputTokens: null });
    assert.equal('max_output_tokens' in none, false);
  });

  it('passes the caller’s tools through as function tools, Required as tool_choice required', () => {
    const request = buildLmRequest(
      [user(new TextPart('Hi'))],
      {
        tools: [
          { name: 'search', description: 'Search the code', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } },
          { name: 'now', description: 'The time' },
        ],
        toolMode: LM_TOOL_MODE.required,
      },
      settings,
    );
    assert.deepEqual(request.tools, [
      { type: 'function', name: 'search', description: 'Search the code', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
      { type: 'function', name: 'now', description: 'The time', parameters: { type: 'object', properties: {} } },
    ]);
    assert.equal(request.tool_choice, 'required');
    const auto = buildLmRequest([user(new TextPart('Hi'))], { tools: [{ name: 'now', description: 'The time' }], toolMode: LM_TOOL_MODE.auto }, settings);
    assert.equal(auto.tool_choice, 'auto');
    const none = buildLmRequest([user(new TextPart('Hi'))], { tools: [], toolMode: LM_TOOL_MODE.auto }, settings);
    assert.equal('tools' in none || 'tool_choice' in none, false);
  });

  it('refuses a conversation with nothing Sail could take', () => {
    assert.throws(() => buildLmRequest([user(new DataPart(bytes('{}'), 'cache_control'))], { toolMode: LM_TOOL_MODE.auto }, settings), LmMappingError);
    assert.throws(() => buildLmRequest([], { toolMode: LM_TOOL_MODE.auto }, settings), /no text, image or tool result/);
  });
});

describe('responseParts', () => {
  it('reports answer text per message and tool calls with parsed arguments, in output order, without reasoning', () => {
    const parts = responseParts({
      output: [
        { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'thinking' }] },
        {
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'Let me ' },
            { type: 'refusal', text: 'no' },
            { type: 'output_text', text: 'look.' },
          ],
        },
        { type: 'function_call', call_id: 'call_9', name: 'search', arguments: '{"q":"x"}' },
        { type: 'function_call', call_id: 'call_10', name: 'now', arguments: '' },
        { type: 'other', rawType: 'web_search_call' },
        { type: 'message', role: 'assistant', content: [] },
      ],
    });
    assert.deepEqual(parts, [
      { kind: 'text', value: 'Let me look.' },
      { kind: 'toolCall', callId: 'call_9', name: 'search', input: { q: 'x' } },
      { kind: 'toolCall', callId: 'call_10', name: 'now', input: {} },
    ]);
  });

  it('refuses tool arguments that are not a JSON object', () => {
    for (const args of ['{oops', '[1]', '3']) {
      assert.throws(() => responseParts({ output: [{ type: 'function_call', call_id: 'c', name: 'search', arguments: args }] }), {
        name: 'LmMappingError',
        message: "Sail's call of the tool search has arguments that are not a JSON object.",
      });
    }
  });
});

describe('estimateTokenCount', () => {
  it('counts four characters a token, of a string or of everything a message sends as text', () => {
    assert.equal(estimateTokenCount(''), 0);
    assert.equal(estimateTokenCount('12345'), 2);
    const message = assistant(new TextPart('abcd'), new ToolCallPart('c', 'ab', { x: 1 }), new DataPart(new Uint8Array(100), 'image/png'));
    assert.equal(messageText(message), 'abcdab{"x":1}');
    assert.equal(estimateTokenCount(message), 4);
    assert.equal(messageText(user(new ToolResultPart('c', [new TextPart('done')]))), 'done');
  });
});
