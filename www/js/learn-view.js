// The Learn tab, in the spirit of GAN Lab: a 2-D GAN trained live, with the discriminator's
// verdict as a heat map, real and generated points, the generator's gradient arrows on its
// points and the image of a latent grid through the generator.

import { DISTRIBUTIONS, LOSSES, TOY_PRESET, setTomlValue } from './presets.js';
import { FAKE, Plane, REAL } from './plane.js';
import { LinePlot } from './plot.js';
import { errorsFor } from './errors.js';
import { createPlayer } from './player.js';

const $ = (id) => document.getElementById(id);
const EXTENT = 2.5; // the toy sets lie within [-2, 2]²
const FIELD = 48; // heat-map samples per side
const MESH = 15; // latent grid points per side
const N_REAL = 500;
const N_FAKE = 300;
const FAKE_SEED = 3; // the same latents every frame, so each orange point can be followed

/** Maps D's score to [0, 1] (1 = "real"), per loss: a probability for the non-saturating
 * loss; hinge targets ±1; least squares targets 1 (real) and 0 (fake). */
const UNIT = {
  'non-saturating': (v) => v,
  hinge: (v) => (Math.max(-1, Math.min(1, v)) + 1) / 2,
  'least-squares': (v) => v,
};

export function createLearnView(session) {
  const { client } = session;
  const errors = errorsFor('learn');
  const plane = new Plane($('learn-canvas'), EXTENT);
  const plot = new LinePlot($('learn-plot'), [
    { key: 'd_real', label: 'D(real)', color: REAL },
    { key: 'd_fake', label: 'D(fake)', color: FAKE },
  ]);
  let started = false; // a run exists
  let real = null;
  let frame = null; // the last fetched layers, redrawn when a checkbox changes

  $('learn-distribution').replaceChildren(...DISTRIBUTIONS.map((d) => new Option(d.title, d.name)));
  $('learn-loss').replaceChildren(...LOSSES.map((l) => new Option(l.title, l.name)));

  /** A fresh GAN for the chosen distribution and loss. */
  async function restart() {
    await stop();
    const distribution = $('learn-distribution').value;
    const loss = $('learn-loss').value;
    let toml = setTomlValue(TOY_PRESET, 'data', 'distribution', `"${distribution}"`);
    toml = setTomlValue(toml, 'train', 'loss', `"${loss}"`);
    toml = setTomlValue(toml, '', 'name', `"learn-${distribution}-${loss}"`);
    started = false;
    await client.call('newRun', toml);
    await client.call('useToyData', distribution);
    real = await client.call('realPoints', N_REAL, 11);
    started = true;
    plot.clear();
    showStats(null, 0);
    await refresh();
  }

  /** Fetches every layer from the worker, then draws. */
  async function refresh() {
    const [field, fakes, mesh] = await Promise.all([
      client.call('discriminatorField', FIELD, EXTENT),
      client.call('fakeWithGradients', N_FAKE, FAKE_SEED),
      client.call('latentGrid', MESH),
    ]);
    frame = { field, fakes, mesh };
    draw();
  }

  function draw() {
    plane.clear();
    if (!frame) return;
    const show = (layer) => $(`learn-show-${layer}`).checked;
    if (show('field')) plane.heatmap(frame.field, FIELD, UNIT[$('learn-loss').value]);
    plane.axes();
    if (show('mesh')) plane.mesh(frame.mesh, MESH);
    if (show('real') && real) plane.points(real, REAL, 2.2, 0.55);
    if (show('fake')) {
      const xy = new Float32Array(N_FAKE * 2);
      for (let i = 0; i < N_FAKE; i++) xy.set(frame.fakes.subarray(4 * i, 4 * i + 2), 2 * i);
      plane.points(xy, FAKE, 2.6, 0.9);
    }
    if (show('gradients')) plane.arrows(frame.fakes, 'rgba(120, 50, 0, 0.7)');
  }

  function showStats(s, step) {
    $('learn-step-count').textContent = step;
    $('learn-stats').textContent = s
      ? ` · D loss ${s.d_loss.toFixed(3)} · G loss ${s.g_loss.toFixed(3)}`
      : '';
  }

  function onProgress({ stats }) {
    for (const s of stats) plot.push(s.step, s);
    const last = stats.at(-1);
    if (last) showStats(last, last.step);
    plot.draw();
  }

  async function train(steps, signal) {
    return client.request('train', [{ steps, chunk: steps }], { onProgress, signal });
  }

  const player = createPlayer({
    async round(signal) {
      await train(Number($('learn-speed').value), signal);
      await refresh(); // one frame per chunk: the loop paces itself to the device
    },
    onError: (e) => errors.show(e, 'Training stopped'),
    onChange: () => updateButtons(),
  });

  function play() {
    if (started) player.play();
  }

  const stop = () => player.stop();

  /** One step in two visible halves: the discriminator update (the heat map moves), then
   * the generator update (the orange points follow the arrows). */
  async function singleStep() {
    if (player.playing || !started) return;
    const [dLoss, dReal, dFake] = await client.call('trainPhase', 'discriminator');
    $('learn-stats').textContent =
      ` · D update: D loss ${dLoss.toFixed(3)}, D(real) ${dReal.toFixed(2)}, D(fake) ${dFake.toFixed(2)}` +
      ' — the heat map moved; next, G follows the arrows';
    await refresh();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const [gLoss] = await client.call('trainPhase', 'generator');
    const info = await client.call('info');
    $('learn-step-count').textContent = info.step;
    $('learn-stats').textContent = ` · D loss ${dLoss.toFixed(3)} · G loss ${gLoss.toFixed(3)} (G update done)`;
    await refresh();
  }

  function updateButtons() {
    $('learn-play').disabled = player.playing || !started;
    $('learn-pause').disabled = !player.playing;
    $('learn-step').disabled = player.playing || !started;
  }

  const restartReporting = () =>
    errors.run('Starting the experiment failed', restart).finally(updateButtons);
  $('learn-distribution').onchange = restartReporting;
  $('learn-loss').onchange = restartReporting;
  $('learn-reset').onclick = restartReporting;
  $('learn-play').onclick = play;
  $('learn-pause').onclick = () => stop();
  $('learn-step').onclick = () => errors.run('Training step failed', singleStep);
  for (const box of document.querySelectorAll('[id^="learn-show-"]')) box.onchange = draw;

  updateButtons();
  plane.clear();
  plot.draw();
  const ready = (async () => {
    await session.ready;
    await restartReporting();
  })().catch((e) => errors.show(e, 'The Learn tab could not start'));

  // Leaving the tab pauses: the animation is only useful while watched.
  return { ready, show() {}, hide: () => stop() };
}
