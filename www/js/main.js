// Page wiring: the backend choice, badge and switch, tabs, one worker session per tab (created
// when the tab is first opened, so each tab keeps its own model), and the test hook `window.ganvas`.

import { Client } from './client.js';
import { catchStrays, showError, showScope } from './errors.js';
import { chooseBackend, describeBackend, probeWebGPU, requestedBackend } from './backend.js';
import { describeRace, raceBackends } from './backend-race.js';
import { CpuPool, poolSize } from './cpu-pool.js';
import { cpuThreads } from './cpu-threads.js';
import { createSampleView } from './sample-view.js';
import { createTrainView } from './train-view.js';
import { createLearnView } from './learn-view.js';
import { markSelected, tabKeyboard } from './a11y.js';
import { offerResume } from './resume-offer.js';

const params = new URLSearchParams(location.search);

/** `?backend=cpu|webgpu` overrides; otherwise WebGPU on a real GPU, the CPU elsewhere. */
const choice = (async () => {
  const requested = requestedBackend();
  const gpu = await probeWebGPU();
  // An adapter that does not say what it is: time both backends once (see backend-race.js).
  let race = null;
  if (!requested && gpu.available && gpu.ambiguous) {
    document.getElementById('backend-badge').textContent = 'Timing CPU and WebGPU…';
    race = await raceBackends();
  }
  const raceNote = race ? describeRace(race) : '';
  return { requested, gpu, race, raceNote, prefer: chooseBackend(requested, gpu, race), auto: chooseBackend(null, gpu, race) };
})();

/** name → {client, ready}; `ready` resolves to the backend info once the wasm session exists. */
const sessions = {};
function session(name) {
  if (!sessions[name]) {
    const client = new Client(name);
    // On the CPU each tab's worker runs the threaded module where the page can (cpu-threads.js);
    // the Learn tab's 2-D networks are too small for threads to pay.
    const threads = name === 'learn' ? 1 : cpuThreads();
    const params = new URLSearchParams(location.search);
    // `?convs=lowered` runs WebGPU convolutions as matrix multiplies (see CubeConvs in the crate).
    const asked = params.get('convs');
    const convs = ['lowered', 'direct'].includes(asked) ? asked : null;
    if (asked && !convs) console.warn(`ganvas: ignoring ?convs=${asked} (give lowered or direct)`);
    // `?fusion=1` runs WebGPU in the fusion module (pkg/fusion/, Burn's operation fusion): fewer
    // dispatches, but its training gradients are not yet right on every adapter (README).
    const fusion = params.get('fusion') === '1';
    sessions[name] = { client, ready: choice.then(({ prefer }) => client.call('create', prefer, { threads, convs, fusion })) };
  }
  return sessions[name];
}

function showBackend(backend, chosen) {
  const { state, badge: text, title, note } = describeBackend(backend, chosen);
  const badge = document.getElementById('backend-badge');
  badge.dataset.backend = state === 'webgpu-software' ? 'webgpu' : state;
  badge.dataset.device = state === 'webgpu-software' ? 'software' : state === 'webgpu' ? 'gpu' : state;
  badge.textContent = text;
  badge.title = title;
  const noteLine = document.getElementById('backend-note');
  noteLine.textContent = note;
  noteLine.hidden = !note;

  for (const radio of document.querySelectorAll('input[name="backend"]')) {
    radio.checked = radio.value === backend?.kind;
    const noGpu = radio.value === 'webgpu' && !chosen.gpu.available;
    radio.disabled = !backend || (noGpu && backend.kind !== 'webgpu');
    radio.closest('label').title = noGpu
      ? `Not available: ${chosen.gpu.why}.`
      : radio.value === 'cpu'
        ? 'Run the networks on the CPU (WebAssembly). Reloads the page.'
        : `Run the networks through WebGPU (${chosen.gpu.name}). Reloads the page.`;
  }
}

/** Beside the badge: how many CPU threads or workers sample, and what each holds; a sentence per
 * worker that could not start or stopped, or why the threaded module does not run. */
async function showWorkers({ asked, running, failures }) {
  const backend = await main.ready.catch(() => null);
  const label = document.getElementById('cpu-workers');
  const memory = await pool.memory();
  const mb = Math.round(Math.max(0, ...memory) / 1048576);
  const note = document.getElementById('cpu-pool-note');
  const notes = [...failures, ...(backend?.threads_note ? [backend.threads_note] : [])];
  note.textContent = notes.join(' ');
  note.hidden = !notes.length;
  label.hidden = false;
  if (backend?.threads > 1) {
    label.textContent = `${backend.threads} CPU threads`;
    label.title = `One WebAssembly module computes on ${backend.threads} threads (of ${navigator.hardwareConcurrency || 1} cores) sharing its memory (about ${mb} MB); the page is cross-origin isolated, which shared memory needs.`;
    return;
  }
  label.textContent = `${running} CPU worker${running === 1 ? '' : 's'}`;
  label.title = (running > 1
    ? `Sampling is split between ${running} WebAssembly workers (of ${navigator.hardwareConcurrency || 1} cores), each holding its own copy of the module and the model (about ${mb} MB each); training runs in one of them.`
    : `Sampling runs in one WebAssembly worker (about ${mb} MB).`) +
    (asked > running ? ` ${asked - running} of the ${asked} started could not run.` : '');
}

/**
 * Reloads the page on `kind`, on the same tab and (when it is a shipped one) the same Sample
 * model. The URL keeps an explicit `?backend=` only when it differs from what this machine
 * would get anyway, so the note under the badge can still say why.
 */
async function switchTo(kind) {
  const { auto } = await choice;
  // Training pauses and is autosaved first, so the reloaded page offers to resume it there.
  await views.train?.beforeLeaving?.();
  if (views.train?.unsaved?.() &&
      !confirm('Switching reloads the page: the model being trained in the Train tab is lost unless you download it first. Switch anyway?')) {
    showBackend(await sessions.sample.ready.catch(() => null), await choice); // put the radio back
    return;
  }
  const next = new URLSearchParams(location.search);
  if (kind === auto) next.delete('backend');
  else next.set('backend', kind);
  const model = views.sample?.model();
  if (model) next.set('model', model);
  else next.delete('model');
  const query = next.toString();
  location.assign(`${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}

const factories = { sample: createSampleView, train: createTrainView, learn: createLearnView };
const views = {};
let current = null;

function select(name) {
  if (!factories[name]) name = 'sample';
  if (current && current !== name) views[current]?.hide();
  views[name] ??= factories[name](session(name));
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  markSelected(tabs, tabs.find((tab) => tab.dataset.tab === name));
  for (const tab of tabs) document.getElementById(`panel-${tab.dataset.tab}`).hidden = tab.dataset.tab !== name;
  views[name].show();
  current = name;
  showScope(name);
  if (location.hash.slice(1) !== name) history.replaceState(null, '', `${location.pathname}${location.search}#${name}`);
}

catchStrays();
// A file dropped outside the drop zone would make the browser open it and leave the page
// (losing any training in progress).
for (const type of ['dragover', 'drop']) window.addEventListener(type, (e) => e.preventDefault());
for (const tab of document.querySelectorAll('[role="tab"]')) tab.onclick = () => select(tab.dataset.tab);
tabKeyboard(document.querySelector('[role="tablist"]'), (tab) => select(tab.dataset.tab));
window.addEventListener('hashchange', () => select(location.hash.slice(1)));
for (const radio of document.querySelectorAll('input[name="backend"]')) {
  radio.onchange = () => radio.checked && switchTo(radio.value);
}

// The Sample tab's session is created at once: it drives the badge and is the test hook's client.
const main = session('sample');
// On the CPU its sampling is split over a pool of workers (see cpu-pool.js) unless its module
// runs on threads already; training, and everything but sampling, stays in its first worker.
const pool = new CpuPool(main.client, { name: 'sample', onChange: showWorkers });
main.ready.then((backend) => backend?.kind === 'cpu' && pool.start(backend.threads > 1 ? 1 : poolSize()), () => {});
// A model asked for in the URL (kept across a backend switch) is used once, then dropped from it.
const initialModel = params.get('model');
if (initialModel) {
  params.delete('model');
  const query = params.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}
views.sample = createSampleView({ client: pool, ready: main.ready }, { initialModel });
main.ready.then(async (backend) => showBackend(backend, await choice), async (e) => {
  showBackend(null, await choice);
  showError(e, 'WebAssembly did not start');
});
select(location.hash.slice(1) || 'sample');
// A run the Train tab autosaved before a reload is offered for resuming (in the Train tab).
const resumeOffer = offerResume(async (record) => {
  select('train');
  await views.train.ready;
  await views.train.resume(record);
});

/**
 * Test hook. `client` talks to the Sample tab's workers (`pool`, a CpuPool: on the CPU its
 * sampling calls are split over `pool.status().running` workers, everything else goes to the
 * first one, `pool.primary`); `ready` resolves to its backend info
 * after the Sample tab's first model load has settled (loaded or failed), so a test that waits
 * for it is not raced by the page; it rejects when the wasm session could not be created.
 * `sessions` holds every session created so far ({client, ready} per tab name); `choice`
 * resolves to how the backend was chosen ({requested, prefer, auto, gpu}); `prefer` is the
 * backend asked of the wasm once known.
 */
window.ganvas = {
  client: pool,
  pool,
  ready: main.ready.then(async (backend) => {
    await views.sample.ready;
    return backend;
  }),
  sessions,
  choice,
  prefer: null,
  resumeOffer, // resolves to what the autosave held on load: 'run', 'damaged' or null
};
choice.then(({ prefer }) => (window.ganvas.prefer = prefer));
window.ganvas.ready.catch(() => {}); // reported above; keep the rejection for tests only
// Once the first model is in, the workers' memory beside the badge includes it.
Promise.all([window.ganvas.ready, pool.ready]).then(() => pool.asked > 1 && showWorkers(pool.status()), () => {});
