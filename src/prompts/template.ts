/** The text of a new prompt file: every front-matter key, commented, and the variables it can use. */

export function promptTemplate(name: string): string {
  return [
    '---',
    `label: ${JSON.stringify(name.replace(/[-_]+/g, ' '))}`,
    'description: What this prompt is for, shown beside its label',
    '# Where it is offered: selection, file or files (leave out for all three).',
    '# mode: selection',
    '# Request options; left out, the sail.* settings apply.',
    '# model: moonshotai/Kimi-K2.5',
    '# window: flex            # asap, priority, balanced, flex or auto',
    '# reasoningEffort: medium # none, minimal, low, medium, high or xhigh',
    '# maxOutputTokens: 4000',
    '# temperature: 0.2',
    '# A JSON Schema makes the answer JSON that matches it (a path from this file, or inline):',
    '# format: ./review.schema.json',
    '#',
    '# Below: the instruction. The code is always sent before it. Variables:',
    '# ${selection} (the selected text, or the whole file: it repeats the code, which is sent anyway),',
    '# ${file}, ${relativeFile}, ${fileBasename},',
    '# ${fileBasenameNoExtension}, ${fileDirname}, ${languageId}, ${workspaceFolder},',
    '# ${workspaceFolderBasename}, ${diagnostics} (the problems VS Code reports on the code), ${date}.',
    '---',
    'Review ${relativeFile} (${languageId}) and list concrete improvements.',
    '',
    'Problems VS Code reports on the code:',
    '${diagnostics}',
    '',
  ].join('\n');
}
