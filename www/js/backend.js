// Which backend fits this machine, decided before any wasm session starts.
//
// WebGPU is worth it on a real GPU. A software adapter (SwiftShader, llvmpipe/lavapipe, WARP —
// what headless Chromium and machines without a GPU driver get) runs the shaders on the CPU,
// 25–100× slower than the wasm CPU backend here, so the CPU is preferred there. `?backend=cpu`
// and `?backend=webgpu` override the choice.

/** Software renderers, as they name themselves in the adapter's info. */
const SOFTWARE = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe|lavapipe/i, 'llvmpipe'],
  [/softpipe/i, 'softpipe'],
  [/microsoft basic render|\bwarp\b/i, 'WARP'],
];

/** How long to wait for the browser's adapter before giving up on WebGPU. */
const ADAPTER_TIMEOUT_MS = 5000;

/**
 * What this browser's WebGPU offers.
 * @returns {Promise<{available: boolean, software: boolean, name: string, why: string}>}
 *   `name`: the device in plain words ("SwiftShader", "NVIDIA GeForce RTX 3060", "apple
 *   metal-3"); `why`: when not available, the reason as the end of a sentence.
 */
export async function probeWebGPU() {
  const none = (why) => ({ available: false, software: false, name: '', why });
  if (!globalThis.navigator?.gpu) return none('this browser does not offer WebGPU');
  let adapter;
  try {
    adapter = await Promise.race([
      navigator.gpu.requestAdapter(),
      new Promise((resolve) => setTimeout(() => resolve('timeout'), ADAPTER_TIMEOUT_MS)),
    ]);
  } catch (e) {
    console.info('ganvas: requestAdapter failed', e);
    return none('this browser’s WebGPU found no usable graphics adapter');
  }
  if (adapter === 'timeout') return none('this browser’s WebGPU did not answer');
  if (!adapter) return none('this browser’s WebGPU found no usable graphics adapter');
  const info = await adapterInfo(adapter);
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const renderer = SOFTWARE.find(([re]) => re.test(text));
  const software = Boolean(renderer) || info.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
  const name = renderer?.[1] ??
    (info.description || info.device || [info.vendor, info.architecture].filter(Boolean).join(' ') ||
      (software ? 'a software renderer' : 'a graphics adapter'));
  // Nothing known about the adapter: it may be a GPU or a software renderer (see backend-race.js).
  const ambiguous = !software && !text.trim();
  return { available: true, software, ambiguous, name, why: '' };
}

/** The adapter's info: `adapter.info` (Chromium ≥ 127), else the older
 * `requestAdapterInfo()`, else nothing known. */
async function adapterInfo(adapter) {
  try {
    if (adapter.info) return adapter.info;
    if (typeof adapter.requestAdapterInfo === 'function') return (await adapter.requestAdapterInfo()) ?? {};
  } catch (e) {
    console.info('ganvas: no adapter info', e);
  }
  return {};
}

/** `?backend=` when it names a backend, else null (let the page choose). */
export function requestedBackend(search = location.search) {
  const value = new URLSearchParams(search).get('backend');
  return value === 'cpu' || value === 'webgpu' ? value : null;
}

/**
 * The backend to ask the wasm for.
 * @param {'cpu'|'webgpu'|null} requested  the URL's override
 * @param {{available: boolean, software: boolean}} gpu  from `probeWebGPU`
 * @returns {'cpu'|'webgpu'}
 */
export function chooseBackend(requested, gpu, race = null) {
  if (requested) return requested;
  if (gpu.available && gpu.ambiguous && race) return race.choice;
  return gpu.available && !gpu.software ? 'webgpu' : 'cpu';
}

/**
 * What the header says about the backend the session really got.
 * @param {{kind: string, fallback_reason?: string}|null} backend  the wasm's backend info
 *   (null: the wasm did not start)
 * @param {{requested: string|null, prefer: string, gpu: object}} choice
 * @returns {{state: string, badge: string, title: string, note: string}}  `state`:
 *   'webgpu', 'webgpu-software', 'cpu' or 'none'; `note`: one sentence, or '' when the badge
 *   says it all.
 */
export function describeBackend(backend, { requested, prefer, gpu, race = null, raceNote = '' }) {
  if (!backend) {
    return {
      state: 'none',
      badge: 'Not running',
      title: 'The WebAssembly module could not start; see the message below the tabs.',
      note: '',
    };
  }
  if (backend.kind === 'webgpu') {
    // Which module runs it (pkg/fusion/, asked for with ?fusion=1, fuses element-wise chains
    // into fewer GPU dispatches).
    const fusion = backend.fusion
      ? ' Operation fusion is on (?fusion=1): chains of element-wise operations run as one GPU dispatch each.'
      : backend.fusion_note ? ` ${backend.fusion_note}` : '';
    if (gpu.software) {
      return {
        state: 'webgpu-software',
        badge: `WebGPU in software · ${gpu.name}`,
        title: `WebGPU runs on ${gpu.name}, which emulates a GPU on the CPU.${fusion}`,
        note: `Using WebGPU as chosen, but here it runs in software (${gpu.name}), which is slower than the CPU backend.`,
      };
    }
    return {
      state: 'webgpu',
      badge: `GPU · ${gpu.name || 'WebGPU'}`,
      title: `The networks run on your graphics card through WebGPU.${fusion}`,
      note: !requested && race ? raceNote : '',
    };
  }
  const cpu = { state: 'cpu', badge: 'CPU · WebAssembly', title: 'The networks run on the CPU in WebAssembly.' };
  if (prefer === 'webgpu') {
    // The wasm could not start WebGPU although it was asked to; its reason is debug text.
    console.info('ganvas: WebGPU fallback:', backend.fallback_reason);
    const why = gpu.available ? 'WebGPU could not start in this browser' : gpu.why;
    return { ...cpu, note: `Using the CPU: ${why}.` };
  }
  if (requested === 'cpu') {
    const also = gpu.available && !gpu.software ? `; WebGPU on ${gpu.name} is also available` : '';
    return { ...cpu, note: `Using the CPU as chosen${also}.` };
  }
  if (race && gpu.ambiguous) return { ...cpu, note: raceNote };
  if (gpu.software) {
    return { ...cpu, note: `Using the CPU: this browser’s WebGPU runs in software (${gpu.name}), which is slower than the CPU here.` };
  }
  return { ...cpu, note: `Using the CPU: ${gpu.why}.` };
}
