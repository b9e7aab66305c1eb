// The Sample tab's projection card: drop (or choose) a picture and watch the generator's
// latent being optimised until its sample matches the picture as closely as it can (the
// library's `project` module; `ganvas project` natively). Shows the target as the model sees
// it beside the reconstruction, with the error after every few steps.

import { describeCanvas } from './a11y.js';
import { enlarge } from './grid.js';
import { errorsFor } from './errors.js';
import { clampOnChange, readNumber } from './number-input.js';

const $ = (id) => document.getElementById(id);

/** Gradient steps per worker call: a progress update every call. */
const CHUNK = 20;
/** Longest side of the picture handed to the wasm (it is fitted to the model's size there). */
const MAX_SIDE = 256;
/** The steps field's limits. */
const STEPS = { min: 10, max: 2000, integer: true, fallback: 300 };

/** The RGBA pixels of an image file, scaled down to at most MAX_SIDE on its longest side. */
async function pixelsOf(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`${file.name} is not an image this browser can decode`);
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const rgba = new Uint8Array(context.getImageData(0, 0, width, height).data.buffer);
  return { rgba, width, height };
}

/**
 * @param {{client: import('./client.js').Client}} session
 * @returns {{setModel(info: object|null): void, stop(): void}}  `setModel` with the run shown
 *   in the Sample tab (null: none); a change of model ends a projection and clears the card.
 */
export function createProjectView(session) {
  const { client } = session;
  const errors = errorsFor('sample');
  const canvas = $('project-canvas');
  let info = null;
  let runs = 0; // numbers projections: one that is no longer the latest stops
  let running = false;
  let target = null; // the picture as the model sees it (RGBA), from the projection's start

  function status(text) {
    $('project-status').textContent = text;
  }

  function setRunning(on) {
    running = on;
    $('project-stop').disabled = !on;
    $('project-file').disabled = on || !info || info.kind !== 'image';
  }

  function clear(text) {
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    describeCanvas(canvas, `Projection: ${text}`);
  }

  function draw(state) {
    const { width, height } = info;
    const pad = 4;
    canvas.width = width * 2 + pad;
    canvas.height = height;
    const context = canvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.putImageData(new ImageData(new Uint8ClampedArray(target), width, height), 0, 0);
    context.putImageData(new ImageData(new Uint8ClampedArray(state.image), width, height), width + pad, 0);
    enlarge(canvas, 480, 240);
    const cls = state.class >= 0 ? ` as ${className(state.class)}` : '';
    describeCanvas(canvas, `Your picture beside the generator's closest image${cls}, step ${state.step} of ${state.steps}`);
  }

  const className = (c) => info?.class_names?.[c] || `class ${c}`;

  function report(state) {
    const cls = state.class >= 0 ? ` · ${className(state.class)}` : '';
    status(`Step ${state.step} of ${state.steps} · error ${state.mse.toFixed(4)} (${state.psnr.toFixed(1)} dB; ` +
      `best random start ${state.start_mse.toFixed(4)})${cls}`);
  }

  async function project(file) {
    if (!info || info.kind !== 'image') throw new Error('projection needs an image model; load one first');
    const ticket = ++runs;
    setRunning(true);
    try {
      status(`Reading ${file.name}…`);
      const { rgba, width, height } = await pixelsOf(file);
      const steps = readNumber($('project-steps'), STEPS);
      const cls = Number($('project-class').value);
      status('Trying random latents…');
      let state = await client.request('projectStart', [rgba, width, height, cls, steps, 1], { transfer: [rgba.buffer] });
      if (ticket !== runs) return;
      target = state.target;
      draw(state);
      report(state);
      while (state.step < state.steps) {
        state = await client.call('projectSteps', CHUNK);
        if (ticket !== runs) return; // stopped, or another model or picture meanwhile
        draw(state);
        report(state);
      }
      status(`Done: ${$('project-status').textContent}`);
    } finally {
      if (ticket === runs) setRunning(false);
    }
  }

  function start(file) {
    if (!file) return;
    errors.run(`Projecting ${file.name} failed`, () => project(file)).finally(() => {
      if (!running && !/^Done|^Stopped/.test($('project-status').textContent)) status('');
    });
  }

  clampOnChange($('project-steps'), STEPS);
  $('project-file').onchange = (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    start(file);
  };
  const card = $('project-card');
  card.addEventListener('dragover', (e) => {
    e.preventDefault();
    card.classList.add("over");
  });
  card.addEventListener('dragleave', () => card.classList.remove("over"));
  card.addEventListener('drop', (e) => {
    e.preventDefault();
    card.classList.remove("over");
    if (!running) start(e.dataTransfer.files[0]);
  });
  $('project-stop').onclick = () => {
    runs++;
    setRunning(false);
    status(`Stopped: ${$('project-status').textContent}`);
  };

  return {
    setModel(run) {
      if (run === info) return;
      runs++;
      info = run;
      const images = run?.kind === 'image';
      $('project-card').hidden = !images;
      const select = $('project-class');
      select.replaceChildren(new Option('any (searched)', '-1'));
      for (let c = 0; c < (run?.classes ?? 0); c++) select.append(new Option(className(c), String(c)));
      $('project-class-label').hidden = !run?.classes;
      setRunning(false);
      status('');
      clear(images ? 'drop a picture to find it in the latent space' : 'none');
    },
    stop() {
      if (running) $('project-stop').click();
    },
  };
}
