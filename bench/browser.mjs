// Browser benchmark: wasm size, time to first samples after page load, sampling time for 1 and
// 64 images, and ms per training step at batch 64 for DCGAN-32, on WebGPU (SwiftShader in
// headless Chromium here) and on the CPU (WASM) fallback, with the WebGPU traffic of one call of
// each (compute dispatches, buffer uploads, read-backs, submits, pipelines compiled), and on the
// threaded CPU module (pkg/threads/, 2 threads); then
// sampling side by side with onnxruntime-web and TensorFlow.js (bench/browser-peers.mjs).
// Rounds alternate over the pages (order flips every round); medians are printed.
//   npm ci --prefix bench && node bench/browser.mjs   (after scripts/build-web.sh; needs tests/browser/node_modules)
//   ROUNDS=3 STEPS=3 WARMUP=3 PEERS=0 (skip the side-by-side part) THREADS=0 (skip the CPU-threads part,
//   bench/browser-threads.mjs: ganvas with 1 and 2 CPU workers v onnxruntime-web with 1 and 2 threads)
//   `webgpu, fusion` runs the fusion module (pkg/fusion/, ?fusion=1), `webgpu, lowered convs` the
//   page with ?convs=lowered (convolutions as matrix multiplies).
//   BASELINE_PKG=dir  also time an older build of pkg/ (a copy of its directory) in the same
//                     rounds, on WebGPU: before/after of a change in one run
import { statSync, readFileSync, mkdtempSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startServer } from '../scripts/serve.mjs';
import { sideBySide, median } from './browser-peers.mjs';
import { instrument, workerCounts, delta, countsCell, COUNTS_HEADER } from './browser-traffic.mjs';
import { threadsSideBySide } from './browser-threads.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'tests/browser/package.json'));
const { chromium } = require('playwright-core');

const size = (dir) => {
  const wasm = join(dir, 'ganvas_bg.wasm');
  return { raw: statSync(wasm).size, gz: gzipSync(readFileSync(wasm), { level: 9 }).length };
};
const steps = Number(process.env.STEPS ?? 3);
const rounds = Number(process.env.ROUNDS ?? 3);
// Autotune runs asynchronously on wasm: the first calls at each shape start the tuning and run
// a default kernel meanwhile, so every shape gets several untimed calls first.
const warmup = Number(process.env.WARMUP ?? 3);
const baselinePkg = process.env.BASELINE_PKG;

const server = await startServer(root, 0, { extraDirs: ['bench'] });
const launch = () => chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ganvas-bench-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic', '--enable-unsafe-webgpu',
    '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader'],
});
const context = await launch();
await instrument(context, root, server, { baselinePkg });
// The threaded CPU module's pages (no WebGPU traffic to count) run in a browser of their own,
// whose requests are not routed.
const plain = await launch();

const dcgan = readFileSync(join(root, 'configs/fashion-dcgan32.toml'), 'utf8');
const variants = [
  { name: 'webgpu', path: '/www/index.html?backend=webgpu' },
  // The fusion module (pkg/fusion/, Burn's operation fusion; the page's ?fusion=1).
  { name: 'webgpu, fusion', path: '/www/index.html?backend=webgpu&fusion=1' },
  // Convolutions as matrix multiplies (CubeConvs::Lowered; the page's default is Burn's direct kernels).
  { name: 'webgpu, lowered convs', path: '/www/index.html?backend=webgpu&convs=lowered' },
  { name: 'cpu', path: '/www/index.html?backend=cpu&cpuWorkers=1' },
  { name: 'cpu, 2 threads', path: '/www/index.html?backend=cpu&cpuThreads=2', context: plain },
  ...(baselinePkg ? [{ name: 'webgpu, baseline pkg', path: '/baseline/www/index.html?backend=webgpu' }] : []),
].map((v) => ({ ...v, times: { one: [], many: [], step: [] }, counts: {} }));

/** Opens the page, waits for its first samples, and prepares a training run on random images. */
async function open(v) {
  const page = await (v.context ?? context).newPage();
  const loaded = Date.now();
  await page.goto(`${server.url}${v.path}`);
  await page.waitForFunction(() => window.ganvas && window.ganvas.ready, null, { timeout: 120_000 });
  // `ready` resolves after the Sample view's first model has loaded and drawn.
  await page.evaluate(() => window.ganvas.ready);
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid="sample-canvas"]');
    return c && c.width > 0;
  }, null, { timeout: 120_000 });
  v.firstSamples = Date.now() - loaded;
  v.backend = await page.evaluate(async ({ dcgan, warmup }) => {
    const c = window.ganvas.client;
    await c.call('loadCheckpoint', '/www/models/fashion-dcgan32.safetensors');
    for (let i = 0; i < warmup; i++) {
      await c.call('sample', 1, 1, 0, -1);
      await c.call('sample', 64, 1, 0, -1);
    }
    await c.call('newRun', dcgan);
    const n = 256, side = 32;
    const rgba = new Uint8Array(n * side * side * 4).map((_, i) => (i * 2654435761) >>> 24);
    await c.call('useImages', { rgba, n, width: side, height: side, labels: Array.from({ length: n }, (_, i) => i % 10) });
    for (let i = 0; i < warmup; i++) await c.call('train', { steps: 1, chunk: 1 });
    return c.call('backend');
  }, { dcgan, warmup });
  v.page = page;
  // One call of each kind, counted (the model is the training run's generator: the same
  // architecture as the checkpoint's).
  const call = (method, ...args) => page.evaluate(({ method, args }) => window.ganvas.client.call(method, ...args), { method, args });
  for (const [key, method, args] of [['one', 'sample', [1, 1, 0, -1]], ['many', 'sample', [64, 1, 0, -1]], ['step', 'train', [{ steps: 1, chunk: 1 }]]]) {
    const before = await workerCounts(page);
    await call(method, ...args);
    v.counts[key] = delta(before, await workerCounts(page));
  }
}

/** ms per call of `sample 1` (5 calls), `sample 64` (2 calls) and a training step (STEPS calls). */
const timeRound = (v) => v.page.evaluate(async ({ steps }) => {
  const c = window.ganvas.client;
  const time = async (fn, reps) => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await fn(i);
    return (performance.now() - t0) / reps;
  };
  const one = await time((i) => c.call('sample', 1, i + 2, 0, -1), 5);
  const many = await time((i) => c.call('sample', 64, i + 2, 0, -1), 2);
  const step = await time(() => c.call('train', { steps: 1, chunk: 1 }), steps);
  return { one, many, step };
}, { steps });

for (const v of variants) {
  console.error(`opening ${v.name}`);
  await open(v);
}
for (let round = 0; round < rounds; round++) {
  for (const v of round % 2 ? [...variants].reverse() : variants) {
    console.error(`round ${round + 1}/${rounds}: ${v.name}`);
    const t = await timeRound(v);
    for (const k of Object.keys(t)) v.times[k].push(t[k]);
  }
}
for (const v of variants) await v.page.close();

// The f64 metric maths runs on the CPU side in the browser whatever the backend: time it once.
const fidPage = await context.newPage();
await fidPage.goto(`${server.url}/www/index.html?backend=cpu`);
await fidPage.waitForFunction(() => window.ganvas && window.ganvas.ready, null, { timeout: 120_000 });
const frechet = await fidPage.evaluate(() => window.ganvas.client.call('benchFrechet', 10000, 2048));
await fidPage.close();
const peers = process.env.PEERS === '0' ? null
  : await sideBySide(root, context, server, { rounds, baseline: Boolean(baselinePkg) }).catch((e) => `side-by-side sampling failed: ${e.message}`);
const threads = process.env.THREADS === '0' ? null
  : await threadsSideBySide(root, plain, server, { rounds }).catch((e) => `CPU-threads sampling failed: ${e.message}`);
await context.close();
await plain.close();
server.close();

const mib = (bytes) => (bytes / 1048576).toFixed(2);
const kib = (bytes) => Math.round(bytes / 1024).toLocaleString('en');
const now = size(join(root, 'pkg'));
console.log(`wasm: ${mib(now.raw)} MiB raw, ${mib(now.gz)} MiB gzipped (${kib(now.gz)} KiB)`);
try {
  const fusion = size(join(root, 'pkg/fusion'));
  console.log(`fusion module (pkg/fusion/): ${mib(fusion.raw)} MiB raw, ${mib(fusion.gz)} MiB gzipped (${kib(fusion.gz)} KiB)`);
} catch {
  console.log('fusion module (pkg/fusion/): not built (the `webgpu, fusion` row ran the main module)');
}
if (baselinePkg) {
  const was = size(baselinePkg);
  console.log(`baseline wasm: ${mib(was.raw)} MiB raw, ${mib(was.gz)} MiB gzipped (${kib(was.gz)} KiB)`);
}
console.log(`\nDCGAN-32 (configs/fashion-dcgan32.toml); median of ${rounds} alternating rounds after ${warmup} untimed calls of each`);
console.log('| backend | first samples after load (ms) | sample 1 (ms) | sample 64 (ms) | train step, batch 64 (ms) |');
console.log('|---|---:|---:|---:|---:|');
for (const v of variants) {
  const m = (k) => median(v.times[k]);
  console.log(`| ${v.name}: ${v.backend.kind} (${v.backend.adapter}) | ${v.firstSamples} | ${m('one').toFixed(1)} | ${m('many').toFixed(1)} | ${m('step').toFixed(0)} |`);
}
console.log(`\nWebGPU traffic of one call (after warm-up): ${COUNTS_HEADER}`);
console.log('| backend | sample 1 | sample 64 | train step, batch 64 |');
console.log('|---|---|---|---|');
for (const v of variants.filter((v) => v.backend.kind === 'webgpu')) {
  console.log(`| ${v.name} | ${countsCell(v.counts.one)} | ${countsCell(v.counts.many)} | ${countsCell(v.counts.step)} |`);
}
console.log(`\nFréchet distance 2048-d, 10k vs 10k, in the browser (wasm, one thread): statistics ` +
  `${frechet.statistics_ms.toFixed(0)} ms + distance ${frechet.frechet_ms.toFixed(0)} ms = ` +
  `${(frechet.statistics_ms + frechet.frechet_ms).toFixed(0)} ms`);
if (peers) console.log(`\n${peers}`);
if (threads) console.log(`\n${threads}`);
