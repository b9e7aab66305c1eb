// One 2-D GAN of the Learn tab, in its own worker session, with its plane: start it from
// settings, step it (whole steps or halves), fetch what is drawn (D's field, generated points
// with their gradients, the latent mesh, the fit) and draw it. The Learn tab has one, or two
// when comparing settings side by side.

import { TOY_PRESET, setTomlValue } from './presets.js';
import { FAKE, Plane, REAL } from './plane.js';
import { LIVE_KEYS } from './learn-settings.js';

export const EXTENT = 2.5; // the toy sets lie within [-2, 2]²
const FIELD = 48; // heat-map samples per side
const MESH = 15; // latent grid points per side
const N_REAL = 500; // real points shown
const N_FAKE = 300; // generated points shown, with their arrows
const FAKE_SEED = 3; // the same latents every frame, so each orange point can be followed
const N_FIT = 2000; // points of each set histogrammed for the fit
const FIT_REAL_SEED = 12;
const FIT_FAKE_SEED = 13;
const REAL_SEED = 11;

/** Maps D's score to [0, 1] (1 = "real"), per loss: a probability for the non-saturating
 * loss; hinge targets ±1; least squares targets 1 (real) and 0 (fake). */
const UNIT = {
  'non-saturating': (v) => v,
  hinge: (v) => (Math.max(-1, Math.min(1, v)) + 1) / 2,
  'least-squares': (v) => v,
};

/** f32 little-endian bytes (as `sample` returns for 2-D models) → Float32Array. */
const floats = (bytes) => new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

/** The run config (TOML) of a Learn experiment; drawn data keeps the preset's [data] line. */
export function runToml(s) {
  const drawn = s.distribution === 'drawn';
  let toml = setTomlValue(TOY_PRESET, 'data', 'distribution', `"${drawn ? 'gaussians8' : s.distribution}"`);
  toml = setTomlValue(toml, 'train', 'loss', `"${s.loss}"`);
  toml = setTomlValue(toml, 'model', 'latent_dim', String(s.latent_dim));
  toml = setTomlValue(toml, 'model', 'depth', String(s.depth));
  toml = setTomlValue(toml, 'model', 'width', String(s.width));
  toml = setTomlValue(toml, 'run', 'seed', String(s.seed));
  return setTomlValue(toml, '', 'name', `"learn-${s.distribution}-${s.loss}"`);
}

export class LearnRun {
  /** @param {import('./client.js').Client} client  a worker with a session */
  constructor(client, canvas) {
    this.client = client;
    this.plane = new Plane(canvas, EXTENT);
    this.reset();
  }

  reset() {
    this.started = false;
    this.step = 0;
    this.frame = null; // {field, fakes, mesh}
    this.fit = null;
    this.real = null;
    this.fitReal = null;
    this.settings = null;
  }

  /** A fresh GAN from `settings` on `points` (drawn) or a built-in set; false when a drawing
   * has fewer than 3 points (nothing to train on yet). */
  async start(settings, points) {
    this.reset();
    this.settings = { ...settings };
    await this.client.call('newRun', runToml(settings));
    await this.setLive(settings);
    if (settings.distribution === 'drawn') {
      if (points.length < 6) return false;
      await this.client.call('usePoints', Float32Array.from(points));
      this.real = Float32Array.from(points);
    } else {
      await this.client.call('useToyData', settings.distribution);
      this.real = await this.client.call('trainingPoints', N_REAL, REAL_SEED);
    }
    this.fitReal = await this.client.call('trainingPoints', N_FIT, FIT_REAL_SEED);
    this.started = true;
    return true;
  }

  /** The settings a running GAN takes on the fly (its `[train]` section). */
  async setLive(settings) {
    this.settings = { ...this.settings, ...settings };
    const info = await this.client.call('info');
    const live = Object.fromEntries(LIVE_KEYS.map((k) => [k, this.settings[k]]));
    await this.client.call('setTrainConfig', { ...info.train, ...live });
  }

  /** `n` whole steps (fewer when aborted) → their statistics. */
  async steps(n, { signal, onProgress, chunk = n } = {}) {
    const stats = await this.client.request('train', [{ steps: n, chunk }], { onProgress, signal });
    if (stats.length) this.step = stats.at(-1).step;
    return stats;
  }

  /** Half a step: 'discriminator' (n_critic D updates) → [loss, D(real), D(fake), grad norm];
   * 'generator' (one G update) → [loss, grad norm]. */
  async half(phase) {
    const values = await this.client.call('trainPhase', phase);
    if (phase === 'generator') this.step = (await this.client.call('info')).step;
    return values;
  }

  /** Fetches every layer and the fit. */
  async refresh() {
    const { client } = this;
    const [field, fakes, mesh, sample] = await Promise.all([
      client.call('discriminatorField', FIELD, EXTENT),
      client.call('fakeWithGradients', N_FAKE, FAKE_SEED),
      client.call('latentGrid', MESH),
      client.call('sample', N_FIT, FIT_FAKE_SEED, 0, -1),
    ]);
    this.frame = { field, fakes, mesh };
    const { distribution } = this.settings;
    const mixture = distribution === 'drawn' ? '' : distribution;
    this.fit = await client.call('planeFit', this.fitReal, floats(sample), EXTENT, mixture);
  }

  /** Draws the layers `show(name)` asks for; `drawn` (points being drawn) replaces the real
   * points when given. Real points go last, so converged fakes do not hide them. */
  draw(show, drawn = null) {
    const { plane, frame } = this;
    plane.clear();
    if (frame && show('field')) plane.heatmap(frame.field, FIELD, UNIT[this.settings?.loss] ?? UNIT['non-saturating']);
    plane.axes();
    if (frame && show('mesh')) plane.mesh(frame.mesh, MESH);
    if (frame && show('fake')) {
      const xy = new Float32Array(N_FAKE * 2);
      for (let i = 0; i < N_FAKE; i++) xy.set(frame.fakes.subarray(4 * i, 4 * i + 2), 2 * i);
      plane.points(xy, FAKE, 2.6, 0.85);
    }
    if (frame && show('gradients')) plane.arrows(frame.fakes, 'rgba(120, 50, 0, 0.7)');
    const real = drawn ?? this.real;
    if (show('real') && real) plane.points(real, REAL, drawn ? 3 : 2, drawn ? 0.9 : 0.6);
  }
}

/** One line describing a fit (see metrics/plane_fit.rs). */
export function describeFit(fit) {
  let text = `JS divergence ${fit.js_bits.toFixed(3)} bits · KL(real ‖ generated) ${fit.kl_bits.toFixed(2)} bits`;
  if (fit.modes) {
    text += ` · modes covered ${fit.modes.covered} of ${fit.modes.total} · ${Math.round(fit.modes.high_quality * 100)} % of points near a mode`;
  }
  return text;
}
