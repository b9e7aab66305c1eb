// Image grids: the wasm returns batches as `n × H × W × 4` RGBA bytes, image after image.

import { describeCanvas } from './a11y.js';

/** Columns for `n` images in a roughly square grid. */
const gridColumns = (n) => Math.max(1, Math.ceil(Math.sqrt(n)));

/**
 * Where the images of a grid go. Without `classes`: `cols` per row, image after image. With
 * `classes` (a class-conditional batch drawn "classes in turn", image `i` of class
 * `i % classes`): one block of `per` columns for each class, side by side, so each class reads
 * down its own columns; `per` is chosen so the whole grid is about `aspect` times as wide as
 * tall (10 classes × 6 give one column each; 2 classes × 6 give two columns each, not a
 * 2 × 6 tower). Blocks of more than one column are set apart by an extra gap.
 * @returns {{cols: number, rows: number, width: number, height: number, per: number,
 *   at(i: number): [number, number], blocks: {cls: number, x: number, width: number}[]}}
 *   `width` × `height`: the canvas size; `at(i)`: image i's top-left corner; `blocks`: each
 *   class's columns (empty without classes), in canvas pixels.
 */
export function gridLayout(n, width, height, { cols, classes = 0, pad = 2, aspect = 4 / 3 } = {}) {
  if (!(classes > 0)) {
    const c = Math.max(1, Math.min(n, cols ?? gridColumns(n)));
    const rows = Math.max(1, Math.ceil(n / c));
    return {
      cols: c,
      rows,
      per: c,
      width: c * width + (c + 1) * pad,
      height: rows * height + (rows + 1) * pad,
      at: (i) => [pad + (i % c) * (width + pad), pad + Math.floor(i / c) * (height + pad)],
      blocks: [],
    };
  }
  const perClass = Math.max(1, Math.ceil(n / classes));
  const size = (per) => {
    const gap = per > 1 ? 2 * pad : 0;
    const rows = Math.ceil(perClass / per);
    return { gap, rows, w: classes * per * (width + pad) + pad + (classes - 1) * gap, h: rows * (height + pad) + pad };
  };
  let per = 1;
  for (let k = 2; k <= perClass; k++) {
    const off = (p) => Math.abs(Math.log(size(p).w / size(p).h / aspect));
    if (off(k) < off(per)) per = k;
  }
  const { gap, rows, w, h } = size(per);
  const blockWidth = per * (width + pad) - pad;
  const x0 = (cls) => pad + cls * (per * (width + pad) + gap);
  return {
    cols: classes * per,
    rows,
    per,
    width: w,
    height: h,
    at(i) {
      const cls = i % classes;
      const j = Math.floor(i / classes); // the how-manieth of its class
      return [x0(cls) + (j % per) * (width + pad), pad + Math.floor(j / per) * (height + pad)];
    },
    blocks: Array.from({ length: classes }, (_, cls) => ({ cls, x: x0(cls), width: blockWidth })),
  };
}

/**
 * Draws `n` RGBA images of `width × height` into `canvas` at their native pixel size, laid out
 * by `gridLayout` (`cols` per row, or in one block of columns per class with `classes`) with
 * `pad` pixels between them (CSS scales the canvas up, pixelated). The canvas is resized to
 * fit, so its PNG is the grid itself. Unless `describe` is false, the canvas's text alternative
 * becomes "n samples, W×H pixels each" (the noun from `data-subject`, the step from the element
 * named by `data-step-from`). Returns the layout.
 */
export function drawGrid(canvas, rgba, n, width, height, { cols, classes = 0, pad = 2, background = '#fff', describe = true } = {}) {
  const layout = gridLayout(n, width, height, { cols, classes, pad });
  canvas.width = layout.width;
  canvas.height = layout.height;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const size = width * height * 4;
  for (let i = 0; i < n; i++) {
    const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * size, size);
    const [x, y] = layout.at(i);
    ctx.putImageData(new ImageData(pixels, width, height), x, y);
  }
  if (!describe) return layout;
  // A generic text alternative (`describe: false` for a view that says more itself).
  const subject = canvas.dataset.subject ?? 'samples';
  const step = canvas.dataset.stepFrom && document.getElementById(canvas.dataset.stepFrom)?.textContent.trim();
  describeCanvas(canvas, `${n} ${subject}, ${width}×${height} pixels each${step ? `, step ${step}` : ''}`);
  return layout;
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

/**
 * Shows a native-size canvas enlarged by the largest whole factor (whole factors keep pixels
 * square and crisp) that fits `maxWidth` × `maxHeight` CSS pixels; never below 1×. A canvas
 * still wider than its container is shrunk by the CSS (`max-width: 100%`). Returns the factor.
 */
export function enlarge(canvas, maxWidth = 560, maxHeight = 720) {
  const factor = Math.max(1, Math.floor(Math.min(maxWidth / canvas.width, maxHeight / canvas.height)));
  canvas.style.width = `${canvas.width * factor}px`;
  return factor;
}

/**
 * Labels over the columns of a class grid: one label per class block, in a CSS grid whose
 * tracks are proportional to the canvas pixels, so they stay above their columns however the
 * canvas is scaled. Labels wrap onto two lines; when one still does not fit its columns, all
 * are set vertically. The row is emptied (and hidden) for a layout without blocks. The labels
 * are for the eye: the canvas's text alternative names the classes.
 * @param {HTMLElement} row
 * @param {ReturnType<typeof gridLayout>} layout
 * @param {string[]} names  class names by class number
 */
export function labelColumns(row, layout, names) {
  row.replaceChildren();
  row.hidden = !layout.blocks.length;
  row.setAttribute('aria-hidden', 'true');
  if (row.hidden) return;
  const tracks = [];
  let x = 0;
  for (const block of layout.blocks) {
    tracks.push(block.x - x, block.width);
    x = block.x + block.width;
  }
  tracks.push(Math.max(0, layout.width - x));
  row.style.gridTemplateColumns = tracks.map((t) => `minmax(0, ${t}fr)`).join(' ');
  for (const [i, block] of layout.blocks.entries()) {
    const label = document.createElement('span');
    label.className = 'column-label';
    label.textContent = names[block.cls] ?? `class ${block.cls}`;
    label.title = label.textContent;
    label.style.gridColumn = String(2 * i + 2);
    row.append(label);
  }
  fitLabels(row);
  // Refit when the row's width changes (window resized, canvas rescaled).
  if (!row.labelObserver) {
    let width = 0;
    row.labelObserver = new ResizeObserver(([entry]) => {
      const w = Math.round(entry.contentRect.width);
      if (w !== width) {
        width = w;
        requestAnimationFrame(() => fitLabels(row)); // not inside the callback: see fitLabels
      }
    });
    row.labelObserver.observe(row);
  }
}

/** Labels wrap onto two lines at most; vertical when any is still too wide for its columns.
 * (This changes the row's height, so a resize observer must not call it in its callback.) */
function fitLabels(row) {
  row.classList.remove('vertical');
  const tooWide = [...row.children].some((label) => {
    const line = parseFloat(getComputedStyle(label).lineHeight) || 14;
    return label.scrollWidth > label.clientWidth + 1 || label.scrollHeight > 2.5 * line;
  });
  row.classList.toggle('vertical', tooWide);
}
