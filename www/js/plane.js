// Drawing on the 2-D plane [-extent, extent]² (y up): points, arrows, meshes and heat maps.
// Used by the scatter plots of 2-D models and by the Learn tab.

import { describeCanvas } from './a11y.js';

export const REAL = '#2f6fdb'; // real data: blue
export const FAKE = '#f08a24'; // generated: orange

export class Plane {
  /** @param {HTMLCanvasElement} canvas  drawn at its own width × height */
  constructor(canvas, extent = 2.5) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.extent = extent;
  }

  /** World x → canvas pixels. */
  px(x) {
    return ((x + this.extent) / (2 * this.extent)) * this.canvas.width;
  }

  /** World y → canvas pixels (y grows upwards in the world). */
  py(y) {
    return ((this.extent - y) / (2 * this.extent)) * this.canvas.height;
  }

  clear(background = '#fff') {
    const { ctx, canvas } = this;
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }

  /** Light grid lines at every integer and darker axes. */
  axes() {
    const { ctx, canvas, extent } = this;
    ctx.lineWidth = 1;
    for (let v = -Math.floor(extent); v <= extent; v++) {
      ctx.strokeStyle = v === 0 ? 'rgba(0,0,0,0.25)' : 'rgba(0,0,0,0.07)';
      ctx.beginPath();
      ctx.moveTo(this.px(v), 0);
      ctx.lineTo(this.px(v), canvas.height);
      ctx.moveTo(0, this.py(v));
      ctx.lineTo(canvas.width, this.py(v));
      ctx.stroke();
    }
  }

  /** Interleaved x, y `points` as dots. */
  points(points, color, radius = 2.5, alpha = 0.8) {
    const { ctx } = this;
    ctx.globalAlpha = alpha;
    ctx.fillStyle = color;
    ctx.beginPath();
    for (let i = 0; i + 1 < points.length; i += 2) {
      const x = this.px(points[i]);
      const y = this.py(points[i + 1]);
      ctx.moveTo(x + radius, y);
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
    }
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  /**
   * Arrows from `[x, y, dx, dy]` quadruples. Gradient sizes vary by orders of magnitude, so
   * lengths are scaled so that the median arrow is `median` world units and capped at 3×.
   */
  arrows(quads, color, median = 0.15) {
    const lengths = [];
    for (let i = 0; i + 3 < quads.length; i += 4) lengths.push(Math.hypot(quads[i + 2], quads[i + 3]));
    const sorted = [...lengths].sort((a, b) => a - b);
    const mid = sorted[sorted.length >> 1] || 1;
    const { ctx } = this;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    for (let i = 0, k = 0; i + 3 < quads.length; i += 4, k++) {
      const length = lengths[k];
      if (!(length > 0)) continue;
      const scale = (Math.min(length / mid, 3) * median) / length;
      const [x0, y0] = [this.px(quads[i]), this.py(quads[i + 1])];
      const [x1, y1] = [this.px(quads[i] + quads[i + 2] * scale), this.py(quads[i + 1] + quads[i + 3] * scale)];
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      // Arrow head: two short strokes back from the tip.
      const angle = Math.atan2(y1 - y0, x1 - x0);
      for (const side of [-0.5, 0.5]) {
        ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - 5 * Math.cos(angle + side), y1 - 5 * Math.sin(angle + side));
      }
    }
    ctx.stroke();
  }

  /** A `size × size` row-major grid of points (x, y interleaved) drawn as a mesh. */
  mesh(points, size, color = 'rgba(40,40,40,0.45)') {
    const { ctx } = this;
    const at = (r, c) => 2 * (r * size + c);
    ctx.strokeStyle = color;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const i = at(r, c);
        const [x, y] = [this.px(points[i]), this.py(points[i + 1])];
        if (c + 1 < size) {
          ctx.moveTo(x, y);
          ctx.lineTo(this.px(points[at(r, c + 1)]), this.py(points[at(r, c + 1) + 1]));
        }
        if (r + 1 < size) {
          ctx.moveTo(x, y);
          ctx.lineTo(this.px(points[at(r + 1, c)]), this.py(points[at(r + 1, c) + 1]));
        }
      }
    }
    ctx.stroke();
  }

  /**
   * A `size × size` field (row-major from the top-left, covering the whole plane) as a heat
   * map; `toUnit` maps a value to [0, 1] (1 = "real", blue; 0 = "fake", orange).
   */
  heatmap(field, size, toUnit) {
    const image = new ImageData(size, size);
    const [r0, g0, b0] = [253, 226, 196]; // pale orange
    const [r1, g1, b1] = [196, 218, 250]; // pale blue
    for (let i = 0; i < size * size; i++) {
      const t = Math.min(1, Math.max(0, toUnit(field[i])));
      image.data.set([r0 + (r1 - r0) * t, g0 + (g1 - g0) * t, b0 + (b1 - b0) * t, 255], 4 * i);
    }
    // Sample (row, col) was taken exactly at the plane's edges for col 0 and size-1, so pixel
    // centres go on those positions: the scaled image overhangs the canvas by half a cell.
    const small = new OffscreenCanvas(size, size);
    small.getContext('2d').putImageData(image, 0, 0);
    const cellW = this.canvas.width / Math.max(1, size - 1);
    const cellH = this.canvas.height / Math.max(1, size - 1);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(small, -cellW / 2, -cellH / 2, size * cellW, size * cellH);
  }
}

/** Half-width of a plane that shows every point (at least the toy sets' 2.5). */
export function extentFor(...sets) {
  let max = 0;
  for (const points of sets) for (const v of points ?? []) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  return Math.max(2.5, Math.ceil(max * 1.1 * 2) / 2);
}

/** A scatter plot of generated points (orange) over optional real points (blue); unless
 * `describe` is false, with a generic text alternative (the step from `data-step-from`). */
export function scatter(canvas, fake, real = null, size = 480, { describe = true } = {}) {
  canvas.width = size;
  canvas.height = size;
  canvas.style.width = '';
  const plane = new Plane(canvas, extentFor(fake, real));
  plane.clear();
  plane.axes();
  if (real) plane.points(real, REAL, 2, 0.35);
  plane.points(fake, FAKE, 2.5, 0.85);
  if (!describe) return plane;
  const step = canvas.dataset.stepFrom && document.getElementById(canvas.dataset.stepFrom)?.textContent.trim();
  describeCanvas(canvas, `Scatter plot of ${fake.length >> 1} generated points (orange)` +
    `${real ? ` over ${real.length >> 1} real points (blue)` : ''}${step ? `, step ${step}` : ''}`);
  return plane;
}
