import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem, parsePromptFile, promptName, type PromptFile, type PromptProblem } from '../../src/prompts/promptFile';
import { expandPrompt, formatDiagnostics, PROMPT_VARIABLES, unknownVariables, type PromptContext } from '../../src/prompts/variables';

/** A file's lines joined with `eol`. */
function file(lines: string[], eol = '\n'): string {
  return lines.join(eol);
}

/** The problems as `line:column severity message`, for exact comparisons that read well when they fail. */
function problems(prompt: PromptFile): string[] {
  return prompt.problems.map((p: PromptProblem) => `${p.line}:${p.column} ${p.severity} ${p.message}`);
}

const VARIABLE_LIST =
  '${selection}, ${selectedText}, ${file}, ${relativeFile}, ${fileBasename}, ${fileBasenameNoExtension}, ${fileDirname}, ${languageId}, ${workspaceFolder}, ${workspaceFolderBasename}, ${diagnostics}, ${date}';

describe('parsePromptFile: front matter', () => {
  it('reads every key', () => {
    const prompt = parsePromptFile(
      file([
        '---',
        'label: Review for bugs',
        'description: Finds bugs, not style',
        'model: moonshotai/Kimi-K2.5',
        'window: flex',
        'reasoningEffort: high',
        'maxOutputTokens: 4000',
        'temperature: 0.2',
        'format: ./review.schema.json',
        'mode: files',
        '---',
        '',
        'Review ${relativeFile}.',
        '',
      ]),
      'review.md',
    );
    assert.deepEqual(prompt, {
      name: 'review',
      label: 'Review for bugs',
      description: 'Finds bugs, not style',
      options: {
        model: 'moonshotai/Kimi-K2.5',
        window: 'flex',
        reasoningEffort: 'high',
        maxOutputTokens: 4000,
        temperature: 0.2,
        format: { kind: 'file', path: './review.schema.json', line: 9 },
        mode: 'files',
      },
      body: 'Review ${relativeFile}.',
      bodyLine: 13,
      problems: [],
      valid: true,
    });
  });

  it('defaults: the label is the file name without .md, no options, no description', () => {
    const prompt = parsePromptFile('Explain this code.\n', '/home/me/.sail/prompts/explain-this.md');
    assert.deepEqual(prompt, { name: 'explain-this', label: 'explain-this', options: {}, body: 'Explain this code.', bodyLine: 1, problems: [], valid: true });
    assert.equal(promptName('C:\\team\\.sail\\prompts\\Fix.MD'), 'Fix');
  });

  it('takes the windows by every name Sail accepts, balanced as its id standard, and auto', () => {
    const window = (value: string) => parsePromptFile(`---\nwindow: ${value}\n---\nx`, 'w.md').options.window;
    assert.deepEqual(['asap', 'priority', 'balanced', 'standard', 'flex', 'auto'].map(window), ['asap', 'priority', 'standard', 'standard', 'flex', 'auto']);
  });

  it('takes every reasoning effort but default, and every mode', () => {
    const effort = (value: string) => parsePromptFile(`---\nreasoningEffort: ${value}\n---\nx`, 'e.md');
    assert.deepEqual(
      ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'].map((value) => effort(value).options.reasoningEffort),
      ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'],
    );
    assert.deepEqual(problems(effort('default')), ['2:18 error "reasoningEffort" must be one of none, minimal, low, medium, high, xhigh (it is "default").']);
    const mode = (value: string) => parsePromptFile(`---\nmode: ${value}\n---\nx`, 'm.md').options.mode;
    assert.deepEqual(['selection', 'file', 'files'].map(mode), ['selection', 'file', 'files']);
  });

  it('reads CRLF files and a UTF-8 BOM, with the same positions as LF', () => {
    const lines = ['---', 'label: Fix', 'window: fast', '---', '', 'Fix ${nope}.', ''];
    const lf = parsePromptFile(file(lines), 'fix.md');
    const crlf = parsePromptFile('\uFEFF' + file(lines, '\r\n'), 'fix.md');
    assert.deepEqual(crlf, lf);
    assert.equal(crlf.label, 'Fix');
    assert.equal(crlf.body, 'Fix ${nope}.');
    assert.equal(crlf.bodyLine, 6);
    assert.deepEqual(
      problems(crlf).map((p) => p.slice(0, 14)),
      ['3:9 error "win', '6:5 error Unkn'],
    );
  });

  it('without front matter the whole file is the body, and a later --- is just Markdown', () => {
    const prompt = parsePromptFile(file(['', 'Explain.', '', '---', '', 'More.']), 'x.md');
    assert.equal(prompt.body, 'Explain.\n\n---\n\nMore.');
    assert.equal(prompt.bodyLine, 2);
    assert.equal(prompt.valid, true);
  });

  it('an empty front matter, or one of comments, is no options', () => {
    for (const [text, bodyLine] of [
      ['---\n---\nGo.', 3],
      ['---\n# nothing yet\n---\nGo.', 4],
    ] as const) {
      const prompt = parsePromptFile(text, 'go.md');
      assert.deepEqual(
        { options: prompt.options, problems: prompt.problems, body: prompt.body, bodyLine: prompt.bodyLine },
        { options: {}, problems: [], body: 'Go.', bodyLine },
      );
    }
  });

  it('takes the closing --- with trailing spaces', () => {
    const prompt = parsePromptFile('---  \nlabel: A\n--- \nGo.', 'a.md');
    assert.equal(prompt.label, 'A');
    assert.equal(prompt.body, 'Go.');
  });
});

describe('parsePromptFile: problems, located', () => {
  it('front matter not closed: at line 1, and the file is not valid', () => {
    const prompt = parsePromptFile('---\nlabel: Fix\nFix it.\n', 'fix.md');
    assert.deepEqual(problems(prompt), ['1:1 error The front matter that starts here is not closed: end it with a line "---" before the instruction.']);
    assert.equal(prompt.valid, false);
    assert.equal(prompt.label, 'fix', 'the label falls back to the file name');
    assert.equal(prompt.body, '');
  });

  it('YAML syntax errors: at the position yaml reports, in file lines', () => {
    const prompt = parsePromptFile(file(['---', 'label: Fix', 'model: @me', '---', 'Fix.']), 'fix.md');
    assert.deepEqual(problems(prompt), ['3:8 error The front matter is not valid YAML: Plain value cannot start with reserved character @.']);
    assert.equal(prompt.label, 'fix', 'nothing is taken from front matter that does not parse');
    const duplicate = parsePromptFile(file(['---', 'label: A', 'label: B', '---', 'Go.']), 'a.md');
    assert.deepEqual(problems(duplicate), ['3:1 error The front matter is not valid YAML: Map keys must be unique.']);
  });

  it('front matter that is not a mapping', () => {
    assert.deepEqual(problems(parsePromptFile('---\n- label\n- model\n---\nGo.', 'a.md')), [
      '2:1 error The front matter must be keys and values, one a line ("label: Review"); this is a list.',
    ]);
    assert.deepEqual(problems(parsePromptFile('---\njust words\n---\nGo.', 'a.md')), [
      '2:1 error The front matter must be keys and values, one a line ("label: Review"); this is a single value.',
    ]);
  });

  it('each bad value, at the value', () => {
    const prompt = parsePromptFile(
      file([
        '---',
        'label: ""',
        'description: 42',
        'model: 3',
        'window:   fast',
        'reasoningEffort: max',
        'maxOutputTokens: 1.5',
        'temperature: 2.5',
        'mode: project',
        'format: 7',
        '---',
        'Go.',
      ]),
      'bad.md',
    );
    assert.deepEqual(problems(prompt), [
      '2:8 error "label" must not be empty.',
      '3:14 error "description" must be text (it is 42); put it in quotes if it looks like a number.',
      '4:8 error "model" must be text (it is 3); put it in quotes if it looks like a number.',
      '5:11 error "window" must be one of asap, priority, balanced, flex, auto (it is "fast").',
      '6:18 error "reasoningEffort" must be one of none, minimal, low, medium, high, xhigh (it is "max").',
      '7:18 error "maxOutputTokens" must be a whole number of at least 1 (it is 1.5).',
      '8:14 error "temperature" must be a number from 0 to 2 (it is 2.5).',
      '9:7 error "mode" must be one of selection, file, files (it is "project").',
      '10:9 error "format" must be the path of a JSON Schema file, a JSON Schema, or name, schema and strict (it is 7).',
    ]);
    assert.equal(prompt.valid, false);
    assert.equal(prompt.label, 'bad');
    assert.deepEqual(prompt.options, {});
  });

  it('the edges of the numbers: 0 tokens and a negative temperature are refused, 1 token and 0 and 2 degrees taken', () => {
    const read = (key: string, value: string) => parsePromptFile(`---\n${key}: ${value}\n---\nx`, 'n.md');
    assert.equal(read('maxOutputTokens', '0').valid, false);
    assert.equal(read('maxOutputTokens', '"100"').valid, false, 'a quoted number is text');
    assert.equal(read('maxOutputTokens', '1').options.maxOutputTokens, 1);
    assert.equal(read('temperature', '-0.1').valid, false);
    assert.equal(read('temperature', '0').options.temperature, 0);
    assert.equal(read('temperature', '2').options.temperature, 2);
  });

  it('a key with no value is located at the key', () => {
    assert.deepEqual(problems(parsePromptFile('---\nmodel:\n---\nGo.', 'a.md')), [
      '2:1 error "model" must be text (it is null); put it in quotes if it looks like a number.',
    ]);
    assert.deepEqual(problems(parsePromptFile('---\nlabel: A\n  format:   \n---\nGo.', 'a.md')).slice(0, 1), [
      '2:8 error The front matter is not valid YAML: Nested mappings are not allowed in compact mappings.',
    ]);
    assert.deepEqual(problems(parsePromptFile('---\nlabel: A\nformat:\n---\nGo.', 'a.md')), [
      '3:1 error "format" must be the path of a JSON Schema file, a JSON Schema, or name, schema and strict (it is null).',
    ]);
  });

  it('aliases are resolved; too many of them (a billion laughs) is an error, not a hang or a throw', () => {
    const prompt = parsePromptFile(file(['---', 'label: &name Review', 'description: *name', '---', 'Go.']), 'a.md');
    assert.equal(prompt.description, 'Review');
    const shared = parsePromptFile(file(['---', 'x-schema: &out', '  type: string', 'format: *out', '---', 'Go.']), 'a.md');
    assert.deepEqual(shared.options.format, { kind: 'inline', schema: { type: 'string' } });
    const laughs = ['---', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const refs = Array.from({ length: 10 }, () => `*${String.fromCharCode(96 + i)}`).join(', ');
      laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${refs}]`);
    }
    laughs.push('format: *i', '---', 'Go.');
    const bomb = parsePromptFile(file(laughs), 'bomb.md');
    assert.deepEqual(
      bomb.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.column} ${p.message}`),
      ['11:9 "format" cannot be read: Excessive alias count indicates a resource exhaustion attack.'],
    );
  });

  it('an unknown key is a warning naming the known keys; a near spelling is named; the file stays valid', () => {
    const prompt = parsePromptFile(file(['---', 'tools: [a]', '  # comment', 'max_output_tokens: 10', '---', 'Go.']), 'a.md');
    assert.deepEqual(problems(prompt), [
      '2:1 warning Unknown key "tools" (ignored). The keys are label, description, model, window, reasoningEffort, maxOutputTokens, temperature, format, mode.',
      '4:1 warning Unknown key "max_output_tokens" (ignored): did you mean "maxOutputTokens"?',
    ]);
    assert.equal(prompt.valid, true);
    assert.deepEqual(prompt.options, {});
  });

  it('an empty body is an error at the line after the front matter', () => {
    assert.deepEqual(problems(parsePromptFile('---\nlabel: A\n---\n\n   \n', 'a.md')), [
      '4:1 error The prompt has no instruction: write it below the front matter.',
    ]);
    assert.deepEqual(problems(parsePromptFile('---\nlabel: A\n---', 'a.md')), ['3:1 error The prompt has no instruction: write it below the front matter.']);
    assert.deepEqual(problems(parsePromptFile('', 'a.md')), ['1:1 error The prompt has no instruction: write it below the front matter.']);
  });

  it('an unknown variable, at its $ in the file; an escaped one is text', () => {
    const prompt = parsePromptFile(file(['---', 'label: A', '---', '', 'Fix ${selection}', '  then ${selction} and \\${x}', '']), 'a.md');
    assert.deepEqual(problems(prompt), [
      `6:8 error Unknown variable \${selction}. The variables are ${VARIABLE_LIST}; to send the text as it is, write \\\${selction}.`,
    ]);
    assert.equal(prompt.bodyLine, 5);
    assert.equal(prompt.valid, false);
  });

  it('problems come in file order, and formatProblem puts the line first', () => {
    const prompt = parsePromptFile('---\nzzz: 1\nwindow: x\n---\n${a}', 'a.md');
    assert.deepEqual(
      prompt.problems.map((p) => p.line),
      [2, 3, 5],
    );
    assert.equal(formatProblem(prompt.problems[1]), 'line 3: "window" must be one of asap, priority, balanced, flex, auto (it is "x").');
  });
});

describe('parsePromptFile: format', () => {
  const SCHEMA = { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] };

  it('a string is a schema file beside the prompt, with the line it is on', () => {
    const prompt = parsePromptFile('---\nlabel: A\nformat: " schemas/out.json "\n---\nGo.', 'a.md');
    assert.deepEqual(prompt.options.format, { kind: 'file', path: 'schemas/out.json', line: 3 });
  });

  it('an object without "schema" is the schema itself', () => {
    const prompt = parsePromptFile(
      file(['---', 'format:', '  type: object', '  properties:', '    summary: { type: string }', '  required: [summary]', '---', 'Go.']),
      'a.md',
    );
    assert.deepEqual(prompt.options.format, { kind: 'inline', schema: SCHEMA });
    assert.equal(prompt.valid, true);
  });

  it('{ name, schema, strict } with the schema inline or as a path', () => {
    const inline = parsePromptFile(
      file([
        '---',
        'format:',
        '  name: summary',
        '  strict: false',
        '  schema:',
        '    type: object',
        '    properties: { summary: { type: string } }',
        '    required: [summary]',
        '---',
        'Go.',
      ]),
      'a.md',
    );
    assert.deepEqual(inline.options.format, { kind: 'inline', schema: SCHEMA, name: 'summary', strict: false });
    const path = parsePromptFile(file(['---', 'format:', '  name: out', '  schema: ./out.json', '---', 'Go.']), 'a.md');
    assert.deepEqual(path.options.format, { kind: 'file', path: './out.json', name: 'out', line: 4 });
  });

  it('an inline schema that is not a valid JSON Schema: an error at the format node', () => {
    const prompt = parsePromptFile(file(['---', 'label: A', 'format:', '  type: objet', '---', 'Go.']), 'a.md');
    assert.deepEqual(problems(prompt), [
      '4:3 error "format": This is not a valid JSON Schema: /type: must be equal to one of the allowed values (array, boolean, integer, null, number, object, string).',
    ]);
    assert.equal(prompt.options.format, undefined);
    const wrapped = parsePromptFile(file(['---', 'format:', '  schema:', '    required: yes', '---', 'Go.']), 'a.md');
    assert.deepEqual(problems(wrapped), ['4:5 error "format.schema": This is not a valid JSON Schema: /required: must be array.']);
  });

  it('bad wrapper fields, at each field; an unknown wrapper key is a warning', () => {
    const prompt = parsePromptFile(file(['---', 'format:', '  name: 5', '  strict: maybe', '  schema: []', '  kind: x', '---', 'Go.']), 'a.md');
    assert.deepEqual(problems(prompt), [
      '3:9 error "format.name" must be text (it is 5).',
      '4:11 error "format.strict" must be true or false (it is "maybe").',
      '5:11 error "format.schema" must be the path of a JSON Schema file or a JSON Schema (it is []).',
      '6:3 warning Unknown key "format.kind" (ignored). With "schema", the keys are name, schema and strict.',
    ]);
    assert.equal(prompt.options.format, undefined);
  });

  it('an empty path is an error', () => {
    assert.deepEqual(problems(parsePromptFile('---\nformat: ""\n---\nGo.', 'a.md')), [
      '2:9 error "format" must not be empty: give the path of a JSON Schema file, relative to this prompt file.',
    ]);
  });
});

const CONTEXT: PromptContext = {
  selection: 'const x = 1;',
  file: '/work/app/src/util/app.test.ts',
  relativeFile: 'src/util/app.test.ts',
  fileBasename: 'app.test.ts',
  fileDirname: '/work/app/src/util',
  languageId: 'typescript',
  workspaceFolder: '/work/app',
  diagnostics: "line 1: error: Cannot find name 'y' (ts 2304)",
  date: '2026-12-02',
};

describe('variables', () => {
  it('lists the names people know from VS Code and Copilot', () => {
    assert.deepEqual(PROMPT_VARIABLES, [
      'selection',
      'selectedText',
      'file',
      'relativeFile',
      'fileBasename',
      'fileBasenameNoExtension',
      'fileDirname',
      'languageId',
      'workspaceFolder',
      'workspaceFolderBasename',
      'diagnostics',
      'date',
    ]);
  });

  it('expands every variable, selectedText as an alias of selection', () => {
    const body = PROMPT_VARIABLES.map((name) => `${name}=\${${name}}`).join('\n');
    assert.equal(
      expandPrompt(body, CONTEXT),
      [
        'selection=const x = 1;',
        'selectedText=const x = 1;',
        'file=/work/app/src/util/app.test.ts',
        'relativeFile=src/util/app.test.ts',
        'fileBasename=app.test.ts',
        'fileBasenameNoExtension=app.test',
        'fileDirname=/work/app/src/util',
        'languageId=typescript',
        'workspaceFolder=/work/app',
        'workspaceFolderBasename=app',
        "diagnostics=line 1: error: Cannot find name 'y' (ts 2304)",
        'date=2026-12-02',
      ].join('\n'),
    );
  });

  it('derives names from Windows paths and dotfiles too; no workspace gives empty names', () => {
    const context = { ...CONTEXT, fileBasename: '.eslintrc', workspaceFolder: 'C:\\repos\\shop\\' };
    assert.equal(expandPrompt('${fileBasenameNoExtension}|${workspaceFolderBasename}', context), '.eslintrc|shop');
    assert.equal(expandPrompt('[${workspaceFolderBasename}]', { ...CONTEXT, workspaceFolder: '' }), '[]');
  });

  it('expands in one pass: a value holding ${file} is sent as written', () => {
    const context = { ...CONTEXT, selection: 'see ${file} and $${date}' };
    assert.equal(expandPrompt('A ${selection} B ${date}', context), 'A see ${file} and $${date} B 2026-12-02');
  });

  it('leaves an unknown variable as it is; an escaped one loses its backslash', () => {
    assert.equal(expandPrompt('${nope} ${ file } \\${file} ${file}', CONTEXT), '${nope} ${ file } ${file} /work/app/src/util/app.test.ts');
    // A value with $& or $1 is inserted literally (a replacer function, not a replacement pattern).
    assert.equal(expandPrompt('x ${selection} y', { ...CONTEXT, selection: "$& $1 $' $$" }), "x $& $1 $' $$ y");
  });

  it('finds unknown variables with the index of their $, skipping escaped ones', () => {
    assert.deepEqual(unknownVariables('ab ${x}\n${selection} \\${y} ${} ${a b}'), [
      { name: 'x', index: 3 },
      { name: '', index: 27 },
      { name: 'a b', index: 31 },
    ]);
    assert.deepEqual(unknownVariables('${file'), [], 'an unclosed ${ is text');
  });

  it('formats diagnostics one per line, with source and code; (none) when there are none', () => {
    assert.equal(formatDiagnostics([]), '(none)');
    assert.equal(
      formatDiagnostics([
        { line: 12, severity: 'error', message: "Cannot find name 'x'.", source: 'ts', code: '2304' },
        { line: 3, severity: 'warning', message: 'Unused.\n  Remove it.', source: 'eslint' },
        { line: 7, severity: 'hint', message: ' Consider const ', code: 'prefer-const' },
        { line: 9, severity: 'information', message: 'Spelling', source: '', code: '' },
      ]),
      [
        "line 12: error: Cannot find name 'x'. (ts 2304)",
        'line 3: warning: Unused. Remove it. (eslint)',
        'line 7: hint: Consider const (prefer-const)',
        'line 9: information: Spelling',
      ].join('\n'),
    );
  });
});
