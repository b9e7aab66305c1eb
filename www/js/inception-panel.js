// The metrics card's on-demand standard FID: Inception-v3 (the TF 2015-12-05 network of
// pytorch-fid, ported to Burn) runs on the page's device with a progress bar; its 87 MB of
// weights come from the local server (scripts/serve.mjs serves the copy that
// scripts/inception/setup.sh converted) or from a file the user picks. Never downloaded
// without a click.

import { sentence } from './messages.js';
import { clampOnChange, readNumber } from './number-input.js';

const $ = (id) => document.getElementById(id);
const SEED = 99; // the same evaluation latents as the domain metrics
const SERVER_COPY = '/inception-2015-12-05.safetensors';

export function createInceptionPanel(client) {
  let loaded = false;
  let busy = false;
  const status = (text) => ($('inception-status').textContent = text);
  const bar = $('inception-progress');
  const N_LIMITS = { min: 2, max: 10000, integer: true, fallback: 100 };
  const count = () => readNumber($('inception-n'), N_LIMITS);
  clampOnChange($('inception-n'), N_LIMITS);

  function update() {
    $('inception-run').disabled = !loaded || busy;
    $('inception-server').disabled = busy;
    $('inception-file').disabled = busy;
  }

  async function guarded(what, fn) {
    busy = true;
    update();
    try {
      return await fn();
    } catch (e) {
      console.error(what, e);
      status(sentence(e, what));
      return null;
    } finally {
      busy = false;
      bar.hidden = true;
      update();
    }
  }

  async function load(source, label) {
    return guarded('The Inception weights could not be loaded', async () => {
      status(`Loading the Inception weights from ${label}…`);
      const started = performance.now();
      const transfer = source instanceof ArrayBuffer ? [source] : [];
      const info = await client.request('loadInception', [source], { transfer });
      loaded = true;
      status(`Inception-v3 (${info.name}, ${info.dim} features) ready in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s. Choose a data set and press “Inception FID”.`);
      return info;
    });
  }

  async function fromServer() {
    return load(new URL(SERVER_COPY, location.href).href, 'this server');
  }

  async function fromFile(file) {
    if (!file) return null;
    return load(await file.arrayBuffer(), file.name);
  }

  /** FID and KID on Inception features of `n` real and `n` generated images. */
  async function evaluate() {
    const n = count();
    return guarded('Inception FID failed', async () => {
      const started = performance.now();
      bar.hidden = false;
      bar.max = 2 * n;
      bar.value = 0;
      status(`Inception features of ${n} real and ${n} generated images…`);
      const results = await client.request('evaluateInception', [n, SEED], {
        onProgress: ({ done, total }) => {
          bar.max = total;
          bar.value = done;
          status(`Inception features: ${done} of ${total} images (${((performance.now() - started) / 1000).toFixed(0)} s)…`);
        },
      });
      const fid = results.find((r) => r.metric === 'fid');
      const kid = results.find((r) => r.metric === 'kid');
      status(`${fid.key} = ${fid.value.toFixed(3)}, KID ${kid.value.toFixed(4)} ± ${kid.std.toFixed(4)} — ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s. With few images FID is biased upwards; ` +
        'compare only runs with the same N.');
      return results;
    });
  }

  $('inception-server').onclick = fromServer;
  $('inception-file').onchange = (e) => fromFile(e.target.files[0]);
  $('inception-run').onclick = evaluate;
  update();
}
