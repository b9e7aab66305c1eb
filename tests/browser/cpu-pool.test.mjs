// The CPU fallback's pool of workers (www/js/cpu-pool.js): on a browser without WebGPU the
// Sample tab splits every grid and walk over several wasm workers, and the joined bytes are
// exactly those one worker draws. Run with the other browser tests:
//   node --test --test-concurrency=1 tests/browser/
// (needs pkg/ from scripts/build-web.sh). The pool's bookkeeping alone: cpu-pool-logic.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openApp, root } from './harness.mjs';
import { startServer } from '../../scripts/serve.mjs';

let server, browser;
before(async () => {
  server = await startServer(root, 0);
  browser = await launch({ webgpu: false }); // navigator.gpu without an adapter: the CPU it is
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the page and waits for its model and for every CPU worker to start (or fail). */
async function open(query, options) {
  const opened = await openApp(browser, server, query, options);
  const status = await opened.page.evaluate(() => window.ganvas.pool.ready);
  return { ...opened, status };
}

/** `method(...args)` through the pool (`via` 'pool') or in its first worker alone ('primary'),
 * as a plain array, with the number of workers the call was split over. */
function draw(page, via, method, ...args) {
  return page.evaluate(async ([via, method, args]) => {
    const pool = window.ganvas.pool;
    const client = via === 'pool' ? pool : pool.primary;
    const bytes = await client.call(method, ...args);
    return { bytes: Array.from(bytes), parts: via === 'pool' ? pool.lastParts : 1 };
  }, [via, method, args]);
}

/** Asserts two byte arrays are equal without printing megabytes when they are not. */
function sameBytes(a, b, what) {
  assert.equal(a.length, b.length, `${what}: lengths`);
  const first = a.findIndex((v, i) => v !== b[i]);
  assert.equal(first, -1, `${what}: first difference at byte ${first} (${a[first]} ≠ ${b[first]})`);
}

test('without WebGPU, grids and walks are drawn by a pool of CPU workers, byte for byte the one-worker result', async () => {
  const { page, errors, status } = await open('?cpuWorkers=3');
  assert.equal((await page.evaluate(() => window.ganvas.ready)).kind, 'cpu');
  assert.deepEqual(status, { asked: 3, running: 3, failures: [] });
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated');
  assert.equal((await page.textContent('[data-testid="cpu-workers"]')).trim(), '3 CPU workers');
  assert.match(await page.getAttribute('[data-testid="cpu-workers"]', 'title'), /split between 3 WebAssembly workers.*about \d+ MB each/);
  assert.equal(await page.isVisible('[data-testid="cpu-pool-note"]'), false);

  // The page's first model (2-D points): 1000 points drawn by three workers.
  const points = await draw(page, 'pool', 'sample', 1000, 1, 0, -1);
  assert.equal(points.parts, 3);
  sameBytes(points.bytes, (await draw(page, 'primary', 'sample', 1000, 1, 0, -1)).bytes, 'points');
  // A grey image model: 37 samples split 13 / 12 / 12, with truncation.
  await page.evaluate(() => window.ganvas.client.call('loadCheckpoint', '/www/models/fashion-dcgan32.safetensors'));
  const pooled = await draw(page, 'pool', 'sample', 37, 5, 0.7, -1);
  assert.equal(pooled.parts, 3, 'the grid was split over the three workers');
  const alone = await draw(page, 'primary', 'sample', 37, 5, 0.7, -1);
  assert.equal(pooled.bytes.length, 37 * 32 * 32 * 4);
  sameBytes(pooled.bytes, alone.bytes, 'fashion grid');

  // A class-conditional model (labels in turn cross the split points) and a walk.
  await page.evaluate(() => window.ganvas.client.call('loadCheckpoint', '/www/models/mnist-dcgan28.safetensors'));
  // 20 → 7 / 7 / 6 rows, 7 → 3 / 2 / 2, and 3 → one row each (a batch of one in every worker).
  for (const args of [[20, 9, 0, -1], [7, 2, 0, 3], [3, 11, 0, -1]]) {
    const a = await draw(page, 'pool', 'sample', ...args);
    assert.equal(a.parts, 3, `split: ${args}`);
    sameBytes(a.bytes, (await draw(page, 'primary', 'sample', ...args)).bytes, `mnist grid ${args}`);
  }
  const walk = await draw(page, 'pool', 'interpolate', 3, 7, 4, 'slerp', -1);
  assert.equal(walk.parts, 3);
  assert.equal(walk.bytes.length, 3 * 7 * 28 * 28 * 4);
  sameBytes(walk.bytes, (await draw(page, 'primary', 'interpolate', 3, 7, 4, 'slerp', -1)).bytes, 'walk');

  // A page with one worker draws the same grid as the pooled page.
  const single = await open('?cpuWorkers=1');
  assert.deepEqual(single.status, { asked: 1, running: 1, failures: [] });
  assert.equal((await single.page.textContent('[data-testid="cpu-workers"]')).trim(), '1 CPU worker');
  await single.page.evaluate(() => window.ganvas.client.call('loadCheckpoint', '/www/models/mnist-dcgan28.safetensors'));
  const one = await draw(single.page, 'pool', 'sample', 20, 9, 0, -1);
  assert.equal(one.parts, 1, 'one worker: nothing to split');
  sameBytes((await draw(page, 'pool', 'sample', 20, 9, 0, -1)).bytes, one.bytes, 'pool page v one-worker page');
  assert.deepEqual([...errors, ...single.errors], []);
  await single.page.close();
  await page.close();
});

test('after a new run and a training step in the first worker, the others sample the trained model', async () => {
  const { page, errors, status } = await open('?cpuWorkers=2');
  assert.equal(status.running, 2);
  const toml = readFileSync(join(root, 'configs/fashion-dcgan32.toml'), 'utf8');
  const stats = await page.evaluate(async (toml) => {
    const c = window.ganvas.client;
    await c.call('newRun', toml);
    const n = 64, side = 32;
    const rgba = new Uint8Array(n * side * side * 4).map((_, i) => (i * 2654435761) >>> 24);
    await c.call('useImages', { rgba, n, width: side, height: side, labels: Array.from({ length: n }, (_, i) => i % 10) });
    return c.call('train', { steps: 1, chunk: 1 });
  }, toml);
  assert.equal(stats.length, 1);
  const pooled = await draw(page, 'pool', 'sample', 10, 3, 0, -1);
  assert.equal(pooled.parts, 2, 'the helper caught up with the trained weights');
  sameBytes(pooled.bytes, (await draw(page, 'primary', 'sample', 10, 3, 0, -1)).bytes, 'trained grid');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a CPU worker that cannot load leaves the page sampling on the others, with one sentence', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The first wasm download is the page's first worker; every later one (the helpers') fails.
  let downloads = 0;
  await page.route('**/pkg/ganvas_bg.wasm', (route) => (++downloads === 1 ? route.continue() : route.abort()));
  await page.goto(`${server.url}/www/index.html?cpuWorkers=2`);
  await page.waitForFunction(() => window.ganvas && window.ganvas.ready, null, { timeout: 60_000 });
  await page.evaluate(() => window.ganvas.ready);
  const status = await page.evaluate(() => window.ganvas.pool.ready);
  assert.ok(downloads >= 2, `the helper's download was intercepted (${downloads})`);
  assert.equal(status.asked, 2);
  assert.equal(status.running, 1);
  assert.equal(status.failures.length, 1);
  await page.waitForFunction(() => !document.querySelector('[data-testid="cpu-pool-note"]').hidden);
  const note = (await page.textContent('[data-testid="cpu-pool-note"]')).trim();
  assert.match(note, /^CPU worker 2 of 2 stopped: .+; sampling continues on 1 worker\.$/);
  assert.equal(note.split('\n').length, 1, note);
  assert.equal((await page.textContent('[data-testid="cpu-workers"]')).trim(), '1 CPU worker');
  // The page still samples, on the one worker left, the same bytes as before.
  const grid = await draw(page, 'pool', 'sample', 16, 1, 0, -1);
  assert.equal(grid.parts, 1);
  sameBytes(grid.bytes, (await draw(page, 'primary', 'sample', 16, 1, 0, -1)).bytes, 'one worker left');
  assert.match(await page.getAttribute('[data-testid="sample-canvas"]', 'aria-label'), /from toy-8gaussians at step/, 'the first model was drawn');
  assert.deepEqual(errors, []);
  await page.close();
});
