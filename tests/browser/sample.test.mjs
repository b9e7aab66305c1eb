// The Sample tab as a teacher uses it: latent walks saved as an animated GIF or a WebM video,
// class-labelled grids at a comfortable whole-number scale that never outgrow the page, and
// the truncation slider from "off" to "strong".
// Run with the other browser tests: node --test --test-concurrency=1 tests/browser/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, openApp, root, sharedApp } from './harness.mjs';
import { decodeGif, frameRgb } from './gif-decode.mjs';

const app = sharedApp();
const MNIST = 'MNIST digits DCGAN-28, class-conditional';
const FASHION = 'Fashion-MNIST DCGAN-32, class-conditional';
const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const text = (page, id) => page.textContent(`[data-testid="${id}"]`);
/** The shown (not hidden) messages in the error area. */
const shownMessages = (page) =>
  page.$$eval('[data-testid="error-message"]', (items) => items.filter((i) => !i.hidden).map((i) => i.firstChild.textContent));

async function chooseModel(page, title, name) {
  await page.selectOption('[data-testid="sample-model"]', { label: title });
  await page.waitForFunction((name) => document.querySelector('[data-testid="sample-info"]').textContent.startsWith(`${name} ·`), name, { timeout: 120_000 });
  // …and its first grid drawn (the text alternative names the model).
  await page.waitForFunction((name) => document.querySelector('[data-testid="sample-canvas"]').getAttribute('aria-label').includes(name), name, { timeout: 120_000 });
}

/** Clicks `button` and returns the bytes and name of the download it starts. */
async function download(page, button, timeout = 120_000) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout }), page.click(`[data-testid="${button}"]`)]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/**
 * The EBML document type and the first video track's codec and size of a WebM file, read by
 * walking its elements (IDs and sizes are EBML variable-length integers; a live recording
 * leaves the Segment's size unknown: all ones).
 */
function readWebmHeader(bytes) {
  const MASTERS = new Set([0x1a45dfa3, 0x18538067, 0x1654ae6b, 0xae, 0xe0]); // EBML, Segment, Tracks, TrackEntry, Video
  const out = {};
  const vint = (at, keepMarker) => {
    const first = bytes[at];
    let length = 1;
    while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
    if (length > 8) throw new Error(`bad EBML number at byte ${at}`);
    let value = keepMarker ? first : first & (0xff >> length);
    let allOnes = value === (0xff >> length);
    for (let i = 1; i < length; i++) {
      value = value * 256 + bytes[at + i];
      allOnes &&= bytes[at + i] === 0xff;
    }
    return { value, length, unknown: !keepMarker && allOnes };
  };
  const walk = (start, end) => {
    for (let at = start; at < end;) {
      const id = vint(at, true);
      const size = vint(at + id.length, false);
      const body = at + id.length + size.length;
      const stop = size.unknown ? end : body + size.value;
      const data = bytes.subarray(body, Math.min(stop, bytes.length));
      const uint = () => data.reduce((v, b) => v * 256 + b, 0);
      if (id.value === 0x4282) out.docType = data.toString('latin1');
      else if (id.value === 0x86 && !out.codec) out.codec = data.toString('latin1');
      else if (id.value === 0xb0 && !out.width) out.width = uint();
      else if (id.value === 0xba && !out.height) out.height = uint();
      else if (id.value === 0x1f43b675) return; // the first Cluster: the header is read
      if (MASTERS.has(id.value)) walk(body, Math.min(stop, bytes.length));
      if (size.unknown) return;
      at = stop;
    }
  };
  walk(0, bytes.length);
  return out;
}

test('a latent walk is saved as a valid looping GIF, frame for frame the walk the model computes', async () => {
  const { page, errors, consoleErrors } = await openApp(app.browser, app.server, '?backend=cpu');
  await chooseModel(page, MNIST, 'mnist-dcgan28');
  const [strips, frames, seed] = [3, 5, 4];
  await page.fill('[data-testid="interp-strips"]', String(strips));
  await page.fill('[data-testid="interp-frames"]', String(frames));
  await page.fill('[data-testid="sample-seed"]', String(seed));

  // No walk on screen yet: saving computes it first.
  const started = Date.now();
  const { name, bytes } = await download(page, 'interp-gif');
  console.log(`# GIF of ${strips} walks × ${frames} frames: ${bytes.length} bytes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(name, `mnist-dcgan28-walk-seed${seed}.gif`);
  assert.equal(bytes.subarray(0, 6).toString('latin1'), 'GIF89a');
  assert.equal(bytes.at(-1), 0x3b, 'ends with the trailer');

  const gif = decodeGif(bytes); // strict: every block and all the LZW data
  // The walk's grid: 3 strips of 28 px with 2-px borders, shown at a whole factor k.
  const [nativeW, nativeH] = [strips * 28 + (strips + 1) * 2, 28 + 4];
  const k = gif.width / nativeW;
  assert.ok(Number.isInteger(k) && k >= 2, `screen ${gif.width} × ${gif.height} is the ${nativeW}-px walk at a whole factor ≥ 2`);
  assert.equal(gif.height, nativeH * k);
  assert.equal(gif.loop, 0, 'NETSCAPE2.0 loops forever');
  assert.ok(gif.applications.includes('NETSCAPE2.0'));
  const sequence = [0, 1, 2, 3, 4, 3, 2, 1]; // there and back again
  assert.equal(gif.frames.length, sequence.length);
  for (const frame of gif.frames) {
    assert.equal(frame.delay, 9, '90 ms per frame');
    assert.deepEqual([frame.x, frame.y, frame.width, frame.height], [0, 0, gif.width, gif.height]);
  }

  // Every frame against the model's own walk (grey levels: the palette is exact).
  const walk = await call(page, 'interpolate', strips, frames, seed, 'slerp', -1);
  for (const [i, f] of sequence.entries()) {
    const rgb = frameRgb(gif, i);
    const at = (x, y) => rgb[3 * (y * gif.width + x)];
    assert.equal(at(0, 0), 255, 'white border');
    for (let s = 0; s < strips; s++) {
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const want = walk[((s * frames + f) * 28 * 28 + y * 28 + x) * 4];
          const [gx, gy] = [(2 + s * 30 + x) * k, (2 + y) * k];
          if (at(gx, gy) !== want || at(gx + k - 1, gy + k - 1) !== want) {
            assert.fail(`GIF frame ${i} (walk frame ${f}), strip ${s}, pixel ${x},${y}: ${at(gx, gy)} ≠ ${want}`);
          }
        }
      }
    }
  }

  // The browser's own GIF decoder agrees: an animation of 8 frames that repeats forever.
  const decoded = await page.evaluate(async (data) => {
    const decoder = new ImageDecoder({ data: new Uint8Array(data), type: 'image/gif' });
    await decoder.tracks.ready;
    const track = decoder.tracks.selectedTrack;
    const { image } = await decoder.decode({ frameIndex: track.frameCount - 1 });
    return { frames: track.frameCount, repetition: track.repetitionCount, width: image.displayWidth, height: image.displayHeight, animated: track.animated };
  }, [...bytes]);
  assert.deepEqual(decoded, { frames: 8, repetition: Infinity, width: gif.width, height: gif.height, animated: true });
  assert.match(await text(page, 'interp-export-status'), /^Saved mnist-dcgan28-walk-seed4\.gif: GIF, \d+ × \d+, 8 frames, \d+ kB\.$/);

  // While a walk plays, the walk on screen is the one saved (not recomputed, not stopped).
  await page.click('[data-testid="interp-play"]');
  await page.waitForFunction(() => /^frame \d+ \/ 5$/.test(document.querySelector('[data-testid="interp-frame"]').textContent), null, { timeout: 60_000 });
  await page.evaluate(() => {
    window.walkCalls = 0;
    const call = window.ganvas.client.call.bind(window.ganvas.client);
    window.ganvas.client.call = (method, ...args) => {
      if (method === 'interpolate') window.walkCalls++;
      return call(method, ...args);
    };
  });
  const again = await download(page, 'interp-gif');
  assert.equal(await page.evaluate(() => window.walkCalls), 0, 'the walk on screen was used');
  assert.deepEqual(again.bytes, bytes, 'the same walk gives the same file');
  assert.equal(await page.getAttribute('[data-testid="interp-play"]', 'aria-pressed'), 'true', 'still playing');
  await page.click('[data-testid="interp-stop"]');

  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('a 2-D walk is saved as a GIF of its scatter plot; a WebM video where MediaRecorder exists', async () => {
  const { page, errors, consoleErrors } = await openApp(app.browser, app.server, '?backend=cpu');
  assert.match(await text(page, 'sample-info'), /^toy-8gaussians ·/);
  await page.fill('[data-testid="interp-frames"]', '4');
  const { bytes } = await download(page, 'interp-gif');
  const gif = decodeGif(bytes);
  assert.deepEqual([gif.width, gif.height, gif.frames.length], [360, 360, 6]);
  // Orange points on white: the frames hold more than the background.
  const colours = new Set();
  const rgb = frameRgb(gif, 0);
  for (let p = 0; p < rgb.length; p += 3) colours.add((rgb[p] << 16) | (rgb[p + 1] << 8) | rgb[p + 2]);
  assert.ok(colours.size > 8, `${colours.size} colours`);
  assert.ok(colours.has(0xffffff));

  // WebM: this Chromium records canvases.
  assert.equal(await page.isVisible('[data-testid="interp-webm"]'), true);
  const started = Date.now();
  const video = await download(page, 'interp-webm');
  console.log(`# WebM of 6 frames: ${video.bytes.length} bytes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(video.name, 'toy-8gaussians-walk-seed1.webm');
  assert.deepEqual([...video.bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], 'an EBML (Matroska/WebM) file');
  const webm = readWebmHeader(video.bytes);
  assert.equal(webm.docType, 'webm');
  assert.equal(webm.codec.startsWith('V_VP'), true, webm.codec);
  const size = [webm.width, webm.height];
  assert.deepEqual(size, [360, 360]);
  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  assert.deepEqual(consoleErrors, []);
  await page.close();

  // Without MediaRecorder the video button is not offered; the GIF still is.
  const bare = await openApp(app.browser, app.server, '?backend=cpu', { init: () => delete window.MediaRecorder });
  assert.equal(await bare.page.isVisible('[data-testid="interp-webm"]'), false);
  assert.equal(await bare.page.isVisible('[data-testid="interp-gif"]'), true);
  await bare.page.close();
});

test('a GIF being made when the model changes is dropped quietly', async () => {
  const { page, errors, consoleErrors } = await openApp(app.browser, app.server, '?backend=cpu');
  await chooseModel(page, MNIST, 'mnist-dcgan28');
  await page.fill('[data-testid="interp-strips"]', '16');
  await page.fill('[data-testid="interp-frames"]', '60'); // 960 images: the walk takes a while
  let downloads = 0;
  page.on('download', () => downloads++);
  await page.click('[data-testid="interp-gif"]');
  assert.equal(await page.isDisabled('[data-testid="interp-gif"]'), true, 'one export at a time');
  assert.match(await text(page, 'interp-export-status'), /^Computing the walk…$/);
  await chooseModel(page, FASHION, 'fashion-dcgan32');
  await page.waitForFunction(() => !document.querySelector('[data-testid="interp-gif"]').disabled, null, { timeout: 60_000 });
  await page.waitForTimeout(500);
  assert.equal(downloads, 0, 'nothing of the old model is saved');
  assert.equal(await text(page, 'interp-export-status'), '');
  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('class grids: labels above their columns, whole-number scaling, no giant pages', async () => {
  const { page, errors, consoleErrors } = await openApp(app.browser, app.server, '?backend=cpu');
  await chooseModel(page, FASHION, 'fashion-dcgan32');

  /** The grid's geometry on screen: canvas box, scale, labels with their boxes. */
  const geometry = () => page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="sample-canvas"]');
    const box = canvas.getBoundingClientRect();
    const card = canvas.closest('.card');
    const style = getComputedStyle(card);
    const labels = document.querySelector('[data-testid="sample-column-labels"]');
    return {
      native: [canvas.width, canvas.height],
      shown: [box.width, box.height],
      left: box.left,
      styleWidth: parseFloat(canvas.style.width),
      room: card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
      labelsShown: !labels.hidden,
      labels: [...labels.children].map((l) => ({ text: l.textContent, left: l.getBoundingClientRect().left, right: l.getBoundingClientRect().right })),
      pageWidth: document.documentElement.scrollWidth,
      pageHeight: document.documentElement.scrollHeight,
      viewport: innerWidth,
    };
  });

  // 60 samples, classes in turn: one column per class, 10 × 6, each labelled.
  let g = await geometry();
  assert.deepEqual(g.native, [10 * 32 + 11 * 2, 6 * 32 + 7 * 2]);
  const k = g.styleWidth / g.native[0];
  assert.ok(Number.isInteger(k) && k >= 2, `32-px images shown at a whole factor ≥ 2 (${k})`);
  assert.ok(g.shown[0] <= g.room + 0.5, 'the grid fits its card');
  assert.ok(g.labelsShown);
  assert.deepEqual(g.labels.map((l) => l.text), FASHION_CLASSES);
  for (const [c, label] of g.labels.entries()) {
    // Column c spans native x = 2 + 34c … 34 + 34c.
    const scale = g.shown[0] / g.native[0];
    const [x0, x1] = [g.left + (2 + 34 * c) * scale, g.left + (34 + 34 * c) * scale];
    const centre = (label.left + label.right) / 2;
    assert.ok(centre > x0 && centre < x1, `${label.text} centred over its column (${centre} in ${x0}…${x1})`);
  }
  const label = await page.getAttribute('[data-testid="sample-canvas"]', 'aria-label');
  assert.match(label, /^60 samples from fashion-dcgan32 at step \d+, 6 of each class, a column for each class: T-shirt\/top, Trouser, .*Ankle boot \(seed 1, no truncation\)$/);

  // One class: a square grid under that class's name.
  await page.selectOption('[data-testid="sample-class"]', { label: 'Sneaker' });
  await page.waitForFunction(() => /of Sneaker/.test(document.querySelector('[data-testid="sample-canvas"]').getAttribute('aria-label')));
  g = await geometry();
  assert.deepEqual(g.labels.map((l) => l.text), ['Sneaker']);
  assert.deepEqual(g.native, [8 * 32 + 9 * 2, 8 * 32 + 9 * 2]);

  // At 420 px wide: nothing wider than the screen.
  await page.setViewportSize({ width: 420, height: 800 });
  await page.selectOption('[data-testid="sample-class"]', { label: 'all, in turn' });
  await page.waitForFunction(() => /a column for each class/.test(document.querySelector('[data-testid="sample-canvas"]').getAttribute('aria-label')));
  await page.waitForTimeout(300); // the resize observer refits
  g = await geometry();
  assert.ok(g.pageWidth <= 420, `page ${g.pageWidth} px wide`);
  assert.ok(g.shown[0] <= g.room + 0.5, `grid ${g.shown[0]} px in ${g.room} px`);
  assert.equal(g.labels.length, 10);
  await page.setViewportSize({ width: 1280, height: 900 });

  // A 2-class model (made here, never trained) with 256 samples: class blocks of several
  // columns, not a 2-column tower thousands of pixels tall.
  const toml = readFileSync(join(root, 'configs/mnist-dcgan28.toml'), 'utf8')
    .replace(/^name = .*$/m, 'name = "two-classes"')
    .replace(/^classes = 10 .*$/m, 'classes = 2')
    .replace(/^class_names = .*$/m, 'class_names = ["cats", "dogs"]');
  const checkpoint = await page.evaluate(async (toml) => {
    const { Client } = await import('./js/client.js');
    const client = new Client('scratch');
    await client.call('create', 'cpu');
    await client.call('newRun', toml);
    const bytes = await client.call('export');
    client.terminate();
    return [...bytes];
  }, toml);
  await page.setInputFiles('[data-testid="sample-file"]', { name: 'two-classes.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(checkpoint) });
  await page.waitForFunction(() => /^two-classes ·/.test(document.querySelector('[data-testid="sample-info"]').textContent), null, { timeout: 60_000 });
  await page.fill('[data-testid="sample-n"]', '256');
  await page.click('[data-testid="sample-button"]');
  await page.waitForFunction(() => /^256 samples from two-classes at step 0, 128 of each class, \d+ columns for each class: cats, dogs/.test(document.querySelector('[data-testid="sample-canvas"]').getAttribute('aria-label')), null, { timeout: 60_000 });
  g = await geometry();
  assert.deepEqual(g.labels.map((l) => l.text), ['cats', 'dogs']);
  assert.ok(g.native[0] > g.native[1] / 2 && g.native[0] < g.native[1] * 3, `roughly square: ${g.native}`);
  assert.ok(g.shown[1] <= 720, `grid ${g.shown[1]} px tall`);
  assert.ok(g.pageHeight < 2000, `page ${g.pageHeight} px tall`);
  // Each class reads down its own block: the left half is "cats", the right half "dogs".
  const mid = (g.labels[0].right + g.labels[1].left) / 2;
  assert.ok(Math.abs(mid - (g.left + g.shown[0] / 2)) < g.shown[0] / 10, 'the two labels split the grid in half');

  assert.deepEqual(await shownMessages(page), []);
  assert.deepEqual(errors, []);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('the truncation slider runs from off (left) to strong (right); on a 2-D model the hint says what it does there', async () => {
  const { page, errors } = await openApp(app.browser, app.server, '?backend=cpu');
  await page.evaluate(() => {
    window.truncations = [];
    const call = window.ganvas.client.call.bind(window.ganvas.client);
    window.ganvas.client.call = (method, ...args) => {
      if (method === 'sample') window.truncations.push(args[2]);
      return call(method, ...args);
    };
  });
  const slider = '[data-testid="sample-truncation"]';
  const [min, max, value] = await page.$eval(slider, (s) => [Number(s.min), Number(s.max), Number(s.value)]);
  assert.equal(value, min, 'starts at the left end');
  assert.equal(await text(page, 'sample-truncation-value'), 'off');
  assert.equal(await page.getAttribute(slider, 'aria-valuetext'), 'off');
  assert.match(await text(page, 'panel-sample'), /off\s*strong/, 'the ends are labelled');
  assert.match(await page.textContent('#sample-truncation-hint'), /2-D model.*modes/);

  /** Moves the slider with the keyboard and returns what the page then asks the wasm for. */
  async function press(key) {
    const before = await page.evaluate(() => window.truncations.length);
    await page.focus(slider);
    await page.keyboard.press(key);
    await page.$eval(slider, (s) => s.dispatchEvent(new Event('change'))); // keys fire input; change on release
    await page.waitForFunction((n) => window.truncations.length > n, before, { timeout: 60_000 });
    return page.evaluate(() => window.truncations.at(-1));
  }
  const mild = await press('ArrowRight');
  assert.ok(mild > 1.5, `one step right is mild (|z| ≤ ${mild})`);
  assert.match(await text(page, 'sample-truncation-value'), /^mild, \|z\| ≤ 1\.95$/);
  const stronger = await press('ArrowRight');
  assert.ok(stronger < mild, 'further right is stronger');
  const strongest = await press('End');
  assert.ok(strongest > 0 && strongest <= 0.1, `the right end is the strongest (|z| ≤ ${strongest})`);
  assert.match(await page.getAttribute(slider, 'aria-valuetext'), /^strong: latents within ±0\.05$/);
  await page.waitForFunction(() => /truncation ±0\.05/.test(document.querySelector('[data-testid="sample-canvas"]').getAttribute('aria-label')));
  assert.equal(await press('Home'), 0, 'the left end is off');
  assert.equal(Number(await page.$eval(slider, (s) => s.value)), min);
  assert.ok(max > min);

  // An image model gets the image hint.
  await chooseModel(page, MNIST, 'mnist-dcgan28');
  assert.match(await page.textContent('#sample-truncation-hint'), /typical-looking samples/);
  assert.deepEqual(errors, []);
  await page.close();
});
