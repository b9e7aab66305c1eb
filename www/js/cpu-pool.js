// A pool of CPU workers for the Sample tab on the CPU (WebAssembly) backend where the threaded
// module (pkg/threads/, see cpu-threads.js) does not run: in a page that is not cross-origin
// isolated, or when `?cpuWorkers=N` asks for the pool. The pool is N
// copies of the ordinary module, each in its own worker holding the same model. A sampling
// call (a grid, a latent walk's frames) is split into N contiguous row ranges; every worker
// draws the latents of the whole call from the same seed and runs the generator on its own
// rows (`sampleRows` / `interpolateRows`), so the joined bytes are exactly those one worker
// returns. Everything else (loading, training, projection, metrics) runs in the first worker,
// the `primary` client, as before.
//
// `CpuPool` has the `Client` interface (`call`, `request`, `terminate`), so a view takes it in
// place of its client. Helpers get the model the primary holds: a checkpoint load is repeated
// in them (from the same URL, or a copy of the bytes); after any other call that may change the
// model (a new run, training) they are brought up to date from the primary's export before
// they sample again. A helper that fails to start or crashes is dropped with one sentence, and
// its rows are drawn by the primary: the page keeps working on fewer workers.

import { Client } from './client.js';
import { coreCount } from './cpu-threads.js';

/** Most CPU workers the page starts: each holds a full copy of the module and the model. */
export const MAX_CPU_WORKERS = 4;

/** Calls that leave the primary's generator as it is. Any other call may change it (new run,
 * training, a half step…): helpers then sync from the primary's export before sampling again. */
const KEEPS_MODEL = new Set([
  'backend', 'info', 'sample', 'interpolate', 'samplePrompt', 'interpolatePrompts', 'loadScorer', 'scorePrompt', 'export', 'memory', 'realPoints', 'projectStart',
  'projectSteps', 'discriminatorField', 'latentGrid', 'fakeWithGradients', 'trainingPoints',
  'planeFit', 'evaluate', 'evaluateInception', 'loadExtractor', 'loadInception', 'benchFrechet',
  'useToyData', 'useImages', 'useIdx', 'usePoints',
]);

/** The sampling calls that are split, with the worker method that draws a row range of each
 * and the number of rows (samples, or frames of all strips) a call's arguments ask for. */
const SPLIT = {
  sample: {
    rows: 'sampleRows',
    count: ([n]) => n,
    // sample(n, seed, truncation = 0, cls = -1)
    args: ([n, seed, truncation = 0, cls = -1]) => [n, seed, truncation, cls],
  },
  interpolate: {
    rows: 'interpolateRows',
    count: ([strips, frames]) => strips * frames,
    // interpolate(strips, frames, seed, mode = 'slerp', cls = -1)
    args: ([strips, frames, seed, mode = 'slerp', cls = -1]) => [strips, frames, seed, mode, cls],
  },
};

/**
 * How many CPU workers to use: `?cpuWorkers=N` (1–MAX_CPU_WORKERS) when given, else the
 * browser's logical cores (`navigator.hardwareConcurrency`), capped at MAX_CPU_WORKERS; 1 where
 * the browser reports 1 core or none.
 */
export function poolSize(search = globalThis.location?.search ?? '', cores = globalThis.navigator?.hardwareConcurrency) {
  return coreCount(search, 'cpuWorkers', cores, MAX_CPU_WORKERS);
}

/** `count` rows as `parts` contiguous ranges whose sizes differ by at most one. */
export function splitRows(count, parts) {
  const k = Math.max(1, Math.min(parts, count));
  const base = Math.floor(count / k);
  const extra = count % k;
  const ranges = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const end = start + base + (i < extra ? 1 : 0);
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

const isCount = (v) => Number.isInteger(v) && v > 0;

export class CpuPool {
  /**
   * @param {Client} primary  the worker every call that is not split goes to
   * @param {{name?: string, onChange?: (status: object) => void, makeClient?: (name: string) => Client}} options
   *   `onChange` is called with `status()` whenever workers start or are dropped; `makeClient`
   *   makes a helper's client (a `Client` on worker.js; tests pass a stand-in)
   */
  constructor(primary, { name = 'sample', onChange = () => {}, makeClient = (n) => new Client(n) } = {}) {
    this.primary = primary;
    this.name = name;
    this.onChange = onChange;
    this.makeClient = makeClient;
    this.helpers = []; // {client, name, created: Promise<boolean>, version, syncing: {version, done}|null}
    this.asked = 1; // workers asked for, the primary included
    this.failures = []; // one sentence per helper that failed
    this.version = 0; // bumped whenever the primary's model may have changed
    this.changing = 0; // calls in flight that may change the primary's model
    this.source = null; // how helpers get the primary's model: {url} | {bytes} | {fromExport: true}
    this.exported = null; // {version, bytes: Promise<Uint8Array>}: one export shared by the helpers
    this.lastParts = 0; // workers the last sampling call was split over (1: not split)
    this.ready = Promise.resolve(this.status());
  }

  /**
   * Starts `size − 1` helper workers on the CPU backend (the primary is the first worker).
   * Resolves to `status()` once each has started or failed; also kept as `this.ready`.
   */
  start(size) {
    this.asked = Math.max(1, size);
    for (let i = 1; i < this.asked; i++) {
      const name = `${this.name}-cpu-${i + 1}`;
      const helper = { client: this.makeClient(name), name, version: -1, syncing: null };
      helper.created = helper.client.call('create', 'cpu').then((backend) => {
        if (backend?.kind !== 'cpu') throw new Error(`it started on ${backend?.kind} instead of the CPU`);
        // Bring it up to the model the primary holds now, without waiting for the first split.
        if (this.source) this.sync(helper).catch(() => {});
        return true;
      }).catch((e) => {
        this.drop(helper, e);
        return false;
      });
      this.helpers.push(helper);
    }
    this.ready = Promise.all(this.helpers.map((h) => h.created)).then(() => {
      this.onChange(this.status());
      return this.status();
    });
    return this.ready;
  }

  /** `{asked, running, failures}`: workers asked for and running (the primary included), and
   * one sentence per worker that was dropped. */
  status() {
    return { asked: this.asked, running: 1 + this.helpers.length, failures: [...this.failures] };
  }

  /** Bytes of wasm memory each running worker holds (the primary first). */
  async memory() {
    const all = [this.primary, ...this.helpers.map((h) => h.client)];
    return Promise.all(all.map((c) => c.call('memory').catch(() => 0)));
  }

  call(method, ...args) {
    return this.request(method, args);
  }

  /** `Client.request`: sampling calls are split over the workers; the rest go to the primary. */
  async request(method, args = [], options = {}) {
    if (method === 'loadCheckpoint') return this.load(args, options);
    if (Object.hasOwn(SPLIT, method)) return this.split(method, args, options);
    if (KEEPS_MODEL.has(method)) return this.primary.request(method, args, options);
    // This call may change the model: helpers must not draw with the old one meanwhile.
    this.changing++;
    this.version++;
    try {
      return await this.primary.request(method, args, options);
    } finally {
      this.changing--;
      this.version++;
      this.source = { fromExport: true };
    }
  }

  /** A checkpoint load: the primary first; when it succeeds the helpers load the same. */
  async load(args, options) {
    const [source] = args;
    // Bytes are handed to the primary (transferred): keep a copy for the helpers first.
    const copy = typeof source === 'string' ? null : new Uint8Array(source).slice();
    this.changing++;
    this.version++;
    let result;
    try {
      result = await this.primary.request('loadCheckpoint', args, options);
    } finally {
      this.changing--;
    }
    // A failed load leaves the primary's model as it was: so is `source`, and the helpers'.
    this.version++;
    this.source = copy ? { bytes: copy } : { url: source };
    for (const helper of this.helpers) this.whenCreated(helper, () => this.sync(helper));
    return result;
  }

  /** Runs `fn` once `helper` has started (not at all when it failed to). */
  whenCreated(helper, fn) {
    helper.created.then((ok) => ok && this.helpers.includes(helper) && fn()).catch(() => {});
  }

  /** Loads the primary's current model into `helper`; resolves to whether it now holds it. */
  sync(helper) {
    const version = this.version;
    if (helper.version === version) return Promise.resolve(true);
    if (helper.syncing?.version === version) return helper.syncing.done;
    const source = this.source;
    const done = (async () => {
      if (!source) return false;
      let args, transfer = [];
      if (source.url) args = [source.url];
      else {
        const bytes = source.bytes ?? await this.exportBytes(version);
        if (!bytes) return false;
        const copy = bytes.slice();
        args = [copy.buffer];
        transfer = [copy.buffer];
      }
      try {
        await helper.client.request('loadCheckpoint', args, { transfer });
      } catch (e) {
        // A worker that broke is dropped; a model it could not load leaves it unused.
        if (helper.client.broken) this.drop(helper, e);
        else console.warn(`ganvas: ${helper.name} could not load the model: ${e.message}`);
        return false;
      }
      if (version !== this.version) return false; // the model changed meanwhile
      helper.version = version;
      return true;
    })();
    helper.syncing = { version, done };
    return done;
  }

  /** The primary's model as checkpoint bytes, exported once per model version (null when it
   * has none or changed meanwhile). */
  exportBytes(version) {
    if (this.exported?.version !== version) {
      const bytes = this.primary.call('export').then(
        (b) => (version === this.version ? new Uint8Array(b) : null),
        () => null,
      );
      this.exported = { version, bytes };
    }
    return this.exported.bytes;
  }

  /** Helpers holding the primary's current model, after syncing the ones that have started. */
  async usableHelpers() {
    if (this.changing || !this.source) return [];
    const version = this.version;
    const started = this.helpers.filter((h) => !h.client.broken);
    const ok = await Promise.all(started.map(async (h) => {
      // Not started yet: not waited for (its rows go to the others this time).
      const settled = await Promise.race([h.created, Promise.resolve('pending')]);
      return settled === true && (await this.sync(h));
    }));
    return started.filter((h, i) => ok[i] && h.version === version && this.helpers.includes(h));
  }

  /** Whether every one of `helpers` holds the model the primary holds now. */
  current(helpers) {
    return !this.changing && helpers.every((h) => h.version === this.version && this.helpers.includes(h));
  }

  /** A sampling call split into row ranges over the primary and the helpers, joined in order. */
  async split(method, args, options) {
    const plan = SPLIT[method];
    const rows = plan.count(args);
    const helpers = isCount(rows) && rows > 1 ? await this.usableHelpers() : [];
    // Checked again just before the parts are sent: a model change asked for meanwhile is
    // queued in the workers after them, so no part is drawn with another model.
    if (!helpers.length || !this.current(helpers)) {
      this.lastParts = 1;
      return this.primary.request(method, args, options);
    }
    const full = plan.args(args);
    const ranges = splitRows(rows, helpers.length + 1);
    this.lastParts = ranges.length;
    const workers = [this.primary, ...helpers.map((h) => h.client)];
    const part = (client, [start, end]) => client.call(plan.rows, ...full, start, end);
    const settled = await Promise.allSettled(ranges.map((range, i) => part(workers[i], range)));
    const parts = [];
    for (let i = 0; i < ranges.length; i++) {
      const { status, value, reason } = settled[i];
      if (status === 'fulfilled') parts.push(value);
      else if (i === 0) throw reason; // the primary's error is the call's (bad arguments, no model…)
      else {
        // The helper broke or lost its model: its rows are drawn by the primary instead.
        if (workers[i].broken) this.drop(helpers[i - 1], reason);
        else Object.assign(helpers[i - 1], { version: -1, syncing: null });
        parts.push(await part(this.primary, ranges[i]));
      }
    }
    const total = parts.reduce((sum, p) => sum + p.length, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    return joined;
  }

  /** Stops and forgets a helper, with one sentence saying why. */
  drop(helper, error) {
    const at = this.helpers.indexOf(helper);
    if (at < 0) return;
    this.helpers.splice(at, 1);
    // The first clause of the worker's message (what failed, not its advice on building pkg/).
    const why = (error?.message ?? String(error)).split('\n')[0].split(';')[0];
    const left = this.helpers.length + 1;
    const sentence = `CPU worker ${helper.name.split('-').pop()} of ${this.asked} stopped: ${why.replace(/[.;]\s*$/, '')}; ` +
      `sampling continues on ${left} worker${left === 1 ? '' : 's'}.`;
    this.failures.push(sentence);
    console.warn(`ganvas: ${sentence}`);
    helper.client.terminate();
    this.onChange(this.status());
  }

  terminate() {
    for (const helper of this.helpers) helper.client.terminate();
    this.helpers = [];
    this.primary.terminate();
  }
}
