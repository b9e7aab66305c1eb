// A short measured comparison of the two backends, for a WebGPU adapter that does not say what
// it is (no vendor, device or description: privacy-minded browsers hide them), where the
// adapter's name cannot tell a real GPU from a software one. Each backend, in its own worker,
// draws 16 samples of a colour DCGAN-32 twice (the first draw compiles shaders and allocates);
// the second is timed. WebGPU is chosen only when it is faster; when it has not finished within
// a few seconds of the CPU, the CPU is chosen. The result is kept in localStorage, so the
// comparison runs once per browser.

import { Client } from './client.js';
import { PRESETS } from './presets.js';
import { cpuThreads } from './cpu-threads.js';

// v2: the CPU side is timed on the threads the page would use (v1 timed one thread).
const KEY = 'ganvas.backendRace.v2';
/** Samples per timed draw. */
const SAMPLES = 16;
/** How much longer than the CPU's whole run WebGPU may take before the CPU is chosen. */
const GRACE_MS = 3000;

/** One backend's time for the timed draw, in ms (null when its session fell back to another). */
async function timeBackend(kind) {
  const client = new Client(`race-${kind}`);
  try {
    const backend = await client.call('create', kind, { threads: kind === 'cpu' ? cpuThreads() : 1 });
    if (backend.kind !== kind) return null;
    const rgb = PRESETS.find((p) => p.id === 'dcgan32-rgb');
    await client.call('newRun', rgb.toml);
    await client.call('sample', SAMPLES, 1);
    const started = performance.now();
    await client.call('sample', SAMPLES, 2);
    return performance.now() - started;
  } finally {
    client.terminate();
  }
}

/**
 * The faster backend here: `{choice: 'cpu'|'webgpu', cpuMs, gpuMs, cached}` (`gpuMs` null when
 * WebGPU did not finish in time or did not start).
 */
export async function raceBackends({ storage = globalThis.localStorage } = {}) {
  try {
    const kept = JSON.parse(storage?.getItem(KEY) ?? 'null');
    if (kept && (kept.choice === 'cpu' || kept.choice === 'webgpu')) return { ...kept, cached: true };
  } catch {
    // An unreadable record is measured again.
  }
  const gpu = timeBackend('webgpu').catch(() => null);
  const cpuMs = await timeBackend('cpu');
  const late = new Promise((resolve) => setTimeout(() => resolve(null), GRACE_MS));
  const gpuMs = await Promise.race([gpu, late]);
  const choice = gpuMs !== null && (cpuMs === null || gpuMs < cpuMs) ? 'webgpu' : 'cpu';
  const result = { choice, cpuMs, gpuMs };
  try {
    storage?.setItem(KEY, JSON.stringify(result));
  } catch {
    // Private mode: measured again next time.
  }
  return { ...result, cached: false };
}

/** The note's sentence about a comparison. */
export function describeRace(race) {
  const ms = (v) => (v === null ? 'did not finish in time' : `${Math.round(v)} ms`);
  const when = race.cached ? 'measured on an earlier visit' : 'measured just now';
  const winner = race.choice === 'webgpu' ? 'WebGPU' : 'the CPU';
  return `Using ${winner}: this browser does not say what its graphics adapter is, so both were timed ` +
    `(${SAMPLES} samples: CPU ${ms(race.cpuMs)}, WebGPU ${ms(race.gpuMs)}; ${when}).`;
}
