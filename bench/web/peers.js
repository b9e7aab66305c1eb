// The in-browser peers of bench/browser.mjs: the DCGAN-32 RGB generator in onnxruntime-web
// (wasm and webgpu execution providers) and TensorFlow.js (wasm and webgpu backends). Every
// call draws its latents and reads the images back into JS memory, as ganvas's `sample` does.
// All wasm paths run on one thread, as ganvas's wasm does.
/* global tf, ort */

const NZ = 100;
const ONNX_URL = new URL('generated/dcgan32-rgb-g.onnx', import.meta.url).href;
const status = (text) => (document.getElementById('status').textContent = text);

function latents(batch) {
  const z = new Float32Array(batch * NZ);
  for (let i = 0; i < z.length; i += 2) {
    // Box–Muller: N(0, 1) pairs.
    const u = 1 - Math.random();
    const v = Math.random();
    const r = Math.sqrt(-2 * Math.log(u));
    z[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < z.length) z[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return z;
}

/** onnxruntime-web on `provider` ('wasm' | 'webgpu'). */
async function ortRuntime(provider) {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = new URL('../node_modules/onnxruntime-web/dist/', import.meta.url).href;
  const session = await ort.InferenceSession.create(ONNX_URL, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
  });
  return async (batch) => {
    const z = new ort.Tensor('float32', latents(batch), [batch, NZ, 1, 1]);
    const out = await session.run({ z });
    const images = out.images;
    const data = images.location === 'cpu' ? images.data : await images.getData();
    return { dims: images.dims, data };
  };
}

/** The same generator in TensorFlow.js ops (NHWC), BatchNorm in inference form. */
async function tfRuntime(backend) {
  if (backend === 'wasm') {
    tf.wasm.setWasmPaths(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).href);
    tf.wasm.setThreadsCount?.(1);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js backend ${backend} is unavailable`);
  await tf.ready();
  // [in, out, side after the layer, stride, padding]
  const plan = [[NZ, 256, 4, 1, 'valid'], [256, 128, 8, 2, 'same'], [128, 64, 16, 2, 'same'], [64, 3, 32, 2, 'same']];
  const layers = plan.map(([cin, cout, side, stride, pad], i) => ({
    filter: tf.randomNormal([4, 4, cout, cin], 0, 0.02),
    bn: i < plan.length - 1 ? {
      mean: tf.zeros([cout]), variance: tf.ones([cout]),
      offset: tf.zeros([cout]), scale: tf.randomNormal([cout], 1, 0.02),
    } : null,
    cout, side, stride, pad,
  }));
  const forward = (z) => tf.tidy(() => {
    let x = z;
    for (const l of layers) {
      const batch = x.shape[0];
      x = tf.conv2dTranspose(x, l.filter, [batch, l.side, l.side, l.cout], l.stride, l.pad);
      x = l.bn ? tf.relu(tf.batchNorm(x, l.bn.mean, l.bn.variance, l.bn.offset, l.bn.scale, 1e-5)) : tf.tanh(x);
    }
    return x;
  });
  return async (batch) => {
    const z = tf.tensor4d(latents(batch), [batch, 1, 1, NZ]);
    const out = forward(z);
    const data = await out.data();
    const dims = out.shape;
    z.dispose();
    out.dispose();
    return { dims, data };
  };
}

const made = new Map();

async function runtime(name) {
  if (!made.has(name)) {
    const [lib, backend] = name.split(' ');
    made.set(name, lib === 'onnxruntime-web' ? await ortRuntime(backend) : await tfRuntime(backend));
  }
  return made.get(name);
}

/** Times `reps` calls at `batch` after one warm-up call; checks the output once. */
async function time(name, batch, reps) {
  status(`${name}, batch ${batch}…`);
  const run = await runtime(name);
  const [lib, backend] = name.split(' ');
  if (lib === 'tfjs' && tf.getBackend() !== backend) await tf.setBackend(backend);
  const first = await run(batch);
  const size = first.dims.reduce((a, b) => a * b, 1);
  if (first.dims[0] !== batch || size !== batch * 3 * 32 * 32) throw new Error(`${name}: output ${first.dims}`);
  if (!first.data.every(Number.isFinite)) throw new Error(`${name}: non-finite output`);
  const started = performance.now();
  for (let i = 0; i < reps; i++) await run(batch);
  const ms = (performance.now() - started) / reps;
  record(name, batch, ms);
  status('idle');
  return ms;
}

function record(name, batch, ms) {
  const body = document.querySelector('#results tbody');
  let row = [...body.rows].find((r) => r.dataset.key === `${name}/${batch}`);
  if (!row) {
    row = body.insertRow();
    row.dataset.key = `${name}/${batch}`;
    row.insertCell().textContent = name;
    row.insertCell().textContent = batch;
    row.insertCell().textContent = '';
  }
  row.cells[2].textContent = [row.cells[2].textContent, ms.toFixed(1)].filter(Boolean).join(', ');
}

window.peers = { time, ready: true };
