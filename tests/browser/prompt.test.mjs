// Text to emoji in the Sample tab: a prompt typed gives a grid as you type (within a second on
// the CPU), the page's grid is the native CLI's `ganvas sample --prompt` for the same seed (on the
// CPU and on WebGPU), the shipped scorer says how well a grid matches its prompt, bad prompts say
// why under the box without a banner, a prompt-to-prompt walk animates, and the Train tab
// fine-tunes the text model on dropped images captioned from their file names.
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
    // The shipped scorer: how well the grid matches its prompt, beside the real images' level.
    const scorer = await call(page, 'loadScorer', '/www/models/scorer-emoji.safetensors');
    assert.equal(scorer.name, 'scorer-emoji');
    assert.ok(scorer.real_score > 0 && scorer.real_score < 1, `real level ${scorer.real_score}`);
    const match = await call(page, 'scorePrompt', 'red heart', n, 3, 0);
    console.log(`${backend}: “red heart” grid matches its prompt ${match.score.toFixed(4)} (real ${match.real_score.toFixed(4)})`);
    assert.ok(Number.isFinite(match.score) && match.score > -1 && match.score < 1, `${match.score}`);
    await assert.rejects(call(page, 'scorePrompt', '', n, 3, 0), /empty|words/i);
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
  // Then the match to the prompt, from the shipped scorer.
  await page.waitForFunction(() => /Match to the prompt: -?\d\.\d\d \(real emoji with their own captions: 0\.\d\d\)/.test(document.querySelector('[data-testid="sample-prompt-status"]').textContent), null, { timeout: 60_000 });
  console.log(`status: ${await text(page, 'sample-prompt-status')}`);

  // A prompt longer than the model reads: one line under the box, no banner, the grid kept.
  const before = await attr(page, 'sample-canvas', 'aria-label');
  await page.fill('[data-testid="sample-prompt"]', Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '));
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
  const seen = [...pictures.keys()].sort((a, b) => a - b);
  assert.notEqual(pictures.get(seen[0]), pictures.get(seen.at(-1)), `the walk moves (frames ${seen[0]} and ${seen.at(-1)})`);
  await page.click('[data-testid="interp-stop"]');
  await page.screenshot({ path: join(root, 'tests/browser/artifacts/prompt.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

/** PNG files of 32×32 flat squares named after their colour, made in the page. */
async function colourFiles(page, names) {
  const files = await page.evaluate(async (names) => {
    const rgb = { red: '#dc1e1e', blue: '#1e28dc', green: '#1ec828', yellow: '#e6dc1e' };
    const out = [];
    for (const name of names) {
      const canvas = new OffscreenCanvas(32, 32);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = rgb[name.split('_')[0]];
      ctx.fillRect(0, 0, 32, 32);
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(4 + out.length % 16, 8, 10, 10);
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      out.push(Array.from(new Uint8Array(await blob.arrayBuffer())));
    }
    return out;
  }, names);
  return names.map((name, i) => ({ name, mimeType: 'image/png', buffer: Buffer.from(files[i]) }));
}

test('the text model fine-tunes in the Train tab on your images, captioned from their file names', async () => {
  const { page, errors } = await openApp(app.browser, app.server, '?backend=cpu#train');
  // No autosaved run of another test offered for resuming.
  await page.evaluate(async () => (await import(new URL('js/autosave-store.js', document.baseURI).href)).discardRun());
  await page.reload();
  await page.waitForFunction(() => window.ganvas.sessions.train &&
    document.querySelector('[data-testid="train-source"]').options.length > 0, null, { timeout: 60_000 });
  await page.evaluate(() => window.ganvas.sessions.train.ready);
  await page.selectOption('[data-testid="train-source"]', { label: TITLE });
  await page.click('[data-testid="train-start"]');
  await page.waitForFunction(() => /emoji-text32/.test(document.querySelector('[data-testid="train-model-info"]').textContent), null, { timeout: 120_000 });
  // Only your own images: a built-in set has no captions this page could use.
  const options = await page.$$eval('[data-testid="train-data"] option', (os) => os.map((o) => ({ text: o.text, disabled: o.disabled })));
  const mine = options.find((o) => /^My images/.test(o.text));
  assert.match(mine.text, /captioned from their file names/);
  assert.equal(mine.disabled, false);
  assert.ok(options.filter((o) => /emoji/i.test(o.text)).every((o) => o.disabled), JSON.stringify(options));
  await page.selectOption('[data-testid="train-data"]', { label: mine.text });

  // A name without a word: one line naming the file, nothing used.
  await page.setInputFiles('[data-testid="train-files"]', await colourFiles(page, ['red_1.png']).then((f) => [{ ...f[0], name: '0001.png' }]));
  await page.waitForSelector('[data-testid="error"]:not(:empty)', { timeout: 30_000 });
  const refused = await page.textContent('[data-testid="error"]');
  console.log(`unnamed image: ${refused}`);
  assert.match(refused, /`0001\.png` has no word in its name/);

  const names = Array.from({ length: 16 }, (_, i) => `${['red', 'blue', 'green', 'yellow'][i % 4]}_square-${i}.png`);
  await page.setInputFiles('[data-testid="train-files"]', await colourFiles(page, names));
  await page.waitForFunction(() => /captioned from their names \(“red square”, “blue square”/.test(document.querySelector('[data-testid="train-data-status"]').textContent), null, { timeout: 60_000 });
  console.log(`data: ${await text(page, 'train-data-status')}`);
  await page.waitForSelector('[data-testid="train-step"]:not([disabled])', { timeout: 60_000 });
  const before = Number(await text(page, 'train-step-count'));
  await page.click('[data-testid="train-step"]');
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid="train-step-count"]').textContent) === s + 1, before, { timeout: 120_000 });
  // The worker trains on those captions: one more step through the API, finite losses.
  const stats = await page.evaluate(() => window.ganvas.sessions.train.client.call('train', { steps: 2, chunk: 1 }));
  assert.equal(stats.length, 2);
  assert.ok(stats.every((s) => Number.isFinite(s.d_loss) && Number.isFinite(s.g_loss)), JSON.stringify(stats));
  await page.screenshot({ path: join(root, 'tests/browser/artifacts/prompt-train.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
