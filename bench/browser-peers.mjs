// The side-by-side half of node bench/browser.mjs: sampling from the same DCGAN-32 RGB generator
// (bench/configs/dcgan32-rgb.toml) in ganvas (WebGPU and CPU-wasm) and in onnxruntime-web and
// TensorFlow.js (wasm and webgpu), all in one headless Chromium, served locally from npm
// packages (npm ci --prefix bench). Rounds alternate over the runtimes (order flips every
// round); medians are printed. Every wasm path is single-threaded, ganvas's too (one CPU worker;
// bench/browser-threads.mjs times 2 workers against 2 threads). The WebGPU runtimes' traffic of
// one call (dispatches, uploads, read-backs) is counted after the rounds.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { workerCounts, delta, countsCell, COUNTS_HEADER } from './browser-traffic.mjs';

const ONNX_NAME = 'dcgan32-rgb-g.onnx';

/** Makes sure the ONNX export is where peers.html (and threads.html) load it from. */
export function prepareOnnx(root) {
  const cached = join(process.env.HOME, '.cache/ganvas/bench', ONNX_NAME);
  if (!existsSync(cached)) {
    const python = process.env.GANVAS_PY ?? join(process.env.HOME, '.cache/ganvas-py/venv/bin/python');
    execFileSync(python, [join(root, 'bench/peers/onnx_export.py'), '--workload', 'dcgan32-rgb', '--out', cached],
      { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const dir = join(root, 'bench/web/generated');
  mkdirSync(dir, { recursive: true });
  copyFileSync(cached, join(dir, ONNX_NAME));
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/** `prefix` '/baseline' loads the baseline package (see browser-traffic.mjs); `query` is added
 * to the page's URL (`&convs=lowered`). */
async function ganvasPage(context, server, backend, toml, prefix = '', query = '') {
  const page = await context.newPage();
  await page.goto(`${server.url}${prefix}/www/index.html?backend=${backend}${backend === 'cpu' ? '&cpuWorkers=1' : ''}${query}`);
  await page.waitForFunction(() => window.ganvas && window.ganvas.ready, null, { timeout: 120_000 });
  await page.evaluate(() => window.ganvas.ready);
  const kind = await page.evaluate(async (toml) => {
    await window.ganvas.client.call('newRun', toml);
    return (await window.ganvas.client.call('backend')).kind;
  }, toml);
  if (kind !== backend) throw new Error(`asked for ${backend}, got ${kind}`);
  const run = async (batch, reps) => page.evaluate(async ({ batch, reps }) => {
    const c = window.ganvas.client;
    await c.call('sample', batch, 1, 0, -1); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await c.call('sample', batch, i + 2, 0, -1);
    return (performance.now() - t0) / reps;
  }, { batch, reps });
  run.counts = async (batch) => {
    const before = await workerCounts(page);
    await page.evaluate((batch) => window.ganvas.client.call('sample', batch, 1, 0, -1), batch);
    return delta(before, await workerCounts(page));
  };
  // The part of every ganvas figure that is the page ↔ worker round trip: a call that does nothing.
  run.roundTrip = () => page.evaluate(async () => {
    const c = window.ganvas.client;
    await c.call('backend');
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await c.call('backend');
    return (performance.now() - t0) / 20;
  });
  return run;
}

export async function sideBySide(root, context, server, { rounds = 3, baseline = false, log = console.error } = {}) {
  if (!existsSync(join(root, 'bench/node_modules/onnxruntime-web'))) {
    throw new Error('the browser peers are not installed: npm ci --prefix bench');
  }
  prepareOnnx(root);
  const toml = readFileSync(join(root, 'bench/configs/dcgan32-rgb.toml'), 'utf8');
  const peersPage = await context.newPage();
  const pageErrors = [];
  peersPage.on('pageerror', (e) => pageErrors.push(e.message));
  await peersPage.addInitScript({ path: join(root, 'bench/web/gpu-counters.js') });
  await peersPage.goto(`${server.url}/bench/web/peers.html`);
  await peersPage.waitForFunction(() => window.peers?.ready, null, { timeout: 60_000 });
  const peer = (name) => {
    const run = (batch, reps) => peersPage.evaluate(({ name, batch, reps }) => window.peers.time(name, batch, reps), { name, batch, reps });
    // `time` with no timed calls makes exactly one (checked) call.
    run.counts = async (batch) => peersPage.evaluate(async ({ name, batch }) => {
      const before = self.gpuCounts ? { ...self.gpuCounts } : null;
      await window.peers.time(name, batch, 0);
      return [before, self.gpuCounts ? { ...self.gpuCounts } : null];
    }, { name, batch }).then(([before, after]) => delta(before, after));
    return run;
  };
  const runtimes = [
    { name: 'ganvas webgpu', make: () => ganvasPage(context, server, 'webgpu', toml) },
    { name: 'ganvas webgpu, fusion', make: () => ganvasPage(context, server, 'webgpu', toml, '', '&fusion=1') },
    { name: 'ganvas webgpu, lowered convs', make: () => ganvasPage(context, server, 'webgpu', toml, '', '&convs=lowered') },
    ...(baseline ? [{ name: 'ganvas webgpu, baseline pkg', make: () => ganvasPage(context, server, 'webgpu', toml, '/baseline') }] : []),
    { name: 'ganvas cpu-wasm', make: () => ganvasPage(context, server, 'cpu', toml) },
    { name: 'onnxruntime-web wasm', make: async () => peer('onnxruntime-web wasm') },
    { name: 'onnxruntime-web webgpu', make: async () => peer('onnxruntime-web webgpu') },
    { name: 'tfjs wasm', make: async () => peer('tfjs wasm') },
    { name: 'tfjs webgpu', make: async () => peer('tfjs webgpu') },
  ].map((r) => ({ ...r, times: { 1: [], 64: [] }, error: null }));
  for (const r of runtimes) {
    try {
      r.run = await r.make();
    } catch (e) {
      r.error = e.message.split('\n')[0];
    }
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...runtimes].reverse() : runtimes;
    for (const r of order) {
      if (r.error) continue;
      for (const batch of [1, 64]) {
        log(`round ${round + 1}/${rounds}: ${r.name}, batch ${batch}`);
        try {
          r.times[batch].push(await r.run(batch, batch === 1 ? 3 : 1));
        } catch (e) {
          r.error = e.message.split('\n')[0];
          break;
        }
      }
    }
  }
  const best = (batch) => Math.min(...runtimes.filter((r) => r.name.startsWith('ganvas') && !r.error).map((r) => median(r.times[batch])));
  const lines = [
    `Sampling, DCGAN-32 RGB generator (nz 100, ngf 64), same browser; median of ${rounds} rounds; ms per call incl. latents and read-back`,
    'speed-up = this runtime\'s time / the faster ganvas path\'s time (above 1: ganvas is faster)',
    '| runtime | batch 1 (ms) | batch 64 (ms) | images/s (batch 64) | ganvas speed-up, batch 1 | ganvas speed-up, batch 64 |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of runtimes) {
    if (r.error) {
      lines.push(`| ${r.name} | failed: ${r.error} | | | | |`);
      continue;
    }
    const [one, many] = [median(r.times[1]), median(r.times[64])];
    lines.push(`| ${r.name} | ${one.toFixed(1)} | ${many.toFixed(1)} | ${(64000 / many).toFixed(0)} | ` +
      `${(one / best(1)).toFixed(2)}× | ${(many / best(64)).toFixed(2)}× |`);
  }
  // WebGPU against WebGPU (the goal: ganvas ≥ 1.5× onnxruntime-web, ≥ 2× tfjs), batch 64.
  const ok = (name) => runtimes.find((r) => r.name === name && !r.error);
  for (const ours of runtimes.filter((r) => r.name.startsWith('ganvas webgpu') && !r.error)) {
    const vs = ['onnxruntime-web webgpu', 'tfjs webgpu'].filter(ok)
      .map((name) => `${(median(ok(name).times[64]) / median(ours.times[64])).toFixed(2)}× ${name}`);
    if (vs.length) lines.push(`${ours.name} at batch 64: ${vs.join(', ')} (above 1: ganvas is faster)`);
  }
  const cpu = runtimes.find((r) => r.name === 'ganvas cpu-wasm');
  if (cpu?.run?.roundTrip) {
    lines.push(`ganvas figures include the page ↔ worker round trip: ${(await cpu.run.roundTrip()).toFixed(2)} ms per call (a call that does nothing)`);
  }
  lines.push('', `WebGPU traffic of one sampling call: ${COUNTS_HEADER}`, '| runtime | batch 1 | batch 64 |', '|---|---|---|');
  for (const r of runtimes.filter((r) => r.name.includes('webgpu') && !r.error)) {
    const counts = [];
    for (const batch of [1, 64]) counts.push(await r.run.counts(batch).catch(() => null));
    lines.push(`| ${r.name} | ${countsCell(counts[0])} | ${countsCell(counts[1])} |`);
  }
  if (pageErrors.length) lines.push(`peers page errors: ${pageErrors.join('; ')}`);
  await peersPage.screenshot({ path: join(root, 'bench/web/generated/peers.png'), fullPage: true });
  return lines.join('\n');
}
