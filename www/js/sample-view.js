// The Sample tab: pick a shipped model (or open a checkpoint), draw a grid of samples — a
// scatter plot for 2-D models — animate walks through the latent space and save them as an
// animated GIF (or a WebM video where the browser can record one).

import { drawGrid, enlarge, imageAt, labelColumns, pointsFromBytes } from './grid.js';
import { listModels, modelError, modelUrl } from './models.js';
import { scatter } from './plane.js';
import { errorsFor } from './errors.js';
import { saveBlob, saveBytes, saveCanvasPng } from './download.js';
import { count, describeCanvas } from './a11y.js';
import { encodeGif } from './gif.js';
import { recordWebm, webmType } from './webm.js';
import { createProjectView } from './project-view.js';

const $ = (id) => document.getElementById(id);
const intIn = (input, lo, hi) => Math.min(hi, Math.max(lo, Math.round(Number(input.value) || 0)));

/** Milliseconds per frame of a latent walk (on screen, in the GIF and in the video). */
const WALK_FRAME_MS = 90;
/** Points in a walk of a 2-D model, and the size of its scatter plot. */
const WALK_POINTS = 300;
const WALK_PLOT = 360;
/** Milliseconds of typing pause before a prompt is sampled. */
const PROMPT_DEBOUNCE_MS = 250;
/** The truncation slider runs from 0 (off) to TRUNCATION_TOP − 0.05 (strongest); a value
 * s > 0 keeps latent components within ±(TRUNCATION_TOP − s). */
const TRUNCATION_TOP = 2;

/** A description of a run for the info lines (also used by the Train tab). */
export function describeRun(info) {
  const shape = info.kind === 'image' ? `${info.width}×${info.height}, ${info.channels === 1 ? 'grey' : 'RGB'}` : '2-D points';
  const classes = info.classes ? ` · ${info.classes} classes` : '';
  return `${info.name} · ${shape}${classes} · trained ${info.step} steps`;
}

/** The run's class names (numbered where the checkpoint does not name them). */
const classNames = (run) => Array.from({ length: run.classes }, (_, c) => run.class_names?.[c] || `class ${c}`);

/** Blanks a canvas (keeping its size), so nothing of a previous model stays on it. */
function blank(canvas) {
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

/** Frames of a walk played there and back again: 0, 1, …, F−1, F−2, …, 1 (then it loops). */
const pingPong = (frames) => [...Array(frames).keys(), ...Array.from({ length: Math.max(0, frames - 2) }, (_, i) => frames - 2 - i)];

/** Lets the page paint and handle input between chunks of a long computation. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Thrown to end an export whose model was replaced meanwhile; not an error to show. */
class Stale extends Error {}

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
  let shownWalk = null; // the walk whose frames are on screen (see computeWalk), null if none
  let exporting = false; // a GIF or video is being made
  const videoType = webmType();
  const projection = createProjectView(session);

  function showInfo(text) {
    $('sample-info').textContent = text;
  }

  function onInfo() {
    controlsFor = info;
    projection.setModel(info);
    showInfo(describeRun(info));
    const label = $('sample-class-label');
    label.hidden = !info.classes;
    const select = $('sample-class');
    select.replaceChildren(new Option('all, in turn', '-1'));
    classNames(info).forEach((name, c) => select.append(new Option(name, String(c))));
    $('sample-prompt-box').hidden = !info.text;
    $('interp-to-label').hidden = !info.text;
    $('interp-prompt-hint').hidden = !info.text;
    $('interp-mode-label').hidden = Boolean(info.text); // a text walk is a straight line in word-vector space
    $('interp-title').textContent = info.text ? 'Walk from prompt to prompt' : 'Walk through the latent space';
    $('sample-n').value = info.classes ? info.classes * 6 : info.text ? 32 : info.kind === 'image' ? 64 : 1000;
    $('sample-n').max = info.kind === 'image' ? 256 : 5000;
    $('interp-strips').closest('label').hidden = info.kind !== 'image'; // 2-D: 300 points walk at once
    updateExportButtons();
    $('sample-truncation-hint').textContent = info.kind === 'image'
      ? 'Keeps every latent component near 0: less variety, more typical-looking samples.'
      : 'A 2-D model shows the catch: the middle of the latent space is not where the data is, ' +
        'so stronger truncation pulls points off the modes and into fewer of them.';
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
      projection.setModel(null);
      blank(canvas);
      labelColumns($('sample-column-labels'), { blocks: [], width: 0 }, []);
      describeCanvas(canvas, 'Samples: no model loaded');
    }
  }

  async function loadShipped(model) {
    try {
      await load(model.title, modelUrl(model), model.description, model);
    } catch (e) {
      throw modelError(model, e);
    }
  }

  // ── Truncation: the slider runs from "off" (left) to "strong" (right) ───────────────────

  /** The truncation threshold asked of the wasm: 0 = off, else latents within ±threshold. */
  function truncation() {
    const s = Number($('sample-truncation').value);
    return s > 0 ? Math.max(0.05, Math.round((TRUNCATION_TOP - s) * 100) / 100) : 0;
  }

  function showTruncation() {
    const t = truncation();
    const s = Number($('sample-truncation').value);
    const strength = s < 0.7 ? 'mild' : s < 1.4 ? 'medium' : 'strong';
    $('sample-truncation-value').textContent = t ? `${strength}, |z| ≤ ${t.toFixed(2)}` : 'off';
    $('sample-truncation').setAttribute('aria-valuetext', t ? `${strength}: latents within ±${t.toFixed(2)}` : 'off');
  }

  const truncationWords = (t) => (t ? `truncation ±${t.toFixed(2)}` : 'no truncation');

  // ── Samples ───────────────────────────────────────────────────────────────────────────

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
    $('sample-n').value = n;
    const seed = intIn($('sample-seed'), 0, 2 ** 32 - 1);
    const t = truncation();
    const cls = run.classes ? Number($('sample-class').value) : -1;
    if (run.text) return samplePrompt(run, n, seed, t);
    const bytes = await client.call('sample', n, seed, t, cls);
    const settings = `seed ${seed}, ${truncationWords(t)}`;
    if (run.kind === 'image') {
      if (info !== run) return; // the model changed meanwhile
      const names = classNames(run);
      // Classes in turn: a block of columns per class, labelled.
      const classes = run.classes && cls < 0 ? run.classes : 0;
      const layout = drawGrid(canvas, bytes, n, run.width, run.height, { classes, describe: false });
      fitGrid();
      const labels = $('sample-column-labels');
      if (classes) labelColumns(labels, layout, names);
      else if (cls >= 0) labelColumns(labels, { width: layout.width, blocks: [{ cls, x: 0, width: layout.width }] }, names);
      else labelColumns(labels, layout, []);
      const from = `from ${run.name} at step ${run.step}`;
      let text;
      if (classes) {
        const each = n % classes === 0 ? `${n / classes} of each class` : `about ${Math.ceil(n / classes)} of each class`;
        const columns = layout.per === 1 ? 'a column for each class' : `${layout.per} columns for each class`;
        text = `${count(n, 'sample')} ${from}, ${each}, ${columns}: ${names.join(', ')} (${settings})`;
      } else if (cls >= 0) text = `${count(n, 'sample')} of ${names[cls]} ${from} (${settings})`;
      else text = `${count(n, 'sample')} ${from} (${settings})`;
      describeCanvas(canvas, text);
    } else {
      const real = await client.call('realPoints', n, seed + 1).catch(() => null); // toy data only
      if (info !== run) return;
      scatter(canvas, pointsFromBytes(bytes), real, 480, { describe: false });
      labelColumns($('sample-column-labels'), { blocks: [], width: 0 }, []);
      describeCanvas(canvas, `Scatter plot of ${count(n, 'generated point')} (orange) from ${run.name} at step ${run.step}` +
        `${real ? `, over ${count(real.length >> 1, 'real point')} (blue)` : ''} (${settings})`);
    }
  }

  /** Text models: a grid for the prompt typed. An empty or refused prompt leaves the last grid
   * and says why under the box (typing is not an error worth a banner). */
  async function samplePrompt(run, n, seed, t) {
    const prompt = $('sample-prompt').value.trim();
    const status = $('sample-prompt-status');
    if (!prompt) {
      status.textContent = 'Type a few words: a grid appears as you type.';
      status.classList.remove('bad');
      return;
    }
    const started = performance.now();
    let bytes;
    try {
      bytes = await client.call('samplePrompt', prompt, n, seed, t);
    } catch (e) {
      if (info !== run) return;
      status.textContent = firstLine(e);
      status.classList.add('bad');
      return;
    }
    if (info !== run) return;
    const ms = Math.round(performance.now() - started);
    drawGrid(canvas, bytes, n, run.width, run.height, { describe: false });
    fitGrid();
    labelColumns($('sample-column-labels'), { blocks: [], width: 0 }, []);
    const drawn = `“${prompt}”: ${count(n, 'sample')} in ${ms} ms.`;
    status.textContent = drawn;
    status.classList.remove('bad');
    describeCanvas(canvas, `${count(n, 'sample')} of “${prompt}” from ${run.name} at step ${run.step} (seed ${seed}, ${truncationWords(t)})`);
    // How well the grid matches its prompt, after it is shown (the scorer loads once).
    const ticket = ++scores;
    const match = await promptScore(prompt, n, seed, t);
    if (match && ticket === scores && info === run) status.textContent = `${drawn} ${match}`;
  }

  /** Sentence on the text-image score of the grid for these arguments, or '' without a scorer. */
  let scores = 0;
  let scorerFor = null; // the model entry whose scorer the worker holds (a promise while loading)
  async function promptScore(prompt, n, seed, t) {
    const file = shown?.scorer;
    if (!file) return '';
    try {
      if (scorerFor?.file !== file) {
        scorerFor = { file, loading: client.call('loadScorer', modelUrl({ file })) };
      }
      await scorerFor.loading;
      const { score, real_score: real } = await client.call('scorePrompt', prompt, n, seed, t);
      const reference = real == null ? '' : ` (real emoji with their own captions: ${real.toFixed(2)})`;
      return `Match to the prompt: ${score.toFixed(2)}${reference}.`;
    } catch (e) {
      scorerFor = null;
      return `(No match score: ${firstLine(e)}.)`;
    }
  }

  /** The first line of an error's message, without the module's advice. */
  const firstLine = (e) => (e?.message ?? String(e)).split('\n')[0];

  /** Whole-number scaling of the image grid that fits the card (and the window's height). */
  function fitGrid() {
    if (info?.kind !== 'image' || !canvas.width) return;
    const box = canvas.closest('.card');
    const style = getComputedStyle(box);
    const width = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const height = Math.max(360, Math.min(720, window.innerHeight - 160));
    enlarge(canvas, width > 0 ? width : 560, height);
  }
  {
    // Refit when the card's width changes (a window resize), after layout: resizing the
    // canvas inside the observer's callback would re-trigger it in the same frame.
    let width = 0;
    new ResizeObserver(([entry]) => {
      const w = Math.round(entry.contentRect.width);
      if (w === width) return;
      width = w;
      requestAnimationFrame(fitGrid);
    }).observe(canvas.closest('.card'));
  }

  // ── Latent walks ──────────────────────────────────────────────────────────────────────
  // One walk at a time. Play while a walk is computed or playing does nothing; Stop, a model
  // change or leaving the tab ends it, also while its frames are still being computed (they
  // are then dropped when they arrive: `walks` has moved on). The last walk computed stays
  // available for export until the model or the walk's settings change.

  /** The walk the controls ask for now. */
  function walkSettings(run) {
    const frames = intIn($('interp-frames'), 2, 60);
    const strips = run.kind === 'image' ? intIn($('interp-strips'), 1, 16) : WALK_POINTS;
    const seed = intIn($('sample-seed'), 0, 2 ** 32 - 1);
    const cls = run.classes ? Number($('sample-class').value) : -1;
    const mode = $('interp-mode').value;
    const prompts = run.text ? [$('sample-prompt').value.trim(), $('interp-to').value.trim()] : null;
    const t = run.text ? truncation() : 0;
    return { frames, strips, seed, cls, mode, prompts, t, key: JSON.stringify([frames, strips, seed, cls, mode, prompts, t]) };
  }

  /**
   * Computes a walk's frames. Resolves to `{run, key, frames, strips, seed, mode, cls, width,
   * height, scale, render(frame, canvas)}`: `render` draws frame `frame` at native size
   * (`width × height`), `scale` is the whole factor it is shown and exported at.
   */
  async function computeWalk(run, settings) {
    const { frames, strips, seed, mode, cls, prompts, t } = settings;
    if (prompts && !(prompts[0] && prompts[1])) throw new Error('type a prompt above and one to walk to');
    const bytes = prompts
      ? await client.call('interpolatePrompts', prompts[0], prompts[1], strips, frames, seed, t)
      : await client.call('interpolate', strips, frames, seed, mode, cls);
    if (run.kind === 'image') {
      const { width, height } = run;
      const size = width * height * 4;
      const batch = new Uint8Array(strips * size);
      const [w, h] = [strips * width + (strips + 1) * 2, height + 4];
      return {
        run, ...settings, width: w, height: h,
        scale: Math.max(1, Math.floor(Math.min(960, 140 * strips) / w)),
        render(frame, target) {
          for (let s = 0; s < strips; s++) batch.set(imageAt(bytes, s * frames + frame, width, height), s * size);
          drawGrid(target, batch, strips, width, height, { cols: strips, describe: false });
        },
      };
    }
    const all = pointsFromBytes(bytes); // strip after strip, frame after frame, x y
    const points = new Float32Array(strips * 2);
    return {
      run, ...settings, width: WALK_PLOT, height: WALK_PLOT, scale: 1,
      render(frame, target) {
        for (let s = 0; s < strips; s++) {
          points[2 * s] = all[2 * (s * frames + frame)];
          points[2 * s + 1] = all[2 * (s * frames + frame) + 1];
        }
        scatter(target, points, null, WALK_PLOT, { describe: false });
      },
    };
  }

  function describeWalk(w) {
    const of = `of ${w.run.name}`;
    const which = w.run.classes ? (w.cls >= 0 ? `, class ${classNames(w.run)[w.cls]}` : ', classes in turn') : '';
    const path = w.mode === 'lerp' ? 'straight lines' : 'great circles (slerp)';
    if (w.prompts) {
      describeCanvas(interpCanvas, `Prompt walk ${of}: ${count(w.strips, 'walk')} side by side, each ${w.frames} frames from “${w.prompts[0]}” to “${w.prompts[1]}” with one latent per walk, seed ${w.seed}, played there and back`);
      return;
    }
    describeCanvas(interpCanvas, w.run.kind === 'image'
      ? `Latent walk ${of}: ${count(w.strips, 'walk')} side by side, each ${w.frames} frames between two random latents along ${path}${which}, seed ${w.seed}, played there and back`
      : `Latent walk ${of}: ${w.strips} generated points moving along ${path} between random latents, ${w.frames} frames, seed ${w.seed}, played there and back`);
  }

  /** Starts a walk unless one is running; resolves when it plays (or was dropped). */
  async function startWalk() {
    if (walk || !info) return;
    const run = info;
    const token = ++walks;
    walk = { token, timer: 0 };
    showWalkState('computing the walk…');
    let w;
    try {
      w = await computeWalk(run, walkSettings(run));
    } catch (e) {
      if (walk?.token !== token) return; // stopped meanwhile: nobody waits for it any more
      stopWalk();
      throw e;
    }
    if (walk?.token !== token || info !== run) return;
    shownWalk = w;
    describeWalk(w);
    updateExportButtons();
    const period = Math.max(1, 2 * (w.frames - 1)); // there and back again
    let tick = 0;
    const step = () => {
      const t = tick % period;
      const frame = t < w.frames ? t : period - t;
      w.render(frame, interpCanvas);
      if (w.run.kind === 'image') enlarge(interpCanvas, Math.min(w.width * w.scale, walkBoxWidth()));
      $('interp-frame').textContent = `frame ${frame + 1} / ${w.frames}`;
      tick++;
    };
    step();
    walk.timer = setInterval(step, WALK_FRAME_MS);
  }

  const walkBoxWidth = () => {
    const box = interpCanvas.closest('.card');
    const style = getComputedStyle(box);
    return box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) || 960;
  };

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
    shownWalk = null;
    blank(interpCanvas);
    $('interp-frame').textContent = '';
    describeCanvas(interpCanvas, 'Latent walk: none yet (press Play)');
    updateExportButtons();
  }

  function showWalkState(text) {
    $('interp-play').setAttribute('aria-pressed', String(Boolean(walk)));
    $('interp-play').textContent = walk ? '▶ Playing' : '▶ Play';
    $('interp-stop').disabled = !walk;
    if (text !== undefined) $('interp-frame').textContent = text;
    else if (!walk && /computing/.test($('interp-frame').textContent)) $('interp-frame').textContent = '';
  }

  // ── Walk export: animated GIF, WebM video ───────────────────────────────────────────────

  function updateExportButtons() {
    $('interp-gif').disabled = exporting || !info;
    $('interp-webm').hidden = !videoType;
    $('interp-webm').disabled = exporting || !info;
  }

  function exportStatus(text) {
    $('interp-export-status').textContent = text;
  }

  /**
   * Saves the walk as an animated GIF (`format` 'gif') or WebM video ('webm'), played there and
   * back and looping, at the scale it is shown. The walk on screen is used when it matches the
   * controls; otherwise the walk they ask for is computed first (without playing it).
   */
  async function exportWalk(format) {
    if (exporting) return;
    if (!info) throw new Error('load a model first');
    const run = info;
    const settings = walkSettings(run);
    const check = () => {
      if (info !== run) throw new Stale();
    };
    exporting = true;
    updateExportButtons();
    try {
      let w = shownWalk?.run === run && shownWalk.key === settings.key ? shownWalk : null;
      if (!w) {
        exportStatus('Computing the walk…');
        w = await computeWalk(run, settings);
        check();
      }
      const [width, height] = [w.width * w.scale, w.height * w.scale];
      exportStatus(`Drawing ${w.frames} frames…`);
      const native = document.createElement('canvas');
      const scaled = document.createElement('canvas');
      [scaled.width, scaled.height] = [width, height];
      const ctx = scaled.getContext('2d', { willReadFrequently: true });
      ctx.imageSmoothingEnabled = false;
      const frames = [];
      for (let f = 0; f < w.frames; f++) {
        w.render(f, native);
        ctx.drawImage(native, 0, 0, width, height);
        frames.push({ rgba: ctx.getImageData(0, 0, width, height).data });
      }
      const sequence = pingPong(w.frames);
      const what = format === 'gif' ? 'GIF' : 'video';
      const onProgress = async (done, total) => {
        check();
        exportStatus(`${format === 'gif' ? 'Encoding the GIF' : 'Recording the video'}… frame ${done} / ${total}`);
        if (format === 'gif') await nextTask();
      };
      const base = `${run.name}-walk-seed${w.seed}`;
      let size;
      if (format === 'gif') {
        const bytes = await encodeGif(frames, width, height, { delay: WALK_FRAME_MS / 10, sequence, onProgress });
        check();
        saveBytes(bytes, `${base}.gif`, 'image/gif');
        size = bytes.length;
      } else {
        const blob = await recordWebm(frames, width, height, { delay: WALK_FRAME_MS, sequence, onProgress });
        check();
        saveBlob(blob, `${base}.webm`);
        size = blob.size;
      }
      exportStatus(`Saved ${base}.${format}: ${what}, ${width} × ${height}, ${sequence.length} frames, ${Math.max(1, Math.round(size / 1024))} kB.`);
    } catch (e) {
      if (e instanceof Stale) {
        exportStatus('');
        return;
      }
      exportStatus('');
      throw e;
    } finally {
      exporting = false;
      updateExportButtons();
    }
  }

  // ── Wiring ────────────────────────────────────────────────────────────────────────────
  $('sample-run').onclick = () => errors.run('Sampling failed', sample);
  $('sample-reseed').onclick = () => {
    $('sample-seed').value = Math.floor(Math.random() * 1e6);
    errors.run('Sampling failed', sample);
  };
  {
    let timer = 0;
    $('sample-prompt').oninput = () => {
      clearTimeout(timer);
      timer = setTimeout(() => errors.run('Sampling failed', sample), PROMPT_DEBOUNCE_MS);
    };
    $('sample-prompt').onkeydown = (e) => {
      if (e.key !== 'Enter') return;
      clearTimeout(timer);
      errors.run('Sampling failed', sample);
    };
  }
  $('sample-truncation').oninput = showTruncation;
  $('sample-truncation').onchange = () => errors.run('Sampling failed', sample);
  $('sample-class').onchange = () => errors.run('Sampling failed', sample);
  $('sample-download').onclick = () =>
    errors.run('Download failed', () => {
      if (!info) throw new Error('load a model first');
      return saveCanvasPng(canvas, `${info.name}-seed${$('sample-seed').value}.png`);
    });
  $('interp-play').onclick = () => errors.run('The latent walk failed', startWalk);
  $('interp-stop').onclick = stopWalk;
  $('interp-gif').onclick = () => errors.run('Saving the GIF failed', () => exportWalk('gif'));
  $('interp-webm').onclick = () => errors.run('Saving the video failed', () => exportWalk('webm'));
  // A new path, number of walks or frames while a walk plays: play the new one instead.
  for (const id of ['interp-mode', 'interp-strips', 'interp-frames', 'interp-to']) {
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
  showTruncation();
  updateExportButtons();

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
