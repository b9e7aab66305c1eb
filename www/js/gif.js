// A small animated-GIF encoder (GIF89a), written for the latent-walk export:
//   • one global palette of at most 256 colours: the frames' own colours when there are that
//     few (grey-scale walks are then exact), otherwise a median cut of their colour histogram;
//   • a NETSCAPE2.0 application extension, so the animation loops;
//   • a graphic control extension per frame with its delay (in hundredths of a second);
//   • variable-width LZW (codes of 3–12 bits, a clear code when the table is full), packed
//     least-significant bit first into sub-blocks of at most 255 bytes.
// The format: https://www.w3.org/Graphics/GIF/spec-gif89a.txt

/** A growable byte buffer. */
class Bytes {
  constructor(capacity = 1 << 16) {
    this.data = new Uint8Array(capacity);
    this.length = 0;
  }

  reserve(extra) {
    if (this.length + extra <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }

  byte(b) {
    this.reserve(1);
    this.data[this.length++] = b;
  }

  u16(v) {
    this.byte(v & 0xff);
    this.byte((v >> 8) & 0xff);
  }

  bytes(array) {
    this.reserve(array.length);
    this.data.set(array, this.length);
    this.length += array.length;
  }

  ascii(text) {
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }

  result() {
    return this.data.slice(0, this.length);
  }
}

// ── Palette ─────────────────────────────────────────────────────────────────────────────

/** Opaque RGB of pixel `i` of RGBA bytes as one 24-bit number. */
const rgbKey = (rgba, i) => (rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2];

/**
 * Counts the colours of RGBA frames (alpha is ignored: the frames are opaque). Very large
 * inputs are sampled with a stride so the count stays quick; the counts are relative anyway.
 * @param {Uint8Array[]|Uint8ClampedArray[]} frames
 * @returns {Map<number, number>} colour key → count
 */
export function colourHistogram(frames, maxSamples = 1 << 21) {
  const total = frames.reduce((sum, f) => sum + f.length / 4, 0);
  const stride = Math.max(1, Math.floor(total / maxSamples));
  const counts = new Map();
  for (const rgba of frames) {
    for (let p = 0; p < rgba.length; p += 4 * stride) {
      const key = rgbKey(rgba, p);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * At most `maxColours` colours for a histogram: all of them when there are that few (exact),
 * otherwise a median cut (Heckbert, 1982): the box of colours with the widest channel range
 * (weighted by how many pixels it holds) is split at the pixel median of that channel until
 * there are `maxColours` boxes; each box gives its pixel-weighted mean colour.
 * @param {Map<number, number>} histogram  colour key → count
 * @returns {Uint8Array} r, g, b triples
 */
export function medianCut(histogram, maxColours = 256) {
  const keys = [...histogram.keys()];
  if (keys.length <= maxColours) {
    const palette = new Uint8Array(Math.max(1, keys.length) * 3);
    keys.forEach((key, i) => palette.set([key >> 16, (key >> 8) & 0xff, key & 0xff], 3 * i));
    return palette;
  }
  const colours = keys.map((key) => ({ c: [key >> 16, (key >> 8) & 0xff, key & 0xff], n: histogram.get(key) }));
  const describe = (items) => {
    const lo = [255, 255, 255];
    const hi = [0, 0, 0];
    let count = 0;
    for (const { c, n } of items) {
      for (let k = 0; k < 3; k++) {
        if (c[k] < lo[k]) lo[k] = c[k];
        if (c[k] > hi[k]) hi[k] = c[k];
      }
      count += n;
    }
    const ranges = [0, 1, 2].map((k) => hi[k] - lo[k]);
    const channel = ranges.indexOf(Math.max(...ranges));
    return { items, count, channel, range: ranges[channel] };
  };
  const boxes = [describe(colours)];
  while (boxes.length < maxColours) {
    // The box to split: widest range, weighted by its pixels (busy regions get more colours).
    let best = -1;
    let score = 0;
    boxes.forEach((box, i) => {
      const s = box.items.length > 1 ? box.range * Math.sqrt(box.count) : 0;
      if (s > score) [best, score] = [i, s];
    });
    if (best < 0) break; // every box is a single colour
    const { items, channel, count } = boxes[best];
    items.sort((a, b) => a.c[channel] - b.c[channel]);
    let seen = 0;
    let cut = 1;
    for (; cut < items.length - 1; cut++) {
      seen += items[cut - 1].n;
      if (seen >= count / 2) break;
    }
    boxes.splice(best, 1, describe(items.slice(0, cut)), describe(items.slice(cut)));
  }
  const palette = new Uint8Array(boxes.length * 3);
  boxes.forEach(({ items, count }, i) => {
    const sum = [0, 0, 0];
    for (const { c, n } of items) for (let k = 0; k < 3; k++) sum[k] += c[k] * n;
    for (let k = 0; k < 3; k++) palette[3 * i + k] = Math.round(sum[k] / count);
  });
  return palette;
}

/**
 * Maps RGBA pixels to palette indices: exact colours to their entry, others to the nearest
 * entry (squared distance, weighted for the eye's sensitivity); remembered per colour.
 */
export function paletteIndexer(palette) {
  const size = palette.length / 3;
  const cache = new Map();
  for (let i = size - 1; i >= 0; i--) cache.set((palette[3 * i] << 16) | (palette[3 * i + 1] << 8) | palette[3 * i + 2], i);
  const nearest = (key) => {
    const [r, g, b] = [key >> 16, (key >> 8) & 0xff, key & 0xff];
    let best = 0;
    let bestDistance = Infinity;
    for (let i = 0; i < size; i++) {
      const dr = r - palette[3 * i];
      const dg = g - palette[3 * i + 1];
      const db = b - palette[3 * i + 2];
      const d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;
      if (d < bestDistance) [best, bestDistance] = [i, d];
    }
    cache.set(key, best);
    return best;
  };
  /** @returns {Uint8Array} one index per pixel */
  return (rgba) => {
    const out = new Uint8Array(rgba.length / 4);
    for (let p = 0, i = 0; p < rgba.length; p += 4, i++) {
      const key = rgbKey(rgba, p);
      out[i] = cache.get(key) ?? nearest(key);
    }
    return out;
  };
}

// ── LZW ─────────────────────────────────────────────────────────────────────────────────

const MAX_CODES = 4096; // 12-bit codes
/** The string table: code of (prefix code, next index) in `codes`, valid while its stamp is
 * the current generation (a clear code starts a new one instead of wiping 1 M entries). */
let codes = null;
let stamps = null;
let generation = 0;

/**
 * GIF's variable-length-code LZW of palette indices (each < 2^minCodeSize), as the packed
 * code stream (not yet cut into sub-blocks). Starts with a clear code and ends with the
 * end-of-information code.
 */
export function lzwEncode(indices, minCodeSize) {
  codes ??= new Int16Array(MAX_CODES * 256);
  stamps ??= new Int32Array(MAX_CODES * 256);
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const out = new Bytes(Math.max(256, indices.length >> 1));
  let bits = 0; // pending bits, least significant first
  let count = 0; // how many
  let width = minCodeSize + 1;
  let next = end + 1;
  const emit = (code) => {
    bits |= code << count;
    count += width;
    while (count >= 8) {
      out.byte(bits & 0xff);
      bits >>>= 8;
      count -= 8;
    }
  };
  const reset = () => {
    generation++;
    width = minCodeSize + 1;
    next = end + 1;
  };

  reset();
  emit(clear);
  if (indices.length) {
    let prefix = indices[0];
    for (let i = 1; i < indices.length; i++) {
      const k = indices[i];
      const slot = (prefix << 8) | k;
      if (stamps[slot] === generation) {
        prefix = codes[slot];
        continue;
      }
      emit(prefix);
      // The decoder adds this entry one code later and widens its codes as soon as its next
      // free code needs another bit; widening here when the entry's code is 2^width keeps
      // both in step.
      codes[slot] = next;
      stamps[slot] = generation;
      if (next === 1 << width && width < 12) width++;
      next++;
      if (next === MAX_CODES) {
        emit(clear); // the table is full: start over
        reset();
      }
      prefix = k;
    }
    emit(prefix);
    // The decoder adds one more entry after reading that last code; if its next free code
    // then needs another bit, it reads the end code wider.
    if (next === 1 << width && width < 12) width++;
  }
  emit(end);
  if (count > 0) out.byte(bits & 0xff);
  return out.result();
}

// ── The file ────────────────────────────────────────────────────────────────────────────

/**
 * Writes an animated GIF frame by frame.
 *
 *   const gif = new GifWriter(width, height, palette);   // palette: ≤ 256 r, g, b triples
 *   gif.frame(indices, 9);                                // one palette index per pixel, 90 ms
 *   const bytes = gif.finish();
 */
export class GifWriter {
  /** @param {{loop?: number}} options  `loop`: repetitions, 0 = forever */
  constructor(width, height, palette, { loop = 0 } = {}) {
    if (!(width >= 1 && width <= 0xffff && height >= 1 && height <= 0xffff)) {
      throw new Error(`a GIF is 1 to 65535 pixels on a side, not ${width} × ${height}`);
    }
    const colours = palette.length / 3;
    if (!(colours >= 1 && colours <= 256)) throw new Error(`a GIF palette has 1 to 256 colours, not ${colours}`);
    // The colour table holds 2^(bits) entries, 2 to 256.
    this.bits = Math.max(1, Math.ceil(Math.log2(colours)));
    this.minCodeSize = Math.max(2, this.bits);
    this.colours = colours;
    this.width = width;
    this.height = height;
    this.out = new Bytes();
    const out = this.out;
    out.ascii('GIF89a');
    // Logical screen descriptor: global colour table present, 8-bit colour resolution.
    out.u16(width);
    out.u16(height);
    out.byte(0x80 | (7 << 4) | (this.bits - 1));
    out.byte(0); // background colour index
    out.byte(0); // pixel aspect ratio: square
    const table = new Uint8Array(3 << this.bits);
    table.set(palette);
    out.bytes(table);
    // NETSCAPE2.0 application extension: loop `loop` times (0 = forever).
    out.bytes([0x21, 0xff, 11]);
    out.ascii('NETSCAPE2.0');
    out.bytes([3, 1]);
    out.u16(loop);
    out.byte(0);
  }

  /**
   * One full-size frame.
   * @param {Uint8Array} indices  width × height palette indices, row by row
   * @param {number} delay  hundredths of a second before the next frame
   * @param {Uint8Array} [encoded]  `lzwEncode(indices, minCodeSize)` when already computed
   *   (a frame shown twice is compressed once)
   */
  frame(indices, delay, encoded = null) {
    const { out, width, height } = this;
    if (!encoded && indices.length !== width * height) {
      throw new Error(`a frame of ${width} × ${height} needs ${width * height} pixels, not ${indices.length}`);
    }
    // Graphic control extension: leave the frame in place (disposal 1), no transparency.
    out.bytes([0x21, 0xf9, 4, 1 << 2]);
    out.u16(Math.max(0, Math.round(delay)));
    out.bytes([0, 0]);
    // Image descriptor: the whole screen, no local colour table, not interlaced.
    out.byte(0x2c);
    out.u16(0);
    out.u16(0);
    out.u16(width);
    out.u16(height);
    out.byte(0);
    // Image data: the LZW minimum code size, then sub-blocks of ≤ 255 bytes, then 0.
    const data = encoded ?? lzwEncode(indices, this.minCodeSize);
    out.byte(this.minCodeSize);
    for (let i = 0; i < data.length; i += 255) {
      const block = data.subarray(i, i + 255);
      out.byte(block.length);
      out.bytes(block);
    }
    out.byte(0);
  }

  /** The file, ended by its trailer. */
  finish() {
    this.out.byte(0x3b);
    return this.out.result();
  }
}

/**
 * An animated GIF of RGBA frames (all `width × height`): one palette for all of them.
 * `sequence` lists which frame to show in turn (default: each once, in order), so frames
 * shown more than once are quantised and compressed once. `onProgress(done, total)` is
 * awaited after each frame, so a caller can yield to the page and stop by throwing.
 * @param {{rgba: Uint8Array|Uint8ClampedArray}[]} frames
 * @returns {Promise<Uint8Array>}
 */
export async function encodeGif(frames, width, height, { delay = 10, loop = 0, sequence = null, onProgress = null } = {}) {
  const order = sequence ?? frames.map((_, i) => i);
  const palette = medianCut(colourHistogram(frames.map((f) => f.rgba)), 256);
  const gif = new GifWriter(width, height, palette, { loop });
  const toIndices = paletteIndexer(palette);
  const encoded = new Map(); // frame number → its LZW bytes
  for (let i = 0; i < order.length; i++) {
    const f = order[i];
    if (!encoded.has(f)) encoded.set(f, lzwEncode(toIndices(frames[f].rgba), gif.minCodeSize));
    gif.frame(null, frames[f].delay ?? delay, encoded.get(f));
    await onProgress?.(i + 1, order.length);
  }
  return gif.finish();
}
