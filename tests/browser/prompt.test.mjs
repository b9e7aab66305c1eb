// Text to emoji in the Sample tab: a prompt typed gives a grid as you type (within a second on
// the CPU), the page's grid is the native CLI's `ganvas sample --prompt` for the same seed (on the
// CPU and on WebGPU), bad prompts say why under the box without a banner, and a prompt-to-prompt
// walk animates.
// Run with the other browser tests (needs pkg/, www/models/emoji-text32.safetensors and the
// native binary, GANVAS_BIN): node --test --test-concurrency=1 tests/browser/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, openApp, root, sharedApp } from './harness.mjs';

const app = sharedApp();
const bin = process.env.GANVAS_BIN ?? join(process.env.HOME, '.cache/ganvas-target/release/ganvas');
const scratch = mkdtempSync(join(tmpdir(), 'ganvas-prompt-'));
const MODEL = 'www/models/emoji-text32.safetensors';
const TITLE = 'Noto emoji from text, DCGAN-32 (type a prompt)';
const SIDE = 32;

const attr = (page, id, name) => page.getAttribute(`[data-testid="${id}"]`, name);
const text = (page, id) => page.textContent(`[data-testid="${id}"]`);
const shownMessages = (page) =>
  page.$$eval('[data-testid="error-message"]', (items) => items.filter((i) => !i.hidden).map((i) => i.firstChild.textContent));

/** RGBA pixels of the native CLI's grid of `n` samples of `prompt` (one row, 2-px borders). */
async function nativeRow(page, prompt, n, seed) {
  const png = join(scratch, `native-${seed}.png`);
  execFileSync(bin, ['sample', '--checkpoint', join(root, MODEL), '--prompt', prompt, '--n', String(n), '--seed', String(seed), '--out', png]);
  return page.evaluate(async (bytes) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, pixels: Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data) };
  }, Array.from(readFileSync(png)));
}

/** Largest and mean |Δ| over the RGB of `n` page samples against the native grid's row. */
function compare(rgba, native, n) {
  let max = 0, sum = 0, count = 0;
  for (let i = 0; i < n; i++) {
    const x0 = 2 + i * (SIDE + 2), y0 = 2;
    for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) for (let c = 0; c < 3; c++) {
      const a = rgba[(i * SIDE * SIDE + y * SIDE + x) * 4 + c];
      const b = native.pixels[((y0 + y) * native.width + x0 + x) * 4 + c];
      max = Math.max(max, Math.abs(a - b)); sum += Math.abs(a - b); count++;
    }
  }
  return { max, mean: sum / count };
}

/** Mean |Δ| (of 255) between samples `i` and `j` of an RGBA batch. */
function gap(rgba, i, j) {
  const size = SIDE * SIDE * 4;
  let sum = 0;
  for (let k = 0; k < size; k++) if (k % 4 !== 3) sum += Math.abs(rgba[i * size + k] - rgba[j * size + k]);
  return sum / (size * 0.75);
}

for (const backend of ['cpu', 'webgpu']) {
  test(`a prompt grid on ${backend} is the native CLI's for the same seed, and its samples differ`, async () => {
    const { page, errors } = await openApp(app.browser, app.server, backend === 'webgpu' ? '?backend=webgpu' : '');
    assert.equal((await call(page, 'backend')).kind, backend);
    const info = await call(page, 'loadCheckpoint', `/${MODEL}`);
    assert.equal(info.text, true, 'the shipped text model says it takes prompts');
    const n = 8;
    const rgba = await call(page, 'samplePrompt', 'smiling cat', n, 3, 0);
    assert.equal(rgba.length, n * SIDE * SIDE * 4);
    const { max, mean } = compare(rgba, await nativeRow(page, 'smiling cat', n, 3), n);
    console.log(`${backend} v native prompt row: max |Δ| ${max}, mean |Δ| ${mean.toFixed(3)} (of 255)`);
    // The same weights, latents and token ids; only f32 summation order may differ.
    assert.ok(max <= 8 && mean <= 0.5, `max ${max}, mean ${mean}`);
    // One prompt, eight latents: the samples are not one image eight times.
    const gaps = [];
    for (let j = 1; j < n; j++) gaps.push(gap(rgba, 0, j));
    console.log(`gaps from sample 0: ${gaps.map((g) => g.toFixed(1)).join(', ')}`);
    assert.ok(Math.min(...gaps) > 2, `near-identical samples of one prompt: ${gaps}`);
    // Another prompt, the same latents: other images.
    const other = await call(page, 'samplePrompt', 'red heart', n, 3, 0);
    assert.ok(compare(other, { width: 2 + n * (SIDE + 2), pixels: toGrid(rgba, n) }, n).mean > 5, 'the prompt changes the images');
    assert.deepEqual(errors, []);
    await page.close();
  });
}

/** The RGBA of a one-row grid with 2-px borders made of `n` samples (to reuse `compare`). */
function toGrid(rgba, n) {
  const width = 2 + n * (SIDE + 2);
  const pixels = new Array(width * (SIDE + 4) * 4).fill(255);
  for (let i = 0; i < n; i++) for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) for (let c = 0; c < 4; c++) {
    pixels[((2 + y) * width + 2 + i * (SIDE + 2) + x) * 4 + c] = rgba[(i * SIDE * SIDE + y * SIDE + x) * 4 + c];
  }
  return pixels;
}

test('typing a prompt draws its grid within a second on the CPU; bad prompts say why; the prompt walk animates', async () => {
  const { page, errors } = await openApp(app.browser, app.server);
  assert.equal((await call(page, 'backend')).kind, 'cpu');
  await page.selectOption('[data-testid="sample-model"]', { label: TITLE });
  await page.waitForFunction(() => /^emoji-text32 ·/.test(document.querySelector('[data-testid="sample-info"]').textContent), null, { timeout: 120_000 });
  assert.equal(await page.isVisible('[data-testid="sample-prompt"]'), true, 'a text model shows the prompt box');
  await page.waitForFunction(() => /“grinning face”: 32 samples in \d+ ms/.test(document.querySelector('[data-testid="sample-prompt-status"]').textContent), null, { timeout: 60_000 });

  // Typed key by key: the debounce samples once the typing pauses.
  await page.fill('[data-testid="sample-prompt"]', '');
  await page.type('[data-testid="sample-prompt"]', 'pizza slice', { delay: 30 });
  await page.waitForFunction(() => /“pizza slice”: 32 samples in \d+ ms/.test(document.querySelector('[data-testid="sample-prompt-status"]').textContent), null, { timeout: 30_000 });
  const ms = Number((await text(page, 'sample-prompt-status')).match(/in (\d+) ms/)[1]);
  console.log(`prompt grid of 32 on the CPU: ${ms} ms`);
  assert.ok(ms <= 1000, `${ms} ms for a prompt grid`);
  assert.match(await attr(page, 'sample-canvas', 'aria-label'), /32 samples of “pizza slice” from emoji-text32/);

  // A prompt longer than the model reads: one line under the box, no banner, the grid kept.
  const before = await attr(page, 'sample-canvas', 'aria-label');
  await page.fill('[data-testid="sample-prompt"]', Array.from({ length: 40 }, (_, i) => `word${i}`).join(' '));
  await page.waitForFunction(() => document.querySelector('[data-testid="sample-prompt-status"]').classList.contains('bad'), null, { timeout: 30_000 });
  const why = await text(page, 'sample-prompt-status');
  console.log(`long prompt: ${why}`);
  assert.match(why, /40 words; this model reads at most \d+/);
  assert.doesNotMatch(why, /panicked|RuntimeError|unreachable/);
  assert.equal(await attr(page, 'sample-canvas', 'aria-label'), before, 'a refused prompt keeps the last grid');
  // Control characters and emoji are words like any other (hashed n-grams): a grid, not an error.
  await page.fill('[data-testid="sample-prompt"]', 'cat \u0007 🐱');
  await page.waitForFunction(() => /: 32 samples in \d+ ms/.test(document.querySelector('[data-testid="sample-prompt-status"]').textContent), null, { timeout: 30_000 });
  const odd = await text(page, 'sample-prompt-status');
  console.log(`odd prompt: ${odd}`);
  assert.doesNotMatch(odd, /panicked|RuntimeError|unreachable/);
  // Empty: a hint, not an error.
  await page.fill('[data-testid="sample-prompt"]', '  ');
  await page.waitForFunction(() => /Type a few words/.test(document.querySelector('[data-testid="sample-prompt-status"]').textContent), null, { timeout: 30_000 });
  assert.deepEqual(await shownMessages(page), [], 'typing never raises a banner');

  // Prompt to prompt: the walk plays, and its first and last frames differ.
  await page.fill('[data-testid="sample-prompt"]', 'sun');
  await page.fill('[data-testid="interp-to"]', 'red heart');
  await page.fill('[data-testid="interp-frames"]', '8');
  assert.equal(await text(page, 'interp-title'), 'Walk from prompt to prompt');
  await page.click('[data-testid="interp-play"]');
  const frames = new Set();
  const pictures = new Map();
  const started = Date.now();
  while (frames.size < 8 && Date.now() - started < 60_000) {
    const label = await text(page, 'interp-frame');
    const m = label.match(/^frame (\d+) \/ 8$/);
    if (m && !pictures.has(m[1])) {
      frames.add(m[1]);
      pictures.set(m[1], await page.evaluate(() => document.querySelector('[data-testid="interp-canvas"]').toDataURL()));
    }
    await page.waitForTimeout(20);
  }
  console.log(`walk frames seen: ${[...frames].sort((a, b) => a - b).join(', ')}`);
  assert.ok(frames.size >= 6, `the walk did not animate: frames ${[...frames]}`);
  assert.match(await attr(page, 'interp-canvas', 'aria-label'), /from “sun” to “red heart”/);
  if (pictures.has('1') && pictures.has('8')) assert.notEqual(pictures.get('1'), pictures.get('8'), 'the walk moves');
  await page.click('[data-testid="interp-stop"]');
  await page.screenshot({ path: join(root, 'tests/browser/artifacts/prompt.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
