// The onnxruntime-web half of bench/browser-threads.mjs: the DCGAN-32 RGB generator on ORT's
// wasm execution provider with `?threads=N` threads (one page per thread count: ORT fixes its
// thread count when its wasm starts). Every call draws its latents and reads the images back
// into JS memory, as ganvas's `sample` does.
/* global ort */

const NZ = 100;
const ONNX_URL = new URL('generated/dcgan32-rgb-g.onnx', import.meta.url).href;
const threads = Math.max(1, Number(new URLSearchParams(location.search).get('threads')) || 1);
const status = (text) => (document.getElementById('status').textContent = text);

function latents(batch) {
  const z = new Float32Array(batch * NZ);
  for (let i = 0; i < z.length; i += 2) {
    // Box–Muller: N(0, 1) pairs.
    const r = Math.sqrt(-2 * Math.log(1 - Math.random()));
    const a = 2 * Math.PI * Math.random();
    z[i] = r * Math.cos(a);
    if (i + 1 < z.length) z[i + 1] = r * Math.sin(a);
  }
  return z;
}

ort.env.wasm.numThreads = threads;
ort.env.wasm.wasmPaths = new URL('../node_modules/onnxruntime-web/dist/', import.meta.url).href;
const session = await ort.InferenceSession.create(ONNX_URL, {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
});

async function run(batch) {
  const out = await session.run({ z: new ort.Tensor('float32', latents(batch), [batch, NZ, 1, 1]) });
  const images = out.images;
  if (images.dims[0] !== batch || images.data.length !== batch * 3 * 32 * 32) throw new Error(`output ${images.dims}`);
  return images.data;
}

/** ms per call over `reps` calls at `batch`, after one warm-up call. */
async function time(batch, reps) {
  status(`batch ${batch}…`);
  await run(batch);
  const started = performance.now();
  for (let i = 0; i < reps; i++) await run(batch);
  status('idle');
  return (performance.now() - started) / reps;
}

// `threads`: what ORT was asked for; it runs on one thread when the page is not isolated.
window.ortThreads = { time, threads, isolated: crossOriginIsolated, ready: true };
