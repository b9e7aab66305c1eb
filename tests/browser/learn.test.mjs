// The Learn tab's controls in headless Chromium on the CPU backend: half-steps, optimiser and
// learning-rate settings, D steps per G step, the model's shape, drawing a distribution, the
// fit estimate, and the shareable link that replays a run step for step.
//   cd tests/browser && node --test --test-concurrency=1 learn.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, sharedApp } from './harness.mjs';

const app = sharedApp();
const EXTENT = 2.5; // the Learn plane shows [-2.5, 2.5]²

/** Opens the Learn tab (at `query`) and waits until its run is ready. */
async function openLearn(query = '?backend=cpu#learn') {
  const opened = await openApp(app.browser, app.server, query);
  await waitIdle(opened.page);
  return opened;
}

/** Waits until no Learn action runs and the run is idle (or waiting for a drawing). */
async function waitIdle(page, state = 'idle', timeout = 120_000) {
  await page.waitForFunction(
    (state) => {
      const el = document.querySelector('[data-testid="learn-status"]');
      return el && el.dataset.state === state && el.dataset.busy === 'false';
    },
    state,
    { timeout },
  );
}

/** Calls a method of the Learn tab's worker session; typed arrays come back as arrays. */
function learnCall(page, method, ...args) {
  return page.evaluate(async ([method, args]) => {
    const value = await window.ganvas.sessions.learn.client.call(method, ...args);
    if (ArrayBuffer.isView(value)) return Array.from(value);
    return value;
  }, [method, args]);
}

/** Sets a control's value and fires `change`, as a user's edit does. */
async function setControl(page, testid, value) {
  await page.evaluate(([testid, value]) => {
    const el = document.querySelector(`[data-testid="${testid}"]`);
    el.value = String(value);
    el.dispatchEvent(new Event('change'));
  }, [testid, value]);
}

async function click(page, testid) {
  await page.click(`[data-testid="${testid}"]`);
  await waitIdle(page);
}

const text = (page, testid) => page.textContent(`[data-testid="${testid}"]`);
const stepCount = async (page) => Number(await text(page, 'learn-step-count'));
const jsBits = (page) => page.evaluate(() => Number(document.querySelector('[data-testid="learn-fit"]').dataset.js));
const xyOf = (quads) => quads.filter((_, i) => i % 4 < 2);
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** Plays until the step count reaches `steps`, then pauses. */
async function playUntil(page, steps, timeout = 180_000) {
  await page.click('[data-testid="learn-play"]');
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="learn-step-count"]').textContent) >= n,
    steps,
    { timeout },
  );
  await page.click('[data-testid="learn-pause"]');
  await page.waitForSelector('[data-testid="learn-play"]:not([disabled])', { timeout: 60_000 });
  await waitIdle(page);
}

test('one D step changes D’s field but not the fakes; one G step moves the fakes but not the field', async () => {
  const { page, errors } = await openLearn();
  const field0 = await learnCall(page, 'discriminatorField', 24, EXTENT);
  const fakes0 = xyOf(await learnCall(page, 'fakeWithGradients', 100, 5));

  await click(page, 'learn-step-d');
  const field1 = await learnCall(page, 'discriminatorField', 24, EXTENT);
  const fakes1 = xyOf(await learnCall(page, 'fakeWithGradients', 100, 5));
  assert.ok(maxDiff(field0, field1) > 1e-5, `D's field did not change (max diff ${maxDiff(field0, field1)})`);
  assert.deepEqual(fakes1, fakes0, 'a D step must not move the generated points');
  assert.equal(await stepCount(page), 0, 'half a step is not a step');
  assert.match(await text(page, 'learn-stats'), /D update/);

  await click(page, 'learn-step-g');
  const field2 = await learnCall(page, 'discriminatorField', 24, EXTENT);
  const fakes2 = xyOf(await learnCall(page, 'fakeWithGradients', 100, 5));
  assert.deepEqual(field2, field1, 'a G step must not change D');
  assert.ok(maxDiff(fakes1, fakes2) > 1e-5, 'the generated points did not move');
  assert.equal(await stepCount(page), 1);
  assert.equal((await learnCall(page, 'info')).step, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('optimiser, learning rate and D steps per G step reach the run; a bad value is refused', async () => {
  const { page, errors } = await openLearn();
  const before = (await learnCall(page, 'info')).train;
  // Adam is the default, which a config leaves out.
  assert.equal(before.optimizer_g ?? 'adam', 'adam');
  assert.equal(before.optimizer_d ?? 'adam', 'adam');

  await setControl(page, 'learn-opt-d', 'sgd');
  await waitIdle(page);
  await setControl(page, 'learn-lr-d', 0.02);
  await waitIdle(page);
  await setControl(page, 'learn-opt-g', 'sgd');
  await waitIdle(page);
  await setControl(page, 'learn-lr-g', 0.003);
  await waitIdle(page);
  await setControl(page, 'learn-n-critic', 3);
  await waitIdle(page);
  const train = (await learnCall(page, 'info')).train;
  assert.equal(train.optimizer_d, 'sgd');
  assert.equal(train.optimizer_g, 'sgd');
  assert.equal(train.lr_d, 0.02);
  assert.equal(train.lr_g, 0.003);
  assert.equal(train.n_critic, 3);
  assert.equal(await stepCount(page), 0, 'live settings do not restart the run');

  // The run trains with them (SGD at these rates stays finite on the toy MLP).
  await click(page, 'learn-step');
  assert.equal(await stepCount(page), 1);
  assert.match(await text(page, 'learn-stats'), /D loss \d/);

  // A learning rate of 5 is out of range: refused in one sentence, the field put back.
  await setControl(page, 'learn-lr-d', 5);
  await waitIdle(page);
  assert.equal(await page.inputValue('[data-testid="learn-lr-d"]'), '0.02');
  assert.equal((await learnCall(page, 'info')).train.lr_d, 0.02);
  const message = await text(page, 'error-message');
  assert.match(message, /lr_d must be a number from 0\.000001 to 1/);
  assert.doesNotMatch(message, /Some\(|Error \{|\bat [a-z_]+::/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the settings change the training itself: the same start gives another D after one step', async () => {
  const { page, errors } = await openLearn();
  /** D's field after one full step from the seed's start, with `controls` set first. */
  const fieldAfterStep = async (controls) => {
    await click(page, 'learn-reset');
    for (const [testid, value] of controls) {
      await setControl(page, testid, value);
      await waitIdle(page);
    }
    await click(page, 'learn-step');
    return learnCall(page, 'discriminatorField', 16, EXTENT);
  };
  const adam = await fieldAfterStep([]);
  assert.deepEqual(await fieldAfterStep([]), adam, 'Restart goes back to the same start');
  const critic3 = await fieldAfterStep([['learn-n-critic', 3]]);
  assert.ok(maxDiff(adam, critic3) > 1e-5, 'three D updates per step left D as one does');
  const sgd = await fieldAfterStep([['learn-n-critic', 1], ['learn-opt-d', 'sgd']]);
  assert.ok(maxDiff(adam, sgd) > 1e-5, 'SGD left D as Adam does');
  const sgdFast = await fieldAfterStep([['learn-lr-d', 0.05]]);
  assert.ok(maxDiff(sgd, sgdFast) > 1e-5, 'a larger SGD learning rate left D unchanged');
  assert.deepEqual(errors, []);
  await page.close();
});

test('slow motion shows the D update and the G update as separate frames', async () => {
  const { page, errors } = await openLearn();
  await page.check('[data-testid="learn-slow"]');
  // Record every text the status line shows while playing.
  await page.evaluate(() => {
    window.learnFrames = [];
    const status = document.querySelector('[data-testid="learn-status"]');
    new MutationObserver(() => window.learnFrames.push(status.textContent.replace(/\s+/g, ' ').trim())).observe(status, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
  await playUntil(page, 2);
  const frames = await page.evaluate(() => window.learnFrames);
  const d = frames.findIndex((t) => /^Step 0 .*D update/.test(t));
  const g = frames.findIndex((t) => /^Step 1 .*G update/.test(t));
  assert.ok(d >= 0 && g > d, `expected a D frame at step 0, then a G frame at step 1: ${JSON.stringify(frames.slice(0, 8))}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('noise dimension, depth and width rebuild the run with that shape', async () => {
  const { page, errors } = await openLearn();
  await click(page, 'learn-step');
  assert.equal(await stepCount(page), 1);
  await setControl(page, 'learn-latent', 2);
  await waitIdle(page);
  await setControl(page, 'learn-depth', 2);
  await waitIdle(page);
  await setControl(page, 'learn-width', 32);
  await waitIdle(page);
  const info = await learnCall(page, 'info');
  assert.equal(info.latent_dim, 2);
  assert.match(info.config, /^depth = 2\b/m);
  assert.match(info.config, /^width = 32\b/m);
  assert.equal(info.step, 0, 'a new shape is a new run');
  assert.equal(await stepCount(page), 0);
  // The new networks work: the mesh and a step.
  assert.equal((await learnCall(page, 'latentGrid', 15)).length, 15 * 15 * 2);
  await click(page, 'learn-step');
  assert.equal((await learnCall(page, 'info')).step, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('drawn points become the training data, and the generator moves towards them', async () => {
  const { page, errors } = await openLearn();
  await setControl(page, 'learn-distribution', 'drawn');
  await waitIdle(page, 'drawing');
  assert.ok(await page.isDisabled('[data-testid="learn-play"]'), 'nothing to train on yet');

  // Three short strokes around (1.2, 1.2), (-1.2, 1.2) and (0, -1.2).
  await page.locator('[data-testid="learn-canvas"]').scrollIntoViewIfNeeded();
  const box = await page.locator('[data-testid="learn-canvas"]').boundingBox();
  const toPage = (x, y) => [box.x + ((x + EXTENT) / (2 * EXTENT)) * box.width, box.y + ((EXTENT - y) / (2 * EXTENT)) * box.height];
  const centres = [[1.2, 1.2], [-1.2, 1.2], [0, -1.2]];
  for (const [cx, cy] of centres) {
    await page.mouse.move(...toPage(cx - 0.2, cy));
    await page.mouse.down();
    await page.mouse.move(...toPage(cx, cy + 0.1), { steps: 4 });
    await page.mouse.move(...toPage(cx + 0.2, cy), { steps: 4 });
    await page.mouse.up();
    await waitIdle(page);
  }
  const near = (points, radius) => {
    let inside = 0;
    for (let i = 0; i < points.length; i += 2) {
      if (centres.some(([cx, cy]) => Math.hypot(points[i] - cx, points[i + 1] - cy) < radius)) inside++;
    }
    return inside / (points.length / 2);
  };
  // Training data: every draw within the strokes (±0.2) plus the 0.05 blur (≤ 6σ = 0.3).
  const data = await learnCall(page, 'trainingPoints', 500, 1);
  assert.equal(near(data, 0.55), 1, 'the data is the drawing');

  const fakesBefore = xyOf(await learnCall(page, 'fakeWithGradients', 300, 3));
  await page.selectOption('[data-testid="learn-speed"]', '20');
  await playUntil(page, 300);
  const fakesAfter = xyOf(await learnCall(page, 'fakeWithGradients', 300, 3));
  const [b, a] = [near(fakesBefore, 0.5), near(fakesAfter, 0.5)];
  console.log(`generated points near the drawing: ${(b * 100).toFixed(0)} % at step 0, ${(a * 100).toFixed(0)} % at step 300`);
  assert.ok(a > b + 0.3 && a > 0.6, `the generator did not move towards the drawing (${b} → ${a})`);

  // Clear: back to waiting for a drawing.
  await page.click('[data-testid="learn-draw-clear"]');
  await waitIdle(page, 'drawing');
  assert.ok(await page.isDisabled('[data-testid="learn-play"]'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('drawn points are checked: pairs, at least 3, finite, a maximum count', async () => {
  const { page } = await openLearn();
  const refuse = (points) =>
    page.evaluate(async (points) => {
      try {
        await window.ganvas.sessions.learn.client.call('usePoints', Float32Array.from(points));
        return 'accepted';
      } catch (e) {
        return e.message;
      }
    }, points);
  assert.match(await refuse([0, 0, 1, 1, 2]), /values = 5|pairs/);
  assert.match(await refuse([0, 0, 1, 1]), /at least|below the minimum/);
  assert.match(await refuse([0, 0, 1, NaN, 1, 1]), /point 2/);
  assert.match(await refuse(new Array(2 * 10_001).fill(0.5)), /exceeds the limit/);
  assert.equal(await refuse([0, 0, 1, 1, -1, 1]), 'accepted');
  await page.close();
});

test('the JS divergence estimate falls as a run on 8 Gaussians trains', async () => {
  const { page, errors } = await openLearn();
  const js0 = await jsBits(page);
  assert.ok(js0 > 0.5, `an untrained generator is far from 8 Gaussians (${js0} bits)`);
  assert.match(await text(page, 'learn-fit'), /modes covered \d of 8/);
  await page.selectOption('[data-testid="learn-speed"]', '20');
  const started = Date.now();
  await playUntil(page, 1200);
  const steps = await stepCount(page);
  console.log(`Learn on the CPU backend: ${(steps / ((Date.now() - started) / 1000)).toFixed(1)} steps/s including frames`);
  const js1 = await jsBits(page);
  console.log(`JS divergence: ${js0.toFixed(3)} bits at step 0, ${js1.toFixed(3)} bits at step ${steps}`);
  assert.ok(js1 < js0 - 0.2, `the estimate did not fall (${js0} → ${js1})`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a shared link replays the run step for step in a fresh page', async () => {
  const { page, errors } = await openLearn();
  await setControl(page, 'learn-seed', 7);
  await waitIdle(page);
  await setControl(page, 'learn-lr-g', 0.001);
  await waitIdle(page);
  await setControl(page, 'learn-n-critic', 2);
  await waitIdle(page);
  await page.selectOption('[data-testid="learn-speed"]', '5');
  await playUntil(page, 12); // stops wherever the pause lands
  await click(page, 'learn-step-d');
  await click(page, 'learn-step-g');
  await setControl(page, 'learn-opt-d', 'sgd'); // changed mid-run: part of the history
  await waitIdle(page);
  await setControl(page, 'learn-lr-d', 0.01);
  await waitIdle(page);
  await click(page, 'learn-step');
  await click(page, 'learn-step-d');

  const snapshot = async (p) => ({
    step: await stepCount(p),
    js: await jsBits(p),
    info: (await learnCall(p, 'info')).train,
    samples: await learnCall(p, 'sample', 20, 9, 0, -1),
    field: await learnCall(p, 'discriminatorField', 12, EXTENT),
    seed: await p.inputValue('[data-testid="learn-seed"]'),
  });
  const original = await snapshot(page);
  assert.ok(original.step >= 14, `${original.step}`);
  await page.click('[data-testid="learn-share"]');
  const url = await page.inputValue('[data-testid="learn-share-url"]');
  assert.match(url, /[?&]learn=[\w-]+.*#learn$/);
  assert.match(url, /backend=cpu/);

  const fresh = await app.browser.newPage();
  const freshErrors = [];
  fresh.on('pageerror', (e) => freshErrors.push(String(e)));
  await fresh.goto(url);
  await fresh.waitForFunction(() => window.ganvas?.sessions?.learn, null, { timeout: 60_000 });
  await waitIdle(fresh, 'idle', 180_000);
  const replayed = await snapshot(fresh);
  assert.deepEqual(replayed, original);
  assert.equal(await fresh.inputValue('[data-testid="learn-opt-d"]'), 'sgd');
  assert.deepEqual(errors, []);
  assert.deepEqual(freshErrors, []);
  await fresh.close();
  await page.close();
});

test('run B trains beside A from the same start: equal with equal settings, different with its own', async () => {
  const { page, errors } = await openLearn();
  const fits = () =>
    page.evaluate(() => ({
      a: Number(document.querySelector('[data-testid="learn-fit"]').dataset.js),
      b: Number(document.querySelector('[data-testid="learn-fit-b"]').dataset.js),
      step: Number(document.querySelector('[data-testid="learn-step-count"]').textContent),
      caption: document.querySelector('[data-testid="learn-b-caption"]').textContent,
    }));
  await page.check('[data-testid="learn-compare"]');
  await waitIdle(page);
  assert.ok(await page.isVisible('[data-testid="learn-canvas-b"]'));
  for (let i = 0; i < 5; i++) await click(page, 'learn-step');
  const same = await fits();
  assert.equal(same.step, 5);
  assert.ok(Number.isFinite(same.b), 'B shows its fit');
  assert.equal(same.b, same.a, 'B with A’s settings is A');

  await setControl(page, 'learn-b-opt-d', 'sgd');
  await waitIdle(page);
  await setControl(page, 'learn-b-lr-d', 0.05);
  await waitIdle(page);
  assert.equal(await stepCount(page), 0, 'changing B starts both again');
  for (let i = 0; i < 5; i++) await click(page, 'learn-step');
  const apart = await fits();
  assert.equal(apart.a, same.a, 'A is the same run as before');
  assert.notEqual(apart.b, apart.a, 'B with SGD on D is another run');
  assert.match(apart.caption, /D SGD 0\.05/);

  // The link carries B too.
  await page.click('[data-testid="learn-share"]');
  const url = await page.inputValue('[data-testid="learn-share-url"]');
  const fresh = await app.browser.newPage();
  await fresh.goto(url);
  await fresh.waitForFunction(() => window.ganvas?.sessions?.learn, null, { timeout: 60_000 });
  await waitIdle(fresh, 'idle', 180_000);
  const replayed = await fresh.evaluate(() => ({
    a: Number(document.querySelector('[data-testid="learn-fit"]').dataset.js),
    b: Number(document.querySelector('[data-testid="learn-fit-b"]').dataset.js),
  }));
  assert.deepEqual(replayed, { a: apart.a, b: apart.b });
  assert.deepEqual(errors, []);
  await fresh.close();
  await page.close();
});

test('a damaged shared link says so in one sentence and the tab still starts', async () => {
  const { page } = await openLearn('?backend=cpu&learn=bm90LWpzb24#learn');
  assert.match(await text(page, 'error-message'), /Learn experiment is damaged/);
  assert.ok(!(await page.isDisabled('[data-testid="learn-play"]')));
  await page.close();
});
