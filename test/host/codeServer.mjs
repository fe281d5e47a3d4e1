// @ts-check
// Starts a real VS Code (code-server on Node 24) with throw-away state, and a headless Chromium to open it.
// Every process started here binds 127.0.0.1 and is stopped by PID (its whole process group) on stop(),
// and also when this process exits.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CHROMIUM, CODE_SERVER_ENTRY, NODE24, PLAYWRIGHT_DIR } from './paths.mjs';

/** @type {Set<number>} process-group leaders still running */
const running = new Set();
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  // Exit (and so kill what is still running) unless the script handles the signal itself.
  process.on(signal, () => {
    if (process.listenerCount(signal) === 1) {
      process.exit(130);
    }
  });
}

/** @returns {Promise<number>} a port that was free a moment ago on 127.0.0.1 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const USER_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/**
 * @param {string} stateDir
 * @returns {NodeJS.ProcessEnv}
 */
function isolatedEnv(stateDir) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: join(stateDir, 'config'),
    XDG_DATA_HOME: join(stateDir, 'data'),
    TMPDIR: join(stateDir, 'tmp'),
    EXTENSIONS_GALLERY: '{}',
  };
}

/**
 * A fresh state folder, with user settings written: a new temporary one, or `dir` emptied first.
 * @param {{ settings?: Record<string, unknown>, dir?: string }} [options]
 */
export function createState(options = {}) {
  if (options.dir) {
    rmSync(options.dir, { recursive: true, force: true });
    mkdirSync(options.dir, { recursive: true });
  }
  const stateDir = options.dir ?? mkdtempSync(join(tmpdir(), 'sail-code-server-'));
  for (const sub of ['config', 'data', 'tmp', 'ext', 'ud/User', 'workspace']) {
    mkdirSync(join(stateDir, sub), { recursive: true });
  }
  writeFileSync(join(stateDir, 'ud', 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...options.settings }, null, 2));
  return {
    stateDir,
    extensionsDir: join(stateDir, 'ext'),
    userDataDir: join(stateDir, 'ud'),
    workspace: join(stateDir, 'workspace'),
  };
}

/**
 * Installs a .vsix (or a folder name for an extension id) into the state's extensions dir.
 * @param {ReturnType<typeof createState>} state
 * @param {string} vsix
 */
export function installExtension(state, vsix) {
  const result = spawnSync(
    NODE24,
    [CODE_SERVER_ENTRY, '--extensions-dir', state.extensionsDir, '--user-data-dir', state.userDataDir, '--install-extension', vsix],
    { env: isolatedEnv(state.stateDir), encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`code-server --install-extension failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/**
 * @param {ReturnType<typeof createState>} state
 * @param {{ env?: NodeJS.ProcessEnv, port?: number, testPayload?: boolean, logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error', trust?: boolean }} [options]
 *   extra environment for the server (and so the extension host); a fixed port (default: a free one);
 *   `testPayload` turns on the smoke-test driver, which runs a test payload from the URL but also
 *   suppresses notification toasts, so only the mocha runner wants it; `logLevel` (code-server's `--log`)
 *   is every log's level, extensions' log output channels included; `trust` turns workspace trust on
 *   (the folder then opens untrusted, in Restricted Mode)
 */
export async function startCodeServer(state, options = {}) {
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const configFile = join(state.stateDir, 'config.yaml');
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = join(state.stateDir, 'code-server.log');
  const logStream = createWriteStream(logFile);
  const child = spawn(
    NODE24,
    [
      CODE_SERVER_ENTRY,
      '--config',
      configFile,
      '--user-data-dir',
      state.userDataDir,
      '--extensions-dir',
      state.extensionsDir,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      // Trust on: the workspace opens in Restricted Mode unless trusted (a test of untrusted folders).
      ...(options.trust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      ...(options.testPayload ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
      ...(options.logLevel ? ['--log', options.logLevel] : []),
    ],
    { env: { ...isolatedEnv(state.stateDir), ...options.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = /** @type {number} */ (child.pid);
  running.add(pid);
  child.stdout.pipe(logStream);
  child.stderr.pipe(logStream);
  let exited = false;
  const exitedPromise = new Promise((resolve) =>
    child.once('exit', () => {
      exited = true;
      running.delete(pid);
      resolve(undefined);
    }),
  );

  const stop = async () => {
    if (!exited) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await Promise.race([exitedPromise, delay(5000)]);
      if (!exited) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await exitedPromise;
      }
    }
    running.delete(pid);
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      throw new Error(`code-server exited during start-up:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    try {
      const health = await fetch(`${baseUrl}/healthz`);
      // /healthz answers before the VS Code server module loads; the workbench page proves it loaded.
      const page = health.ok ? await fetch(`${baseUrl}/?folder=${encodeURIComponent(state.workspace)}`) : undefined;
      if (page?.ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not become ready:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    await delay(200);
  }

  return {
    port,
    baseUrl,
    pid,
    logFile,
    /**
     * The workbench URL for a folder, with an optional test payload.
     * @param {string} folder
     * @param {[string, string][]} [payload]
     */
    workbenchUrl(folder, payload) {
      const params = new URLSearchParams({ folder });
      if (payload) {
        params.set('payload', JSON.stringify(payload));
      }
      return `${baseUrl}/?${params}`;
    },
    /** @param {string} path an absolute path on this machine */
    remoteUri(path) {
      return `vscode-remote://127.0.0.1:${port}${path}`;
    },
    stop,
  };
}

/**
 * Headless Debian Chromium with a fresh profile (SecretStorage lives there and survives page reloads).
 * @param {string} stateDir
 */
export async function launchBrowser(stateDir) {
  // Loaded here, not on import: code-server alone (the demo) needs no browser driver.
  /** @type {typeof import('playwright-core')} */
  const playwright = createRequire(join(PLAYWRIGHT_DIR, 'package.json'))('playwright-core');
  const profile = join(stateDir, 'chromium');
  mkdirSync(profile, { recursive: true });
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    env: { ...process.env, XDG_CONFIG_HOME: join(profile, 'xdg') },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: () => context.close(),
  };
}

/** @param {ReturnType<typeof createState>} state */
export function removeState(state) {
  if (!process.env.SAIL_KEEP_STATE) {
    rmSync(state.stateDir, { recursive: true, force: true });
  }
}
