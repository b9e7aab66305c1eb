// The GIF encoder of the latent-walk export (www/js/gif.js), in Node without a browser: every
// file it writes is read back by the independent strict reader in gif-decode.mjs.
//   node --test tests/browser/gif.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GifWriter, colourHistogram, encodeGif, lzwEncode, medianCut, paletteIndexer } from '../../www/js/gif.js';
import { decodeGif, frameRgb, lzwDecode } from './gif-decode.mjs';

/** A small deterministic generator (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

test('LZW round-trips every length, alphabet and code width, including full tables', () => {
  const rand = random(1);
  for (const minCodeSize of [2, 3, 4, 5, 8]) {
    const alphabet = 1 << minCodeSize;
    // Every length up to 600 crosses each widening of the codes at the very end of the data.
    for (let length = 1; length <= 600; length++) {
      const data = Uint8Array.from({ length }, () => Math.floor(rand() * Math.min(alphabet, 3 + (length % 7))));
      assert.deepEqual(lzwDecode(lzwEncode(data, minCodeSize), minCodeSize, length), data, `size ${minCodeSize}, length ${length}`);
    }
    // Noise fills the 4096-entry table many times over (clear codes), runs make long strings.
    const noise = Uint8Array.from({ length: 200_000 }, () => Math.floor(rand() * alphabet));
    assert.deepEqual(lzwDecode(lzwEncode(noise, minCodeSize), minCodeSize, noise.length), noise);
    const runs = Uint8Array.from({ length: 100_000 }, (_, i) => Math.floor(i / 997) % alphabet);
    const packed = lzwEncode(runs, minCodeSize);
    assert.deepEqual(lzwDecode(packed, minCodeSize, runs.length), runs);
    assert.ok(packed.length < runs.length / 10, `runs compress (${packed.length} bytes)`);
  }
});

test('a small palette is exact; a large one is median-cut to 256 colours that stay close', () => {
  const grey = [Uint8Array.from({ length: 4 * 300 }, (_, i) => (i % 4 === 3 ? 255 : Math.floor(i / 4) % 256))];
  const exact = medianCut(colourHistogram(grey));
  assert.equal(exact.length, 256 * 3);
  const index = paletteIndexer(exact)(grey[0]);
  for (let p = 0; p < 300; p++) assert.equal(exact[3 * index[p]], p % 256);

  const rand = random(2);
  const colour = Uint8Array.from({ length: 4 * 50_000 }, (_, i) => (i % 4 === 3 ? 255 : Math.floor(rand() * 256)));
  const palette = medianCut(colourHistogram([colour]));
  assert.equal(palette.length, 256 * 3);
  const mapped = paletteIndexer(palette)(colour);
  let error = 0;
  for (let p = 0; p < 50_000; p++) {
    for (let k = 0; k < 3; k++) error += Math.abs(colour[4 * p + k] - palette[3 * mapped[p] + k]);
  }
  const mean = error / (50_000 * 3);
  assert.ok(mean < 20, `mean error per channel ${mean.toFixed(1)} (uniform noise over 256 colours)`);
});

test('an animated GIF: header, screen, looping, delays, frames and trailer', async () => {
  const [w, h] = [37, 11]; // odd sizes
  const frames = Array.from({ length: 5 }, (_, f) => {
    const rgba = new Uint8Array(w * h * 4);
    for (let p = 0; p < w * h; p++) rgba.set([((p * 7 + f * 3) % 16) * 16, (p + f) % 3 ? 255 : 0, f * 50, 255], 4 * p); // 160 colours
    return { rgba };
  });
  const sequence = [0, 1, 2, 3, 4, 3, 2, 1];
  let progress = 0;
  const bytes = await encodeGif(frames, w, h, { delay: 9, sequence, onProgress: (done, total) => (progress = done / total) });
  assert.equal(progress, 1);
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 6)), 'GIF89a');
  assert.equal(bytes.at(-1), 0x3b);
  const gif = decodeGif(bytes);
  assert.equal(gif.width, w);
  assert.equal(gif.height, h);
  assert.equal(gif.loop, 0, 'loops forever');
  assert.deepEqual(gif.applications, ['NETSCAPE2.0']);
  assert.equal(gif.frames.length, sequence.length);
  for (const [i, frame] of gif.frames.entries()) {
    assert.equal(frame.delay, 9);
    assert.deepEqual([frame.x, frame.y, frame.width, frame.height], [0, 0, w, h]);
    const rgb = frameRgb(gif, i);
    const want = frames[sequence[i]].rgba;
    // ≤ 256 distinct colours in all: the palette is exact.
    for (let p = 0; p < w * h; p++) assert.deepEqual([...rgb.subarray(3 * p, 3 * p + 3)], [...want.subarray(4 * p, 4 * p + 3)]);
  }
});

test('GifWriter refuses impossible sizes and palettes; a 1 × 1 one-colour GIF is valid', () => {
  assert.throws(() => new GifWriter(0, 5, new Uint8Array(3)));
  assert.throws(() => new GifWriter(70_000, 5, new Uint8Array(3)));
  assert.throws(() => new GifWriter(5, 5, new Uint8Array(0)));
  assert.throws(() => new GifWriter(5, 5, new Uint8Array(3 * 257)));
  const gif = new GifWriter(1, 1, Uint8Array.of(10, 20, 30));
  assert.throws(() => gif.frame(new Uint8Array(2), 5));
  gif.frame(new Uint8Array(1), 5);
  const decoded = decodeGif(gif.finish());
  assert.equal(decoded.frames.length, 1);
  assert.deepEqual([...frameRgb(decoded, 0)], [10, 20, 30]);
});
