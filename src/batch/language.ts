/**
 * A file's VS Code language id from its name, for files that are never opened in an editor (a
 * folder's worth of them is too many to open just to ask). Only the common ones: anything else is
 * `plaintext`, which still reads fine in a fence.
 */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  bat: 'bat',
  c: 'c',
  cc: 'cpp',
  cjs: 'javascript',
  cpp: 'cpp',
  cs: 'csharp',
  css: 'css',
  cxx: 'cpp',
  dart: 'dart',
  go: 'go',
  h: 'c',
  hpp: 'cpp',
  html: 'html',
  java: 'java',
  js: 'javascript',
  json: 'json',
  jsonc: 'jsonc',
  jsx: 'javascriptreact',
  kt: 'kotlin',
  less: 'less',
  lua: 'lua',
  md: 'markdown',
  mjs: 'javascript',
  mts: 'typescript',
  cts: 'typescript',
  php: 'php',
  pl: 'perl',
  ps1: 'powershell',
  py: 'python',
  r: 'r',
  rb: 'ruby',
  rs: 'rust',
  scss: 'scss',
  sh: 'shellscript',
  sql: 'sql',
  swift: 'swift',
  toml: 'toml',
  ts: 'typescript',
  tsx: 'typescriptreact',
  vue: 'vue',
  xml: 'xml',
  yaml: 'yaml',
  yml: 'yaml',
  zig: 'zig',
};

const BY_NAME: Readonly<Record<string, string>> = {
  dockerfile: 'dockerfile',
  makefile: 'makefile',
};

export function languageIdForPath(path: string): string {
  const name = (path.split('/').pop() ?? '').toLowerCase();
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1) : '';
  // Own properties only: a file named `x.constructor` is not Object's constructor.
  if (Object.hasOwn(BY_EXTENSION, extension)) {
    return BY_EXTENSION[extension];
  }
  return Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : 'plaintext';
}
