// Browser benchmark: wasm size, time to first samples after page load, sampling time for 1 and
// 64 images, and ms per training step at batch 64 for DCGAN-32, on WebGPU (SwiftShader in
// headless Chromium here) and on the CPU (WASM) fallback; then sampling side by side with
// onnxruntime-web and TensorFlow.js (bench/browser-peers.mjs). Prints tables.
//   npm ci --prefix bench && node bench/browser.mjs   (after scripts/build-web.sh; needs tests/browser/node_modules)
//   ROUNDS=3 STEPS=3 PEERS=0 (skip the side-by-side part) THREADS=0 (skip the CPU-threads part,
//   bench/browser-threads.mjs: ganvas with 1 and 2 CPU workers v onnxruntime-web with 1 and 2 threads)
import { statSync, readFileSync, mkdtempSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startServer } from '../scripts/serve.mjs';
import { sideBySide } from './browser-peers.mjs';
import { threadsSideBySide } from './browser-threads.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'tests/browser/package.json'));
const { chromium } = require('playwright-core');

const wasm = join(root, 'pkg/ganvas_bg.wasm');
const raw = statSync(wasm).size;
const gz = gzipSync(readFileSync(wasm), { level: 9 }).length;
const steps = Number(process.env.STEPS ?? 3);

const server = await startServer(root, 0, { extraDirs: ['bench'] });
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ganvas-bench-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic', '--enable-unsafe-webgpu',
    '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader'],
});

const dcgan = readFileSync(join(root, 'configs/fashion-dcgan32.toml'), 'utf8');
const rows = [];
for (const backend of ['webgpu', 'cpu']) {
  const page = await context.newPage();
  const loaded = Date.now();
  await page.goto(`${server.url}/www/index.html${backend === 'cpu' ? '?backend=cpu&cpuWorkers=1' : ''}`);
  await page.waitForFunction(() => window.ganvas && window.ganvas.ready, null, { timeout: 120_000 });
  // `ready` resolves after the Sample view's first model has loaded and drawn.
  await page.evaluate(() => window.ganvas.ready);
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid="sample-canvas"]');
    return c && c.width > 0;
  }, null, { timeout: 120_000 });
  const firstSamples = Date.now() - loaded;
  const result = await page.evaluate(async ({ dcgan, steps }) => {
    const c = window.ganvas.client;
    const backend = await c.call('backend');
    await c.call('loadCheckpoint', '/www/models/fashion-dcgan32.safetensors');
    const time = async (fn, reps) => {
      await fn(); // warm-up: shader compilation, allocation
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await fn();
      return (performance.now() - t0) / reps;
    };
    const one = await time(() => c.call('sample', 1, 1, 0, -1), 5);
    const many = await time(() => c.call('sample', 64, 1, 0, -1), 3);
    await c.call('newRun', dcgan);
    const n = 256, side = 32;
    const rgba = new Uint8Array(n * side * side * 4).map((_, i) => (i * 2654435761) >>> 24);
    await c.call('useImages', { rgba, n, width: side, height: side, labels: Array.from({ length: n }, (_, i) => i % 10) });
    const step = await time(() => c.call('train', { steps: 1, chunk: 1 }), steps);
    return { backend, one, many, step };
  }, { dcgan, steps });
  rows.push({ ...result, backend: `${result.backend.kind} (${result.backend.adapter})`, firstSamples });
  await page.close();
}
// The f64 metric maths runs on the CPU side in the browser whatever the backend: time it once.
const fidPage = await context.newPage();
await fidPage.goto(`${server.url}/www/index.html?backend=cpu`);
await fidPage.waitForFunction(() => window.ganvas && window.ganvas.ready, null, { timeout: 120_000 });
const frechet = await fidPage.evaluate(() => window.ganvas.client.call('benchFrechet', 10000, 2048));
await fidPage.close();
const peers = process.env.PEERS === '0' ? null
  : await sideBySide(root, context, server, { rounds: Number(process.env.ROUNDS ?? 3) }).catch((e) => `side-by-side sampling failed: ${e.message}`);
const threads = process.env.THREADS === '0' ? null
  : await threadsSideBySide(root, context, server, { rounds: Number(process.env.ROUNDS ?? 3) }).catch((e) => `CPU-threads sampling failed: ${e.message}`);
await context.close();
server.close();

console.log(`wasm: ${(raw / 1048576).toFixed(2)} MiB raw, ${(gz / 1048576).toFixed(2)} MiB gzipped`);
console.log('backend | first samples after load (ms) | sample 1 (ms) | sample 64 (ms) | train step, batch 64 DCGAN-32 (ms)');
for (const r of rows) {
  console.log(`${r.backend} | ${r.firstSamples} | ${r.one.toFixed(1)} | ${r.many.toFixed(1)} | ${r.step.toFixed(0)}`);
}
console.log(`Fréchet distance 2048-d, 10k vs 10k, in the browser (wasm, one thread): statistics ` +
  `${frechet.statistics_ms.toFixed(0)} ms + distance ${frechet.frechet_ms.toFixed(0)} ms = ` +
  `${(frechet.statistics_ms + frechet.frechet_ms).toFixed(0)} ms`);
if (peers) console.log(`\n${peers}`);
if (threads) console.log(`\n${threads}`);
