// The Sample tab: pick a shipped model (or open a checkpoint), draw a grid of samples — a
// scatter plot for 2-D models — and animate walks through the latent space.

import { drawGrid, enlarge, imageAt, pointsFromBytes } from './grid.js';
import { listModels, modelError, modelUrl } from './models.js';
import { scatter } from './plane.js';
import { errorsFor } from './errors.js';
import { saveCanvasPng } from './download.js';

const $ = (id) => document.getElementById(id);
const intIn = (input, lo, hi) => Math.min(hi, Math.max(lo, Math.round(Number(input.value) || 0)));

/** A description of a run for the info lines (also used by the Train tab). */
export function describeRun(info) {
  const shape = info.kind === 'image' ? `${info.width}×${info.height}, ${info.channels === 1 ? 'grey' : 'RGB'}` : '2-D points';
  const classes = info.classes ? ` · ${info.classes} classes` : '';
  return `${info.name} · ${shape}${classes} · trained ${info.step} steps`;
}

/** Blanks a canvas (keeping its size), so nothing of a previous model stays on it. */
function blank(canvas) {
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

/**
 * @param {{client: import('./client.js').Client, ready: Promise}} session
 * @param {{initialModel?: string|null}} options  the shipped model to open first (by name)
 * @returns {{ready: Promise, show(): void, hide(): void, model(): string|null}}  `ready`
 *   settles after the first model has loaded (or failed to); `model()` names the shipped
 *   model shown (null for a checkpoint file or none).
 */
export function createSampleView(session, { initialModel = null } = {}) {
  const { client } = session;
  const errors = errorsFor('sample');
  const canvas = $('sample-canvas');
  const interpCanvas = $('interp-canvas');
  let models = [];
  let info = null; // the run shown; null while a model loads
  let shown = null; // the shipped model shown (its entry in models), null for a file
  let loads = 0; // numbers model loads: a load that is no longer the latest is not shown
  let held = { info: null, shown: null, description: '' }; // the model the worker holds
  let sampling = null; // the sample request in flight (one at a time)
  let resample = false; // asked again while one was in flight: run once more after it
  let walk = null; // the latent walk: {token, timer}, timer 0 while its frames are computed
  let controlsFor = null; // the run the controls (classes, n) were set up for
  let walks = 0; // numbers walks: frames of a walk that is no longer the latest are dropped

  function showInfo(text) {
    $('sample-info').textContent = text;
  }

  function onInfo() {
    controlsFor = info;
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

  /**
   * Loads a model; `model` is its entry in the shipped list (null for a file). When it fails,
   * the worker still holds the model it had (a failed load changes nothing there), so the page
   * goes back to showing that one.
   */
  async function load(what, source, description = '', model = null) {
    const ticket = ++loads;
    clearWalk();
    info = null;
    showInfo(`Loading ${what}…`);
    $('sample-description').textContent = description;
    let loaded;
    try {
      loaded = await client.request('loadCheckpoint', [source], source instanceof ArrayBuffer ? { transfer: [source] } : {});
    } catch (e) {
      if (ticket === loads) showHeld(what);
      throw e;
    }
    held = { info: loaded, shown: model, description };
    if (ticket !== loads) return; // another model was asked for meanwhile; that one is shown
    info = loaded;
    shown = model;
    onInfo();
    await sample();
  }

  /** After a failed load: back to the model the worker still holds. */
  function showHeld(what) {
    ({ info, shown } = held);
    $('sample-description').textContent = held.description;
    if (shown) $('sample-model').value = String(models.indexOf(shown));
    if (info) {
      if (controlsFor !== info) {
        onInfo(); // the held model was loaded but never shown (a later load was pending)
        errors.run('Sampling failed', sample);
      }
      showInfo(`${describeRun(info)} (${what} could not be opened)`);
    } else {
      showInfo(`${what} is not available.`);
      blank(canvas);
    }
  }

  async function loadShipped(model) {
    try {
      await load(model.title, modelUrl(model), model.description, model);
    } catch (e) {
      throw modelError(model, e);
    }
  }

  /** Draws a fresh grid (or scatter plot); a request made while one runs is run after it,
   * once, with the settings of that moment. */
  function sample() {
    if (sampling) {
      resample = true;
      return sampling;
    }
    sampling = (async () => {
      try {
        do {
          resample = false;
          await sampleOnce();
        } while (resample);
      } finally {
        sampling = null;
      }
    })();
    return sampling;
  }

  async function sampleOnce() {
    const run = info;
    if (!run) return;
    const n = intIn($('sample-n'), 1, Number($('sample-n').max));
    const seed = intIn($('sample-seed'), 0, 2 ** 32 - 1);
    const truncation = Number($('sample-truncation').value);
    const cls = run.classes ? Number($('sample-class').value) : -1;
    const bytes = await client.call('sample', n, seed, truncation, cls);
    if (run.kind === 'image') {
      if (info !== run) return; // the model changed meanwhile
      // Classes in turn: one column per class.
      const cols = run.classes && cls < 0 ? run.classes : undefined;
      drawGrid(canvas, bytes, n, run.width, run.height, { cols });
      enlarge(canvas);
    } else {
      const real = await client.call('realPoints', n, seed + 1).catch(() => null); // toy data only
      if (info !== run) return;
      scatter(canvas, pointsFromBytes(bytes), real);
    }
  }

  // ── Latent walks ──────────────────────────────────────────────────────────────────────
  // One walk at a time. Play while a walk is computed or playing does nothing; Stop, a model
  // change or leaving the tab ends it, also while its frames are still being computed (they
  // are then dropped when they arrive: `walks` has moved on).

  /** Starts a walk unless one is running; resolves when it plays (or was dropped). */
  async function startWalk() {
    if (walk || !info) return;
    const run = info;
    const token = ++walks;
    walk = { token, timer: 0 };
    showWalkState('computing the walk…');
    const frames = intIn($('interp-frames'), 2, 60);
    const strips = run.kind === 'image' ? intIn($('interp-strips'), 1, 16) : 300;
    const seed = intIn($('sample-seed'), 0, 2 ** 32 - 1);
    const cls = run.classes ? Number($('sample-class').value) : -1;
    const mode = $('interp-mode').value;
    let bytes;
    try {
      bytes = await client.call('interpolate', strips, frames, seed, mode, cls);
    } catch (e) {
      if (walk?.token !== token) return; // stopped meanwhile: nobody waits for it any more
      stopWalk();
      throw e;
    }
    if (walk?.token !== token || info !== run) return;
    const draw = run.kind === 'image' ? imageWalk(bytes, strips, frames, run) : pointWalk(bytes, strips, frames);
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

  /** Ends the walk (playing or still computed); its last frame stays on screen. */
  function stopWalk() {
    if (walk) clearInterval(walk.timer);
    walk = null;
    walks++;
    showWalkState();
  }

  /** Ends the walk and blanks it: for a model change, so nothing of the old model stays. */
  function clearWalk() {
    stopWalk();
    blank(interpCanvas);
    $('interp-frame').textContent = '';
  }

  function showWalkState(text) {
    $('interp-play').setAttribute('aria-pressed', String(Boolean(walk)));
    $('interp-play').textContent = walk ? '▶ Playing' : '▶ Play';
    $('interp-stop').disabled = !walk;
    if (text !== undefined) $('interp-frame').textContent = text;
    else if (!walk && /computing/.test($('interp-frame').textContent)) $('interp-frame').textContent = '';
  }

  // ── Wiring ────────────────────────────────────────────────────────────────────────────
  $('sample-run').onclick = () => errors.run('Sampling failed', sample);
  $('sample-reseed').onclick = () => {
    $('sample-seed').value = Math.floor(Math.random() * 1e6);
    errors.run('Sampling failed', sample);
  };
  $('sample-truncation').oninput = () => {
    const t = Number($('sample-truncation').value);
    $('sample-truncation-value').textContent = t > 0 ? t.toFixed(2) : 'off';
  };
  $('sample-truncation').onchange = () => errors.run('Sampling failed', sample);
  $('sample-class').onchange = () => errors.run('Sampling failed', sample);
  $('sample-download').onclick = () =>
    errors.run('Download failed', () => {
      if (!info) throw new Error('load a model first');
      return saveCanvasPng(canvas, `${info.name}-seed${$('sample-seed').value}.png`);
    });
  $('interp-play').onclick = () => errors.run('The latent walk failed', startWalk);
  $('interp-stop').onclick = stopWalk;
  // A new path, number of walks or frames while a walk plays: play the new one instead.
  for (const id of ['interp-mode', 'interp-strips', 'interp-frames']) {
    $(id).onchange = () => {
      if (!walk) return;
      stopWalk();
      errors.run('The latent walk failed', startWalk);
    };
  }
  $('sample-model').onchange = () => {
    const model = models[Number($('sample-model').value)];
    if (model) errors.run(`Loading “${model.title}” failed`, () => loadShipped(model));
  };
  $('sample-file').onchange = async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    e.target.value = ''; // the same file chosen again is a new attempt
    await errors.run(`Opening ${file.name} failed`, async () => load(file.name, await file.arrayBuffer()));
  };

  const ready = (async () => {
    models = await listModels();
    $('sample-model').replaceChildren(...models.map((m, i) => new Option(m.title, String(i))));
    const first = models.find((m) => m.name === initialModel) ?? models[0];
    if (first) $('sample-model').value = String(models.indexOf(first));
    try {
      await session.ready;
    } catch {
      showInfo('The WebAssembly module is not running (see the message above).');
      return; // main.js reports why
    }
    if (first) await loadShipped(first);
  })().catch((e) => errors.show(e, 'The Sample tab could not load a model'));

  return { ready, show() {}, hide: stopWalk, model: () => shown?.name ?? null };
}
