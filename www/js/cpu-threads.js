// How many threads the CPU (WebAssembly) backend computes on. The threaded module
// (pkg/threads/: shared memory, atomics, rayon on Web Workers) runs only in a cross-origin
// isolated page (scripts/serve.mjs sends COOP/COEP), where SharedArrayBuffer exists; anywhere
// else, and where a pool of single-threaded workers is asked for (`?cpuWorkers=N`, see
// cpu-pool.js), the ordinary module runs on one thread. `?cpuThreads=N` overrides the count
// (`?cpuThreads=1`: the single-threaded module).

/** Most threads the page asks of the threaded module. */
export const MAX_CPU_THREADS = 8;

/**
 * `?param=N` when the query gives a whole number, else the logical cores (1 when unknown),
 * clamped to 1–max: how many CPU threads (here) or workers (cpu-pool.js) the page uses.
 */
export function coreCount(search, param, cores, max) {
  const asked = new URLSearchParams(search).get(param);
  const n = asked !== null && /^\d+$/.test(asked) ? Number(asked) : Math.floor(Number(cores) || 1);
  return Math.max(1, Math.min(max, n));
}

/**
 * Threads for the CPU backend's module: `?cpuThreads=N` (1–MAX_CPU_THREADS) when given, else the
 * browser's logical cores capped at MAX_CPU_THREADS; 1 without cross-origin isolation or
 * SharedArrayBuffer, and 1 when `?cpuWorkers=` asks for the pool of single-threaded workers.
 */
export function cpuThreads({
  search = globalThis.location?.search ?? '',
  cores = globalThis.navigator?.hardwareConcurrency,
  isolated = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function',
} = {}) {
  if (new URLSearchParams(search).has('cpuWorkers') || !isolated) return 1;
  return coreCount(search, 'cpuThreads', cores, MAX_CPU_THREADS);
}
