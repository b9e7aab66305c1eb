// The page as a teacher meets it: which backend it picks and how it says so, the backend
// switch, latent walks that survive impatient clicking, and error messages in plain words.
// Run with the other browser tests: node --test --test-concurrency=1 tests/browser/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, sharedApp, waitReady } from './harness.mjs';

/** What Rust debug output looks like, independent of the page's own filter (messages.js). */
const DEBUG = /Some\(|\bNone\b|\bOk\(|\bErr\(|\{ ?\w+:|::|HeaderTooLarge|WgpuDevice|DefaultDevice|\b[A-Z][a-z]+(?:[A-Z][a-z]+){2,}\b/;

const app = sharedApp();

const text = (page, id) => page.textContent(`[data-testid="${id}"]`);
const visible = (page, id) => page.isVisible(`[data-testid="${id}"]`);
const checkedBackend = (page) => page.$eval('[data-testid="backend-switch"] input:checked', (r) => r.value);
/** The shown (not hidden) messages in the error area. */
const shownMessages = (page) =>
  page.$$eval('[data-testid="error-message"]', (items) => items.filter((i) => !i.hidden).map((i) => i.firstChild.textContent));

/** Waits until the Sample grid has the size of `cols` × `rows` images of `side` px (2-px borders). */
async function waitForGrid(page, cols, rows, side) {
  const [w, h] = [cols * side + (cols + 1) * 2, rows * side + (rows + 1) * 2];
  await page.waitForFunction(([w, h]) => {
    const c = document.querySelector('[data-testid="sample-canvas"]');
    return c.width === w && c.height === h;
  }, [w, h], { timeout: 120_000 });
}

/** Clicks the switch's option for `kind` and waits for the reloaded page's session. */
async function switchBackend(page, kind) {
  await Promise.all([
    page.waitForEvent('load', { timeout: 60_000 }),
    page.click(`[data-testid="backend-switch"] label:has([data-testid="backend-${kind}"])`),
  ]);
  return waitReady(page);
}

test('on a software WebGPU adapter the page runs on the CPU and says why', async () => {
  const started = Date.now();
  const { page, errors, consoleErrors } = await openApp(app.browser, app.server);
  console.log(`# default load: first samples after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const backend = await page.evaluate(() => window.ganvas.ready);
  assert.equal(backend.kind, 'cpu');
  const choice = await page.evaluate(() => window.ganvas.choice);
  assert.equal(choice.gpu.software, true, JSON.stringify(choice.gpu));
  assert.equal(choice.gpu.name, 'SwiftShader');

  assert.equal(await page.getAttribute('[data-testid="backend-badge"]', 'data-backend'), 'cpu');
  assert.match(await text(page, 'backend-badge'), /CPU/);
  assert.ok(await visible(page, 'backend-note'), 'the reason is on screen');
  const note = await text(page, 'backend-note');
  assert.match(note, /^Using the CPU: .*software \(SwiftShader\).*slower than the CPU/);
  assert.doesNotMatch(note, DEBUG);
  assert.equal(await checkedBackend(page), 'cpu');
  assert.equal(await page.isEnabled('[data-testid="backend-webgpu"]'), true, 'WebGPU can still be chosen');
  assert.match(await text(page, 'sample-info'), /^toy-8gaussians ·/);
  assert.deepEqual(errors, []);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('?backend=webgpu forces WebGPU; the switch moves between backends keeping the tab and the model', async () => {
  let started = Date.now();
  const { page, errors, consoleErrors } = await openApp(app.browser, app.server, '?backend=webgpu#sample');
  console.log(`# ?backend=webgpu load: first samples after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal((await page.evaluate(() => window.ganvas.ready)).kind, 'webgpu');
  assert.equal(await page.getAttribute('[data-testid="backend-badge"]', 'data-device'), 'software');
  assert.match(await text(page, 'backend-badge'), /WebGPU.*SwiftShader/);
  assert.match(await text(page, 'backend-note'), /Using WebGPU as chosen.*slower than the CPU/);
  assert.equal(await checkedBackend(page), 'webgpu');

  // The class-conditional Fashion-MNIST model: 6 samples per class, one column per class.
  started = Date.now();
  await page.selectOption('[data-testid="sample-model"]', { label: 'Fashion-MNIST DCGAN-32, class-conditional' });
  await waitForGrid(page, 10, 6, 32);
  console.log(`# WebGPU (SwiftShader): Fashion-MNIST model loaded and 60 samples drawn in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // WebGPU → CPU: the CPU is what this machine gets anyway, so the URL drops `backend`.
  started = Date.now();
  let backend = await switchBackend(page, 'cpu');
  await waitForGrid(page, 10, 6, 32);
  console.log(`# switched to the CPU: Fashion-MNIST grid after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(backend.kind, 'cpu');
  assert.equal(new URL(page.url()).search, '', 'no override left, and the model was taken from the URL');
  assert.equal(new URL(page.url()).hash, '#sample');
  assert.match(await text(page, 'sample-info'), /^fashion-dcgan32 ·/);
  assert.match(await text(page, 'backend-note'), /SwiftShader/);
  assert.equal(await checkedBackend(page), 'cpu');
  // Sampling still works: a new seed draws a different grid.
  const before = await page.$eval('[data-testid="sample-canvas"]', (c) => c.toDataURL());
  await page.fill('[data-testid="sample-seed"]', '7');
  await page.click('[data-testid="sample-button"]');
  await page.waitForFunction((before) => document.querySelector('[data-testid="sample-canvas"]').toDataURL() !== before, before, { timeout: 60_000 });

  // CPU → WebGPU from the Train tab: the page comes back on the Train tab, same Sample model.
  await page.click('[data-testid="tab-train"]');
  backend = await switchBackend(page, 'webgpu');
  assert.equal(backend.kind, 'webgpu');
  assert.equal(new URL(page.url()).search, '?backend=webgpu');
  assert.equal(new URL(page.url()).hash, '#train');
  assert.ok(await visible(page, 'panel-train'), 'the Train tab is open');
  assert.equal(await page.$eval('[data-testid="sample-model"]', (s) => s.selectedOptions[0].text), 'Fashion-MNIST DCGAN-32, class-conditional');
  await page.click('[data-testid="tab-sample"]');
  await waitForGrid(page, 10, 6, 32);
  assert.equal(await checkedBackend(page), 'webgpu');
  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('without a WebGPU adapter the page says so in a plain sentence', async () => {
  const noGpu = await launch({ webgpu: false });
  try {
    // Default: the CPU, and why.
    let { page, errors } = await openApp(noGpu, app.server);
    assert.equal((await page.evaluate(() => window.ganvas.ready)).kind, 'cpu');
    let note = await text(page, 'backend-note');
    assert.match(note, /^Using the CPU: this browser’s WebGPU found no usable graphics adapter\.$/);
    assert.equal(await page.isDisabled('[data-testid="backend-webgpu"]'), true, 'WebGPU cannot be chosen');
    assert.deepEqual(errors, []);
    await page.close();

    // Asked for WebGPU anyway: the wasm falls back, and its wgpu debug text stays in the console.
    ({ page, errors } = await openApp(noGpu, app.server, '?backend=webgpu'));
    const backend = await page.evaluate(() => window.ganvas.ready);
    assert.equal(backend.kind, 'cpu');
    console.log(`# the wasm's own fallback reason: ${backend.fallback_reason}`);
    note = await text(page, 'backend-note');
    assert.match(note, /^Using the CPU: this browser’s WebGPU found no usable graphics adapter\.$/);
    const header = await page.textContent('header');
    assert.doesNotMatch(header, DEBUG);
    assert.doesNotMatch(await page.textContent('[data-testid="error"]'), DEBUG);
    assert.match(await text(page, 'sample-info'), /^toy-8gaussians ·/, 'and it still samples');
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await noGpu.close();
  }
});

test('a latent walk is dropped on a model change, Play twice plays one walk, Stop stops it', async () => {
  // Counts the page's live intervals: the walk animation is the only one.
  const init = () => {
    const live = new Set();
    const [set, clear] = [window.setInterval.bind(window), window.clearInterval.bind(window)];
    window.setInterval = (...args) => {
      const id = set(...args);
      live.add(id);
      return id;
    };
    window.clearInterval = (id) => {
      live.delete(id);
      clear(id);
    };
    window.liveIntervals = () => live.size;
  };
  const { page, errors, consoleErrors } = await openApp(app.browser, app.server, '', { init });
  const live = () => page.evaluate(() => window.liveIntervals());
  const frameText = () => text(page, 'interp-frame');
  const walkPicture = () => page.$eval('[data-testid="interp-canvas"]', (c) => `${c.width}×${c.height} ${c.toDataURL()}`);

  await page.selectOption('[data-testid="sample-model"]', { label: 'MNIST digits DCGAN-28, class-conditional' });
  await page.waitForFunction(() => /^mnist-dcgan28 ·/.test(document.querySelector('[data-testid="sample-info"]').textContent));
  await page.fill('[data-testid="interp-strips"]', '16');
  await page.fill('[data-testid="interp-frames"]', '60'); // 960 images: the walk takes a while

  // Play, and change the model while the frames are being computed (in the same task, so the
  // worker cannot have answered yet).
  const during = await page.evaluate(() => {
    document.querySelector('[data-testid="interp-play"]').click();
    const state = document.querySelector('[data-testid="interp-frame"]').textContent;
    const select = document.querySelector('[data-testid="sample-model"]');
    select.value = [...select.options].find((o) => /8 Gaussians/.test(o.text)).value;
    select.dispatchEvent(new Event('change'));
    return state;
  });
  assert.match(during, /computing/);
  await page.waitForFunction(() => /^toy-8gaussians ·/.test(document.querySelector('[data-testid="sample-info"]').textContent), null, { timeout: 60_000 });
  await page.waitForTimeout(500); // the MNIST frames arrived before the new model; give them time to (not) show
  assert.deepEqual(await shownMessages(page), [], 'the dropped walk is no error');
  assert.equal(await live(), 0, 'the MNIST walk never started playing');
  assert.equal(await frameText(), '');
  assert.equal(await page.$eval('[data-testid="interp-canvas"]', (c) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    return data.every((v) => v === 0);
  }), true, 'nothing of the MNIST walk on screen');

  // Play twice: one walk, of the 2-D model (a 360-px scatter plot, not a strip of digits).
  await page.click('[data-testid="interp-play"]');
  await page.click('[data-testid="interp-play"]');
  await page.waitForFunction(() => /^frame \d+ \/ 60$/.test(document.querySelector('[data-testid="interp-frame"]').textContent), null, { timeout: 60_000 });
  await page.click('[data-testid="interp-play"]');
  await page.waitForTimeout(400);
  assert.equal(await live(), 1, 'exactly one animation');
  assert.match(await walkPicture(), /^360×360 /);
  assert.equal(await page.getAttribute('[data-testid="interp-play"]', 'aria-pressed'), 'true');

  // Stop stops: no timer left, the picture and the frame number stay still.
  await page.click('[data-testid="interp-stop"]');
  assert.equal(await live(), 0);
  const [frame, picture] = [await frameText(), await walkPicture()];
  await page.waitForTimeout(600);
  assert.equal(await frameText(), frame);
  assert.equal(await walkPicture(), picture);
  assert.equal(await page.isDisabled('[data-testid="interp-stop"]'), true);

  // Stop while the frames are still being computed: nothing plays when they arrive.
  await page.evaluate(() => {
    document.querySelector('[data-testid="interp-play"]').click();
    document.querySelector('[data-testid="interp-stop"]').click();
  });
  await page.evaluate(() => window.ganvas.client.call('info')); // after the walk's call in the worker queue
  await page.waitForTimeout(300);
  assert.equal(await live(), 0, 'a stopped walk does not start later');
  assert.equal(await walkPicture(), picture);

  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('error messages are plain sentences, can be dismissed and go when the next action succeeds', async () => {
  const { page, errors } = await openApp(app.browser, app.server);
  const corrupt = (name) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from('definitely not safetensors') });
  const checkSentence = (message) => {
    assert.doesNotMatch(message, DEBUG);
    assert.match(message, /^[A-Z].*[.!?]$/, `one sentence: ${message}`);
    assert.doesNotMatch(message.slice(0, -1), /[.!?] [A-Z]/, `not two sentences: ${message}`);
  };

  // A corrupt checkpoint in the Sample tab.
  await page.setInputFiles('[data-testid="sample-file"]', corrupt('bad.safetensors'));
  await page.waitForSelector('[data-testid="error-message"]');
  let shown = await shownMessages(page);
  assert.equal(shown.length, 1);
  assert.match(shown[0], /^Opening bad\.safetensors failed: the file is not a safetensors checkpoint/);
  checkSentence(shown[0]);
  assert.match(await text(page, 'sample-info'), /^toy-8gaussians · .*\(bad\.safetensors could not be opened\)$/, 'the model held before stays');
  // Dismissed with its button.
  await page.click('[data-testid="error-close"]');
  assert.deepEqual(await shownMessages(page), []);
  assert.equal(await visible(page, 'error'), false);
  // The same failure twice is one message; then a successful Sample clears it.
  for (let i = 0; i < 2; i++) {
    await page.setInputFiles('[data-testid="sample-file"]', corrupt('bad.safetensors'));
    await page.waitForFunction(() => !/Loading/.test(document.querySelector('[data-testid="sample-info"]').textContent));
  }
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="error-message"]').length === 1);
  await page.waitForTimeout(300);
  assert.equal((await shownMessages(page)).length, 1, 'no pile of equal messages');
  await page.click('[data-testid="sample-button"]');
  await page.waitForFunction(() => !document.querySelector('[data-testid="error-message"]'), null, { timeout: 30_000 });

  // Different failures pile up only to a few.
  for (let i = 0; i < 7; i++) {
    await page.setInputFiles('[data-testid="sample-file"]', corrupt(`bad-${i}.safetensors`));
    await page.waitForFunction((i) => [...document.querySelectorAll('[data-testid="error-message"]')].some((m) => m.textContent.includes(`bad-${i}.`)), i);
  }
  shown = await shownMessages(page);
  assert.ok(shown.length <= 4, `${shown.length} messages`);
  assert.match(shown.at(-1), /bad-6\.safetensors/, 'the newest is kept');
  shown.forEach(checkSentence);

  // A non-image file in the Train tab: its message shows there, not in the Sample tab.
  await page.click('[data-testid="tab-train"]');
  await page.waitForSelector('[data-testid="train-start"]:not([disabled])', { timeout: 60_000 });
  await page.setInputFiles('[data-testid="train-files"]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="error-message"]')].some((m) => !m.hidden && /notes\.txt/.test(m.textContent)));
  shown = await shownMessages(page);
  assert.equal(shown.length, 1, `only the Train tab's message: ${shown}`);
  assert.match(shown[0], /^Reading the images failed: no image the browser can decode .* among notes\.txt\.$/);
  checkSentence(shown[0]);
  await page.click('[data-testid="tab-sample"]');
  assert.ok((await shownMessages(page)).every((m) => !/notes\.txt/.test(m)), 'hidden in the Sample tab');
  await page.click('[data-testid="tab-train"]');
  assert.equal((await shownMessages(page)).length, 1, 'shown again in the Train tab');
  // Starting a run succeeds: the Train tab's message goes.
  await page.click('[data-testid="train-start"]');
  await page.waitForFunction(() => /trained 0 steps/.test(document.querySelector('[data-testid="train-model-info"]').textContent), null, { timeout: 60_000 });
  await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid="error-message"]')].some((m) => /notes\.txt/.test(m.textContent)));
  assert.deepEqual(await shownMessages(page), []);

  // The known raw texts of the wasm and the browser, as the page words them.
  const raw = [
    'WebGPU is not available: No adapter available for WgpuDevice { kind: DefaultDevice, backend: Auto }: No suitable graphics adapter found',
    'not a safetensors file (HeaderTooLarge)',
    'not a ganvas checkpoint (metadata `format` is missing, expected "ganvas-checkpoint/1")',
    'reading tensors from the device failed: Some(BufferAsyncError { kind: Mapping })',
    'called `Result::unwrap()` on an `Err` value: Err(InvalidHeaderStart)',
    'recursive use of an object detected which would lead to unsafe aliasing in rust',
    'the WebAssembly module crashed (unreachable); see the browser console and reload the page',
    'sample: n = 100000000 exceeds the limit of 10000',
  ];
  const words = await page.evaluate(async (raw) => {
    const { sentence } = await import(new URL('js/messages.js', document.baseURI).href);
    return raw.map((r) => sentence(new Error(r), 'It failed'));
  }, raw);
  words.forEach(checkSentence);
  assert.equal(words[0], 'It failed: WebGPU could not start in this browser.');
  assert.equal(words[3], 'It failed: reading tensors from the device failed.');
  assert.equal(words[7], 'It failed: sample: n = 100000000 exceeds the limit of 10000.', 'sentences from the wasm pass unchanged');
  assert.deepEqual(errors, []);
  await page.close();
});
