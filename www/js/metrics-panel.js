// The Train tab's metrics card: domain FID / KID / precision / recall / coverage of the EMA
// generator against the chosen built-in data set, on that set's small classifier
// (www/models/domain-<set>.safetensors), recomputed every N steps and plotted over time.
// For data without a classifier (the user's own images) the domain part says so and hides.

import { LinePlot } from './plot.js';
import { clampOnChange, readNumber } from './number-input.js';

const $ = (id) => document.getElementById(id);
const SEED = 99; // latents of the evaluation samples

export function createMetricsPanel(client) {
  let set = null; // 'fashion-mnist' | 'mnist' when a classifier is loaded for the data
  let lastStep = -1;
  const fidPlot = new LinePlot($('metrics-fid-plot'), [
    { key: 'fid', label: 'domain FID', color: '#c2410c' },
    { key: 'kid', label: 'domain KID', color: '#7a4bd6' },
  ], { title: 'Distance to the data (lower is better)' });
  const prPlot = new LinePlot($('metrics-pr-plot'), [
    { key: 'precision', label: 'precision', color: '#1f9e77' },
    { key: 'recall', label: 'recall', color: '#2563eb' },
    { key: 'coverage', label: 'coverage', color: '#d97706' },
  ], { title: 'Fidelity and diversity (higher is better)' });
  const status = (text) => ($('metrics-status').textContent = text);
  const EVERY = { min: 0, max: 100000, integer: true, fallback: 200 };
  const COUNT = { min: 50, max: 10000, integer: true, fallback: 500, why: 'to keep an evaluation under a minute or so' };
  const every = () => readNumber($('metrics-every'), EVERY);
  const count = () => readNumber($('metrics-n'), COUNT);
  clampOnChange($('metrics-every'), EVERY);
  clampOnChange($('metrics-n'), COUNT);
  /** Shows the domain metrics' controls and plots only when there is a classifier. */
  const showDomain = (on) => {
    for (const id of ['metrics-domain-controls', 'metrics-domain-plots']) $(id).hidden = !on;
  };

  function clear() {
    lastStep = -1;
    fidPlot.clear();
    prPlot.clear();
  }

  /**
   * The data changed: `dataset` is a set with a shipped classifier ('fashion-mnist', 'mnist',
   * 'emoji'), or null with `why` saying why there are no domain metrics for this data.
   */
  async function setData(dataset, why = 'Domain metrics need a built-in data set (Fashion-MNIST, MNIST or the Noto emoji) and its classifier.') {
    clear();
    set = null;
    $('metrics-now').disabled = true;
    showDomain(false);
    if (!dataset) {
      status(why);
      return;
    }
    status(`Loading the ${dataset} classifier…`);
    const url = new URL(`../models/domain-${dataset}.safetensors`, import.meta.url).href;
    const info = await client.call('loadExtractor', url).catch((e) => {
      status('The domain metrics are not available: their classifier could not be loaded (see the message above).');
      throw e;
    });
    showDomain(true);
    set = dataset;
    $('metrics-now').disabled = false;
    status(`Classifier ${info.name} (${info.dim} features, ${info.classes} classes) ready; ` +
      `metrics every ${every() || '–'} steps.`);
  }

  async function evaluate(step) {
    if (!set) return;
    const n = count();
    const started = performance.now();
    status(`Evaluating ${n} samples at step ${step}…`);
    const results = await client.call('evaluate', n, SEED);
    const seconds = (performance.now() - started) / 1000;
    const value = (metric) => results.find((r) => r.metric === metric)?.value;
    const kid = value('kid');
    const row = { fid: value('fid'), kid, precision: value('precision'), recall: value('recall'), coverage: value('coverage') };
    fidPlot.push(step, row);
    prPlot.push(step, row);
    fidPlot.draw();
    prPlot.draw();
    lastStep = step;
    const key = results[0]?.key ?? '';
    status(`Step ${step}: FID ${row.fid.toFixed(2)}, KID ${kid.toFixed(4)}, precision ${row.precision.toFixed(3)}, ` +
      `recall ${row.recall.toFixed(3)}, coverage ${row.coverage.toFixed(3)} — ${key.replace(/^fid@/, '')} in ${seconds.toFixed(1)} s`);
    return results;
  }

  /** After training reached `step`: evaluates when a multiple of "every" was passed. */
  async function afterSteps(step) {
    const n = every();
    if (!set || !n || step === lastStep) return;
    if (lastStep < 0 || Math.floor(step / n) > Math.floor(lastStep / n)) await evaluate(step);
  }

  /** Steps until the next scheduled evaluation (Infinity when off), so training stops there. */
  function stepsUntilNext(step) {
    const n = every();
    return set && n ? n - (step % n) : Infinity;
  }

  return { setData, evaluate, afterSteps, stepsUntilNext, clear, get ready() { return Boolean(set); } };
}
