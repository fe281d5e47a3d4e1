import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig, type SailConfig } from '../../src/config';
import { buildRequest, rebuildRequest } from '../../src/jobs/prompt';
import { findPrompt, offeredFor, problemText, schemaPath, type LoadedPrompt } from '../../src/prompts/library';
import { parsePromptFile } from '../../src/prompts/promptFile';
import { promptTemplate } from '../../src/prompts/template';
import { jsonSchemaFormat } from '../../src/sail/structured';

function loaded(fileName: string, text: string, origin: LoadedPrompt['origin'] = 'workspace'): LoadedPrompt {
  return { file: parsePromptFile(text, fileName), uri: `file:///w/.sail/prompts/${fileName}`, origin, folder: origin === 'workspace' ? 'w' : undefined };
}

function config(changes: Partial<SailConfig> = {}): SailConfig {
  const { config: defaults } = readConfig({ get: () => undefined, inspect: () => undefined });
  return { ...defaults, ...changes };
}

describe('prompt library', () => {
  it("finds a prompt by file name (with or without .md), else by label, the workspace's before the user's", () => {
    const team = loaded('review.md', '---\nlabel: Team review\n---\nReview it.\n');
    const mine = loaded('review.md', '---\nlabel: My review\n---\nReview it my way.\n', 'user');
    const other = loaded('explain.md', '---\nlabel: Explain plainly\n---\nExplain it.\n', 'user');
    const all = [mine, other, team];
    assert.equal(findPrompt(all, 'review'), team);
    assert.equal(findPrompt(all, 'review.md'), team);
    assert.equal(findPrompt(all, 'Explain plainly'), other);
    assert.equal(findPrompt([mine, other], 'review'), mine);
    assert.equal(findPrompt(all, 'nothing'), undefined);
  });

  it('offers a prompt to the commands of its mode, or to all when it names none', () => {
    const any = loaded('a.md', 'Do it.\n');
    const selection = loaded('b.md', '---\nmode: selection\n---\nDo it.\n');
    assert.deepEqual(
      (['selection', 'file', 'files'] as const).map((mode) => [offeredFor(any, mode), offeredFor(selection, mode)]),
      [
        [true, true],
        [true, false],
        [true, false],
      ],
    );
  });

  it('names a problem by file, line and column', () => {
    const prompt = loaded('bad.md', '---\nwindow: fast\n---\nDo it.\n');
    assert.equal(prompt.file.valid, false);
    const problem = prompt.file.problems[0];
    assert.ok(problem);
    assert.equal(problemText(prompt, problem), `bad.md:2:${problem.column}: ${problem.message}`);
  });

  it("keeps a schema path inside the prompt's folder tree", () => {
    assert.deepEqual(schemaPath('/w/.sail/prompts/p.md', 'schema.json', '/w'), { path: '/w/.sail/prompts/schema.json' });
    assert.deepEqual(schemaPath('/w/.sail/prompts/p.md', '../../schemas/s.json', '/w'), { path: '/w/schemas/s.json' });
    assert.deepEqual(
      schemaPath('/w/.sail/prompts/p.md', '../../..schema.json', '/w'),
      { path: '/w/..schema.json' },
      'a name that starts with two dots is a name',
    );
    for (const escape of ['../../../etc/passwd', '/etc/passwd', '../../../w2/s.json', '../..', '..\\..\\..\\Users\\me\\creds.json', 'C:/Users/me/creds.json']) {
      assert.ok('error' in schemaPath('/w/.sail/prompts/p.md', escape, '/w'), escape);
    }
  });

  it('writes a template that parses as a valid prompt file with every option commented out', () => {
    const file = parsePromptFile(promptTemplate('review-security'), 'review-security.md');
    assert.deepEqual(file.problems, []);
    assert.equal(file.valid, true);
    assert.equal(file.label, 'review security');
    assert.deepEqual(file.options, {});
    assert.match(file.body, /\$\{relativeFile\}/);
  });
});

describe('request options from a prompt file', () => {
  it('override the settings for one request: effort, output limit, temperature, format', () => {
    const format = jsonSchemaFormat('findings', { type: 'object', properties: {} });
    const request = buildRequest(config({ temperature: 0.7, maxOutputTokens: 100, reasoningEffort: 'high' }), 'x', {
      reasoningEffort: 'low',
      maxOutputTokens: 900,
      temperature: 0.1,
      format,
    });
    assert.equal(request.temperature, 0.1);
    assert.equal(request.max_output_tokens, 900);
    assert.deepEqual(request.reasoning, { effort: 'low' });
    assert.deepEqual(request.text, { format });
    const plain = buildRequest(config({ temperature: 0.7, maxOutputTokens: 100, reasoningEffort: 'high' }), 'x');
    assert.equal(plain.temperature, 0.7);
    assert.equal(plain.max_output_tokens, 100);
    assert.deepEqual(plain.reasoning, { effort: 'high' });
    assert.equal(plain.text, undefined);
    assert.equal(buildRequest(config(), 'x', { format: { type: 'text' } }).text, undefined, 'plain text is the default: not sent');
  });

  it('keep the format when a refused request is rebuilt from the settings', () => {
    const format = jsonSchemaFormat('findings', { type: 'object', properties: {} });
    const rebuilt = rebuildRequest(config({ temperature: 0.2 }), buildRequest(config(), 'x', { format, temperature: 1.5 }));
    assert.deepEqual(rebuilt.text, { format });
    assert.equal(rebuilt.temperature, 0.2, 'the settings as they are now');
  });
});
