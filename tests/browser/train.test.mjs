// The Train tab as a teacher leaves it and comes back: autosave to IndexedDB and resume after a
// reload (the step count and the model continue exactly), the warning before leaving while a
// run trains, fields that show the value in use when they clamp, warnings for implausible
// hyper-parameters, and a damaged autosave that costs one plain sentence and nothing else.
// All on the CPU backend (`?backend=cpu`): SwiftShader's WebGPU would only make this slow.
//   GANVAS_BIN=… node --test --test-concurrency=1 train.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApp, root, sharedApp, waitReady } from './harness.mjs';

/** What Rust debug output looks like, independent of the page's own filter (messages.js). */
const DEBUG = /Some\(|\bNone\b|\bOk\(|\bErr\(|\{ ?\w+:|::|HeaderTooLarge|InvalidHeader|\b[A-Z][a-z]+(?:[A-Z][a-z]+){2,}\b/;

const app = sharedApp();

const sel = (id) => `[data-testid="${id}"]`;
const text = (page, id) => page.textContent(sel(id));
const stepCount = async (page) => Number(await text(page, 'train-step-count'));
/** The shown (not hidden) messages in the error area. */
const shownMessages = (page) =>
  page.$$eval(sel('error-message'), (items) => items.filter((i) => !i.hidden).map((i) => i.firstChild.textContent));
const oneSentence = (message) => {
  assert.doesNotMatch(message, DEBUG, message);
  assert.match(message, /^[A-Z“].*[.!?]$/, `one sentence: ${message}`);
  assert.doesNotMatch(message.slice(0, -1), /[.!?] [A-Z]/, `not two sentences: ${message}`);
};

/** Calls a method of the Train tab's worker session. */
const trainCall = (page, method, ...args) => page.evaluate(async ([method, args]) => {
  const value = await window.ganvas.sessions.train.client.call(method, ...args);
  return value instanceof Uint8Array ? Array.from(value) : value;
}, [method, args]);

/** Sets a field as a user would (typing, then leaving it), so its change handler runs. */
async function setField(page, id, value) {
  await page.fill(sel(id), String(value));
  await page.dispatchEvent(sel(id), 'change');
}

/** The app on the CPU backend in the Train tab with no autosave left from another test. */
async function openTrain() {
  const opened = await openApp(app.browser, app.server, '?backend=cpu#train');
  await opened.page.evaluate(async () => (await import(new URL('js/autosave-store.js', document.baseURI).href)).discardRun());
  await opened.page.reload();
  await waitReady(opened.page);
  await waitTrainTab(opened.page);
  return opened;
}

async function waitTrainTab(page) {
  await page.waitForFunction(() => window.ganvas.sessions.train &&
    document.querySelector('[data-testid="train-source"]').options.length > 0, null, { timeout: 60_000 });
  await page.evaluate(() => window.ganvas.sessions.train.ready);
}

/** Starts the default run (8 Gaussians MLP on its own distribution) and waits until it can train. */
async function startToy(page) {
  await page.click(sel('train-start'));
  await page.waitForFunction(() => /trained 0 steps/.test(document.querySelector('[data-testid="train-model-info"]').textContent), null, { timeout: 60_000 });
  await page.waitForSelector(`${sel('train-play')}:not([disabled])`, { timeout: 60_000 });
}

async function pause(page) {
  await page.click(sel('train-pause'));
  await page.waitForSelector(`${sel('train-play')}:not([disabled])`, { timeout: 60_000 });
}

test('a run autosaved to IndexedDB resumes after a reload at its step, with its data, and trains on', async () => {
  const { page, errors } = await openTrain();
  await startToy(page);
  await setField(page, 'train-autosave-every', 5);
  await page.click(sel('train-play'));
  // Autosaves while playing, every 5 steps.
  await page.waitForFunction(() => {
    const m = document.querySelector('[data-testid="train-autosave-status"]').textContent.match(/^Autosaved at step (\d+)/);
    return m && Number(m[1]) >= 10;
  }, null, { timeout: 120_000 });
  // "trained N steps" follows the training.
  const shownStep = Number((await text(page, 'train-model-info')).match(/trained (\d+) steps/)[1]);
  assert.ok(shownStep >= 10, `model info says ${shownStep}`);
  await pause(page); // pausing autosaves the step it stopped at
  const saved = await stepCount(page);
  assert.match(await text(page, 'train-autosave-status'), new RegExp(`^Autosaved at step ${saved} `));
  const stored = await page.evaluate(async () => (await (await import(new URL('js/autosave-store.js', document.baseURI).href)).readRun()).record);
  assert.equal(stored.step, saved);
  assert.equal(stored.data.choice, 'gaussians8');
  // What the model draws at this step, to compare after the resume.
  const before = await trainCall(page, 'sample', 32, 7, 0, -1);

  await page.reload();
  await waitReady(page);
  assert.equal(await page.evaluate(() => window.ganvas.resumeOffer), 'run');
  await page.waitForSelector(sel('resume-offer'), { state: 'visible' });
  const offer = await text(page, 'resume-text');
  oneSentence(offer);
  assert.match(offer, new RegExp(`toy-8gaussians.* on 8 Gaussians .*at step ${saved}; resume it`));
  await page.click(sel('resume-yes'));
  await page.waitForSelector(sel('resume-offer'), { state: 'hidden', timeout: 60_000 });
  await waitTrainTab(page);
  await page.waitForSelector(`${sel('train-play')}:not([disabled])`, { timeout: 60_000 });
  assert.equal(await stepCount(page), saved);
  assert.match(await text(page, 'train-model-info'), new RegExp(`trained ${saved} steps`));
  assert.equal(await page.$eval(sel('train-data'), (s) => s.value), 'gaussians8', 'the same data again');
  assert.equal(await page.$eval(sel('train-autosave-every'), (i) => i.value), '5', 'the autosave setting too');
  assert.equal((await trainCall(page, 'info')).step, saved);
  assert.deepEqual(await trainCall(page, 'sample', 32, 7, 0, -1), before, 'the same weights: the same samples');

  // Training continues from the saved step.
  await page.click(sel('train-step'));
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid="train-step-count"]').textContent) === s + 1, saved, { timeout: 60_000 });
  await page.click(sel('train-play'));
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid="train-step-count"]').textContent) >= s + 6, saved, { timeout: 120_000 });
  await pause(page);
  assert.ok((await trainCall(page, 'info')).step >= saved + 6);
  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('leaving the page while a run trains asks first', async () => {
  const { page, errors } = await openTrain();
  await startToy(page);
  const leaveBlocked = () => page.evaluate(() => {
    const event = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(event);
    return event.defaultPrevented;
  });
  assert.equal(await leaveBlocked(), false, 'nothing trained yet');
  await page.click(sel('train-play'));
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="train-step-count"]').textContent) >= 2, null, { timeout: 120_000 });
  assert.equal(await leaveBlocked(), true, 'armed while training');
  await pause(page);
  assert.equal(await leaveBlocked(), false, 'paused, and the pause was autosaved');
  // With autosave off, steps nothing kept also ask.
  await setField(page, 'train-autosave-every', 0);
  const paused = await stepCount(page);
  await page.click(sel('train-step'));
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid="train-step-count"]').textContent) === s + 1, paused, { timeout: 60_000 });
  assert.equal(await leaveBlocked(), true, 'unsaved steps with autosave off');
  assert.deepEqual(errors, []);

  // The browser's own dialog, while training.
  await page.click(sel('train-play'));
  await page.waitForSelector(`${sel('train-pause')}:not([disabled])`);
  const dialog = new Promise((resolve) => page.once('dialog', resolve));
  await page.close({ runBeforeUnload: true });
  const shown = await dialog;
  assert.equal(shown.type(), 'beforeunload');
  await shown.accept();
});

test('clamped fields show the value in use and say why', async () => {
  const { page, errors } = await openTrain();
  await startToy(page);
  await setField(page, 'train-sample-every', 0);
  assert.equal(await page.$eval(sel('train-sample-every'), (i) => i.value), '1');
  assert.equal(await text(page, 'train-sample-every-note'), 'at least 1');
  await page.focus(sel('train-autosave-every')); // leaving the field keeps the note
  assert.equal(await text(page, 'train-sample-every-note'), 'at least 1');
  await setField(page, 'hp-batch', 100000);
  assert.equal(await page.$eval(sel('hp-batch'), (i) => i.value), '4096');
  assert.match(await text(page, 'hp-batch-note'), /^at most 4096/);
  await page.waitForFunction(async () => (await window.ganvas.sessions.train.client.call('info')).train.batch === 4096);
  // A value within the limits takes the note away.
  await setField(page, 'hp-batch', 64);
  assert.equal(await page.$(sel('hp-batch-note')), null);
  // The metrics card's fields on an image run.
  await page.selectOption(sel('train-source'), 'preset:dcgan32-grey');
  await page.click(sel('train-start'));
  await page.waitForFunction(() => /dcgan32-grey/.test(document.querySelector('[data-testid="train-model-info"]').textContent), null, { timeout: 60_000 });
  await page.selectOption(sel('train-data'), 'idx:mnist');
  await page.waitForFunction(() => /ready/.test(document.querySelector('[data-testid="metrics-status"]').textContent), null, { timeout: 120_000 });
  await setField(page, 'metrics-n', 100000);
  assert.equal(await page.$eval(sel('metrics-n'), (i) => i.value), '10000');
  assert.match(await text(page, 'metrics-n-note'), /^at most 10000/);
  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('implausible hyper-parameters get a warning sentence; impossible ones are not applied', async () => {
  const { page, errors } = await openTrain();
  await startToy(page);
  await setField(page, 'hp-lr_d', 100);
  await page.waitForSelector(sel('train-hparams-warning'), { state: 'visible' });
  let warning = await text(page, 'train-hparams-warning');
  assert.match(warning, /^The learning rate of D \(lr D\) = 100 is far above the usual/);
  oneSentence(warning);
  await page.waitForFunction(async () => (await window.ganvas.sessions.train.client.call('info')).train.lr_d === 100);

  await setField(page, 'hp-beta1', 1.5);
  await page.waitForFunction(() => /β₁ = 1\.5/.test(document.querySelector('[data-testid="train-hparams-warning"]').textContent));
  const lines = await page.$$eval(`${sel('train-hparams-warning')} p`, (ps) => ps.map((p) => p.textContent));
  assert.equal(lines.length, 2, lines.join(' | '));
  lines.forEach(oneSentence);
  assert.match(lines[1], /^Adam’s β₁ = 1\.5 is outside \[0, 1\).*stays 0\.5\.$/);
  assert.equal(await page.$eval(sel('hp-beta1'), (i) => i.value), '0.5', 'the field shows the value in use');
  assert.equal((await trainCall(page, 'info')).train.beta1, 0.5);

  // Plausible values again: the warning goes.
  await setField(page, 'hp-lr_d', 0.0005);
  await page.waitForSelector(sel('train-hparams-warning'), { state: 'hidden' });
  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a damaged or foreign autosave record costs one sentence and nothing else', async () => {
  const { page, errors } = await openTrain();
  // A record of another format under the key.
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('ganvas', 1);
    open.onsuccess = () => {
      const tx = open.result.transaction('autosave', 'readwrite');
      tx.objectStore('autosave').put({ format: 'someone-else/7', weights: 'abc' }, 'run');
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
    open.onerror = () => reject(open.error);
  }));
  await page.reload();
  await waitReady(page);
  assert.equal(await page.evaluate(() => window.ganvas.resumeOffer), 'damaged');
  await page.waitForSelector(sel('resume-offer'), { state: 'visible' });
  oneSentence(await text(page, 'resume-text'));
  assert.equal(await page.isVisible(sel('resume-yes')), false, 'nothing to resume');
  await page.click(sel('resume-discard'));
  await page.waitForSelector(sel('resume-offer'), { state: 'hidden' });
  assert.equal(await page.evaluate(async () => (await import(new URL('js/autosave-store.js', document.baseURI).href)).readRun()), null);

  // A record of the right shape whose checkpoint bytes are garbage.
  await page.evaluate(async () => (await import(new URL('js/autosave-store.js', document.baseURI).href)).writeRun({
    savedAt: Date.now(), name: 'toy-8gaussians', step: 40,
    checkpoint: new TextEncoder().encode('definitely not safetensors'),
    data: { choice: 'gaussians8', title: '8 Gaussians' }, plots: {}, settings: {},
  }));
  await page.reload();
  await waitReady(page);
  await waitTrainTab(page);
  await startToy(page); // a model of the user's own, which must survive the failed resume
  await page.click(sel('train-step'));
  await page.waitForFunction(() => document.querySelector('[data-testid="train-step-count"]').textContent === '1', null, { timeout: 60_000 });
  await page.waitForSelector(sel('resume-offer'), { state: 'visible' });
  await page.click(sel('resume-yes'));
  await page.waitForSelector(sel('error-message'), { timeout: 60_000 });
  const shown = await shownMessages(page);
  assert.equal(shown.length, 1, shown.join(' | '));
  oneSentence(shown[0]);
  assert.match(shown[0], /^The autosaved run could not be restored: /);
  // Nothing else was lost: the model, its step and its data are still there, and it trains.
  assert.equal(await page.isVisible(sel('resume-discard')), true, 'the record can still be discarded');
  assert.match(await text(page, 'train-model-info'), /^toy-8gaussians .*trained 1 step$/);
  assert.equal((await trainCall(page, 'info')).step, 1);
  await page.click(sel('train-step'));
  await page.waitForFunction(() => document.querySelector('[data-testid="train-step-count"]').textContent === '2', null, { timeout: 60_000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a failed checkpoint load never leaves a model on show that is not loaded', async () => {
  const { page, errors } = await openTrain();
  const corrupt = { name: 'bad.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('definitely not safetensors') };
  await page.selectOption(sel('train-source'), 'file');
  await page.setInputFiles(sel('train-checkpoint-file'), corrupt);
  await page.click(sel('train-start'));
  await page.waitForSelector(sel('error-message'), { timeout: 60_000 });
  oneSentence((await shownMessages(page))[0]);
  // Nothing was loaded before: nothing is shown, nothing can be trained or sampled.
  assert.equal(await text(page, 'train-model-info'), 'No model loaded.');
  assert.equal(await page.isVisible(sel('train-samples')), false);
  assert.match(await text(page, 'train-samples-note'), /^No model is loaded/);
  for (const id of ['train-play', 'train-step', 'train-download']) {
    assert.equal(await page.$eval(sel(id), (b) => b.disabled), true, id);
  }

  // With a model trained a step, a failed load keeps it — and says that it is still the one loaded.
  await page.selectOption(sel('train-source'), 'preset:toy-mlp');
  await startToy(page);
  await page.click(sel('train-step'));
  await page.waitForFunction(() => document.querySelector('[data-testid="train-step-count"]').textContent === '1', null, { timeout: 60_000 });
  await page.selectOption(sel('train-source'), 'file');
  await page.setInputFiles(sel('train-checkpoint-file'), corrupt);
  await page.click(sel('train-start'));
  await page.waitForFunction(() => /still loaded/.test(document.querySelector('[data-testid="train-model-info"]').textContent), null, { timeout: 60_000 });
  assert.match(await text(page, 'train-model-info'), /^toy-8gaussians .*trained 1 step \(still loaded/);
  assert.equal((await trainCall(page, 'info')).step, 1, 'the worker holds that very model');
  assert.equal(await page.isVisible(sel('train-samples')), true);
  assert.equal(await page.$eval(sel('train-play'), (b) => b.disabled), false);
  assert.deepEqual(errors, []);
  await page.close();
});

test('own images: a preview, counted in words, no domain metrics, kept for a resume', async () => {
  const { page, errors } = await openTrain();
  const emoji = (name) => ({ name, mimeType: 'image/png', buffer: readFileSync(join(root, 'data/emoji', name)) });
  await page.selectOption(sel('train-source'), 'preset:dcgan32-rgb');
  await page.click(sel('train-start'));
  await page.waitForFunction(() => /dcgan32-rgb .*trained 0 steps/.test(document.querySelector('[data-testid="train-model-info"]').textContent), null, { timeout: 60_000 });
  await page.selectOption(sel('train-data'), 'images');
  await page.setInputFiles(sel('train-files'), [emoji('1f600.png')]);
  await page.waitForFunction(() => /^Your 1 image of 64×64/.test(document.querySelector('[data-testid="train-data-status"]').textContent), null, { timeout: 60_000 });
  assert.equal(await page.isVisible(sel('train-preview')), true);
  assert.equal(await text(page, 'train-preview-caption'), 'The image, as the model will see it.');
  await page.setInputFiles(sel('train-files'), [emoji('1f600.png'), emoji('1f680.png')]);
  await page.waitForFunction(() => /^Your 2 images of 64×64/.test(document.querySelector('[data-testid="train-data-status"]').textContent), null, { timeout: 60_000 });
  assert.equal(await text(page, 'train-preview-caption'), 'All 2 images, as the model will see them.');
  assert.match(await text(page, 'train-images-kept'), /^Kept in this browser/);
  assert.equal(await page.isVisible(sel('metrics-now')), false, 'no domain metrics for own images');
  assert.match(await text(page, 'metrics-status'), /your own images have none/);

  await setField(page, 'train-autosave-every', 2);
  await page.click(sel('train-step'));
  await page.waitForFunction(() => document.querySelector('[data-testid="train-step-count"]').textContent === '1', null, { timeout: 120_000 });
  await page.click(sel('train-step'));
  await page.waitForFunction(() => /^Autosaved at step 2 /.test(document.querySelector('[data-testid="train-autosave-status"]').textContent), null, { timeout: 120_000 });
  await page.reload();
  await waitReady(page);
  await page.waitForSelector(sel('resume-offer'), { state: 'visible' });
  assert.match(await text(page, 'resume-text'), /“dcgan32-rgb” on your 2 images was autosaved/);
  await page.click(sel('resume-yes'));
  await page.waitForFunction(() => /^Your 2 images of 64×64/.test(document.querySelector('[data-testid="train-data-status"]').textContent), null, { timeout: 60_000 });
  assert.equal(await stepCount(page), 2);
  assert.equal(await text(page, 'train-preview-caption'), 'All 2 images, as the model will see them.');
  await page.waitForSelector(`${sel('train-step')}:not([disabled])`, { timeout: 60_000 });
  await page.click(sel('train-step'));
  await page.waitForFunction(() => document.querySelector('[data-testid="train-step-count"]').textContent === '3', null, { timeout: 120_000 });
  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an emoji run fetches the built-in emoji set, shows its progress and uses the emoji classifier', async () => {
  const { page, errors } = await openTrain();
  const value = await page.$eval(sel('train-source'), (s) => [...s.options].find((o) => /emoji/i.test(o.text) && o.value.startsWith('shipped:'))?.value);
  assert.ok(value, 'the shipped emoji model is offered');
  await page.selectOption(sel('train-source'), value);
  await page.click(sel('train-start'));
  // Downloading and decoding 3,786 images takes seconds: the progress line says so.
  await page.waitForSelector(sel('train-busy'), { state: 'visible', timeout: 30_000 });
  assert.match(await text(page, 'train-busy'), /\S…$/);
  await page.waitForFunction(() => /domain-emoji .*ready/.test(document.querySelector('[data-testid="metrics-status"]').textContent), null, { timeout: 180_000 });
  assert.equal(await page.$eval(sel('train-data'), (s) => s.value), 'folder:emoji');
  assert.match(await text(page, 'train-data-status'), /^3,786 emoji images of 64×64, fitted to 32×32\./);
  await page.fill(sel('metrics-n'), '50');
  await page.click(sel('metrics-now'));
  await page.waitForFunction(() => /^Step \d+: FID/.test(document.querySelector('[data-testid="metrics-status"]').textContent), null, { timeout: 120_000 });
  assert.match(await text(page, 'metrics-status'), /— domain-emoji\/50v50 in/);
  await page.waitForSelector(sel('train-busy'), { state: 'hidden' });
  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a slow data choice never overrides a newer one', async () => {
  const { page, errors } = await openTrain();
  const emoji = (name) => ({ name, mimeType: 'image/png', buffer: readFileSync(join(root, 'data/emoji', name)) });
  await page.selectOption(sel('train-source'), 'preset:dcgan32-rgb');
  await page.click(sel('train-start'));
  await page.waitForFunction(() => /dcgan32-rgb .*trained 0 steps/.test(document.querySelector('[data-testid="train-model-info"]').textContent), null, { timeout: 60_000 });
  assert.equal(await page.$eval(sel('train-data'), (s) => s.value), 'images', 'a fresh colour model waits for your images');
  // The emoji set takes seconds to download; the user's images are chosen meanwhile. Each image
  // is held back 20 ms, so the download (~3.8k images, a few at a time) surely outlasts the two
  // images' decoding: on a fast machine with the threaded CPU module it once did not.
  await page.route('**/data/emoji/*.png', (route) => new Promise((r) => setTimeout(r, 20)).then(() => route.continue()));
  await page.selectOption(sel('train-data'), 'folder:emoji');
  await page.waitForFunction(() => /Downloading the emoji/.test(document.querySelector('[data-testid="train-data-status"]').textContent), null, { timeout: 30_000 });
  await page.selectOption(sel('train-data'), 'images');
  await page.setInputFiles(sel('train-files'), [emoji('1f600.png'), emoji('1f680.png')]);
  await page.waitForFunction(() => /^Your 2 images/.test(document.querySelector('[data-testid="train-data-status"]').textContent), null, { timeout: 60_000 });
  assert.equal(await page.isVisible(sel('train-busy')), true, 'the download still runs');
  // Once the download is over, the newer choice still holds.
  await page.waitForSelector(sel('train-busy'), { state: 'hidden', timeout: 180_000 });
  await page.waitForTimeout(1000);
  assert.match(await text(page, 'train-data-status'), /^Your 2 images/);
  assert.equal(await page.$eval(sel('train-data'), (s) => s.value), 'images');
  assert.match(await text(page, 'metrics-status'), /your own images have none/);
  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the backend switch pauses and autosaves a training run, and the other backend resumes it', async () => {
  const { page, errors } = await openTrain();
  await startToy(page);
  await page.click(sel('train-play'));
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="train-step-count"]').textContent) >= 5, null, { timeout: 120_000 });
  // No question asked: nothing is lost. (A dialog would fail the test: Playwright dismisses it.)
  page.on('dialog', (d) => errors.push(`unexpected ${d.type()} dialog`));
  await Promise.all([
    page.waitForEvent('load', { timeout: 60_000 }),
    page.click(`${sel('backend-switch')} label:has(${sel('backend-webgpu')})`),
  ]);
  await waitReady(page);
  assert.match(page.url(), /backend=webgpu/);
  await page.waitForSelector(sel('resume-offer'), { state: 'visible' });
  const saved = Number((await text(page, 'resume-text')).match(/at step (\d+)/)[1]);
  assert.ok(saved >= 5, `saved at ${saved}`);
  await page.click(sel('resume-yes'));
  await page.waitForSelector(sel('resume-offer'), { state: 'hidden', timeout: 120_000 });
  assert.equal(await stepCount(page), saved);
  assert.equal((await trainCall(page, 'backend')).kind, 'webgpu');
  assert.equal((await trainCall(page, 'info')).step, saved);
  assert.deepEqual(errors, []);
  await page.close();
});
