// The CPU pool's bookkeeping (www/js/cpu-pool.js) without a browser: workers are stand-ins
// whose "images" are a hash of the model they hold, the seed and the row, so a helper that
// draws with a stale model, a row drawn twice or a row missing changes the joined bytes.
//   node --test tests/browser/cpu-pool-logic.test.mjs
// The real module in Chromium: cpu-pool.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuPool, MAX_CPU_WORKERS, poolSize, splitRows } from '../../www/js/cpu-pool.js';

const BYTES_PER_ROW = 4;

/** Row `row` of a call as a worker holding `model` draws it. */
function rows(model, seed, start, end) {
  const out = new Uint8Array((end - start) * BYTES_PER_ROW);
  for (let r = start; r < end; r++) {
    let h = 2166136261;
    for (const c of `${model}|${seed}|${r}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
    out.set([h & 255, (h >>> 8) & 255, (h >>> 16) & 255, r & 255], (r - start) * BYTES_PER_ROW);
  }
  return out;
}

/** A worker stand-in with the methods the pool uses. */
class FakeWorker {
  constructor(name, { failCreate = false, crashOnRows = false } = {}) {
    Object.assign(this, { name, failCreate, crashOnRows, model: null, broken: null, calls: [] });
  }

  call(method, ...args) {
    return this.request(method, args);
  }

  async request(method, args) {
    await new Promise((resolve) => setTimeout(resolve, 1)); // answers arrive later, as messages do
    if (this.broken) throw new Error(this.broken);
    this.calls.push(method);
    const need = () => {
      if (!this.model) throw new Error('no model loaded: load a checkpoint or start a new run first');
      return this.model;
    };
    switch (method) {
      case 'create':
        if (this.failCreate) {
          throw new Error('the WebAssembly package could not be loaded from /pkg/ganvas.js; build it first with scripts/build-web.sh');
        }
        return { kind: 'cpu' };
      case 'loadCheckpoint': {
        const [source] = args;
        const name = typeof source === 'string' ? source : new TextDecoder().decode(new Uint8Array(source));
        if (name.startsWith('bad')) throw new Error('not a checkpoint');
        this.model = name;
        return { name };
      }
      case 'export':
        return new TextEncoder().encode(need());
      case 'newRun':
        this.model = `run:${args[0]}`;
        return { name: this.model };
      case 'train':
        this.model = `${need()}+step`;
        return [{ step: 1 }];
      case 'memory':
        return 1 << 20;
      case 'sample':
        return rows(need(), args[1], 0, args[0]);
      case 'interpolate':
        return rows(need(), args[2], 0, args[0] * args[1]);
      case 'sampleRows':
      case 'interpolateRows': {
        if (this.crashOnRows) {
          this.broken = `the ${this.name} worker failed: out of memory`;
          throw new Error(this.broken);
        }
        const [start, end] = args.slice(-2);
        return rows(need(), method === 'sampleRows' ? args[1] : args[2], start, end);
      }
      default:
        throw new Error(`unknown method \`${method}\``);
    }
  }

  terminate() {
    this.broken = `the ${this.name} worker was stopped`;
  }
}

/** A started pool of `size` stand-ins; `options[name]` configures one by its name. */
async function pool(size, options = {}) {
  const primary = new FakeWorker('sample');
  const helpers = [];
  const changes = [];
  const p = new CpuPool(primary, {
    onChange: (status) => changes.push(status),
    makeClient: (name) => {
      const w = new FakeWorker(name, options[name]);
      helpers.push(w);
      return w;
    },
  });
  await p.start(size);
  return { p, primary, helpers, changes };
}

test('pool size: the cores, capped at 4, 1 where there is 1 core or none; ?cpuWorkers= overrides', () => {
  assert.equal(MAX_CPU_WORKERS, 4);
  assert.equal(poolSize('', 2), 2);
  assert.equal(poolSize('', 16), 4);
  assert.equal(poolSize('', 1), 1);
  assert.equal(poolSize('', undefined), 1);
  assert.equal(poolSize('', 0), 1);
  assert.equal(poolSize('?cpuWorkers=3', 1), 3);
  assert.equal(poolSize('?cpuWorkers=9', 2), 4);
  assert.equal(poolSize('?cpuWorkers=0', 2), 1);
  assert.equal(poolSize('?cpuWorkers=two', 2), 2);
});

test('rows split into contiguous ranges that cover every row once, sizes within one', () => {
  assert.deepEqual(splitRows(37, 3), [[0, 13], [13, 25], [25, 37]]);
  assert.deepEqual(splitRows(64, 2), [[0, 32], [32, 64]]);
  assert.deepEqual(splitRows(1, 4), [[0, 1]]);
  assert.deepEqual(splitRows(3, 4), [[0, 1], [1, 2], [2, 3]]);
  for (const [n, k] of [[10, 4], [256, 3], [5, 5]]) {
    const ranges = splitRows(n, k);
    assert.equal(ranges[0][0], 0);
    assert.equal(ranges.at(-1)[1], n);
    ranges.slice(1).forEach(([start], i) => assert.equal(start, ranges[i][1]));
    const sizes = ranges.map(([s, e]) => e - s);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${n} over ${k}: ${sizes}`);
  }
});

test('grids and walks are split over every worker and joined into the one-worker bytes', async () => {
  const { p, primary, helpers } = await pool(3);
  assert.deepEqual(p.status(), { asked: 3, running: 3, failures: [] });
  await p.call('loadCheckpoint', '/www/models/a.safetensors');
  const grid = await p.call('sample', 37, 5, 0, -1);
  assert.equal(p.lastParts, 3);
  assert.deepEqual(grid, rows('/www/models/a.safetensors', 5, 0, 37));
  assert.deepEqual(await primary.call('sample', 37, 5, 0, -1), grid);
  for (const h of helpers) assert.ok(h.calls.includes('sampleRows'), `${h.name} drew rows`);
  const walk = await p.call('interpolate', 3, 7, 4, 'slerp', -1);
  assert.equal(p.lastParts, 3);
  assert.deepEqual(walk, rows('/www/models/a.safetensors', 4, 0, 21));
  // One row: nothing to split.
  await p.call('sample', 1, 5, 0, -1);
  assert.equal(p.lastParts, 1);
});

test('bytes opened from a file reach the helpers as a copy; a failed load leaves every worker on the old model', async () => {
  const { p, helpers } = await pool(2);
  const bytes = new TextEncoder().encode('file-model').buffer;
  await p.request('loadCheckpoint', [bytes], { transfer: [bytes] });
  assert.deepEqual(await p.call('sample', 8, 1), rows('file-model', 1, 0, 8));
  assert.equal(p.lastParts, 2);
  assert.equal(helpers[0].model, 'file-model');
  await assert.rejects(p.call('loadCheckpoint', 'bad.safetensors'), /not a checkpoint/);
  assert.deepEqual(await p.call('sample', 8, 2), rows('file-model', 2, 0, 8));
  assert.equal(p.lastParts, 2);
});

test('after a new run and training in the first worker, helpers load its export before they draw', async () => {
  const { p, primary, helpers } = await pool(2);
  await p.call('newRun', 'toml');
  await p.call('train', { steps: 1 });
  const grid = await p.call('sample', 10, 3);
  assert.equal(p.lastParts, 2);
  assert.deepEqual(grid, rows('run:toml+step', 3, 0, 10));
  assert.ok(primary.calls.includes('export'));
  assert.equal(helpers[0].model, 'run:toml+step');
  // Without a model anywhere the first worker's error is the call's.
  const empty = await pool(2);
  await assert.rejects(empty.p.call('sample', 4, 1), /no model loaded/);
});

test('a helper that cannot start is dropped with one sentence; the others share the rows', async () => {
  const { p, changes } = await pool(3, { 'sample-cpu-2': { failCreate: true } });
  const status = p.status();
  assert.equal(status.running, 2);
  assert.deepEqual(status.failures, [
    'CPU worker 2 of 3 stopped: the WebAssembly package could not be loaded from /pkg/ganvas.js; sampling continues on 2 workers.',
  ]);
  assert.deepEqual(changes.at(-1), status);
  await p.call('loadCheckpoint', 'm');
  assert.deepEqual(await p.call('sample', 9, 1), rows('m', 1, 0, 9));
  assert.equal(p.lastParts, 2);
});

test('a helper that crashes while drawing is dropped and its rows are drawn by the first worker', async () => {
  const { p } = await pool(2, { 'sample-cpu-2': { crashOnRows: true } });
  await p.call('loadCheckpoint', 'm');
  assert.deepEqual(await p.call('sample', 6, 1), rows('m', 1, 0, 6));
  const [failure] = p.status().failures;
  assert.match(failure, /^CPU worker 2 of 2 stopped: the sample-cpu-2 worker failed: out of memory; sampling continues on 1 worker\.$/);
  assert.equal(p.status().running, 1);
  assert.deepEqual(await p.call('sample', 6, 2), rows('m', 2, 0, 6));
  assert.equal(p.lastParts, 1);
});
