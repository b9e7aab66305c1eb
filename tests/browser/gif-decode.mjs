// A strict GIF reader for the tests (written independently of www/js/gif.js): it walks every
// block, checks the lengths and terminators, and decodes each frame's LZW data, so a file that
// is cut short, has stray bytes or corrupt compressed data fails loudly. Not a test file itself.

/** Decodes `bytes` (Uint8Array / Buffer); throws on anything malformed. */
export function decodeGif(bytes) {
  const b = Uint8Array.from(bytes);
  let at = 0;
  const need = (n, what) => {
    if (at + n > b.length) throw new Error(`GIF cut short in ${what} at byte ${at}`);
  };
  const u8 = (what) => (need(1, what), b[at++]);
  const u16 = (what) => (need(2, what), (at += 2), b[at - 2] | (b[at - 1] << 8));
  const take = (n, what) => (need(n, what), (at += n), b.subarray(at - n, at));
  /** Sub-blocks until the zero-length terminator, joined. */
  const subBlocks = (what) => {
    const parts = [];
    for (let size = u8(what); size; size = u8(what)) parts.push(take(size, what));
    const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) (all.set(p, o), (o += p.length));
    return all;
  };

  const header = new TextDecoder().decode(take(6, 'header'));
  const width = u16('screen');
  const height = u16('screen');
  const packed = u8('screen');
  const background = u8('screen');
  const aspect = u8('screen');
  let globalPalette = null;
  if (packed & 0x80) globalPalette = take(3 << ((packed & 7) + 1), 'global colour table');

  const gif = { header, width, height, background, aspect, globalPalette, loop: null, applications: [], frames: [], trailer: false };
  let control = null;
  while (at < b.length) {
    const kind = u8('block');
    if (kind === 0x3b) {
      gif.trailer = true;
      if (at !== b.length) throw new Error(`${b.length - at} bytes after the trailer`);
      break;
    }
    if (kind === 0x21) {
      const label = u8('extension');
      if (label === 0xf9) {
        if (u8('graphic control') !== 4) throw new Error('graphic control extension of the wrong size');
        const flags = u8('graphic control');
        const delay = u16('graphic control');
        const transparent = u8('graphic control');
        if (u8('graphic control') !== 0) throw new Error('graphic control extension not terminated');
        control = { disposal: (flags >> 2) & 7, delay, transparent: flags & 1 ? transparent : null };
      } else if (label === 0xff) {
        if (u8('application') !== 11) throw new Error('application extension of the wrong size');
        const name = new TextDecoder().decode(take(11, 'application'));
        const data = subBlocks('application data');
        gif.applications.push(name);
        if (name === 'NETSCAPE2.0' && data.length === 3 && data[0] === 1) gif.loop = data[1] | (data[2] << 8);
      } else {
        subBlocks('extension'); // comment, plain text
      }
      continue;
    }
    if (kind !== 0x2c) throw new Error(`unknown block 0x${kind.toString(16)} at byte ${at - 1}`);
    const x = u16('image descriptor');
    const y = u16('image descriptor');
    const w = u16('image descriptor');
    const h = u16('image descriptor');
    const flags = u8('image descriptor');
    const palette = flags & 0x80 ? take(3 << ((flags & 7) + 1), 'local colour table') : globalPalette;
    if (!palette) throw new Error('a frame without a colour table');
    if (flags & 0x40) throw new Error('interlaced frames are not expected');
    const minCodeSize = u8('image data');
    const data = subBlocks('image data');
    const indices = lzwDecode(data, minCodeSize, w * h);
    for (const i of indices) if (3 * i >= palette.length) throw new Error(`index ${i} beyond the colour table`);
    gif.frames.push({ x, y, width: w, height: h, palette, indices, ...(control ?? { disposal: 0, delay: 0, transparent: null }) });
    control = null;
  }
  if (!gif.trailer) throw new Error('no trailer');
  return gif;
}

/** GIF LZW: variable-width codes, LSB first; exactly `pixels` indices expected before the end code. */
export function lzwDecode(data, minCodeSize, pixels) {
  if (minCodeSize < 2 || minCodeSize > 8) throw new Error(`LZW minimum code size ${minCodeSize}`);
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const out = new Uint8Array(pixels);
  let n = 0;
  let table; // code → array of indices
  let width;
  let previous = null;
  const reset = () => {
    table = [];
    for (let i = 0; i < clear; i++) table[i] = [i];
    table[clear] = table[end] = null;
    width = minCodeSize + 1;
    previous = null;
  };
  reset();
  let bitPos = 0;
  const totalBits = data.length * 8;
  const read = () => {
    if (bitPos + width > totalBits) throw new Error('LZW data ends before the end code');
    let code = 0;
    for (let i = 0; i < width; i++, bitPos++) code |= ((data[bitPos >> 3] >> (bitPos & 7)) & 1) << i;
    return code;
  };
  let first = true;
  for (;;) {
    const code = read();
    if (first && code !== clear) throw new Error('LZW data does not start with a clear code');
    first = false;
    if (code === clear) {
      reset();
      continue;
    }
    if (code === end) break;
    let entry;
    if (code < table.length && table[code]) entry = table[code];
    else if (code === table.length && previous) entry = [...previous, previous[0]];
    else throw new Error(`LZW code ${code} not in the table (${table.length} entries)`);
    if (n + entry.length > pixels) throw new Error('LZW data holds more pixels than the frame');
    out.set(entry, n);
    n += entry.length;
    if (previous && table.length < 4096) {
      table.push([...previous, entry[0]]);
      if (table.length === 1 << width && width < 12) width++;
    }
    previous = entry;
  }
  if (n !== pixels) throw new Error(`LZW data holds ${n} pixels, the frame ${pixels}`);
  const leftover = data.length - Math.ceil(bitPos / 8);
  if (leftover > 0) throw new Error(`${leftover} bytes after the LZW end code`);
  return out;
}

/** Frame `f` of a decoded GIF as RGB triples (full frames only). */
export function frameRgb(gif, f) {
  const { indices, palette } = gif.frames[f];
  const rgb = new Uint8Array(indices.length * 3);
  for (let i = 0; i < indices.length; i++) rgb.set(palette.subarray(3 * indices[i], 3 * indices[i] + 3), 3 * i);
  return rgb;
}
