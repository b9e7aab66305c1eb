// The Sample tab: pick a shipped model (or open a checkpoint), draw a grid of samples — a
// scatter plot for 2-D models — and animate walks through the latent space.

import { drawGrid, enlarge, imageAt, pointsFromBytes } from './grid.js';
import { listModels, modelError, modelUrl } from './models.js';
import { scatter } from './plane.js';
import { reporting, showError } from './errors.js';
import { saveCanvasPng } from './download.js';

const $ = (id) => document.getElementById(id);
const intIn = (input, lo, hi) => Math.min(hi, Math.max(lo, Math.round(Number(input.value) || 0)));

/** A description of a run for the info lines (also used by the Train tab). */
export function describeRun(info) {
  const shape = info.kind === 'image' ? `${info.width}×${info.height}, ${info.channels === 1 ? 'grey' : 'RGB'}` : '2-D points';
  const classes = info.classes ? ` · ${info.classes} classes` : '';
  return `${info.name} · ${shape}${classes} · trained ${info.step} steps`;
}

/**
 * @param {{client: import('./client.js').Client, ready: Promise}} session
 * @returns {{ready: Promise, show(): void, hide(): void}}  `ready` settles after the first
 *   model has loaded (or failed to).
 */
export function createSampleView(session) {
  const { client } = session;
  const canvas = $('sample-canvas');
  const interpCanvas = $('interp-canvas');
  let models = [];
  let info = null;
  let busy = false; // one sample request at a time; extra clicks are dropped
  let walk = null; // the running interpolation animation

  function showInfo(text) {
    $('sample-info').textContent = text;
  }

  function onInfo() {
    showInfo(describeRun(info));
    const label = $('sample-class-label');
    label.hidden = !info.classes;
    const select = $('sample-class');
    select.replaceChildren(new Option('all, in turn', '-1'));
    for (let c = 0; c < info.classes; c++) select.append(new Option(info.class_names[c] ?? `class ${c}`, String(c)));
    $('sample-n').value = info.classes ? info.classes * 6 : info.kind === 'image' ? 64 : 1000;
    $('sample-n').max = info.kind === 'image' ? 256 : 5000;
    $('interp-strips').closest('label').hidden = info.kind !== 'image'; // 2-D: 300 points walk at once
  }

  async function load(what, source, description = '') {
    stopWalk();
    info = null;
    showInfo(`Loading ${what}…`);
    $('sample-description').textContent = description;
    try {
      info = await client.request('loadCheckpoint', [source], source instanceof ArrayBuffer ? { transfer: [source] } : {});
    } catch (e) {
      showInfo(`${what} is not available.`);
      throw e;
    }
    onInfo();
    await sample();
  }

  async function loadShipped(model) {
    try {
      await load(model.title, modelUrl(model), model.description);
    } catch (e) {
      throw modelError(model, e);
    }
  }

  async function sample() {
    if (!info || busy) return;
    busy = true;
    try {
      const n = intIn($('sample-n'), 1, Number($('sample-n').max));
      const seed = intIn($('sample-seed'), 0, 2 ** 32 - 1);
      const truncation = Number($('sample-truncation').value);
      const cls = info.classes ? Number($('sample-class').value) : -1;
      const bytes = await client.call('sample', n, seed, truncation, cls);
      if (info.kind === 'image') {
        // Classes in turn: one column per class.
        const cols = info.classes && cls < 0 ? info.classes : undefined;
        drawGrid(canvas, bytes, n, info.width, info.height, { cols });
        enlarge(canvas);
      } else {
        const real = await client.call('realPoints', n, seed + 1).catch(() => null); // toy data only
        scatter(canvas, pointsFromBytes(bytes), real);
      }
    } finally {
      busy = false;
    }
  }

  // ── Latent walks ──────────────────────────────────────────────────────────────────────
  async function startWalk() {
    stopWalk();
    if (!info) return;
    const frames = intIn($('interp-frames'), 2, 60);
    const strips = info.kind === 'image' ? intIn($('interp-strips'), 1, 16) : 300;
    const seed = intIn($('sample-seed'), 0, 2 ** 32 - 1);
    const cls = info.classes ? Number($('sample-class').value) : -1;
    const mode = $('interp-mode').value;
    const bytes = await client.call('interpolate', strips, frames, seed, mode, cls);
    const draw = info.kind === 'image' ? imageWalk(bytes, strips, frames, info) : pointWalk(bytes, strips, frames);
    walk = { timer: 0 };
    let tick = 0;
    const period = 2 * (frames - 1); // there and back again
    const step = () => {
      const t = tick % period;
      const frame = t < frames ? t : period - t;
      draw(frame);
      $('interp-frame').textContent = `frame ${frame + 1} / ${frames}`;
      tick++;
    };
    step();
    walk.timer = setInterval(step, 90);
    $('interp-play').textContent = 'Stop';
  }

  function imageWalk(bytes, strips, frames, { width, height }) {
    const size = width * height * 4;
    const batch = new Uint8Array(strips * size);
    return (frame) => {
      for (let s = 0; s < strips; s++) batch.set(imageAt(bytes, s * frames + frame, width, height), s * size);
      drawGrid(interpCanvas, batch, strips, width, height, { cols: strips });
      enlarge(interpCanvas, Math.min(960, 140 * strips));
    };
  }

  function pointWalk(bytes, strips, frames) {
    const all = pointsFromBytes(bytes); // strip after strip, frame after frame, x y
    const points = new Float32Array(strips * 2);
    return (frame) => {
      for (let s = 0; s < strips; s++) {
        points[2 * s] = all[2 * (s * frames + frame)];
        points[2 * s + 1] = all[2 * (s * frames + frame) + 1];
      }
      scatter(interpCanvas, points, null, 360);
    };
  }

  function stopWalk() {
    if (walk) clearInterval(walk.timer);
    walk = null;
    $('interp-play').textContent = 'Play';
  }

  // ── Wiring ────────────────────────────────────────────────────────────────────────────
  $('sample-run').onclick = () => reporting('Sampling failed', sample);
  $('sample-reseed').onclick = () => {
    $('sample-seed').value = Math.floor(Math.random() * 1e6);
    reporting('Sampling failed', sample);
  };
  $('sample-truncation').oninput = () => {
    const t = Number($('sample-truncation').value);
    $('sample-truncation-value').textContent = t > 0 ? t.toFixed(2) : 'off';
  };
  $('sample-truncation').onchange = () => reporting('Sampling failed', sample);
  $('sample-class').onchange = () => reporting('Sampling failed', sample);
  $('sample-download').onclick = () =>
    reporting('Download failed', () => {
      if (!info) throw new Error('load a model first');
      return saveCanvasPng(canvas, `${info.name}-seed${$('sample-seed').value}.png`);
    });
  $('interp-play').onclick = () => (walk ? stopWalk() : reporting('Interpolation failed', startWalk));
  $('sample-model').onchange = () => {
    const model = models[Number($('sample-model').value)];
    if (model) reporting(`Loading “${model.title}” failed`, () => loadShipped(model));
  };
  $('sample-file').onchange = async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    await reporting(`Opening ${file.name} failed`, async () => load(file.name, await file.arrayBuffer()));
  };

  const ready = (async () => {
    models = await listModels();
    $('sample-model').replaceChildren(...models.map((m, i) => new Option(m.title, String(i))));
    try {
      await session.ready;
    } catch {
      showInfo('The WebAssembly module is not running (see the message above).');
      return; // main.js reports why
    }
    if (models.length) await loadShipped(models[0]);
  })().catch((e) => showError(e, 'The Sample tab could not load a model'));

  return { ready, show() {}, hide: stopWalk };
}
