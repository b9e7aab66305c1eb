// The Learn tab, in the spirit of GAN Lab: a 2-D GAN trained live, with the discriminator's
// verdict as a heat map, real and generated points, the generator's gradient arrows on its
// points and the image of a latent grid through the generator. Every setting of the run is a
// control; D and G can be stepped separately; the data can be drawn by hand; the fit is
// measured on a grid; a second run B can train beside it from the same start with other
// settings; and the whole experiment travels in a link that replays it.

import { DISTRIBUTIONS, LOSSES } from './presets.js';
import { FAKE, REAL } from './plane.js';
import { LinePlot } from './plot.js';
import { errorsFor } from './errors.js';
import { createPlayer } from './player.js';
import { Client } from './client.js';
import { BUILD_KEYS, COMPARE_KEYS, DEFAULTS, History, LIVE_KEYS, checkSetting, readShared, shareUrl } from './learn-settings.js';
import { createDrawing } from './learn-draw.js';
import { LearnRun, describeFit } from './learn-run.js';

const $ = (id) => document.getElementById(id);
const SLOW_PAUSE_MS = 700; // slow motion: how long each half-step stays on screen
const REPLAY_CHUNK = 50; // steps per wasm call while replaying a shared run

/** The control of each setting of run A. */
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
/** The controls of run B's own settings (the rest it shares with A). */
const CONTROLS_B = {
  loss: 'learn-b-loss',
  optimizer_g: 'learn-b-opt-g',
  lr_g: 'learn-b-lr-g',
  optimizer_d: 'learn-b-opt-d',
  lr_d: 'learn-b-lr-d',
  n_critic: 'learn-b-n-critic',
};
const LAYERS = ['field', 'real', 'fake', 'gradients', 'mesh'];

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export function createLearnView(session) {
  const errors = errorsFor('learn');
  const canvas = $('learn-canvas');
  const runA = new LearnRun(session.client, canvas);
  let runB = null; // the comparison run, in its own worker, made when first asked for
  const plot = new LinePlot($('learn-plot'), [
    { key: 'd_real', label: 'D(real)', color: REAL },
    { key: 'd_fake', label: 'D(fake)', color: FAKE },
  ]);
  const FIT_SERIES = [
    { key: 'js', label: 'JS (bits)', color: '#6b3fb8' },
    { key: 'modes', label: 'modes covered', color: '#2a8a4a' },
    { key: 'js_b', label: 'B: JS (bits)', color: '#c2418a' }, // while comparing
  ];
  const fitPlot = new LinePlot($('learn-fit-plot'), FIT_SERIES.slice(0, 2));

  let settings = { ...DEFAULTS }; // run A's, as it has them now
  let startSettings = { ...DEFAULTS }; // as A started (what a shared link records)
  let settingsB = pick(DEFAULTS, COMPARE_KEYS); // run B's own
  let comparing = false;
  let history = new History(); // what was done to the runs since they started
  let busy = false; // a step, restart or replay is running

  $('learn-distribution').replaceChildren(
    ...DISTRIBUTIONS.map((d) => new Option(d.title, d.name)),
    new Option('Draw your own…', 'drawn'),
  );
  for (const id of ['learn-loss', 'learn-b-loss']) $(id).replaceChildren(...LOSSES.map((l) => new Option(l.title, l.name)));

  const drawing = createDrawing(runA.plane, {
    enabled: () => settings.distribution === 'drawn' && !busy,
    onStroke: () => draw(),
    onDone: () => act('Training on your drawing failed', () => restart()),
  });

  const other = () => (comparing && runB?.started ? runB : null); // B, when it runs
  const runs = () => (other() ? [runA, runB] : [runA]);
  const show = (layer) => $(`learn-show-${layer}`).checked;

  function setState(state) {
    $('learn-status').dataset.state = state;
  }

  function writeControls() {
    for (const [key, id] of Object.entries(CONTROLS)) $(id).value = String(settings[key]);
    for (const [key, id] of Object.entries(CONTROLS_B)) $(id).value = String(settingsB[key]);
    const drawn = settings.distribution === 'drawn';
    $('learn-draw-tools').hidden = !drawn;
    canvas.classList.toggle('drawing', drawn);
    $('learn-compare').checked = comparing;
    $('learn-b-settings').hidden = !comparing;
    $('learn-plane-b').hidden = !comparing;
    $('learn-planes').classList.toggle('comparing', comparing);
  }

  /** Fresh GANs with the current settings (same seed: same start; B differs only in its own
   * settings). */
  async function restart() {
    await stop();
    history = new History();
    startSettings = { ...settings };
    plot.clear();
    fitPlot.series = comparing ? FIT_SERIES : FIT_SERIES.slice(0, 2);
    fitPlot.clear();
    showStats(null);
    showFit();
    setState('starting');
    updateButtons();
    if (comparing && !runB) {
      const client = new Client('learn-b');
      await client.call('create', (await session.ready).kind);
      runB = new LearnRun(client, $('learn-canvas-b'));
    }
    const ok = await runA.start(settings, drawing.points);
    if (comparing) await runB.start({ ...settings, ...settingsB }, drawing.points);
    if (!ok) {
      $('learn-stats').textContent = ' · draw at least 3 points on the plane to start';
      setState('drawing');
      draw();
      return;
    }
    await refresh();
    setState('idle');
  }

  /** Fetches every run's layers and fit, then draws. */
  async function refresh() {
    await Promise.all(runs().map((r) => r.refresh()));
    showFit();
    fitPlot.push(runA.step, {
      js: runA.fit.js_bits,
      modes: runA.fit.modes ? runA.fit.modes.covered / runA.fit.modes.total : NaN,
      js_b: other()?.fit ? runB.fit.js_bits : NaN,
    });
    fitPlot.draw();
    draw();
  }

  function draw() {
    runA.draw(show, settings.distribution === 'drawn' ? drawing.points : null);
    if (comparing && runB) runB.draw(show, settings.distribution === 'drawn' ? drawing.points : null);
  }

  function showStats(s) {
    $('learn-step-count').textContent = s ? s.step : runA.step;
    $('learn-stats').textContent = s ? ` · D loss ${s.d_loss.toFixed(3)} · G loss ${s.g_loss.toFixed(3)}` : '';
  }

  function showFit() {
    const el = $('learn-fit');
    const fit = runA.fit;
    delete el.dataset.js;
    delete el.dataset.modes;
    el.textContent = fit ? `Fit on a ${fit.bins} × ${fit.bins} grid: ${describeFit(fit)}` : '';
    if (fit) el.dataset.js = String(fit.js_bits);
    if (fit?.modes) el.dataset.modes = String(fit.modes.covered);
    const b = $('learn-fit-b');
    const fitB = other()?.fit;
    b.textContent = fitB ? `B, step ${runB.step}: ${describeFit(fitB)}` : '';
    if (fitB) b.dataset.js = String(fitB.js_bits);
    else delete b.dataset.js;
    $('learn-b-caption').textContent = comparing ? `B · ${describeSettings({ ...settings, ...settingsB })}` : '';
    $('learn-a-caption').textContent = comparing ? `A · ${describeSettings(settings)}` : '';
  }

  function onProgress({ stats }) {
    for (const s of stats) plot.push(s.step, s);
    const last = stats.at(-1);
    if (last) showStats(last);
    plot.draw();
  }

  /** `n` whole steps of every run (fewer when aborted), logged. */
  async function fullSteps(n, signal, chunk = n) {
    const [stats] = await Promise.all([
      runA.steps(n, { signal, onProgress, chunk }),
      ...(other() ? [runB.steps(n, { chunk })] : []), // all n: A's one call ends before an abort
    ]);
    history.steps(stats.length);
  }

  /** Half a step of every run: 'discriminator' (n_critic D updates) or 'generator'. */
  async function halfStep(phase) {
    const [values] = await Promise.all(runs().map((r) => r.half(phase)));
    history.half(phase);
    if (phase === 'discriminator') {
      const [dLoss, dReal, dFake] = values;
      $('learn-stats').textContent =
        ` · D update: D loss ${dLoss.toFixed(3)}, D(real) ${dReal.toFixed(2)}, D(fake) ${dFake.toFixed(2)}` +
        ' — the background moved, the points did not';
    } else {
      $('learn-step-count').textContent = runA.step;
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
      setState(player.playing ? 'playing' : runA.started ? 'idle' : 'starting');
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

  /** Reads a control: the checked value, or null after putting the old one back. */
  function readControl(id, key, current) {
    const value = checkSetting(key, $(id).value);
    if (value instanceof Error) {
      $(id).value = String(current);
      errors.show(value, 'That value cannot be used');
      return null;
    }
    return value === current ? null : value;
  }

  /** A control of A changed: rebuild the runs, or change A on the fly. */
  async function onSetting(key) {
    const value = readControl(CONTROLS[key], key, settings[key]);
    if (value === null) return;
    settings[key] = value;
    writeControls();
    if (BUILD_KEYS.includes(key)) return restart();
    // A live change lands between two rounds, in the same place in the history as in the run.
    const wasPlaying = player.playing;
    await stop();
    if (history.ops.length) history.change(key, value);
    else startSettings = { ...settings };
    if (runA.started) await runA.setLive(settings);
    showFit();
    if (wasPlaying) player.play();
  }

  /** A setting of B changed: both runs start again from the same start. */
  async function onSettingB(key) {
    const value = readControl(CONTROLS_B[key], key, settingsB[key]);
    if (value === null) return;
    settingsB[key] = value;
    return restart();
  }

  /** Replays a shared history on the fresh runs (A's settings changes included). */
  async function replay(shared) {
    const total = shared.stepCount;
    setState('replaying');
    for (const op of shared.ops) {
      if (op === 'd') await halfStep('discriminator');
      else if (op === 'g') await halfStep('generator');
      else if (op.startsWith('s')) {
        const n = Number(op.slice(1));
        const from = runA.step;
        await Promise.all([
          runA.steps(n, {
            chunk: REPLAY_CHUNK,
            onProgress(p) {
              onProgress(p);
              $('learn-stats').textContent += ` · replaying the shared run: step ${runA.step} of ${total}`;
            },
          }),
          ...(other() ? [runB.steps(n, { chunk: REPLAY_CHUNK })] : []),
        ]);
        history.steps(runA.step - from);
      } else {
        const [, key, text] = op.match(/^c:([a-z_]+)=(.+)$/);
        settings[key] = checkSetting(key, key.startsWith('optimizer') ? text : Number(text));
        writeControls();
        history.change(key, settings[key]);
        await runA.setLive(settings);
      }
    }
    await refresh();
    setState('idle');
  }

  function share() {
    const view = Object.fromEntries(LAYERS.map((l) => [l, show(l)]));
    view.speed = Number($('learn-speed').value);
    view.slow = $('learn-slow').checked;
    const url = shareUrl(location, {
      settings: startSettings,
      points: drawing.points,
      history,
      view,
      compare: comparing ? settingsB : null,
    });
    $('learn-share-url').value = url;
    navigator.clipboard?.writeText(url).catch(() => {}); // the field shows it either way
  }

  function applyView(view) {
    for (const l of LAYERS) if (typeof view[l] === 'boolean') $(`learn-show-${l}`).checked = view[l];
    if ([1, 5, 20].includes(view.speed)) $('learn-speed').value = String(view.speed);
    if (typeof view.slow === 'boolean') $('learn-slow').checked = view.slow;
  }

  function updateButtons() {
    const idle = runA.started && !busy && !player.playing;
    $('learn-play').disabled = !idle;
    $('learn-pause').disabled = !player.playing;
    for (const id of ['learn-step', 'learn-step-d', 'learn-step-g']) $(id).disabled = !idle;
    $('learn-reset').disabled = busy;
    $('learn-compare').disabled = busy;
    $('learn-share').disabled = !runA.started || busy;
  }

  for (const key of Object.keys(CONTROLS)) {
    $(CONTROLS[key]).onchange = () => act('Changing the experiment failed', () => onSetting(key));
  }
  for (const key of Object.keys(CONTROLS_B)) {
    $(CONTROLS_B[key]).onchange = () => act('Changing run B failed', () => onSettingB(key));
  }
  $('learn-compare').onchange = () =>
    act('Starting run B failed', async () => {
      comparing = $('learn-compare').checked;
      if (comparing) settingsB = pick(settings, COMPARE_KEYS); // B starts as a copy of A
      writeControls();
      await restart();
    });
  $('learn-reset').onclick = () => act('Starting the experiment failed', restart);
  $('learn-play').onclick = () => runA.started && !busy && player.play();
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
  draw();
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
      if (shared.compare) {
        comparing = true;
        settingsB = shared.compare;
      }
      applyView(shared.view);
      writeControls();
    }
    await act('Starting the experiment failed', async () => {
      await restart();
      if (shared && runA.started) await replay(shared.history);
    });
    if (damaged) errors.show(damaged, 'The shared experiment could not be opened');
  })().catch((e) => errors.show(e, 'The Learn tab could not start'));

  // Leaving the tab pauses: the animation is only useful while watched.
  return { ready, show() {}, hide: () => stop() };
}

function pick(object, keys) {
  return Object.fromEntries(keys.map((k) => [k, object[k]]));
}

/** "Adam 0.0005 / SGD 0.01 ×3, hinge": G's optimiser and rate / D's, D steps, loss. */
function describeSettings(s) {
  const opt = (o, lr) => `${o === 'sgd' ? 'SGD' : 'Adam'} ${lr}`;
  const critic = s.n_critic > 1 ? ` ×${s.n_critic}` : '';
  return `G ${opt(s.optimizer_g, s.lr_g)} · D ${opt(s.optimizer_d, s.lr_d)}${critic} · ${s.loss}`;
}
