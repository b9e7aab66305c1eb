// The Train tab: start a run (preset or shipped model or checkpoint file), choose data
// (built-in 2-D sets, built-in image sets or the user's images), tune hyper-parameters, and
// train with live plots, a sample grid from fixed latents, a progress line for every wait, a
// checkpoint download and an autosave to this browser's storage that a reload can resume.

import { DISTRIBUTIONS, PRESETS, getTomlValue } from './presets.js';
import { listModels, modelError, modelUrl } from './models.js';
import { decodeImages, fromDrop, fromFileList, labelsFromPaths } from './decode.js';
import { drawGrid, pointsFromBytes } from './grid.js';
import { FAKE, REAL, scatter } from './plane.js';
import { LinePlot } from './plot.js';
import { errorsFor } from './errors.js';
import { createPlayer } from './player.js';
import { saveBytes } from './download.js';
import { createMetricsPanel } from './metrics-panel.js';
import { createInceptionPanel } from './inception-panel.js';
import { createBusy } from './busy.js';
import { count } from './plural.js';
import { clampOnChange, forgetNote, readNumber } from './number-input.js';
import { checkHyperParameters } from './hparam-checks.js';
import { FOLDER_SETS, loadFolderSet } from './folder-sets.js';
import { IMAGES_LIMIT, readImages, writeImages, writeRun } from './autosave-store.js';
import { hideResumeOffer } from './resume-offer.js';
import { reason } from './messages.js';

const $ = (id) => document.getElementById(id);
const SAMPLE_SEED = 1234; // the fixed latents of the sample grid
const IMAGES = 'images'; // value of the "my images" data option
/** Built-in image sets: their test splits, served from the repository's data/ folder. */
const IDX_SETS = [
  { name: 'fashion-mnist', title: 'Fashion-MNIST (10k test images)' },
  { name: 'mnist', title: 'MNIST digits (10k test images)' },
];
/** Built-in sets that have a shipped domain classifier (www/models/domain-<name>.safetensors). */
const CLASSIFIED = { 'fashion-mnist': 1, mnist: 1, emoji: 3 }; // → the channels it reads
/** Aim for about this long per wasm call, so Pause and the plots respond quickly. */
const CHUNK_MS = 250;
/** The sample grid is redrawn at least this often while training, whatever "samples every" says. */
const SAMPLES_AT_LEAST_MS = 10_000;
/** The user's images shown in the preview. */
const PREVIEW = 24;
const SAMPLE_EVERY = { min: 1, max: 100000, integer: true, fallback: 50 };
const AUTOSAVE_EVERY = { min: 0, max: 100000, integer: true, fallback: 100 };
const BATCH = { min: 1, max: 4096, integer: true, fallback: 32, why: '(the model\'s limit)' };
const N_CRITIC = { min: 1, max: 100, integer: true, fallback: 1, why: '(the model\'s limit)' };
const AUTOSAVE_HINT = 'Autosave keeps the run in this browser, so a reload can resume it.';
const MB = (bytes) => `${Math.round(bytes / 2 ** 20)} MB`;

export function createTrainView(session) {
  const { client } = session;
  const errors = errorsFor('train');
  const busy = createBusy($('train-busy'));
  const autosaveStatus = (text) => ($('train-autosave-status').textContent = text);
  let info = null; // RunInfo of the current model
  let step = 0;
  let savedStep = 0; // the step of the model as started or last downloaded
  let autosavedStep = -1; // the step last autosaved (-1: not this model)
  let autosaveBroken = false; // storage refused once: say so once, not every N steps
  let images = null; // decoded user images {rgba, n, width, height, paths, …}
  let imagesId = null; // their key in the autosave store (null: not kept)
  const folderImages = {}; // built-in folder set name → decoded images
  let realPoints = null; // cached real points for the 2-D scatter
  let dataReady = false;
  let dataSerial = 0; // numbers the data choices, so a slow one cannot overwrite a newer one
  let dataTitle = ''; // what the run trains on, in words (for the autosave offer)
  let chunk = 1; // steps per wasm call, adapted to the measured speed
  let lastProgress = 0;
  let lastSamples = 0; // when the sample grid was last drawn (performance.now())
  let stepping = false; // a single step is running
  let firstStepDone = false; // of this model in this page (the first one compiles the shaders)
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

  /** The run info line: name, shape, classes and "trained N steps", kept current. */
  const showModelInfo = (suffix = '') => {
    if (!info) {
      $('train-model-info').textContent = 'No model loaded.';
      return;
    }
    const shape = info.kind === 'image' ? `${info.width}×${info.height}, ${info.channels === 1 ? 'grey' : 'RGB'}` : '2-D points';
    const classes = info.classes ? ` · ${count(info.classes, 'class', 'classes')}` : '';
    $('train-model-info').textContent = `${info.name} · ${shape}${classes} · trained ${count(step, 'step')}${suffix}`;
  };

  async function start() {
    await stop();
    const value = $('train-source').value;
    try {
      await busy.during('Starting the model…', async () => {
        let next;
        if (value.startsWith('preset:')) next = await client.call('newRun', $('train-toml').value);
        else if (value.startsWith('shipped:')) {
          const model = shipped[Number(value.slice(8))];
          next = await client.call('loadCheckpoint', modelUrl(model)).catch((e) => Promise.reject(modelError(model, e)));
        } else {
          const file = $('train-checkpoint-file').files[0];
          if (!file) throw new Error('choose a .safetensors checkpoint file first');
          const bytes = await file.arrayBuffer();
          next = await client.request('loadCheckpoint', [bytes], { transfer: [bytes] });
        }
        info = next;
      });
    } catch (e) {
      await afterFailedStart();
      if (value.startsWith('preset:')) markTomlLine(e);
      throw e;
    }
    await onModel();
  }

  /** A config error naming "line N, column M": opens the editor with that line selected. */
  function markTomlLine(error) {
    const at = String(error?.message ?? '').match(/\bline (\d+), column (\d+)/);
    if (!at) return;
    const area = $('train-toml');
    const lines = area.value.split('\n');
    const line = Math.min(Number(at[1]), lines.length) - 1;
    const start = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0);
    $('train-toml-box').open = true;
    area.focus();
    area.setSelectionRange(start, start + lines[line].length);
  }

  /**
   * A start failed. The worker keeps the model it had when a new one cannot be made, so ask it
   * what is loaded: the page shows that model, or nothing at all, never one that is gone.
   */
  async function afterFailedStart() {
    const loaded = await client.call('info').catch(() => null);
    if (loaded && info && loaded.name === info.name && loaded.step === step) {
      showModelInfo(' (still loaded: the new model could not be started)');
      return;
    }
    info = null;
    dataReady = false;
    lossPlot.clear();
    scorePlot.clear();
    metrics.clear();
    blankSamples('No model is loaded, so there is nothing to sample.');
    showModelInfo();
    $('train-step-count').textContent = '0';
    updateButtons();
  }

  /**
   * After a new model: refresh the form, plots and data (a new model forgets its data).
   * `restored` (an autosave record) gives the data choice and the plots to put back.
   */
  async function onModel(restored = null) {
    step = info.step;
    savedStep = step;
    autosavedStep = restored ? step : -1;
    autosaveStatus(AUTOSAVE_HINT);
    firstStepDone = false;
    showModelInfo();
    $('train-step-count').textContent = step;
    $('train-speed').textContent = '–';
    chunk = 1;
    lossPlot.clear();
    scorePlot.clear();
    if (restored) restorePlots(restored.plots);
    metrics.clear();
    fillForm(info.train);
    fillDataChoices(restored?.data.choice);
    dataReady = false;
    updateButtons();
    if (restored) await restoreData(restored.data);
    else await errors.run('Choosing the data failed', applyData);
    await refreshSamples();
  }

  // ── Data ──────────────────────────────────────────────────────────────────────────────
  function fillDataChoices(wanted = null) {
    const select = $('train-data');
    const points = info?.kind === 'points';
    const previous = select.value;
    const toyOptions = DISTRIBUTIONS.map((d) => new Option(d.title, d.name));
    const imageOption = new Option('My images', IMAGES);
    const idxOptions = IDX_SETS.map((d) => new Option(d.title, `idx:${d.name}`));
    const folderOptions = FOLDER_SETS.map((d) => new Option(d.title, `folder:${d.name}`));
    if (info) {
      toyOptions.forEach((o) => (o.disabled = !points));
      imageOption.disabled = points;
      idxOptions.forEach((o) => (o.disabled = points || info.channels !== 1));
      // A text model needs captions: your images, named after what they show.
      folderOptions.forEach((o) => (o.disabled = points || info.text));
      if (info.text) imageOption.text = 'My images (captioned from their file names)';
    }
    // Own images before the emoji: a fresh colour model should not start a 3,786-file download.
    select.replaceChildren(...toyOptions, ...idxOptions, imageOption, ...folderOptions);
    // Prefer what was asked for, then what the run was trained on, then the previous choice,
    // then the first allowed.
    const dir = info && getTomlValue(info.config, 'data', 'dir');
    const trimmed = dir?.replace(/\/+$/, '');
    const trainedSet = trimmed && IDX_SETS.find((d) => trimmed.endsWith(d.name));
    const trainedFolder = trimmed && FOLDER_SETS.find((d) => trimmed.endsWith(d.name));
    const trained = (info && getTomlValue(info.config, 'data', 'distribution')) ||
      (trainedSet && `idx:${trainedSet.name}`) || (trainedFolder && `folder:${trainedFolder.name}`);
    const allowed = [...select.options].filter((o) => !o.disabled).map((o) => o.value);
    select.value = [wanted, trained, previous].find((v) => v && allowed.includes(v)) ?? allowed[0];
    $('train-images').hidden = select.value !== IMAGES;
  }

  async function applyData() {
    try {
      await busy.during('Loading the data…', (wait) => useData(wait));
    } catch (e) {
      $('train-data-status').textContent = 'The data could not be used (see the message above).';
      throw e;
    }
  }

  const status = (text) => ($('train-data-status').textContent = text);

  /** Hands the chosen data to the model; `wait` is the progress line to keep current. */
  async function useData(wait) {
    // A newer choice (or model) supersedes this one: after every wait, stop if it came.
    const mine = ++dataSerial;
    const superseded = () => mine !== dataSerial;
    const choice = $('train-data').value;
    $('train-images').hidden = choice !== IMAGES;
    dataReady = false;
    realPoints = null;
    updateButtons();
    if (!info) return;
    const title = $('train-data').selectedOptions[0]?.text ?? choice;
    $('train-metrics').hidden = info.kind !== 'image';
    await metrics.setData(null, info.kind === 'image'
      ? 'Domain metrics need a built-in data set (Fashion-MNIST, MNIST or the Noto emoji) and its classifier; your own images have none, but the standard FID below works on them.'
      : 'Metrics are for image models.');
    if (superseded()) return;
    if (choice.startsWith('idx:')) {
      const set = choice.slice(4);
      status(`Loading ${set}…`);
      const n = await client.call('useIdx', set);
      if (superseded()) return;
      status(`${count(n, `${set} test image`)} with their labels, fitted to ${info.width}×${info.height}.`);
      dataChosen(title);
      await useClassifier(set, superseded);
      return;
    }
    if (choice.startsWith('folder:')) {
      const set = FOLDER_SETS.find((d) => `folder:${d.name}` === choice);
      folderImages[set.name] ??= await loadFolderSet(set, (done, total) => {
        if (superseded()) return;
        const text = done < total ? `Downloading the ${set.name} images: ${done} / ${total}…` : `Decoding the ${count(total, `${set.name} image`)}…`;
        status(text);
        wait.say(text);
      });
      if (superseded() || !(await attachImages(folderImages[set.name], set.name, superseded))) return;
      dataChosen(title);
      await useClassifier(set.name, superseded);
      return;
    }
    if (choice !== IMAGES) {
      await client.call('useToyData', choice);
      const points = await client.call('realPoints', 512, SAMPLE_SEED);
      if (superseded()) return;
      realPoints = points;
      status(`Fresh points from “${title}” every batch.`);
      dataChosen(title);
      return;
    }
    if (!images) {
      status('Drop images or pick files or a folder.');
      return;
    }
    if (await attachImages(images, 'your', superseded)) dataChosen(`your ${count(images.n, 'image')}`);
  }

  /** The data is in place: training can start. */
  function dataChosen(title) {
    dataTitle = title;
    dataReady = true;
    updateButtons();
  }

  /** The domain metrics for a built-in set, when its classifier reads this model's images. */
  async function useClassifier(set, superseded) {
    if (superseded()) return;
    if (CLASSIFIED[set] !== info.channels) {
      await metrics.setData(null, `Domain metrics for ${set} need a ${CLASSIFIED[set] === 1 ? 'grey-scale' : 'colour'} model.`);
      return;
    }
    await busy.during(`Loading the ${set} classifier for the metrics…`, () =>
      errors.run('The metrics classifier could not be loaded', () => metrics.setData(set)));
  }

  /**
   * Hands decoded images to the model; `whose` is 'your' or a built-in set's name. Resolves to
   * false when a newer data choice came meanwhile (nothing is said then).
   */
  async function attachImages(set, whose, superseded) {
    const { labels, classNames } = labelsFromPaths(set.paths);
    let useLabels;
    let classes = '';
    let paths;
    if (info.text) {
      // A text model: each image is captioned from its file name and folders (in the worker).
      paths = set.paths;
      const caption = (p) => p.split('/').pop().replace(/\.[^.]*$/, '').split(/[^\p{L}\p{N}]+/u)
        .filter((w) => w && !/^\d+$/.test(w)).join(' ').toLowerCase();
      const shown = set.paths.slice(0, 3).map((p) => `“${caption(p)}”`);
      classes = `, captioned from their names (${shown.join(', ')}${set.n > 3 ? ', …' : ''})`;
    } else if (info.classes) {
      if (!labels) throw new Error(`this model is class-conditional (${info.classes} classes): put the images in one sub-folder per class`);
      if (classNames.length > info.classes) throw new Error(`found ${classNames.length} class folders but the model has ${info.classes} classes`);
      useLabels = labels;
      classes = `, classes ${classNames.map((c, i) => `${i} = ${c}`).join(', ')}`;
    } else if (labels) classes = ' (sub-folders ignored: the model is unconditional)';
    const rgba = set.rgba.slice(); // a copy to hand over; the original stays for later runs
    await client.request('useImages', [{ rgba, n: set.n, width: set.width, height: set.height, labels: useLabels, paths }], {
      transfer: [rgba.buffer],
    });
    if (superseded()) return false;
    const what = whose === 'your' ? `Your ${count(set.n, 'image')}` : count(set.n, `${whose} image`);
    status(`${what} of ${set.width}×${set.height}${classes}, fitted to ${info.width}×${info.height}.` +
      (set.note ? ` Note: ${set.note}.` : ''));
    return true;
  }

  async function takeImages(entries) {
    status(`Decoding ${count(entries.length, 'file')}…`);
    try {
      images = await busy.during(`Decoding ${count(entries.length, 'file')}…`, () =>
        decodeImages(entries, $('train-image-size').value, (done, total) => status(`Decoding ${done} / ${total}…`)));
    } catch (e) {
      status(images ? `Still using the ${count(images.n, 'image')} read before.` : 'No images read.');
      throw e;
    }
    showPreview();
    await keepImages();
    if (info?.kind !== 'image') {
      status(`${count(images.n, 'image')} ready; start an image model (DCGAN) to train on them.`);
      return;
    }
    $('train-data').value = IMAGES;
    await applyData();
  }

  /** The first few of the user's images, so they can see what was read. */
  function showPreview() {
    const box = $('train-preview-box');
    box.hidden = !images;
    if (!images) return;
    const n = Math.min(images.n, PREVIEW);
    drawGrid($('train-preview'), images.rgba, n, images.width, images.height, { cols: Math.min(n, 8) });
    $('train-preview').setAttribute('aria-label', `Preview of ${n === images.n ? 'your' : `the first ${n} of your`} ${count(images.n, 'image')}`);
    $('train-preview-caption').textContent = images.n > n
      ? `The first ${n} of ${count(images.n, 'image')}, as the model will see them.`
      : `${n === 1 ? 'The image' : `All ${count(n, 'image')}`}, as the model will see ${n === 1 ? 'it' : 'them'}.`;
  }

  /** Keeps the user's images beside the autosave when they fit the limit (checked first). */
  async function keepImages() {
    imagesId = null;
    const note = $('train-images-kept');
    if (images.rgba.byteLength > IMAGES_LIMIT) {
      note.textContent = `These images (${MB(images.rgba.byteLength)}) are too large to keep in this browser (at most ${MB(IMAGES_LIMIT)}): after a reload you will have to drop them again.`;
      await writeImages(images).catch(() => {}); // removes older ones, so a resume asks for these
      return;
    }
    try {
      imagesId = await writeImages(images);
      note.textContent = 'Kept in this browser with the autosave, so a reload can resume without them being dropped again.';
    } catch (e) {
      note.textContent = `They could not be kept in this browser (${reason(e)}): after a reload you will have to drop them again.`;
    }
  }

  // ── Hyper-parameters ─────────────────────────────────────────────────────────────────
  const form = $('train-hparams');
  const NUMBERS = ['lr_g', 'lr_d', 'beta1', 'beta2', 'batch', 'n_critic', 'ema_kimg'];
  const warning = $('train-hparams-warning');

  function fillForm(train) {
    form.elements.loss.value = train.loss;
    for (const key of NUMBERS) form.elements[key].value = train[key];
    for (const box of form.querySelectorAll('input[name="augment"]')) box.checked = train.augment.includes(box.value);
    $('hp-augment').disabled = info?.kind === 'points'; // DiffAugment ignores 2-D points
    warning.replaceChildren();
    warning.hidden = true;
  }

  async function applyForm(event) {
    if (!info) throw new Error('start a model first');
    if (event?.target?.type === 'number') forgetNote(event.target); // edited: a new value, a new check
    const typed = { ...info.train, loss: form.elements.loss.value };
    for (const key of NUMBERS) {
      if (key === 'batch') typed[key] = readNumber(form.elements.batch, BATCH);
      else if (key === 'n_critic') typed[key] = readNumber(form.elements.n_critic, N_CRITIC);
      else if (form.elements[key].value.trim() === '') typed[key] = NaN;
      else typed[key] = Number(form.elements[key].value);
    }
    typed.augment = [...form.querySelectorAll('input[name="augment"]:checked')].map((b) => b.value);
    const { train, warnings } = checkHyperParameters(typed, info.train);
    for (const key of NUMBERS) if (train[key] !== typed[key]) form.elements[key].value = train[key];
    warning.replaceChildren(...warnings.map((text) => Object.assign(document.createElement('p'), { textContent: text })));
    warning.hidden = !warnings.length;
    try {
      await client.call('setTrainConfig', train);
    } catch (e) {
      fillForm(info.train); // show what is really in use
      throw e;
    }
    info.train = train;
  }

  // ── Training ─────────────────────────────────────────────────────────────────────────
  let wait = null; // the progress line of the training call in flight

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
    firstStepDone = true;
    if (clearOnProgress) {
      clearOnProgress = false;
      errors.clear();
    }
    wait?.rearm(`Training step ${step + 1}…`);
    $('train-step-count').textContent = step;
    showModelInfo();
    $('train-speed').textContent = imagesPerSec >= 100 ? Math.round(imagesPerSec) : imagesPerSec.toFixed(1);
    redrawPlots();
  }

  const sampleEvery = () => readNumber($('train-sample-every'), SAMPLE_EVERY);
  const autosaveEvery = () => readNumber($('train-autosave-every'), AUTOSAVE_EVERY);
  /** Steps until the next autosave (Infinity when off). */
  const stepsUntilAutosave = () => {
    const every = autosaveEvery();
    return every ? every - (step % every) : Infinity;
  };
  const autosaveDue = () => {
    const every = autosaveEvery();
    return every > 0 && step % every === 0;
  };

  async function runSteps(steps, signal) {
    lastProgress = performance.now();
    wait = busy.start(firstStepDone
      ? `Training step ${step + 1}…`
      : 'Running the first training step (on WebGPU this also compiles the shaders, which can take a while)…');
    try {
      return await client.request('train', [{ steps, chunk: Math.min(chunk, steps) }], { onProgress, signal });
    } finally {
      wait.end();
      wait = null;
    }
  }

  const player = createPlayer({
    async round(signal) {
      const every = sampleEvery();
      // Stop at the next multiple of `every` for a fresh grid (and at the next autosave and
      // evaluation); at most ~10 chunks per call so that `chunk` follows the measured speed.
      const steps = Math.min(every - (step % every), chunk * 10, metrics.stepsUntilNext(step), stepsUntilAutosave());
      await runSteps(steps, signal);
      if (step % every === 0 || signal.aborted || performance.now() - lastSamples > SAMPLES_AT_LEAST_MS) await refreshSamples();
      await busy.during(`Evaluating the metrics at step ${step}…`, () => metrics.afterSteps(step));
      if (autosaveDue()) await autosave();
    },
    onError: (e) => errors.show(e, 'Training stopped'),
    onChange: () => updateButtons(),
  });

  let clearOnProgress = false; // the Train tab's old messages go once training is under way
  function play() {
    if (!info || !dataReady) return;
    clearOnProgress = true;
    player.play();
  }

  /** Pauses and waits until the worker has finished its current chunk. */
  const stop = () => player.stop();

  async function pause() {
    await stop();
    await autosave(); // a paused run is kept at the step where it stopped
  }

  async function singleStep() {
    if (player.playing || stepping || !info || !dataReady) return;
    stepping = true;
    updateButtons();
    try {
      await runSteps(1);
      await refreshSamples();
      if (autosaveDue()) await autosave();
    } finally {
      stepping = false;
      updateButtons();
    }
  }

  function blankSamples(text) {
    const canvas = $('train-samples');
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    canvas.hidden = true;
    $('train-samples-note').textContent = text;
  }

  /** Columns for `n` samples of `classes` classes in turn: each column one class, roughly square. */
  function sampleColumns(n, classes) {
    if (!classes) return Math.ceil(Math.sqrt(n));
    const perClass = n / classes;
    return classes * Math.max(1, Math.round(Math.sqrt(perClass / classes)));
  }

  async function refreshSamples() {
    if (!info) return;
    lastSamples = performance.now();
    const canvas = $('train-samples');
    await busy.during('Drawing the samples…', async () => {
      if (info.kind === 'image') {
        const n = info.classes ? info.classes * Math.max(1, Math.floor(40 / info.classes)) : 36;
        const bytes = await client.call('sample', n, SAMPLE_SEED, 0, -1);
        drawGrid(canvas, bytes, n, info.width, info.height, { cols: sampleColumns(n, info.classes) });
        // Whole-number enlargement, at most ~480 px wide and high (CSS shrinks it on narrow screens).
        const factor = Math.max(1, Math.min(Math.floor(480 / canvas.width), Math.floor(480 / canvas.height)));
        canvas.style.width = `${canvas.width * factor}px`;
      } else {
        canvas.style.width = '';
        scatter(canvas, pointsFromBytes(await client.call('sample', 512, SAMPLE_SEED, 0, -1)), realPoints);
      }
    });
    canvas.hidden = false;
    const classes = info.classes ? `; one class per column${info.class_names?.length ? ` (${info.class_names.join(', ')})` : ''}` : '';
    $('train-samples-note').textContent = info.kind === 'image'
      ? `EMA generator at step ${step.toLocaleString('en-US')}, the same latents every time${classes}.`
      : `512 generated points (orange) over real ones (blue) at step ${step.toLocaleString('en-US')}.`;
  }

  async function download() {
    if (!info) throw new Error('start a model first');
    const bytes = await busy.during('Preparing the checkpoint…', () => client.call('export'));
    saveBytes(bytes, `${info.name}-step${step}.safetensors`);
    savedStep = step;
  }

  // ── Autosave ─────────────────────────────────────────────────────────────────────────

  /** Keeps the run (checkpoint, data choice, plots) in this browser, unless off or already kept. */
  async function autosave() {
    if (!info || !dataReady || step === autosavedStep || step === 0 || !autosaveEvery()) return;
    const choice = $('train-data').value;
    const at = step;
    try {
      const checkpoint = await busy.during('Autosaving…', () => client.call('export'));
      await writeRun({
        savedAt: Date.now(),
        name: info.name,
        step: at,
        checkpoint,
        data: {
          choice,
          title: dataTitle,
          ...(choice === IMAGES ? { imagesId, n: images?.n ?? 0, bytes: images?.rgba.byteLength ?? 0 } : {}),
        },
        plots: { loss: lossPlot.data, score: scorePlot.data },
        settings: { sampleEvery: sampleEvery(), autosaveEvery: autosaveEvery() },
      });
    } catch (e) {
      if (!autosaveBroken) errors.show(e, 'Autosave failed');
      autosaveBroken = true;
      autosaveStatus('Autosave is not working in this browser; download a checkpoint to keep the run.');
      return;
    }
    autosaveBroken = false;
    autosavedStep = at;
    hideResumeOffer(); // the run offered before is replaced by this one
    autosaveStatus(`Autosaved at step ${at.toLocaleString('en-US')} (${new Date().toLocaleTimeString()}); a reload can resume from there.`);
  }

  function restorePlots(plots) {
    for (const [plot, data] of [[lossPlot, plots?.loss], [scorePlot, plots?.score]]) {
      if (!data || typeof data !== 'object') continue;
      for (const { key } of plot.series) {
        const points = data[key];
        if (Array.isArray(points)) plot.data[key] = points.filter((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite));
      }
    }
    redrawPlots();
  }

  /** Re-attaches the data an autosaved run trained on (fetched again, or the kept images). */
  async function restoreData(data) {
    const select = $('train-data');
    if (select.value !== data.choice) {
      status(`The autosaved run trained on ${data.title}, which this model cannot use; choose its data again.`);
      return;
    }
    if (data.choice === IMAGES) {
      const kept = data.imagesId ? await readImages(data.imagesId).catch(() => null) : null;
      if (!kept) {
        $('train-images').hidden = false;
        const why = data.bytes > IMAGES_LIMIT
          ? `they were too large to keep in this browser (${MB(data.bytes)}; at most ${MB(IMAGES_LIMIT)})`
          : 'they are no longer kept in this browser';
        status(`Drop your ${count(data.n, 'image')} again to go on training: ${why}.`);
        return;
      }
      images = kept;
      imagesId = data.imagesId;
      showPreview();
      $('train-images-kept').textContent = 'Restored from this browser\'s storage with the autosave.';
    }
    await errors.run('Choosing the data failed', applyData);
  }

  /** Restores an autosaved run: model, optimiser and step, data, plots and settings. */
  async function resume(record) {
    await stop();
    const bytes = record.checkpoint.slice(); // a copy to hand over; the record stays intact
    const restored = await busy.during(`Restoring “${record.name}” at step ${record.step}…`, () =>
      client.request('loadCheckpoint', [bytes.buffer], { transfer: [bytes.buffer] }));
    // Only now, with the model in place, does the page change.
    errors.clear();
    info = restored;
    if (record.settings?.sampleEvery) $('train-sample-every').value = record.settings.sampleEvery;
    if (record.settings?.autosaveEvery !== undefined) $('train-autosave-every').value = record.settings.autosaveEvery;
    $('train-model-info').textContent = '';
    await onModel(record);
    autosaveStatus(`Resumed the run autosaved at step ${record.step.toLocaleString('en-US')}.`);
  }

  function updateButtons() {
    const ready = Boolean(info) && dataReady;
    $('train-play').disabled = player.playing || stepping || !ready;
    $('train-pause').disabled = !player.playing;
    $('train-step').disabled = player.playing || stepping || !ready;
    $('train-download').disabled = !info;
    document.body.dataset.training = String(player.playing);
  }

  /** Whether steps were trained since the start, the last download and the last autosave. */
  const unsaved = () => Boolean(info) && step !== savedStep && step !== autosavedStep;

  // Leaving while training (or with steps that nothing kept) asks first.
  window.addEventListener('beforeunload', (e) => {
    if (!player.playing && !(unsaved() && !autosaveEvery())) return;
    e.preventDefault();
    e.returnValue = ''; // older browsers show the dialog only with this set
  });

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
  form.onchange = (e) => errors.run('Hyper-parameters not applied', () => applyForm(e));
  form.onsubmit = (e) => e.preventDefault();
  clampOnChange($('train-sample-every'), SAMPLE_EVERY);
  clampOnChange($('train-autosave-every'), AUTOSAVE_EVERY);
  $('train-play').onclick = play;
  $('train-pause').onclick = () => errors.run('Pausing failed', pause);
  $('train-step').onclick = () => errors.run('Training step failed', singleStep);
  $('train-download').onclick = () => errors.run('Export failed', download);
  $('metrics-now').onclick = () => errors.run('Evaluation failed', () =>
    busy.during(`Evaluating the metrics at step ${step}…`, () => metrics.evaluate(step)));
  $('metrics-now').disabled = true;

  fillDataChoices();
  updateButtons();
  const ready = (async () => {
    shipped = await listModels().catch(() => []);
    fillSources();
    await session.ready;
  })().catch((e) => errors.show(e, 'The Train tab could not start'));

  /** Before the page reloads on purpose (the backend switch): pause, and autosave if on. */
  async function beforeLeaving() {
    await stop();
    await autosave();
  }

  return { ready, show() {}, hide() {}, unsaved, resume, beforeLeaving };
}
