// Projection in the Sample tab: a dropped picture is found in the latent space (the error of
// the generator's closest image falls below the best random start's), per model kind, and a
// file that is not a picture gets one plain sentence.
// Run with the other browser tests: node --test --test-concurrency=1 tests/browser/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openApp, root, sharedApp } from './harness.mjs';

const app = sharedApp();
const PICTURE = join(root, 'tests/fixtures/inception-folders/64/real/00.png');
const text = (page, id) => page.textContent(`[data-testid="${id}"]`);
const visible = (page, id) => page.isVisible(`[data-testid="${id}"]`);

/** Projects the fixture picture for `steps` steps; resolves to {mse, start, status}. */
async function project(page, steps, file = PICTURE) {
  await page.fill('[data-testid="project-steps"]', String(steps));
  await page.setInputFiles('[data-testid="project-file"]', file);
  await page.waitForFunction(() => /^Done/.test(document.querySelector('[data-testid="project-status"]').textContent), null, { timeout: 120_000 });
  const status = await text(page, 'project-status');
  const [, mse, start] = status.match(/error ([\d.]+) .*best random start ([\d.]+)/);
  return { mse: Number(mse), start: Number(start), status };
}

test('a picture is found in the latent space of an RGB model: the error falls as the latent is optimised', async () => {
  const { page, errors } = await openApp(app.browser, app.server, '?backend=cpu&model=emoji-dcgan32#sample');
  await page.waitForSelector('[data-testid="project-card"]:not([hidden])');
  assert.equal(await visible(page, 'project-class'), false, 'an unconditional model has no class choice');
  const { mse, start, status } = await project(page, 60);
  assert.match(status, /^Done: Step 60 of 60 /);
  assert.ok(mse < start, `the reconstruction (${mse}) should be closer than the best random start (${start})`);
  assert.ok(mse < 0.9 * start, `optimising should lower the error by more than 10 %: ${start} → ${mse}`);
  const label = await page.getAttribute('[data-testid="project-canvas"]', 'aria-label');
  assert.match(label, /closest image, step 60 of 60$/);
  // Target and reconstruction side by side at the model's resolution.
  assert.deepEqual(await page.$eval('[data-testid="project-canvas"]', (c) => [c.width, c.height]), [68, 32]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a class-conditional model offers its classes and projects into the one chosen', async () => {
  const { page, errors } = await openApp(app.browser, app.server, '?backend=cpu&model=fashion-dcgan32#sample');
  await page.waitForSelector('[data-testid="project-card"]:not([hidden])');
  const options = await page.$$eval('[data-testid="project-class"] option', (o) => o.map((x) => x.textContent));
  assert.equal(options.length, 11);
  assert.equal(options[0], 'any (searched)');
  await page.selectOption('[data-testid="project-class"]', '7');
  const { mse, start, status } = await project(page, 30);
  assert.match(status, new RegExp(` · ${options[8]}$`), status);
  assert.ok(mse < start, `${start} → ${mse}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a file that is not a picture gets one sentence; a 2-D model has no projection card', async () => {
  const { page } = await openApp(app.browser, app.server, '?backend=cpu&model=emoji-dcgan32#sample');
  await page.waitForSelector('[data-testid="project-card"]:not([hidden])');
  await page.setInputFiles('[data-testid="project-file"]', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') });
  await page.waitForSelector('[data-testid="error-message"]');
  const shown = await page.$$eval('[data-testid="error-message"]', (items) => items.filter((i) => !i.hidden).map((i) => i.firstChild.textContent));
  assert.equal(shown.length, 1);
  assert.match(shown[0], /^Projecting notes\.png failed: notes\.png is not an image this browser can decode\.$/);
  assert.equal(await page.isDisabled('[data-testid="project-stop"]'), true, 'nothing is left running');

  await page.selectOption('[data-testid="sample-model"]', { label: await page.$eval('[data-testid="sample-model"] option', (o) => o.textContent) });
  const toy = await page.$$eval('[data-testid="sample-model"] option', (o) => o.findIndex((x) => /8 Gaussians|gaussians/i.test(x.textContent)));
  assert.ok(toy >= 0, 'the toy model is listed');
  await page.selectOption('[data-testid="sample-model"]', String(toy));
  await page.waitForFunction(() => /8gaussians/.test(document.querySelector('[data-testid="sample-info"]').textContent));
  assert.equal(await visible(page, 'project-card'), false);
  await page.close();
});
