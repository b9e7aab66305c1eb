// Live line plots drawn by hand on a canvas: one x axis (training step), several series.
// The canvas is drawn at its on-screen size (times the device pixel ratio), so its text stays
// 12 CSS pixels however narrow the screen; its text alternative says what the plot shows now.

import { describeCanvas } from './a11y.js';

/** Points kept per series; beyond it neighbours are averaged pairwise (older detail fades). */
const MAX_POINTS = 1000;
/** Series with at most this many points are drawn with a dot per point. */
const SPARSE = 60;
/** Plot height at least, in CSS pixels (narrow screens keep a readable plot). */
const MIN_HEIGHT = 170;
const FONT = '12px system-ui, sans-serif';

export class LinePlot {
  /**
   * @param {HTMLCanvasElement} canvas  its width and height attributes give the aspect ratio
   * @param {{key: string, label: string, color: string}[]} series
   * @param {{title?: string}} options  `title` is drawn and names the plot; without it the
   *   canvas's `data-name` or initial `aria-label` does, or else the series' labels
   */
  constructor(canvas, series, { title = '' } = {}) {
    this.canvas = canvas;
    this.series = series;
    this.title = title;
    this.name = title || canvas.dataset.name || canvas.getAttribute('aria-label') ||
      `Plot of ${series.map((s) => s.label).join(' and ')}`;
    this.aspect = canvas.height / canvas.width;
    this.drawnWidth = 0; // CSS width of the last drawing
    let queued = false;
    new ResizeObserver(() => {
      if (queued || !canvas.clientWidth || canvas.clientWidth === this.drawnWidth) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        this.draw();
      });
    }).observe(canvas);
    this.clear();
  }

  clear() {
    this.data = Object.fromEntries(this.series.map((s) => [s.key, []])); // key → [[x, y], …]
    this.draw();
  }

  /** Adds one x with a value per series key (non-finite values are skipped). */
  push(x, values) {
    for (const { key } of this.series) {
      const y = values[key];
      if (!Number.isFinite(y)) continue;
      const points = this.data[key];
      points.push([x, y]);
      if (points.length > MAX_POINTS) this.data[key] = halve(points);
    }
  }

  /** Sizes the canvas to its box on screen (unless hidden) and returns the CSS size and scale. */
  fit() {
    const { canvas } = this;
    const css = canvas.clientWidth;
    if (!css) {
      // Hidden: draw at the attributes' size; shown later, the resize observer redraws.
      return { w: canvas.width / (this.scale ?? 1), h: canvas.height / (this.scale ?? 1), scale: this.scale ?? 1 };
    }
    const scale = window.devicePixelRatio || 1;
    const [w, h] = [css, Math.round(Math.max(MIN_HEIGHT, css * this.aspect))];
    if (canvas.width !== Math.round(w * scale)) canvas.width = Math.round(w * scale);
    if (canvas.height !== Math.round(h * scale)) canvas.height = Math.round(h * scale);
    this.scale = scale;
    this.drawnWidth = css;
    return { w, h, scale };
  }

  draw() {
    const { canvas } = this;
    const { w, h, scale } = this.fit();
    const ctx = canvas.getContext('2d');
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';

    // Title and legend along the top, wrapped onto more lines when narrow.
    const items = [];
    if (this.title) items.push({ text: this.title, color: null });
    for (const s of this.series) {
      const last = this.data[s.key].at(-1);
      items.push({ text: last ? `${s.label} ${format(last[1])}` : s.label, color: s.color });
    }
    const lineHeight = 17;
    let [lx, line] = [8, 0];
    for (const item of items) {
      const width = (item.color ? 16 : 0) + ctx.measureText(item.text).width;
      if (lx > 8 && lx + width > w - 8) [lx, line] = [8, line + 1];
      Object.assign(item, { x: lx, line });
      lx += width + 14;
    }
    const margin = { left: 50, right: 12, top: 8 + (line + 1) * lineHeight, bottom: 22 };
    for (const item of items) {
      const y = 4 + item.line * lineHeight + lineHeight / 2;
      if (item.color) {
        ctx.fillStyle = item.color;
        ctx.fillRect(item.x, y - 1.5, 12, 3);
        ctx.fillStyle = '#334';
        ctx.fillText(item.text, item.x + 16, y);
      } else {
        ctx.fillStyle = '#223';
        ctx.fillText(item.text, item.x, y);
      }
    }

    const all = Object.values(this.data).flat();
    let [x0, x1, y0, y1] = bounds(all);
    const [px, py] = [
      (x) => margin.left + ((x - x0) / (x1 - x0)) * (w - margin.left - margin.right),
      (y) => h - margin.bottom - ((y - y0) / (y1 - y0)) * (h - margin.top - margin.bottom),
    ];

    // Frame, y ticks at the bounds and zero, x range.
    ctx.strokeStyle = '#ccd';
    ctx.lineWidth = 1;
    ctx.strokeRect(margin.left, margin.top, w - margin.left - margin.right, h - margin.top - margin.bottom);
    ctx.fillStyle = '#556';
    ctx.textAlign = 'right';
    const ticks = [y0, y1, ...(y0 < 0 && y1 > 0 ? [0] : [])];
    for (const y of ticks) ctx.fillText(format(y), margin.left - 4, py(y));
    if (y0 < 0 && y1 > 0) {
      ctx.strokeStyle = '#eef';
      ctx.beginPath();
      ctx.moveTo(margin.left, py(0));
      ctx.lineTo(w - margin.right, py(0));
      ctx.stroke();
    }
    if (all.length) {
      ctx.textAlign = 'left';
      ctx.fillText(`step ${Math.round(x0)}`, margin.left, h - margin.bottom / 2);
      ctx.textAlign = 'right';
      ctx.fillText(`${Math.round(x1)}`, w - margin.right, h - margin.bottom / 2);
    }
    ctx.textAlign = 'left';

    // Lines, clipped to the frame.
    ctx.save();
    ctx.beginPath();
    ctx.rect(margin.left, margin.top, w - margin.left - margin.right, h - margin.top - margin.bottom);
    ctx.clip();
    ctx.lineWidth = 1.5;
    for (const s of this.series) {
      const points = this.data[s.key];
      ctx.strokeStyle = s.color;
      ctx.beginPath();
      points.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
      ctx.stroke();
      // Sparse series (e.g. metrics every few hundred steps) also get a dot per point.
      if (points.length <= SPARSE) {
        ctx.fillStyle = s.color;
        for (const [x, y] of points) {
          ctx.beginPath();
          ctx.arc(px(x), py(y), 3, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    }
    ctx.restore();
    describeCanvas(canvas, this.describe());
  }

  /** The plot in words: the latest value of each series and the steps covered. */
  describe() {
    const latest = this.series
      .map((s) => [s, this.data[s.key].at(-1)])
      .filter(([, last]) => last)
      .map(([s, last]) => `${s.label} ${format(last[1])} at step ${Math.round(last[0])}`);
    if (!latest.length) return `${this.name}: no data yet`;
    const xs = Object.values(this.data).flat().map(([x]) => x);
    const [first, last] = [Math.round(Math.min(...xs)), Math.round(Math.max(...xs))];
    return `${this.name}, steps ${first} to ${last}: ${latest.join(', ')}`;
  }
}

/** x and y ranges with a little headroom; sensible defaults when empty or flat. */
function bounds(points) {
  if (!points.length) return [0, 1, 0, 1];
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (x1 === x0) x1 = x0 + 1;
  const pad = (y1 - y0) * 0.08 || Math.abs(y0) * 0.1 || 0.5;
  return [x0, x1, y0 - pad, y1 + pad];
}

function halve(points) {
  const out = [];
  for (let i = 0; i + 1 < points.length; i += 2) {
    out.push([(points[i][0] + points[i + 1][0]) / 2, (points[i][1] + points[i + 1][1]) / 2]);
  }
  if (points.length % 2) out.push(points.at(-1));
  return out;
}

function format(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.01 || a >= 1e4)) return v.toExponential(1);
  return v.toFixed(a < 1 ? 3 : 2);
}
