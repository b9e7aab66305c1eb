// The threaded CPU module (pkg/threads/: shared memory, rayon on Web Workers through
// wasm-bindgen-rayon): on a cross-origin isolated page without WebGPU the CPU backend computes
// on several threads; its grids are byte for byte the single-threaded module's, it trains, and
// a page whose threaded module cannot load keeps working on one thread with one sentence.
// Run with the other browser tests (needs pkg/ and pkg/threads/ from scripts/build-web.sh):
//   node --test --test-concurrency=1 tests/browser/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApp, root, sharedApp } from './harness.mjs';

const app = sharedApp({ webgpu: false }); // navigator.gpu without an adapter: the CPU it is

/** `method(...args)` in the Sample tab's first worker, as a plain array. */
function draw(page, method, ...args) {
  return page.evaluate(async ([method, args]) => Array.from(await window.ganvas.pool.primary.call(method, ...args)), [method, args]);
}

/** Asserts two byte arrays are equal without printing megabytes when they are not. */
function sameBytes(a, b, what) {
  assert.equal(a.length, b.length, `${what}: lengths`);
  const first = a.findIndex((v, i) => v !== b[i]);
  assert.equal(first, -1, `${what}: first difference at byte ${first} (${a[first]} ≠ ${b[first]})`);
}

/** Five training steps of a fresh Fashion-MNIST DCGAN-32 on fixed images: the losses per step. */
async function fiveSteps(page) {
  const toml = readFileSync(join(root, 'configs/fashion-dcgan32.toml'), 'utf8');
  return page.evaluate(async (toml) => {
    const c = window.ganvas.pool.primary;
    await c.call('newRun', toml);
    const n = 64, side = 32;
    const rgba = new Uint8Array(n * side * side * 4).map((_, i) => (i * 2654435761) >>> 24);
    await c.call('useImages', { rgba, n, width: side, height: side, labels: Array.from({ length: n }, (_, i) => i % 10) });
    const stats = await c.call('train', { steps: 5, chunk: 5 });
    return stats.map((s) => [s.d_loss, s.g_loss]);
  }, toml);
}

test('on the CPU the threaded module computes on 2 threads: the same grids as one thread, and it trains', async () => {
  const threaded = await openApp(app.browser, app.server, '?backend=cpu&cpuThreads=2');
  const single = await openApp(app.browser, app.server, '?backend=cpu&cpuThreads=1');
  const [t, s] = [threaded.page, single.page];
  const backend = await t.evaluate(() => window.ganvas.client.call('backend'));
  console.log('threaded backend:', JSON.stringify(backend));
  assert.equal(await t.evaluate(() => crossOriginIsolated), true, 'scripts/serve.mjs isolates the page');
  assert.equal(backend.kind, 'cpu');
  assert.equal(backend.threads, 2, backend.threads_note);
  assert.match(backend.adapter, /2 threads/);
  assert.equal(backend.threads_note, undefined);
  assert.equal((await s.evaluate(() => window.ganvas.client.call('backend'))).threads, 1);
  await t.waitForFunction(() => !document.querySelector('[data-testid="cpu-workers"]').hidden);
  assert.equal((await t.textContent('[data-testid="cpu-workers"]')).trim(), '2 CPU threads');
  assert.equal(await t.evaluate(() => window.ganvas.pool.status().running), 1, 'no pool of workers beside the threads');
  // The threads are Web Workers of the page (rayon's pool), beside the tab's own worker.
  assert.ok(t.workers().length >= 3, `${t.workers().length} workers in the threaded page`);

  for (const [model, n, cls] of [['fashion-dcgan32', 40, -1], ['emoji-dcgan32', 24, -1], ['mnist-dcgan28', 20, 3]]) {
    const url = `/www/models/${model}.safetensors`;
    const started = Date.now();
    await t.evaluate((url) => window.ganvas.pool.primary.call('loadCheckpoint', url), url);
    const a = await draw(t, 'sample', n, 7, 0.8, cls);
    const ms = Date.now() - started;
    await s.evaluate((url) => window.ganvas.pool.primary.call('loadCheckpoint', url), url);
    const b = await draw(s, 'sample', n, 7, 0.8, cls);
    console.log(`# ${model}: ${n} samples (load + draw) on 2 threads in ${ms} ms`);
    sameBytes(a, b, `${model} grid, 2 threads v 1`);
    sameBytes(await draw(t, 'interpolate', 2, 5, 3, 'slerp', cls), await draw(s, 'interpolate', 2, 5, 3, 'slerp', cls), `${model} walk`);
  }

  // Training: the forward passes agree to the bit, but a weight gradient's per-thread partial
  // sums add in another order on 2 threads than on 1, so the losses drift apart by f32 rounding
  // (relative 1e-7 per step, growing through Adam's updates): 1e-3 relative after 5 steps.
  const [lt, ls] = [await fiveSteps(t), await fiveSteps(s)];
  // An exact resume needs the same run to give the same numbers again on the same threads.
  assert.deepEqual(await fiveSteps(t), lt, 'the same five steps again on 2 threads');
  console.log('# losses on 2 threads:', JSON.stringify(lt), 'on 1:', JSON.stringify(ls));
  assert.equal(lt.length, 5);
  // Step 1's D loss comes before any update: the same weights and batch give the same bits.
  assert.equal(lt[0][0], ls[0][0], 'the first D loss');
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 2; j++) {
      const rel = Math.abs(lt[i][j] - ls[i][j]) / Math.max(Math.abs(ls[i][j]), 1e-6);
      assert.ok(Number.isFinite(lt[i][j]) && rel <= 1e-3, `step ${i + 1} loss ${j}: ${lt[i][j]} v ${ls[i][j]}`);
    }
  }
  assert.deepEqual([...threaded.errors, ...single.errors], []);
  await t.close();
  await s.close();
});

test('a threaded module that cannot load leaves the CPU backend on one thread, with one sentence', async () => {
  const page = await app.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/pkg/threads/**', (route) => route.abort());
  await page.goto(`${app.server.url}/www/index.html?backend=cpu&cpuThreads=2`);
  await page.waitForFunction(() => window.ganvas && window.ganvas.ready, null, { timeout: 60_000 });
  const backend = await page.evaluate(() => window.ganvas.ready);
  assert.equal(backend.kind, 'cpu');
  assert.equal(backend.threads, 1);
  await page.waitForFunction(() => !document.querySelector('[data-testid="cpu-pool-note"]').hidden);
  const note = (await page.textContent('[data-testid="cpu-pool-note"]')).trim();
  assert.equal(note, 'The 2-thread CPU module could not start: its files were not found or did not load (scripts/build-web.sh builds pkg/threads/). The CPU backend uses the single-threaded module.');
  // The page still samples (its first model was drawn) on the single-threaded module.
  assert.match(await page.getAttribute('[data-testid="sample-canvas"]', 'aria-label'), /at step/);
  const grid = await draw(page, 'sample', 9, 1, 0, -1);
  assert.ok(grid.length > 0);
  assert.deepEqual(errors, []);
  await page.close();
});
