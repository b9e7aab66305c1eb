// Module worker that owns one wasm `Session` and answers the message protocol described in
// www/README.md:
//   main → worker  {id, method, args}      call a method (args is an array)
//                  {type: 'abort', id}     stop call `id` at its next checkpoint (train only)
//   worker → main  {id, type: 'progress', value}
//                  {id, type: 'result', value}
//                  {id, type: 'error', message}
//
// The wasm `Session` must never be entered twice at once: an async method such as `train`
// holds a borrow of the Rust object until it settles, and a second call meanwhile throws
// "recursive use of an object". Every call therefore runs under `exclusive`, and `train`
// takes the lock per chunk so that other calls (sample, info, setTrainConfig…) run between
// chunks instead of waiting for the whole run.

// The wasm-bindgen output lives in the repository's top-level pkg/ (see DESIGN.md): the main
// module (WebGPU and CPU, one thread), in pkg/fusion/ the WebGPU-only module with Burn's
// operation fusion (opt-in, `?fusion=1`), and in pkg/threads/ the CPU-only threaded module.
const PKG_URL = new URL('../../pkg/ganvas.js', import.meta.url).href;
const FUSION_PKG_URL = new URL('../../pkg/fusion/ganvas.js', import.meta.url).href;
const THREADED_PKG_URL = new URL('../../pkg/threads/ganvas.js', import.meta.url).href;

let session = null;
/** How long the threaded module's threads may take to start before the single-threaded module
 * is used instead. */
const THREADS_START_MS = 30_000;
/** Why the threaded module does not run although it was asked for (a sentence for the page). */
let threadsNote = null;
/** Why the fusion module does not run on WebGPU although it was asked for. */
let fusionNote = null;
/** The wasm module's exports once loaded (its memory is reported by `memory`). */
let wasmExports = null;
/** Real images drawn per training step (the run info's `images_per_step`), for images/s. */
let imagesPerStep = 0;
const aborted = new Set();

let tail = Promise.resolve();
/** Runs `fn` after every call queued before it; returns its promise. */
function exclusive(fn) {
  const run = tail.then(fn);
  tail = run.catch(() => {});
  return run;
}

/** Lets queued messages (abort, other calls) be delivered: awaiting wasm promises only runs
 * microtasks, which never let a `message` event in, so yield to the event loop. */
const yieldToEvents = () => new Promise((resolve) => setTimeout(resolve, 0));

function need() {
  if (!session) throw new Error('the session is not created yet: call create first');
  return session;
}

/** Seeds are u64 on the Rust side, which wasm-bindgen takes as BigInt. */
function seed64(seed) {
  const n = Number(seed ?? 0);
  if (!Number.isInteger(n) || n < 0) throw new Error(`seed must be a whole number ≥ 0, got ${seed}`);
  return BigInt(n);
}

/** The session's backend info (kind, adapter, threads…), with `threads_note` / `fusion_note`
 * when the threaded / fusion module was asked for but does not run. */
function backendInfo() {
  const info = need().backend(); // a fresh object on every call
  if (threadsNote) info.threads_note = threadsNote;
  if (fusionNote) info.fusion_note = fusionNote;
  return info;
}

function afterModelChange(info) {
  imagesPerStep = info?.images_per_step ?? 0;
  return info;
}

async function fetchBytes(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch ${url}: ${e.message}`);
  }
  if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** `source` as bytes: a URL is fetched, an ArrayBuffer / Uint8Array is viewed as is. */
async function bytesOf(source) {
  return typeof source === 'string' ? fetchBytes(source) : new Uint8Array(source);
}

/**
 * The threaded module with its rayon pool of `threads` workers started, or null with
 * `threadsNote` saying which stage failed (the browser's own message goes to the console).
 */
async function startThreaded(threads) {
  let stage = 'its files were not found or did not load (scripts/build-web.sh builds pkg/threads/)';
  try {
    const threaded = await import(THREADED_PKG_URL);
    stage = 'its WebAssembly could not be compiled or its shared memory reserved';
    const exports = await threaded.default();
    stage = 'its worker threads did not start';
    // wasm-bindgen-rayon waits for every thread's "ready" and never for an error: a thread
    // that fails to start would hold this call (and the worker's lock) for ever.
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${THREADS_START_MS / 1000} s`)), THREADS_START_MS);
    });
    await Promise.race([threaded.initThreadPool(threads), timeout]).finally(() => clearTimeout(timer));
    wasmExports = exports;
    return threaded;
  } catch (e) {
    // The failed module is dropped; threads that did start stay parked until the worker ends.
    console.warn('ganvas: the threaded CPU module could not start', e);
    threadsNote = `The ${threads}-thread CPU module could not start: ${stage}. The CPU backend uses the single-threaded module.`;
    return null;
  }
}

/**
 * A WebGPU session of the fusion module (pkg/fusion/: WebGPU only, Burn's operation fusion), or
 * null with `fusionNote` saying why not (not built, or WebGPU does not start: the module has no
 * CPU backend to fall back on, the main module has).
 */
async function startFusion(convs) {
  let stage = 'its files were not found or did not load (scripts/build-web.sh builds pkg/fusion/)';
  try {
    const fusion = await import(FUSION_PKG_URL);
    stage = 'its WebAssembly could not be compiled';
    const exports = await fusion.default();
    if (convs) fusion.setCubeConvs(String(convs));
    stage = 'WebGPU did not start in it';
    const created = await fusion.Session.create('webgpu');
    wasmExports = exports;
    return created;
  } catch (e) {
    console.warn('ganvas: the WebGPU fusion module could not start', e);
    fusionNote = `The WebGPU module with operation fusion could not start: ${stage}. The main module runs instead.`;
    return null;
  }
}

const methods = {
  /**
   * Loads a module and creates the session on `prefer`. On the CPU with `threads` > 1 the
   * threaded module is tried first, its rayon pool started with `threads` workers; if it cannot
   * start (not built, no shared memory, too little memory) the single-threaded module runs and
   * `backend` says why. On WebGPU with `fusion` the fusion module (pkg/fusion/) runs; where it
   * cannot start the main module does, and `backend`'s `fusion_note` says why.
   * `convs` ("direct" or "lowered") picks how convolutions run on WebGPU.
   */
  async create(prefer = 'webgpu', { threads = 1, convs = null, fusion = false } = {}) {
    if (session) return backendInfo();
    threadsNote = null;
    fusionNote = null;
    if (prefer !== 'cpu' && fusion) {
      session = await startFusion(convs);
      if (session) return backendInfo();
    }
    let wasm = null;
    if (prefer === 'cpu' && threads > 1) wasm = await startThreaded(threads);
    if (!wasm) {
      try {
        wasm = await import(PKG_URL);
        wasmExports = await wasm.default();
      } catch (e) {
        console.error('ganvas: loading the wasm package failed', e);
        throw new Error(
          `the WebAssembly package could not be loaded from ${new URL(PKG_URL).pathname}; ` +
            'build it first with scripts/build-web.sh (it is generated into pkg/)',
        );
      }
    }
    if (convs) wasm.setCubeConvs(String(convs));
    session = await wasm.Session.create(prefer === 'cpu' ? 'cpu' : 'webgpu');
    return backendInfo();
  },

  backend: () => backendInfo(),
  /** Bytes of wasm memory this worker holds (module, model, buffers). */
  memory: () => wasmExports?.memory?.buffer.byteLength ?? 0,

  /** `source` is checkpoint bytes (ArrayBuffer / Uint8Array) or a URL to fetch them from. */
  async loadCheckpoint(source) {
    const bytes = await bytesOf(source);
    return afterModelChange(need().load_checkpoint(bytes));
  },

  newRun: (toml) => afterModelChange(need().new_run(toml)),
  info: () => need().info(),

  setTrainConfig(train) {
    need().set_train_config(train);
    afterModelChange(need().info());
    return null;
  },

  useToyData(name) {
    need().use_toy_data(name);
    return null;
  },

  /** `paths` (one per image): a text model's captions come from them (file and folder names). */
  useImages({ rgba, n, width, height, labels, paths }) {
    const bytes = rgba instanceof Uint8Array ? rgba : new Uint8Array(rgba);
    need().use_images(bytes, n, width, height, labels ? Uint32Array.from(labels) : undefined, paths ? paths.map(String) : undefined);
    return null;
  },

  /** A built-in IDX data set served from the repository's data/ folder (test split). */
  async useIdx(set) {
    const base = new URL(`../../data/${set}/`, import.meta.url).href;
    const fetchEither = async (name) => {
      try {
        return await fetchBytes(`${base}${name}.gz`);
      } catch {
        return fetchBytes(`${base}${name}`).catch((e) => {
          throw new Error(`${e.message} — fetch the data set first: ganvas data fetch ${set}`);
        });
      }
    };
    const images = await fetchEither('t10k-images-idx3-ubyte');
    const labels = await fetchEither('t10k-labels-idx1-ubyte');
    return need().use_idx(images, labels);
  },

  /** `source`: domain classifier bytes or a URL. */
  async loadExtractor(source) {
    const bytes = await bytesOf(source);
    return need().load_extractor(bytes);
  },

  evaluate: (n, seed) => need().evaluate(n, seed64(seed)),

  /** `source`: the Inception weights' bytes or a URL (the local server's copy). */
  async loadInception(source) {
    const bytes = await bytesOf(source);
    return need().load_inception(bytes);
  },
  benchFrechet: (n, dim) => need().bench_frechet(n, dim),

  sample: (n, seed, truncation = 0, cls = -1) => need().sample(n, seed64(seed), truncation, cls),
  interpolate: (strips, frames, seed, mode = 'slerp', cls = -1) =>
    need().interpolate(strips, frames, seed64(seed), mode, cls),
  /** Text models: `n` samples of `prompt` (the row `ganvas sample --prompt` draws). */
  samplePrompt: (prompt, n, seed, truncation = 0) => need().sample_prompt(String(prompt), n, seed64(seed), truncation),
  /** `source`: text-image scorer bytes or a URL (`models/scorer-<set>.safetensors`). */
  async loadScorer(source) {
    const bytes = await bytesOf(source);
    return need().load_scorer(bytes);
  },
  /** Text models: the text-image score of `samplePrompt`'s samples for the same arguments. */
  scorePrompt: (prompt, n, seed, truncation = 0) => need().score_prompt(String(prompt), n, seed64(seed), truncation),
  /** Text models: `strips` strips of `frames` images walking from prompt `from` to `to`. */
  interpolatePrompts: (from, to, strips, frames, seed, truncation = 0) =>
    need().interpolate_prompts(String(from), String(to), strips, frames, seed64(seed), truncation),
  /** Rows `start..end` of `sample(n, seed, truncation, cls)`, for the pool of CPU workers
   * (cpu-pool.js): the same bytes as that part of `sample`'s result. */
  sampleRows: (n, seed, truncation, cls, start, end) =>
    need().sample_rows(n, seed64(seed), truncation, cls, start, end),
  /** Rows `start..end` (frames, strip after strip) of `interpolate(…)`, for the pool. */
  interpolateRows: (strips, frames, seed, mode, cls, start, end) =>
    need().interpolate_rows(strips, frames, seed64(seed), mode, cls, start, end),
  export: () => need().export(),
  projectStart: (rgba, width, height, cls, steps, seed) =>
    need().project_start(rgba, width, height, cls, steps, seed64(seed)),
  projectSteps: (k) => need().project_steps(k),
  /** Half a step for the teaching view: 'discriminator' or 'generator'. */
  trainPhase: (phase) => need().train_phase(phase),
  discriminatorField: (size, extent) => need().discriminator_field(size, extent),
  latentGrid: (size) => need().latent_grid(size),
  fakeWithGradients: (n, seed) => need().fake_with_gradients(n, seed64(seed)),
  realPoints: (n, seed) => need().real_points(n, seed64(seed)),
  /** Learn: train on drawn points (interleaved x, y). */
  usePoints(points) {
    need().use_points(points instanceof Float32Array ? points : Float32Array.from(points));
    return null;
  },
  trainingPoints: (n, seed) => need().training_points(n, seed64(seed)),
  planeFit: (real, fake, extent, distribution = '') =>
    need().plane_fit(Float32Array.from(real), Float32Array.from(fake), extent, distribution),
};

/** `steps` training steps, `chunk` per wasm call, a progress message after each chunk.
 * Resolves to every step's statistics, in order; when aborted (checked between chunks) it
 * resolves normally with the steps done so far. */
async function train(id, options = {}) {
  const { steps, chunk = 1 } = typeof options === 'number' ? { steps: options } : options;
  const total = Math.max(0, Math.floor(steps ?? 0));
  const per = Math.max(1, Math.floor(chunk));
  const all = [];
  while (all.length < total && !aborted.has(id)) {
    const size = Math.min(per, total - all.length);
    const started = performance.now();
    const stats = await exclusive(() => need().train(size));
    const seconds = (performance.now() - started) / 1000;
    if (!stats.length) break; // cannot happen for size ≥ 1; guards against looping forever
    all.push(...stats);
    const imagesPerSec = seconds > 0 ? (stats.length * imagesPerStep) / seconds : 0;
    const step = all.at(-1)?.step ?? 0;
    post({ id, type: 'progress', value: { stats, done: all.length, total, step, imagesPerSec } });
    await yieldToEvents();
  }
  return all;
}

/** Typed arrays in results are copies owned by JS: hand their buffers over instead of copying. */
function post(message) {
  const v = message.value;
  self.postMessage(message, ArrayBuffer.isView(v) ? [v.buffer] : []);
}

function describe(e) {
  if (e instanceof WebAssembly.RuntimeError) {
    // A Rust panic (its text is in the console via console_error_panic_hook).
    return `the WebAssembly module crashed (${e.message}); see the browser console and reload the page`;
  }
  return e?.message ?? String(e);
}

self.onmessage = async ({ data }) => {
  const { id, method, args = [], type } = data;
  if (type === 'abort') {
    aborted.add(id);
    return;
  }
  try {
    let value;
    if (method === 'train') value = await train(id, args[0]);
    else if (method === 'evaluateInception') {
      // Progress after every batch of images: real ones first, then generated.
      const [n, seed] = args;
      const progress = (done, total) => post({ id, type: 'progress', value: { done, total } });
      value = await exclusive(() => need().evaluate_inception(n, seed64(seed), progress));
    }
    else if (Object.hasOwn(methods, method)) value = await exclusive(() => methods[method](...args));
    else throw new Error(`unknown method \`${method}\``);
    post({ id, type: 'result', value: value ?? null });
  } catch (e) {
    self.postMessage({ id, type: 'error', message: describe(e) });
  } finally {
    aborted.delete(id);
  }
};
