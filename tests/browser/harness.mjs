// What the browser test files share: Debian's headless Chromium (WebGPU through its software
// adapter, SwiftShader, unless asked otherwise), the app served by scripts/serve.mjs, and
// opening the page with its errors collected. Not a test file itself (node --test runs only
// *.test.mjs).

import { before, after } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const baseArgs = [
  '--no-sandbox', '--headless', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];
/** WebGPU on SwiftShader. Without these flags this Chromium offers `navigator.gpu` but no
 * adapter, which is how a browser without usable WebGPU looks to the page. */
const webgpuArgs = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader'];

/** A fresh Chromium profile; `webgpu: false` leaves WebGPU without an adapter. */
export function launch({ webgpu = true, viewport = { width: 1280, height: 900 } } = {}) {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ganvas-chromium-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: webgpu ? [...baseArgs, ...webgpuArgs] : baseArgs,
    viewport,
  });
}

/**
 * The app served from the repository and one Chromium, shared by a test file's tests: registers
 * the file's before/after hooks. Read `app.server` and `app.browser` inside the tests.
 * `webgpu: false` gives a Chromium without a WebGPU adapter (the page then runs on the CPU).
 */
export function sharedApp({ webgpu = true } = {}) {
  const app = { server: null, browser: null };
  before(async () => {
    app.server = await startServer(root, 0);
    app.browser = await launch({ webgpu });
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.close();
  });
  return app;
}

/**
 * Opens the app at `query` (e.g. '?backend=cpu#sample') and waits for its worker session and
 * the Sample tab's first model. `errors` collects uncaught page errors, `consoleErrors` what
 * the page logged with console.error (every message shown in the error area is logged too).
 * `init` runs in the page before its scripts.
 */
export async function openApp(browser, server, query = '', { init } = {}) {
  const page = await browser.newPage();
  const errors = [];
  const consoleErrors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  if (init) await page.addInitScript(init);
  await page.goto(`${server.url}/www/index.html${query}`);
  await waitReady(page);
  return { page, errors, consoleErrors };
}

/** Waits for `window.ganvas.ready` (again after a reload); resolves to the backend info. */
export async function waitReady(page) {
  await page.waitForFunction(() => window.ganvas && window.ganvas.ready, null, { timeout: 60_000 });
  return page.evaluate(() => window.ganvas.ready);
}

/** Calls a worker method from the page; binary results come back as plain arrays. */
export async function call(page, method, ...args) {
  return page.evaluate(async ([method, args]) => {
    const value = await window.ganvas.client.call(method, ...args);
    if (value instanceof Uint8Array || value instanceof Float32Array) return Array.from(value);
    if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
    return value;
  }, [method, args]);
}
