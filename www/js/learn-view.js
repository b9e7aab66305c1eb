// The Learn tab, in the spirit of GAN Lab: a 2-D GAN trained live, with the discriminator's
// verdict as a heat map, real and generated points, the generator's gradient arrows on its
// points and the image of a latent grid through the generator. Every setting of the run is a
// control; D and G can be stepped separately; the data can be drawn by hand; the fit is
// measured on a grid; and the whole experiment travels in a link that replays it.

import { DISTRIBUTIONS, LOSSES, TOY_PRESET, setTomlValue } from './presets.js';
import { FAKE, Plane, REAL } from './plane.js';
import { LinePlot } from './plot.js';
import { errorsFor } from './errors.js';
import { createPlayer } from './player.js';
import { BUILD_KEYS, DEFAULTS, History, LIVE_KEYS, checkSetting, readShared, shareUrl } from './learn-settings.js';
import { createDrawing } from './learn-draw.js';

const $ = (id) => document.getElementById(id);
const EXTENT = 2.5; // the toy sets lie within [-2, 2]²
const FIELD = 48; // heat-map samples per side
const MESH = 15; // latent grid points per side
const N_REAL = 500; // real points shown
const N_FAKE = 300; // generated points shown, with their arrows
const FAKE_SEED = 3; // the same latents every frame, so each orange point can be followed
const N_FIT = 2000; // points of each set histogrammed for the fit
const FIT_REAL_SEED = 12;
const FIT_FAKE_SEED = 13;
const SLOW_PAUSE_MS = 700; // slow motion: how long each half-step stays on screen
const REPLAY_CHUNK = 50; // steps per wasm call while replaying a shared run

/** Maps D's score to [0, 1] (1 = "real"), per loss: a probability for the non-saturating
 * loss; hinge targets ±1; least squares targets 1 (real) and 0 (fake). */
const UNIT = {
  'non-saturating': (v) => v,
  hinge: (v) => (Math.max(-1, Math.min(1, v)) + 1) / 2,
  'least-squares': (v) => v,
};

/** The control of each setting. */
const CONTROLS = {
  distribution: 'learn-distribution',
  loss: 'learn-loss',
  latent_dim: 'learn-latent',
  depth: 'learn-depth',
  width: 'learn-width',
  seed: 'learn-seed',
  optimizer_g: 'learn-opt-g',
  lr_g: 'learn-lr-g',
  optimizer_d: 'learn-opt-d',
  lr_d: 'learn-lr-d',
  n_critic: 'learn-n-critic',
};
const LAYERS = ['field', 'real', 'fake', 'gradients', 'mesh'];

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** f32 little-endian bytes (as `sample` returns for 2-D models) → Float32Array. */
const floats = (bytes) => new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

export function createLearnView(session) {
  const { client } = session;
  const errors = errorsFor('learn');
  const canvas = $('learn-canvas');
  const plane = new Plane(canvas, EXTENT);
  const plot = new LinePlot($('learn-plot'), [
    { key: 'd_real', label: 'D(real)', color: REAL },
    { key: 'd_fake', label: 'D(fake)', color: FAKE },
  ]);
  const fitPlot = new LinePlot($('learn-fit-plot'), [
    { key: 'js', label: 'JS divergence (bits)', color: '#6b3fb8' },
    { key: 'modes', label: 'modes covered (fraction)', color: '#2a8a4a' },
  ]);

  let settings = { ...DEFAULTS }; // as the run has them now
  let startSettings = { ...DEFAULTS }; // as the run started (what a shared link records)
  let history = new History(); // what was done to the run since it started
  let started = false; // a run exists and has data
  let busy = false; // a step, restart or replay is running
  let step = 0;
  let real = null; // real points shown
  let fitReal = null; // real points histogrammed for the fit
  let frame = null; // the last fetched layers, redrawn when a checkbox changes

  $('learn-distribution').replaceChildren(
    ...DISTRIBUTIONS.map((d) => new Option(d.title, d.name)),
    new Option('Draw your own…', 'drawn'),
  );
  $('learn-loss').replaceChildren(...LOSSES.map((l) => new Option(l.title, l.name)));

  const drawing = createDrawing(plane, {
    enabled: () => settings.distribution === 'drawn' && !busy,
    onStroke: () => draw(),
    onDone: () => act('Training on your drawing failed', () => restart()),
  });

  function setState(state) {
    $('learn-status').dataset.state = state;
  }

  function writeControls() {
    for (const [key, id] of Object.entries(CONTROLS)) $(id).value = String(settings[key]);
    const drawn = settings.distribution === 'drawn';
    $('learn-draw-tools').hidden = !drawn;
    canvas.classList.toggle('drawing', drawn);
  }

  /** The live part of the settings, as the `[train]` section has it. */
  async function applyTrainConfig() {
    const info = await client.call('info');
    const live = Object.fromEntries(LIVE_KEYS.map((k) => [k, settings[k]]));
    await client.call('setTrainConfig', { ...info.train, ...live });
  }

  /** A fresh GAN with the current settings (same seed: same start). */
  async function restart() {
    await stop();
    started = false;
    frame = null;
    history = new History();
    startSettings = { ...settings };
    step = 0;
    plot.clear();
    fitPlot.clear();
    showStats(null);
    showFit(null);
    setState('starting');
    updateButtons();
    const s = settings;
    const drawn = s.distribution === 'drawn';
    let toml = setTomlValue(TOY_PRESET, 'data', 'distribution', `"${drawn ? 'gaussians8' : s.distribution}"`);
    toml = setTomlValue(toml, 'train', 'loss', `"${s.loss}"`);
    toml = setTomlValue(toml, 'model', 'latent_dim', String(s.latent_dim));
    toml = setTomlValue(toml, 'model', 'depth', String(s.depth));
    toml = setTomlValue(toml, 'model', 'width', String(s.width));
    toml = setTomlValue(toml, 'run', 'seed', String(s.seed));
    toml = setTomlValue(toml, '', 'name', `"learn-${s.distribution}-${s.loss}"`);
    await client.call('newRun', toml);
    await applyTrainConfig();
    if (drawn) {
      if (drawing.points.length < 6) {
        real = null;
        $('learn-stats').textContent = ' · draw at least 3 points on the plane to start';
        setState('drawing');
        draw();
        return;
      }
      await client.call('usePoints', Float32Array.from(drawing.points));
      real = Float32Array.from(drawing.points);
    } else {
      await client.call('useToyData', s.distribution);
      real = await client.call('trainingPoints', N_REAL, 11);
    }
    fitReal = await client.call('trainingPoints', N_FIT, FIT_REAL_SEED);
    started = true;
    await refresh();
    setState('idle');
  }

  /** Fetches every layer and the fit from the worker, then draws. */
  async function refresh() {
    const [field, fakes, mesh, sample] = await Promise.all([
      client.call('discriminatorField', FIELD, EXTENT),
      client.call('fakeWithGradients', N_FAKE, FAKE_SEED),
      client.call('latentGrid', MESH),
      client.call('sample', N_FIT, FIT_FAKE_SEED, 0, -1),
    ]);
    frame = { field, fakes, mesh };
    const mixture = settings.distribution === 'drawn' ? '' : settings.distribution;
    const fit = await client.call('planeFit', fitReal, floats(sample), EXTENT, mixture);
    showFit(fit);
    fitPlot.push(step, { js: fit.js_bits, modes: fit.modes ? fit.modes.covered / fit.modes.total : NaN });
    fitPlot.draw();
    draw();
  }

  function draw() {
    plane.clear();
    const show = (layer) => $(`learn-show-${layer}`).checked;
    if (frame && show('field')) plane.heatmap(frame.field, FIELD, UNIT[settings.loss]);
    plane.axes();
    if (frame && show('mesh')) plane.mesh(frame.mesh, MESH);
    if (frame && show('fake')) {
      const xy = new Float32Array(N_FAKE * 2);
      for (let i = 0; i < N_FAKE; i++) xy.set(frame.fakes.subarray(4 * i, 4 * i + 2), 2 * i);
      plane.points(xy, FAKE, 2.6, 0.85);
    }
    if (frame && show('gradients')) plane.arrows(frame.fakes, 'rgba(120, 50, 0, 0.7)');
    // Real points last, so converged fakes do not hide them.
    const drawn = settings.distribution === 'drawn';
    const shownReal = drawn ? drawing.points : real;
    if (show('real') && shownReal) plane.points(shownReal, REAL, drawn ? 3 : 2, drawn ? 0.9 : 0.6);
  }

  function showStats(s) {
    $('learn-step-count').textContent = step;
    $('learn-stats').textContent = s ? ` · D loss ${s.d_loss.toFixed(3)} · G loss ${s.g_loss.toFixed(3)}` : '';
  }

  function showFit(fit) {
    const el = $('learn-fit');
    if (!fit) {
      el.textContent = '';
      delete el.dataset.js;
      delete el.dataset.modes;
      return;
    }
    el.dataset.js = String(fit.js_bits);
    let text = `Fit on a ${fit.bins} × ${fit.bins} grid: JS divergence ${fit.js_bits.toFixed(3)} bits · KL(real ‖ generated) ${fit.kl_bits.toFixed(2)} bits`;
    if (fit.modes) {
      el.dataset.modes = String(fit.modes.covered);
      text += ` · modes covered ${fit.modes.covered} of ${fit.modes.total} · ${Math.round(fit.modes.high_quality * 100)} % of points near a mode`;
    } else delete el.dataset.modes;
    el.textContent = text;
  }

  function onProgress({ stats }) {
    for (const s of stats) plot.push(s.step, s);
    const last = stats.at(-1);
    if (last) {
      step = last.step;
      showStats(last);
    }
    plot.draw();
  }

  /** `n` full steps (fewer when aborted), logged. */
  async function fullSteps(n, signal, chunk = n) {
    const stats = await client.request('train', [{ steps: n, chunk }], { onProgress, signal });
    history.steps(stats.length);
  }

  /** Half a step: 'discriminator' (n_critic D updates) or 'generator' (one G update). */
  async function halfStep(phase) {
    const values = await client.call('trainPhase', phase);
    history.half(phase);
    if (phase === 'discriminator') {
      const [dLoss, dReal, dFake] = values;
      $('learn-stats').textContent =
        ` · D update: D loss ${dLoss.toFixed(3)}, D(real) ${dReal.toFixed(2)}, D(fake) ${dFake.toFixed(2)}` +
        ' — the background moved, the points did not';
    } else {
      step = (await client.call('info')).step;
      $('learn-step-count').textContent = step;
      $('learn-stats').textContent = ` · G update: G loss ${values[0].toFixed(3)} — the points moved along the arrows`;
    }
  }

  const player = createPlayer({
    async round(signal) {
      if ($('learn-slow').checked) {
        await halfStep('discriminator');
        await refresh();
        await sleep(SLOW_PAUSE_MS, signal);
        if (signal.aborted) return;
        await halfStep('generator');
        await refresh();
        await sleep(SLOW_PAUSE_MS, signal);
      } else {
        await fullSteps(Number($('learn-speed').value), signal);
        await refresh(); // one frame per chunk: the loop paces itself to the device
      }
    },
    onError: (e) => errors.show(e, 'Training stopped'),
    onChange: () => {
      setState(player.playing ? 'playing' : started ? 'idle' : 'starting');
      updateButtons();
    },
  });

  const stop = () => player.stop();

  /** Runs `fn` as the one action in progress (buttons disabled meanwhile), reporting errors. */
  async function act(doing, fn) {
    if (busy) return;
    busy = true;
    $('learn-status').dataset.busy = 'true'; // for tests: an action is in progress
    updateButtons();
    try {
      await errors.run(doing, fn);
    } finally {
      busy = false;
      $('learn-status').dataset.busy = 'false';
      updateButtons();
    }
  }

  /** A control changed: check it, then rebuild the run or change it on the fly. */
  async function onSetting(key) {
    const value = checkSetting(key, $(CONTROLS[key]).value);
    if (value instanceof Error) {
      $(CONTROLS[key]).value = String(settings[key]);
      errors.show(value, 'That value cannot be used');
      return;
    }
    if (value === settings[key]) return;
    settings[key] = value;
    writeControls();
    if (BUILD_KEYS.includes(key)) return restart();
    // A live change lands between two rounds, in the same place in the history as in the run.
    const wasPlaying = player.playing;
    await stop();
    if (history.ops.length) history.change(key, value);
    else startSettings = { ...settings };
    if (started) await applyTrainConfig();
    if (wasPlaying) player.play();
  }

  /** Replays a shared history on the fresh run (settings changes included). */
  async function replay(shared) {
    const total = shared.stepCount;
    setState('replaying');
    for (const op of shared.ops) {
      if (op === 'd') await halfStep('discriminator');
      else if (op === 'g') await halfStep('generator');
      else if (op.startsWith('s')) {
        const n = Number(op.slice(1));
        const from = step;
        await client.request('train', [{ steps: n, chunk: REPLAY_CHUNK }], {
          onProgress(p) {
            onProgress(p);
            $('learn-stats').textContent += ` · replaying the shared run: step ${step} of ${total}`;
          },
        });
        history.steps(step - from);
      } else {
        const [, key, text] = op.match(/^c:([a-z_]+)=(.+)$/);
        settings[key] = checkSetting(key, key.startsWith('optimizer') ? text : Number(text));
        writeControls();
        history.change(key, settings[key]);
        await applyTrainConfig();
      }
    }
    await refresh();
    setState('idle');
  }

  function share() {
    const view = Object.fromEntries(LAYERS.map((l) => [l, $(`learn-show-${l}`).checked]));
    view.speed = Number($('learn-speed').value);
    view.slow = $('learn-slow').checked;
    const url = shareUrl(location, { settings: startSettings, points: drawing.points, history, view });
    $('learn-share-url').value = url;
    navigator.clipboard?.writeText(url).catch(() => {}); // the field shows it either way
  }

  function applyView(view) {
    for (const l of LAYERS) if (typeof view[l] === 'boolean') $(`learn-show-${l}`).checked = view[l];
    if ([1, 5, 20].includes(view.speed)) $('learn-speed').value = String(view.speed);
    if (typeof view.slow === 'boolean') $('learn-slow').checked = view.slow;
  }

  function updateButtons() {
    const idle = started && !busy && !player.playing;
    $('learn-play').disabled = !idle;
    $('learn-pause').disabled = !player.playing;
    for (const id of ['learn-step', 'learn-step-d', 'learn-step-g']) $(id).disabled = !idle;
    $('learn-reset').disabled = busy;
    $('learn-share').disabled = !started || busy;
  }

  for (const key of Object.keys(CONTROLS)) {
    $(CONTROLS[key]).onchange = () => act('Changing the experiment failed', () => onSetting(key));
  }
  $('learn-reset').onclick = () => act('Starting the experiment failed', restart);
  $('learn-play').onclick = () => started && !busy && player.play();
  $('learn-pause').onclick = () => stop();
  $('learn-step').onclick = () => act('Training step failed', async () => (await fullSteps(1), await refresh()));
  $('learn-step-d').onclick = () => act('Discriminator step failed', async () => (await halfStep('discriminator'), await refresh()));
  $('learn-step-g').onclick = () => act('Generator step failed', async () => (await halfStep('generator'), await refresh()));
  $('learn-draw-clear').onclick = () =>
    act('Clearing the drawing failed', async () => {
      drawing.clear();
      await restart();
    });
  $('learn-share').onclick = share;
  for (const l of LAYERS) $(`learn-show-${l}`).onchange = draw;

  writeControls();
  updateButtons();
  plane.clear();
  plot.draw();
  fitPlot.draw();
  const ready = (async () => {
    await session.ready;
    let shared = null;
    let damaged = null; // shown after the start, whose success would clear it
    try {
      shared = readShared(location.search);
    } catch (e) {
      damaged = e;
    }
    if (shared) {
      settings = { ...shared.settings };
      drawing.points = shared.points;
      applyView(shared.view);
      writeControls();
    }
    await act('Starting the experiment failed', async () => {
      await restart();
      if (shared && started) await replay(shared.history);
    });
    if (damaged) errors.show(damaged, 'The shared experiment could not be opened');
  })().catch((e) => errors.show(e, 'The Learn tab could not start'));

  // Leaving the tab pauses: the animation is only useful while watched.
  return { ready, show() {}, hide: () => stop() };
}
