// The Train tab: start a run (preset or shipped model or checkpoint file), choose data
// (built-in 2-D sets or the user's images), tune hyper-parameters, and train with live plots,
// a sample grid from fixed latents and a checkpoint download.

import { DISTRIBUTIONS, PRESETS, getTomlValue } from './presets.js';
import { listModels, modelError, modelUrl } from './models.js';
import { decodeImages, fromDrop, fromFileList, labelsFromPaths } from './decode.js';
import { drawGrid, enlarge, pointsFromBytes } from './grid.js';
import { FAKE, REAL, scatter } from './plane.js';
import { LinePlot } from './plot.js';
import { errorsFor } from './errors.js';
import { createPlayer } from './player.js';
import { saveBytes } from './download.js';
import { describeRun } from './sample-view.js';
import { createMetricsPanel } from './metrics-panel.js';
import { createInceptionPanel } from './inception-panel.js';

const $ = (id) => document.getElementById(id);
const SAMPLE_SEED = 1234; // the fixed latents of the sample grid
const IMAGES = 'images'; // value of the "my images" data option
/** Built-in image sets: their test splits, served from the repository's data/ folder. */
const IDX_SETS = [
  { name: 'fashion-mnist', title: 'Fashion-MNIST (10k test images)' },
  { name: 'mnist', title: 'MNIST digits (10k test images)' },
];
/** Aim for about this long per wasm call, so Pause and the plots respond quickly. */
const CHUNK_MS = 250;

export function createTrainView(session) {
  const { client } = session;
  const errors = errorsFor('train');
  let info = null; // RunInfo of the current model
  let step = 0;
  let savedStep = 0; // the step of the model as started or last downloaded
  let images = null; // decoded user images {rgba, n, width, height, paths, …}
  let realPoints = null; // cached real points for the 2-D scatter
  let dataReady = false;
  let chunk = 1; // steps per wasm call, adapted to the measured speed
  let lastProgress = 0;
  let shipped = [];

  const metrics = createMetricsPanel(client);
  createInceptionPanel(client);
  const lossPlot = new LinePlot($('train-loss-plot'), [
    { key: 'd_loss', label: 'D loss', color: '#7a4bd6' },
    { key: 'g_loss', label: 'G loss', color: '#1f9e77' },
  ], { title: 'Losses' });
  const scorePlot = new LinePlot($('train-d-plot'), [
    { key: 'd_real', label: 'D(real)', color: REAL },
    { key: 'd_fake', label: 'D(fake)', color: FAKE },
    { key: 'ada_p', label: 'augment p', color: '#c08000' },
  ], { title: 'Mean D score' });
  // The adaptive augmentation probability is plotted only for runs that adapt it.
  const adaptive = () => Number(info?.train?.ada_target) > 0;
  let redrawQueued = false;
  const redrawPlots = () => {
    if (redrawQueued) return;
    redrawQueued = true;
    requestAnimationFrame(() => {
      redrawQueued = false;
      lossPlot.draw();
      scorePlot.draw();
    });
  };

  // ── Model ─────────────────────────────────────────────────────────────────────────────
  function fillSources() {
    const select = $('train-source');
    const scratch = document.createElement('optgroup');
    scratch.label = 'From scratch';
    scratch.append(...PRESETS.map((p) => new Option(p.title, `preset:${p.id}`)));
    const fine = document.createElement('optgroup');
    fine.label = 'Continue a shipped model';
    fine.append(...shipped.map((m, i) => new Option(m.title, `shipped:${i}`)));
    const own = document.createElement('optgroup');
    own.label = 'Your own';
    own.append(new Option('Checkpoint file…', 'file'));
    select.replaceChildren(scratch, ...(shipped.length ? [fine] : []), own);
    onSourceChange();
  }

  function onSourceChange() {
    const value = $('train-source').value;
    const preset = PRESETS.find((p) => `preset:${p.id}` === value);
    $('train-toml-box').hidden = !preset;
    if (preset) $('train-toml').value = preset.toml;
    $('train-checkpoint-label').hidden = value !== 'file';
  }

  async function start() {
    await stop();
    const value = $('train-source').value;
    $('train-model-info').textContent = 'Starting…';
    try {
      if (value.startsWith('preset:')) info = await client.call('newRun', $('train-toml').value);
      else if (value.startsWith('shipped:')) {
        const model = shipped[Number(value.slice(8))];
        info = await client.call('loadCheckpoint', modelUrl(model)).catch((e) => Promise.reject(modelError(model, e)));
      } else {
        const file = $('train-checkpoint-file').files[0];
        if (!file) throw new Error('choose a .safetensors checkpoint file first');
        const bytes = await file.arrayBuffer();
        info = await client.request('loadCheckpoint', [bytes], { transfer: [bytes] });
      }
    } catch (e) {
      info = null;
      $('train-model-info').textContent = 'No model yet.';
      updateButtons();
      throw e;
    }
    await onModel();
  }

  /** After a new model: refresh the form, plots and data (a new model forgets its data). */
  async function onModel() {
    step = info.step;
    savedStep = step;
    $('train-model-info').textContent = describeRun(info);
    $('train-step-count').textContent = step;
    $('train-speed').textContent = '–';
    chunk = 1;
    lossPlot.clear();
    scorePlot.clear();
    metrics.clear();
    fillForm(info.train);
    fillDataChoices();
    dataReady = false;
    updateButtons();
    await errors.run('Choosing the data failed', applyData);
    await refreshSamples();
  }

  // ── Data ──────────────────────────────────────────────────────────────────────────────
  function fillDataChoices() {
    const select = $('train-data');
    const points = info?.kind === 'points';
    const previous = select.value;
    const toyOptions = DISTRIBUTIONS.map((d) => new Option(d.title, d.name));
    const imageOption = new Option('My images', IMAGES);
    const idxOptions = IDX_SETS.map((d) => new Option(d.title, `idx:${d.name}`));
    if (info) {
      toyOptions.forEach((o) => (o.disabled = !points));
      imageOption.disabled = points;
      idxOptions.forEach((o) => (o.disabled = points || info.channels !== 1));
    }
    select.replaceChildren(...toyOptions, ...idxOptions, imageOption);
    // Prefer what the run was trained on, then the previous choice, then the first allowed.
    const dir = info && getTomlValue(info.config, 'data', 'dir');
    const trainedSet = dir && IDX_SETS.find((d) => dir.replace(/\/+$/, '').endsWith(d.name));
    const trained = (info && getTomlValue(info.config, 'data', 'distribution')) ||
      (trainedSet && `idx:${trainedSet.name}`);
    const allowed = [...select.options].filter((o) => !o.disabled).map((o) => o.value);
    select.value = [trained, previous].find((v) => v && allowed.includes(v)) ?? allowed[0];
    $('train-images').hidden = select.value !== IMAGES;
  }

  async function applyData() {
    try {
      await useData();
    } catch (e) {
      $('train-data-status').textContent = 'The data could not be used (see the message above).';
      throw e;
    }
  }

  async function useData() {
    const choice = $('train-data').value;
    $('train-images').hidden = choice !== IMAGES;
    dataReady = false;
    realPoints = null;
    updateButtons();
    if (!info) return;
    const status = $('train-data-status');
    await metrics.setData(null);
    if (choice.startsWith('idx:')) {
      const set = choice.slice(4);
      status.textContent = `Loading ${set}…`;
      const n = await client.call('useIdx', set);
      status.textContent = `${n} ${set} test images with their labels, fitted to ${info.width}×${info.height}.`;
      dataReady = true;
      updateButtons();
      await errors.run('The metrics classifier could not be loaded', () => metrics.setData(set));
      return;
    }
    if (choice !== IMAGES) {
      await client.call('useToyData', choice);
      realPoints = await client.call('realPoints', 512, SAMPLE_SEED);
      status.textContent = `Fresh points from “${$('train-data').selectedOptions[0].text}” every batch.`;
    } else {
      if (!images) {
        status.textContent = 'Drop images or pick files or a folder.';
        return;
      }
      const { labels, classNames } = labelsFromPaths(images.paths);
      let useLabels;
      let classes = '';
      if (info.classes) {
        if (!labels) throw new Error(`this model is class-conditional (${info.classes} classes): put the images in one sub-folder per class`);
        if (classNames.length > info.classes) throw new Error(`found ${classNames.length} class folders but the model has ${info.classes} classes`);
        useLabels = labels;
        classes = `, classes ${classNames.map((c, i) => `${i} = ${c}`).join(', ')}`;
      } else if (labels) classes = ' (sub-folders ignored: the model is unconditional)';
      const rgba = images.rgba.slice(); // a copy to hand over; the original stays for later runs
      await client.request('useImages', [{ rgba, n: images.n, width: images.width, height: images.height, labels: useLabels }], {
        transfer: [rgba.buffer],
      });
      status.textContent = `${images.n} images of ${images.width}×${images.height}${classes}, fitted to ${info.width}×${info.height}.` +
        (images.note ? ` Note: ${images.note}.` : '');
    }
    dataReady = true;
    updateButtons();
  }

  async function takeImages(entries) {
    const status = $('train-data-status');
    status.textContent = `Decoding ${entries.length} files…`;
    try {
      images = await decodeImages(entries, $('train-image-size').value, (done, total) => {
        status.textContent = `Decoding ${done} / ${total}…`;
      });
    } catch (e) {
      status.textContent = images ? `Still using the ${images.n} images read before.` : 'No images read.';
      throw e;
    }
    if (info?.kind !== 'image') {
      status.textContent = `${images.n} images ready; start an image model (DCGAN) to train on them.`;
      return;
    }
    $('train-data').value = IMAGES;
    await applyData();
  }

  // ── Hyper-parameters ─────────────────────────────────────────────────────────────────
  const form = $('train-hparams');
  const NUMBERS = ['lr_g', 'lr_d', 'beta1', 'beta2', 'batch', 'n_critic', 'ema_kimg'];

  function fillForm(train) {
    form.elements.loss.value = train.loss;
    for (const key of NUMBERS) form.elements[key].value = train[key];
    for (const box of form.querySelectorAll('input[name="augment"]')) box.checked = train.augment.includes(box.value);
    $('hp-augment').disabled = info?.kind === 'points'; // DiffAugment ignores 2-D points
  }

  async function applyForm() {
    if (!info) throw new Error('start a model first');
    const train = { ...info.train, loss: form.elements.loss.value };
    for (const key of NUMBERS) {
      const value = Number(form.elements[key].value);
      if (form.elements[key].value === '' || !Number.isFinite(value)) throw new Error(`${key} must be a number`);
      train[key] = value;
    }
    train.augment = [...form.querySelectorAll('input[name="augment"]:checked')].map((b) => b.value);
    try {
      await client.call('setTrainConfig', train);
    } catch (e) {
      fillForm(info.train); // show what is really in use
      throw e;
    }
    info.train = train;
  }

  // ── Training ─────────────────────────────────────────────────────────────────────────
  function onProgress({ stats, imagesPerSec }) {
    const now = performance.now();
    if (lastProgress && stats.length) {
      const msPerStep = (now - lastProgress) / stats.length;
      chunk = Math.max(1, Math.min(50, Math.round(CHUNK_MS / Math.max(msPerStep, 0.1))));
    }
    lastProgress = now;
    for (const s of stats) {
      lossPlot.push(s.step, s);
      scorePlot.push(s.step, { ...s, ada_p: adaptive() ? s.augment_p : NaN });
      step = s.step;
    }
    $('train-step-count').textContent = step;
    $('train-speed').textContent = imagesPerSec >= 100 ? Math.round(imagesPerSec) : imagesPerSec.toFixed(1);
    redrawPlots();
  }

  const sampleEvery = () => Math.max(1, Math.round(Number($('train-sample-every').value) || 50));

  async function runSteps(steps, signal) {
    lastProgress = performance.now();
    return client.request('train', [{ steps, chunk: Math.min(chunk, steps) }], { onProgress, signal });
  }

  const player = createPlayer({
    async round(signal) {
      const every = sampleEvery();
      // Stop at the next multiple of `every` for a fresh grid; at most ~10 chunks per call
      // so that `chunk` follows the measured speed.
      const steps = Math.min(every - (step % every), chunk * 10, metrics.stepsUntilNext(step));
      await runSteps(steps, signal);
      if (step % every === 0 || signal.aborted) await refreshSamples();
      await metrics.afterSteps(step);
    },
    onError: (e) => errors.show(e, 'Training stopped'),
    onChange: () => updateButtons(),
  });

  function play() {
    if (info && dataReady) player.play();
  }

  /** Pauses and waits until the worker has finished its current chunk. */
  const stop = () => player.stop();

  async function singleStep() {
    if (player.playing || !info || !dataReady) return;
    await runSteps(1);
    await refreshSamples();
  }

  async function refreshSamples() {
    if (!info) return;
    const canvas = $('train-samples');
    if (info.kind === 'image') {
      const n = info.classes ? info.classes * Math.max(1, Math.floor(40 / info.classes)) : 36;
      const bytes = await client.call('sample', n, SAMPLE_SEED, 0, -1);
      drawGrid(canvas, bytes, n, info.width, info.height, { cols: info.classes || undefined });
      enlarge(canvas);
    } else {
      scatter(canvas, pointsFromBytes(await client.call('sample', 512, SAMPLE_SEED, 0, -1)), realPoints);
    }
  }

  async function download() {
    if (!info) throw new Error('start a model first');
    const bytes = await client.call('export');
    saveBytes(bytes, `${info.name}-step${step}.safetensors`);
    savedStep = step;
  }

  function updateButtons() {
    const ready = Boolean(info) && dataReady;
    $('train-play').disabled = player.playing || !ready;
    $('train-pause').disabled = !player.playing;
    $('train-step').disabled = player.playing || !ready;
    $('train-download').disabled = !info;
  }

  // ── Wiring ────────────────────────────────────────────────────────────────────────────
  $('train-source').onchange = onSourceChange;
  $('train-start').onclick = () => errors.run('Starting the run failed', start);
  $('train-data').onchange = () => errors.run('Choosing the data failed', applyData);
  $('train-files').onchange = (e) => errors.run('Reading the images failed', () => takeImages(fromFileList(e.target.files)));
  $('train-folder').onchange = (e) => errors.run('Reading the folder failed', () => takeImages(fromFileList(e.target.files)));
  const drop = $('train-drop');
  drop.ondragover = (e) => {
    e.preventDefault();
    drop.classList.add('over');
  };
  drop.ondragleave = () => drop.classList.remove('over');
  drop.ondrop = (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    errors.run('Reading the dropped files failed', async () => takeImages(await fromDrop(e.dataTransfer)));
  };
  form.onchange = () => errors.run('Hyper-parameters not applied', applyForm);
  form.onsubmit = (e) => e.preventDefault();
  $('train-play').onclick = play;
  $('train-pause').onclick = () => stop();
  $('train-step').onclick = () => errors.run('Training step failed', singleStep);
  $('train-download').onclick = () => errors.run('Export failed', download);
  $('metrics-now').onclick = () => errors.run('Evaluation failed', () => metrics.evaluate(step));
  $('metrics-now').disabled = true;

  fillDataChoices();
  updateButtons();
  const ready = (async () => {
    shipped = await listModels().catch(() => []);
    fillSources();
    await session.ready;
  })().catch((e) => errors.show(e, 'The Train tab could not start'));

  /** Whether steps were trained since the start or the last download (a reload loses them). */
  const unsaved = () => Boolean(info) && step !== savedStep;

  return { ready, show() {}, hide() {}, unsaved };
}
