// One build script for everything esbuild emits.
//   node esbuild.mjs               dev build of the extension host entry (sourcemaps)
//   node esbuild.mjs --production  minified host build, no sourcemaps (what the .vsix ships)
//   node esbuild.mjs --watch       dev build, rebuilt on change
//   node esbuild.mjs --tests       src/ and test/ transpiled file-by-file into out/ for the test runners
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');

/** @type {import('esbuild').BuildOptions} */
const host = {
  entryPoints: { extension: 'src/extension.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  // engines.vscode ^1.96.0 runs extensions on Node 20.18 (Electron 32).
  target: 'node20.18',
  external: ['vscode'],
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'info',
};

// Webview scripts run in the browser sandbox. They go under media/ because webviews may load only
// from there (localResourceRoots).
/** @type {import('esbuild').BuildOptions} */
const webview = {
  entryPoints: { result: 'src/webview/result.ts' },
  outdir: 'media/dist',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'info',
};

function tsFilesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !p.includes('node_modules'));
}

/** @type {import('esbuild').BuildOptions} */
const tests = {
  entryPoints: [...tsFilesUnder('src'), ...tsFilesUnder('test')],
  outdir: 'out',
  outbase: '.',
  bundle: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20.18',
  sourcemap: 'inline',
  logLevel: 'warning',
};

const builds = args.has('--tests') ? [tests] : [host, webview];

if (production) {
  // A dev build's source maps would otherwise stay beside the minified files and ship in the .vsix.
  for (const dir of ['dist', 'media/dist']) {
    if (existsSync(dir)) {
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.map'))) {
        rmSync(join(dir, name));
      }
    }
  }
}

if (!args.has('--tests')) {
  // The codicon font and its stylesheet, served to webviews from media/.
  mkdirSync('media/dist/codicons', { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) {
    copyFileSync(`node_modules/@vscode/codicons/dist/${file}`, `media/dist/codicons/${file}`);
  }
}

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  for (const options of builds) {
    await esbuild.build(options);
  }
}
