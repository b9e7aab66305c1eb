// Page wiring: tabs, the backend badge, one worker session per tab (created when the tab is
// first opened, so each tab keeps its own model), and the test hook `window.ganvas`.

import { Client } from './client.js';
import { catchStrays, showError, showScope } from './errors.js';
import { createSampleView } from './sample-view.js';
import { createTrainView } from './train-view.js';
import { createLearnView } from './learn-view.js';

/** `?backend=cpu` forces the CPU (WASM) backend; otherwise WebGPU is tried first. */
const prefer = new URLSearchParams(location.search).get('backend') === 'cpu' ? 'cpu' : 'webgpu';

/** name → {client, ready}; `ready` resolves to the backend info once the wasm session exists. */
const sessions = {};
function session(name) {
  if (!sessions[name]) {
    const client = new Client(name);
    sessions[name] = { client, ready: client.call('create', prefer) };
  }
  return sessions[name];
}

function showBackend(backend) {
  const badge = document.getElementById('backend-badge');
  badge.dataset.backend = backend?.kind ?? 'none';
  if (!backend) {
    badge.textContent = 'Not running';
    badge.title = 'The WebAssembly module could not start; see the message below the tabs.';
  } else if (backend.kind === 'webgpu') {
    badge.textContent = `WebGPU · ${backend.adapter}`;
    badge.title = 'Networks run on your GPU through WebGPU.';
  } else {
    badge.textContent = `CPU (WASM)${backend.fallback_reason ? ` · ${backend.fallback_reason}` : ''}`;
    badge.title = 'Networks run on the CPU in WebAssembly; slower than WebGPU.';
  }
}

const factories = { sample: createSampleView, train: createTrainView, learn: createLearnView };
const views = {};
let current = null;

function select(name) {
  if (!factories[name]) name = 'sample';
  if (current && current !== name) views[current]?.hide();
  views[name] ??= factories[name](session(name));
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const on = tab.dataset.tab === name;
    tab.setAttribute('aria-selected', String(on));
    document.getElementById(`panel-${tab.dataset.tab}`).hidden = !on;
  }
  views[name].show();
  current = name;
  showScope(name);
  if (location.hash.slice(1) !== name) history.replaceState(null, '', `#${name}`);
}

catchStrays();
// A file dropped outside the drop zone would make the browser open it and leave the page
// (losing any training in progress).
for (const type of ['dragover', 'drop']) window.addEventListener(type, (e) => e.preventDefault());
for (const tab of document.querySelectorAll('[role="tab"]')) tab.onclick = () => select(tab.dataset.tab);
window.addEventListener('hashchange', () => select(location.hash.slice(1)));

// The Sample tab's session is created at once: it drives the badge and is the test hook's client.
const main = session('sample');
main.ready.then(showBackend, (e) => {
  showBackend(null);
  showError(e, 'WebAssembly did not start');
});
select(location.hash.slice(1) || 'sample');
if (!views.sample) views.sample = createSampleView(main);

/**
 * Test hook. `client` talks to the Sample tab's worker; `ready` resolves to its backend info
 * after the Sample tab's first model load has settled (loaded or failed), so a test that waits
 * for it is not raced by the page; it rejects when the wasm session could not be created.
 * `sessions` holds every session created so far ({client, ready} per tab name).
 */
window.ganvas = {
  client: main.client,
  ready: main.ready.then(async (backend) => {
    await views.sample.ready;
    return backend;
  }),
  sessions,
  prefer,
};
window.ganvas.ready.catch(() => {}); // reported above; keep the rejection for tests only
