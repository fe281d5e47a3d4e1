// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The pure core: runs in plain Node under the unit tests, so it must never import VS Code. */
const PURE_CORE = [
  'src/sail/**',
  'src/jobs/**',
  'src/render/**',
  'src/usage/**',
  'src/batch/**',
  'src/review/**',
  'src/prompts/**',
  'src/lm/**',
  'src/config.ts',
];
const CORE_MESSAGE =
  'The pure core (src/sail, src/jobs, src/render, src/usage, src/batch, src/review, src/prompts, src/lm, src/config.ts) never imports vscode: take what it needs as an argument and wire it up in src/ui or src/extension.ts.';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'media/dist/**', 'node_modules/**', 'test/host/*/node_modules/**', 'test-results/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      // Type-aware rules: each file is checked with the tsconfig.json that includes it (src/webview has
      // its own); the two build scripts at the root are in none, so they get a default project.
      parserOptions: {
        projectService: { allowDefaultProject: ['esbuild.mjs', 'eslint.config.mjs', 'test/fixtures/lm-consumer/extension.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // A promise nobody awaits loses its rejection: await it, or mark it `void` where that is meant.
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
    },
  },
  {
    files: ['src/webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // Log through the Sail LogOutputChannel, never the console.
      'no-console': 'error',
      // Text reaches markup-interpreting UI only through src/ui/uiText.ts, which neutralizes what we did not write.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'MemberExpression[property.name=/^(showInformationMessage|showWarningMessage|showErrorMessage|setStatusBarMessage|showQuickPick|createQuickPick)$/]',
          message: 'Show text through src/ui/uiText.ts (notify, statusMessage, createQuickPick, showQuickPick), so untrusted text is neutralized.',
        },
      ],
    },
  },
  {
    files: PURE_CORE,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: CORE_MESSAGE }],
          // …nor through the glue that does.
          patterns: [{ group: ['**/ui/*', '**/commands/*', '**/extension'], message: CORE_MESSAGE }],
        },
      ],
    },
  },
);
