// @ts-check
/* global document, HTMLInputElement, indexedDB -- page.evaluate callbacks run in the browser */
// A person's view of VS Code: the packaged .vsix installed into code-server, the workbench open in
// headless Chromium, driven through the keyboard and mouse as a person would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createState, installExtension, launchBrowser, removeState, startCodeServer } from '../host/codeServer.mjs';
import { RESULTS_DIR, ROOT, VSIX } from '../host/paths.mjs';

const SCREENSHOTS = join(RESULTS_DIR, 'ui');
/** The README's screenshots, committed; written only when SAIL_SCREENSHOTS=1. */
const README_SCREENSHOTS = join(ROOT, 'media', 'screenshots');

/**
 * `userFiles` go under the user data folder (e.g. an extension's globalStorage); `untrusted` opens the
 * workspace in Restricted Mode.
 * @param {{ files?: Record<string, string>, userFiles?: Record<string, string>, settings?: Record<string, unknown>, env?: NodeJS.ProcessEnv, logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error', untrusted?: boolean }} [options]
 */
export async function openWorkbench(options = {}) {
  const trust = options.untrusted ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {};
  const state = createState({ settings: { ...options.settings, ...trust } });
  for (const [name, text] of Object.entries(options.userFiles ?? {})) {
    mkdirSync(dirname(join(state.userDataDir, name)), { recursive: true });
    writeFileSync(join(state.userDataDir, name), text);
  }
  for (const [name, text] of Object.entries(options.files ?? {})) {
    // A name may hold folders, e.g. '.vscode/settings.json' for workspace settings.
    mkdirSync(dirname(join(state.workspace, name)), { recursive: true });
    writeFileSync(join(state.workspace, name), text);
  }
  installExtension(state, VSIX);
  const server = await startCodeServer(state, { env: options.env, logLevel: options.logLevel, trust: options.untrusted });
  const browser = await launchBrowser(state.stateDir);
  const { page } = browser;
  await page.goto(server.workbenchUrl(state.workspace));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.statusbar').waitFor({ timeout: 60_000 });
  // The Explorer listing the files means the workbench is restored and takes keys.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });

  return {
    page,
    state,
    server,
    /**
     * F1, again if the first press came too early (a workbench still settling drops it); returns the
     * palette's input.
     */
    async openPalette() {
      const input = page.locator('.quick-input-widget input');
      for (let attempt = 1; ; attempt++) {
        await this.dismissMenus();
        // Keys pressed while a webview has the focus go to its frame: focus the workbench first.
        await page.locator('.part.sidebar .composite.title').first().click();
        await page.keyboard.press('F1');
        const shown = await input.waitFor({ timeout: 5_000 }).then(
          () => true,
          () => false,
        );
        if (shown) {
          return input;
        }
        if (attempt === 3) {
          throw new Error('The command palette did not open after three presses of F1');
        }
      }
    },
    /**
     * Closes a context menu left open (by a test that failed half-way, say): an open menu covers the
     * workbench and swallows every click after it.
     */
    async dismissMenus() {
      const menu = page.locator('.context-view .monaco-menu');
      for (let attempt = 0; attempt < 3 && (await menu.count()) > 0; attempt++) {
        await page.keyboard.press('Escape');
        await menu
          .first()
          .waitFor({ state: 'detached', timeout: 2_000 })
          .catch(() => {});
      }
    },
    /**
     * Right-clicks `target` and returns the context menu's item labelled `label`. Right-clicks again
     * if the menu came up without it: a click that lands while the list re-renders opens the menu of
     * whatever is under the pointer (an empty area of the Explorer, say).
     * @param {import('playwright-core').Locator} target @param {string} label
     */
    async contextMenuItem(target, label) {
      const item = page.locator('.context-view .action-label', { hasText: label });
      for (let attempt = 1; ; attempt++) {
        await this.dismissMenus();
        await target.click({ button: 'right' });
        const shown = await item.waitFor({ timeout: 5_000 }).then(
          () => true,
          () => false,
        );
        if (shown) {
          return item;
        }
        if (attempt === 3) {
          const shownLabels = await page.locator('.context-view .action-label').allInnerTexts();
          await this.dismissMenus();
          throw new Error(`The context menu showed no "${label}" after three right-clicks; it showed: ${shownLabels.join(' | ') || 'no menu'}`);
        }
      }
    },
    /**
     * Clicks a context menu item. A click that lands just as the menu opens can be swallowed (the
     * menu stays open, the item highlighted): then the item is chosen with Enter, as from the keyboard.
     * @param {import('playwright-core').Locator} item
     */
    async chooseMenuItem(item) {
      const menu = page.locator('.context-view .monaco-menu').first();
      await item.click();
      if (
        await menu.waitFor({ state: 'detached', timeout: 3_000 }).then(
          () => true,
          () => false,
        )
      ) {
        return;
      }
      await item.hover();
      await page.keyboard.press('Enter');
      await menu.waitFor({ state: 'detached', timeout: 5_000 });
    },
    /**
     * F1 → type the command's title → Enter, as a person would.
     * @param {string} title e.g. "Sail: Show Log"
     */
    async runCommand(title) {
      await this.findCommand(title);
      await page.keyboard.press('Enter');
    },
    /**
     * Opens the palette on `>title` and waits until its row is the focused one. The palette lists the
     * commands known when it opens: one opened before the workbench has read the extension's
     * contributions never shows them, so it is closed and opened again until the row comes (60 s).
     * @param {string} title
     */
    async findCommand(title) {
      const row = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title });
      const deadline = Date.now() + 60_000;
      for (;;) {
        const input = await this.openPalette();
        await input.fill(`>${title}`);
        // Enter runs the focused row: wait until the list has caught up with what was typed.
        const found = await row.waitFor({ timeout: 10_000 }).then(
          () => true,
          () => false,
        );
        if (found) {
          return;
        }
        if (Date.now() > deadline) {
          throw new Error(`The command palette never listed "${title}"`);
        }
        await page.keyboard.press('Escape');
      }
    },
    /**
     * Answers Sail's instruction picker with typed text, once that picker (not the palette) is showing.
     * @param {string} instruction
     */
    async typeInstruction(instruction) {
      await page.locator('.quick-input-title', { hasText: 'what should be done' }).waitFor();
      await page.locator('.quick-input-widget input').fill(instruction);
      // The row of the typed text (shown neutralized: it may hold link or icon syntax) is focused first.
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'your instruction' }).waitFor();
      await page.keyboard.press('Enter');
    },
    /** Opens the Sail view from the activity bar (a click when it shows already would hide it). */
    async showSailView() {
      const tab = page.locator('.activitybar .action-item a.action-label[aria-label^="Sail"]').first();
      await tab.waitFor({ timeout: 30_000 });
      if ((await page.locator('.part.sidebar .composite.title', { hasText: /^Sail/i }).count()) === 0) {
        // The item, not its link: the count badge of unseen results lies over the icon.
        await page
          .locator('.activitybar .action-item', { has: page.locator('a.action-label[aria-label^="Sail"]') })
          .first()
          .click();
      }
      await page.locator('.part.sidebar .composite.title', { hasText: /Sail/i }).first().waitFor();
    },
    /** The first row of the side bar's tree with `text`. @param {string | RegExp} text */
    viewRow(text) {
      return page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
    },
    /** Quick Open → file name → Enter. @param {string} name */
    async openFile(name) {
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill(name);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.tab.active', { hasText: name }).first().waitFor();
    },
    /** The text editor's lines (tests keep one editor open: see reset). */
    activeEditor() {
      return page.locator('.editor-instance .monaco-editor .view-lines').first();
    },
    /** A clean slate between tests: no editors, no notifications. */
    async reset() {
      await this.dismissMenus();
      const dirty = await page.locator('.tab.dirty').count();
      await this.runCommand('View: Close All Editors');
      // A file left changed asks whether to save it; the question may take a moment to show.
      const dontSave = page.locator('.monaco-dialog-box').getByRole('button', { name: "Don't Save" });
      if (
        await dontSave.waitFor({ timeout: dirty ? 10_000 : 500 }).then(
          () => true,
          () => false,
        )
      ) {
        await dontSave.click();
      }
      await page
        .locator('.editor-instance')
        .first()
        .waitFor({ state: 'detached' })
        .catch(() => {});
      await this.runCommand('Notifications: Clear All Notifications');
    },
    /** Clicks into the active text editor and selects everything. */
    async selectAll() {
      await this.activeEditor().click();
      await page.keyboard.press('Control+A');
    },
    /** The active webview's content frame (webviews are nested iframes). */
    webview() {
      return page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
    },
    /** The result view's token usage table, as numbers by row label. */
    async usageTable() {
      const rows = this.webview().locator('table.usage tr');
      await rows.first().waitFor();
      /** @type {Record<string, number>} */
      const usage = {};
      for (const row of await rows.all()) {
        const label = await row.locator('th').innerText();
        usage[label] = Number((await row.locator('td').innerText()).replace(/,/g, ''));
      }
      return usage;
    },
    /** @param {string} name */
    async screenshot(name) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    /**
     * With SAIL_SCREENSHOTS=1, also saves `name` as one of the README's screenshots in media/screenshots/,
     * cropped to the area around `targets` (a margin on every side, kept inside the window), after
     * hovering `hover` if given (to show its tooltip), in a window `height` pixels tall if given;
     * otherwise does nothing, so a normal run leaves the tree alone.
     * @param {string} name @param {import('playwright-core').Locator[]} targets
     * @param {{ margin?: number, hover?: import('playwright-core').Locator, height?: number }} [options]
     */
    async readmeScreenshot(name, targets, { margin = 24, hover, height } = {}) {
      if (process.env.SAIL_SCREENSHOTS !== '1') {
        return;
      }
      const normal = page.viewportSize() ?? { width: 1400, height: 900 };
      const viewport = { width: normal.width, height: height ?? normal.height };
      /** Resizes the window and waits until the workbench has laid itself out again. @param {{ width: number, height: number }} size */
      const resize = async (size) => {
        await page.setViewportSize(size);
        const laidOut = `Math.round(document.querySelector('.monaco-workbench').getBoundingClientRect().height) === ${size.height}`;
        await page.waitForFunction(laidOut, undefined, { timeout: 10_000 });
      };
      if (height) {
        await resize(viewport);
      }
      await hover?.hover();
      const boxes = await Promise.all(targets.map((target) => target.boundingBox({ timeout: 10_000 })));
      let [left, top, right, bottom] = [viewport.width, viewport.height, 0, 0];
      for (const box of boxes) {
        if (!box) {
          throw new Error(`README screenshot ${name}: a target is not on screen`);
        }
        [left, top] = [Math.min(left, box.x), Math.min(top, box.y)];
        [right, bottom] = [Math.max(right, box.x + box.width), Math.max(bottom, box.y + box.height)];
      }
      [left, top] = [Math.max(0, Math.floor(left - margin)), Math.max(0, Math.floor(top - margin))];
      [right, bottom] = [Math.min(viewport.width, Math.ceil(right + margin)), Math.min(viewport.height, Math.ceil(bottom + margin))];
      mkdirSync(README_SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(README_SCREENSHOTS, `${name}.png`), clip: { x: left, y: top, width: right - left, height: bottom - top } });
      if (height) {
        await resize(normal);
      }
    },
    /**
     * What every frame holds now, webviews' nested iframes included: its HTML, and the values of its
     * text fields (a value typed into a field is not in the HTML). Password boxes are left out: what a
     * person types into one is theirs to see.
     * @returns {Promise<{ where: string, text: string }[]>}
     */
    async pageTexts() {
      /** @type {{ where: string, text: string }[]} */
      const texts = [];
      for (const [index, frame] of page.frames().entries()) {
        const where = `frame ${index} (${frame.url().split('?')[0].slice(-80)})`;
        const html = await frame.content().catch(() => undefined);
        if (html === undefined) {
          continue; // detached while we looked
        }
        texts.push({ where: `${where} HTML`, text: html });
        const values = await frame
          .evaluate(() =>
            Array.from(document.querySelectorAll('input, textarea'))
              .filter((e) => !(e instanceof HTMLInputElement && e.type === 'password'))
              .map((e) => /** @type {HTMLInputElement | HTMLTextAreaElement} */ (e).value),
          )
          .catch(() => []);
        texts.push({ where: `${where} field values`, text: values.join('\n') });
      }
      return texts;
    },
    /**
     * Everything the workbench's origin keeps in the browser (where code-server keeps globalState, the
     * webviews' state and its own logs): every IndexedDB record, localStorage and sessionStorage.
     * @returns {Promise<{ where: string, key: string, text: string }[]>}
     */
    async browserStorage() {
      return page.evaluate(async () => {
        /** @param {unknown} value @returns {Promise<string>} */
        const asText = async (value) => {
          if (typeof value === 'string') {
            return value;
          }
          if (value instanceof Blob) {
            return value.text();
          }
          if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
            return new TextDecoder().decode(/** @type {ArrayBuffer} */ (value));
          }
          return JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) ? new TextDecoder().decode(v) : v)) ?? String(value);
        };
        /** @type {{ where: string, key: string, text: string }[]} */
        const entries = [];
        /** @template T @param {IDBRequest<T>} request @returns {Promise<T>} */
        const done = (request) =>
          new Promise((resolve, reject) => {
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          });
        for (const info of await indexedDB.databases()) {
          if (!info.name) {
            continue;
          }
          const db = await done(indexedDB.open(info.name));
          for (const storeName of Array.from(db.objectStoreNames)) {
            const store = db.transaction(storeName, 'readonly').objectStore(storeName);
            const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
            for (const [i, key] of keys.entries()) {
              entries.push({ where: `IndexedDB ${info.name}/${storeName}`, key: await asText(key), text: await asText(values[i]) });
            }
          }
          db.close();
        }
        for (const [name, storage] of /** @type {const} */ ([
          ['localStorage', localStorage],
          ['sessionStorage', sessionStorage],
        ])) {
          for (let i = 0; i < storage.length; i++) {
            const key = /** @type {string} */ (storage.key(i));
            entries.push({ where: name, key, text: storage.getItem(key) ?? '' });
          }
        }
        return entries;
      });
    },
    /** Closes the browser and stops code-server but keeps the state folder, to look at what they left on disk. */
    async shutDown() {
      await browser.close();
      await server.stop();
    },
    async close() {
      await browser.close();
      await server.stop();
      removeState(state);
    },
  };
}
