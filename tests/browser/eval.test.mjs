// The browser and the native CLI evaluate a generator the same way: one library pipeline
// (metrics::pipeline) under one named protocol (metrics::registry). The page's worker scores
// the shipped Fashion-MNIST model on the CPU backend; `ganvas eval` scores the same checkpoint
// with the same protocol, N and seed; the keyed results must agree.
// Needs: pkg/ (scripts/build-web.sh), www/models/, data/fashion-mnist/ (the test split), and
// the native binary (GANVAS_BIN, default ~/.cache/ganvas-target/release/ganvas).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, openApp, root, sharedApp } from './harness.mjs';

const bin = process.env.GANVAS_BIN ?? join(process.env.HOME, '.cache/ganvas-target/release/ganvas');
const scratch = mkdtempSync(join(tmpdir(), 'ganvas-browser-eval-'));
const app = sharedApp();

// The page's live metrics card runs protocol domain500 (with the N it is given; here the
// protocol's own 500, so that the registered protocol itself is compared).
const PROTOCOL = 'domain500';
const N = 500;
const SEED = 99;

/** The browser's results (wasm, CPU backend, through the worker). */
async function inTheBrowser() {
  const { page, errors } = await openApp(app.browser, app.server, '?backend=cpu');
  assert.equal((await call(page, 'backend')).kind, 'cpu');
  await call(page, 'loadCheckpoint', '/www/models/fashion-dcgan32.safetensors');
  await call(page, 'useIdx', 'fashion-mnist');
  await call(page, 'loadExtractor', '/www/models/domain-fashion-mnist.safetensors');
  const results = await call(page, 'evaluate', N, SEED);
  assert.deepEqual(errors, []);
  await page.close();
  return results;
}

/** The CLI's results for the same protocol, N, seed and checkpoint. */
function inTheCli() {
  const json = join(scratch, 'eval.json');
  execFileSync(bin, ['eval', '--checkpoint', 'www/models/fashion-dcgan32.safetensors',
    '--protocol', PROTOCOL, '--seed', String(SEED), '--json', json],
  // A private HOME: the real features are computed, not read from an earlier run's cache.
  { cwd: root, env: { ...process.env, HOME: scratch }, stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(readFileSync(json, 'utf8'));
}

test('the browser and `ganvas eval` give the same keyed results for one protocol, seed and checkpoint', { timeout: 600_000 }, async () => {
  const browser = await inTheBrowser();
  const report = inTheCli();
  const native = report.results;

  // Same protocol, settings included: name, N, KID subsets and size, k.
  assert.equal(report.protocol.name, PROTOCOL);
  assert.equal(report.protocol.n, N);
  assert.ok(browser.every((r) => r.protocol.name === PROTOCOL), 'the page ran the registered protocol');
  assert.deepEqual(report.protocol.metrics, ['fid', 'kid', 'pr', 'dc']);
  const keys = (results) => results.map((r) => r.key);
  assert.deepEqual(keys(browser), keys(native));
  assert.deepEqual(keys(native), ['fid', 'kid', 'precision', 'recall', 'density', 'coverage']
    .map((m) => `${m}@domain-fashion-mnist/${N}v${N}`));
  for (const [b, c] of browser.map((r, i) => [r, native[i]])) {
    assert.deepEqual(b.protocol, c.protocol, `${b.key}: protocols differ`);
  }

  const byKey = Object.fromEntries(native.map((r) => [r.key, r]));
  for (const b of browser) {
    const c = byKey[b.key];
    const diff = Math.abs(b.value - c.value);
    console.log(`# ${b.key} [${b.protocol.name}]: browser ${b.value}, native ${c.value} (difference ${diff.toExponential(2)})`);
    // Both shells run the same library code on the same CPU arithmetic; only the order of
    // float additions inside the kernels (wasm SIMD vs native AVX) may differ. Distances and
    // kernel means then agree to ~1e-6 relative: allow 1e-4 relative (FID, KID and its spread).
    // The k-NN fractions (precision … coverage) are counts over N images: a feature moving by
    // an ulp could flip one comparison, one image in N, but no more.
    if (b.key.startsWith('fid@') || b.key.startsWith('kid@')) {
      assert.ok(diff <= 1e-4 * Math.abs(c.value), `${b.key}: browser ${b.value} vs native ${c.value}`);
    } else {
      assert.ok(diff <= 1 / N + 1e-12, `${b.key}: browser ${b.value} vs native ${c.value}`);
    }
    if (c.std != null) {
      assert.ok(Math.abs(b.std - c.std) <= 1e-4 * Math.abs(c.std), `${b.key} spread: ${b.std} vs ${c.std}`);
    }
  }
});
