// Image grids: the wasm returns batches as `n × H × W × 4` RGBA bytes, image after image.

/** Columns for `n` images in a roughly square grid. */
const gridColumns = (n) => Math.max(1, Math.ceil(Math.sqrt(n)));

/**
 * Draws `n` RGBA images of `width × height` into `canvas` at their native pixel size, `cols`
 * per row with `pad` pixels between them (CSS scales the canvas up, pixelated). The canvas is
 * resized to fit, so its PNG is the grid itself.
 */
export function drawGrid(canvas, rgba, n, width, height, { cols = gridColumns(n), pad = 2, background = '#fff' } = {}) {
  const rows = Math.ceil(n / cols);
  canvas.width = cols * width + (cols + 1) * pad;
  canvas.height = rows * height + (rows + 1) * pad;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const size = width * height * 4;
  for (let i = 0; i < n; i++) {
    const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * size, size);
    const x = pad + (i % cols) * (width + pad);
    const y = pad + Math.floor(i / cols) * (height + pad);
    ctx.putImageData(new ImageData(pixels, width, height), x, y);
  }
}

/** Image `i` of a batch as a view (no copy). */
export function imageAt(rgba, i, width, height) {
  const size = width * height * 4;
  return new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * size, size);
}

/** 2-D samples come back as little-endian f32 bytes, x, y interleaved. */
export function pointsFromBytes(bytes) {
  // Float32Array needs a 4-byte aligned offset; copy when the view is not aligned.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 2);
}

/** Shows a native-size canvas enlarged by the largest whole factor that fits `maxWidth` CSS
 * pixels (whole factors keep pixels square and crisp). */
export function enlarge(canvas, maxWidth = 560) {
  const factor = Math.max(1, Math.floor(maxWidth / canvas.width));
  canvas.style.width = `${canvas.width * factor}px`;
}
