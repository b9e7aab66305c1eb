// The CPU-threads half of node bench/browser.mjs: sampling from the DCGAN-32 RGB generator
// (bench/configs/dcgan32-rgb.toml) on the CPU in one headless Chromium, ganvas's wasm with 1 and
// 2 CPU workers (www/js/cpu-pool.js: the batch split over workers, each its own single-threaded
// module) and its threaded module on 2 threads (pkg/threads/: shared memory, rayon on Web
// Workers) against onnxruntime-web's wasm with 1 and 2 threads (bench/web/threads.html, one page
// per thread count). Rounds alternate over the four (order flips every round); medians and
// ratios are printed. ORT's threads need a cross-origin isolated page: each page's
// `crossOriginIsolated` is printed, with the workers Chromium reports for it.
//   node bench/browser-threads.mjs            (standalone; ROUNDS=5)
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { prepareOnnx } from './browser-peers.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/** A ganvas page on the CPU with `workers` CPU workers of the single-threaded module, or (with
 * `threads` > 1) one worker of the threaded module on `threads` threads, holding a fresh
 * dcgan32-rgb run. */
async function ganvasWorkers(context, server, workers, toml, threads = 1) {
  const page = await context.newPage();
  const query = threads > 1 ? `cpuThreads=${threads}` : `cpuWorkers=${workers}`;
  await page.goto(`${server.url}/www/index.html?backend=cpu&${query}`);
  await page.waitForFunction(() => window.ganvas && window.ganvas.ready, null, { timeout: 120_000 });
  await page.evaluate(() => window.ganvas.ready);
  const info = await page.evaluate(async (toml) => {
    const status = await window.ganvas.pool.ready;
    await window.ganvas.client.call('newRun', toml);
    const backend = await window.ganvas.client.call('backend');
    await window.ganvas.client.call('sample', 64, 1, 0, -1); // helpers load the run (export → load)
    const memory = await window.ganvas.pool.memory();
    return { kind: backend.kind, threads: backend.threads, note: backend.threads_note, running: status.running, isolated: crossOriginIsolated, memory };
  }, toml);
  if (info.kind !== 'cpu') throw new Error(`asked for the CPU, got ${info.kind}`);
  if (info.running !== workers) throw new Error(`asked for ${workers} CPU workers, ${info.running} running`);
  if (info.threads !== threads) throw new Error(`asked for ${threads} threads, the module runs ${info.threads}${info.note ? `: ${info.note}` : ''}`);
  const run = (batch, reps) => page.evaluate(async ({ batch, reps }) => {
    const c = window.ganvas.client;
    await c.call('sample', batch, 1, 0, -1); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await c.call('sample', batch, i + 2, 0, -1);
    return { ms: (performance.now() - t0) / reps, parts: window.ganvas.pool.lastParts };
  }, { batch, reps });
  const mb = info.memory.map((b) => (b / 1048576).toFixed(0)).join(' + ');
  return { run, page, note: `crossOriginIsolated ${info.isolated}, ${info.running} worker(s) × ${info.threads} thread(s), wasm memory ${mb} MiB` };
}

/** onnxruntime-web wasm with `threads` threads in its own page. */
async function ortThreads(context, server, threads) {
  const page = await context.newPage();
  const warnings = [];
  page.on('console', (m) => /thread|isolat/i.test(m.text()) && warnings.push(m.text().slice(0, 160)));
  await page.goto(`${server.url}/bench/web/threads.html?threads=${threads}`);
  await page.waitForFunction(() => window.ortThreads?.ready, null, { timeout: 60_000 });
  const isolated = await page.evaluate(() => window.ortThreads.isolated);
  const run = async (batch, reps) => ({ ms: await page.evaluate(({ batch, reps }) => window.ortThreads.time(batch, reps), { batch, reps }), parts: threads });
  const note = () => `crossOriginIsolated ${isolated}, ${page.workers().length} worker(s) in the page` +
    (warnings.length ? `; ORT said: ${warnings.join(' | ')}` : '');
  return { run, page, note };
}

/**
 * Times the four CPU runtimes at batch 1 and 64 in alternating rounds; resolves to the printed
 * report (a table, the ratios, and each page's isolation).
 */
export async function threadsSideBySide(root, context, server, { rounds = 5, log = console.error } = {}) {
  if (!existsSync(join(root, 'bench/node_modules/onnxruntime-web'))) {
    throw new Error('onnxruntime-web is not installed: npm ci --prefix bench');
  }
  prepareOnnx(root);
  const toml = readFileSync(join(root, 'bench/configs/dcgan32-rgb.toml'), 'utf8');
  const runtimes = [
    { name: 'ganvas cpu-wasm, 1 worker', make: () => ganvasWorkers(context, server, 1, toml) },
    { name: 'ganvas cpu-wasm, 2 workers', make: () => ganvasWorkers(context, server, 2, toml) },
    { name: 'ganvas cpu-wasm threaded, 2 threads', make: () => ganvasWorkers(context, server, 1, toml, 2) },
    { name: 'onnxruntime-web wasm, 1 thread', make: () => ortThreads(context, server, 1) },
    { name: 'onnxruntime-web wasm, 2 threads', make: () => ortThreads(context, server, 2) },
  ].map((r) => ({ ...r, times: { 1: [], 64: [] }, parts: {}, error: null }));
  for (const r of runtimes) {
    try {
      Object.assign(r, await r.make());
    } catch (e) {
      r.error = e.message.split('\n')[0];
    }
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...runtimes].reverse() : runtimes;
    for (const r of order) {
      if (r.error) continue;
      for (const batch of [1, 64]) {
        log(`threads round ${round + 1}/${rounds}: ${r.name}, batch ${batch}`);
        try {
          const { ms, parts } = await r.run(batch, batch === 1 ? 10 : 2);
          r.times[batch].push(ms);
          r.parts[batch] = parts;
        } catch (e) {
          r.error = e.message.split('\n')[0];
          break;
        }
      }
    }
  }
  const at = (name, batch) => {
    const r = runtimes.find((x) => x.name === name);
    return r && !r.error ? median(r.times[batch]) : NaN;
  };
  const lines = [
    `CPU sampling with threads, DCGAN-32 RGB generator (nz 100, ngf 64); median of ${rounds} alternating rounds; ms per call incl. latents and read-back`,
    '| runtime | batch 1 (ms) | batch 64 (ms) | images/s (batch 64) | split over (batch 1 / 64) |',
    '|---|---:|---:|---:|---|',
  ];
  for (const r of runtimes) {
    if (r.error) {
      lines.push(`| ${r.name} | failed: ${r.error} | | | |`);
      continue;
    }
    const [one, many] = [median(r.times[1]), median(r.times[64])];
    lines.push(`| ${r.name} | ${one.toFixed(2)} | ${many.toFixed(1)} | ${(64000 / many).toFixed(0)} | ${r.parts[1]} / ${r.parts[64]} |`);
  }
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : 'n/a');
  const [g1, g2, gt, o1, o2] = runtimes.map((r) => r.name);
  for (const batch of [1, 64]) {
    lines.push(`batch ${batch}: ganvas threaded (2 threads) vs ORT 2 threads ${ratio(at(o2, batch), at(gt, batch))}` +
      ` (goal ≥ 2×; above 1: ganvas faster); ganvas 2 workers vs ORT 2 threads ${ratio(at(o2, batch), at(g2, batch))};` +
      ` 1 v 1 ${ratio(at(o1, batch), at(g1, batch))}; ganvas threaded / 1 worker ${ratio(at(g1, batch), at(gt, batch))};` +
      ` ganvas 2 workers / 1 ${ratio(at(g1, batch), at(g2, batch))}; ORT 2 threads / 1 ${ratio(at(o1, batch), at(o2, batch))}`);
  }
  for (const r of runtimes) {
    if (!r.error) lines.push(`${r.name}: ${typeof r.note === 'function' ? r.note() : r.note}`);
    await r.page?.close();
  }
  return lines.join('\n');
}

// Run as a program: this part alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const require = createRequire(join(root, 'tests/browser/package.json'));
  const { chromium } = require('playwright-core');
  const { startServer } = await import('../scripts/serve.mjs');
  const server = await startServer(root, 0, { extraDirs: ['bench'] });
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ganvas-bench-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  try {
    console.log(await threadsSideBySide(root, context, server, { rounds: Number(process.env.ROUNDS ?? 5) }));
  } finally {
    await context.close();
    await server.close();
  }
}
