// Live line plots drawn by hand on a canvas: one x axis (training step), several series.

/** Points kept per series; beyond it neighbours are averaged pairwise (older detail fades). */
const MAX_POINTS = 1000;
/** Series with at most this many points are drawn with a dot per point. */
const SPARSE = 60;

export class LinePlot {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{key: string, label: string, color: string}[]} series
   */
  constructor(canvas, series, { title = '' } = {}) {
    this.canvas = canvas;
    this.series = series;
    this.title = title;
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

  draw() {
    const { canvas } = this;
    const ctx = canvas.getContext('2d');
    const [w, h] = [canvas.width, canvas.height];
    const margin = { left: 46, right: 10, top: 22, bottom: 20 };
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';

    const all = Object.values(this.data).flat();
    let [x0, x1, y0, y1] = bounds(all);
    const [px, py] = [
      (x) => margin.left + ((x - x0) / (x1 - x0)) * (w - margin.left - margin.right),
      (y) => h - margin.bottom - ((y - y0) / (y1 - y0)) * (h - margin.top - margin.bottom),
    ];

    // Frame, y ticks at the bounds and zero, x range.
    ctx.strokeStyle = '#ccd';
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

    // Title and legend along the top.
    ctx.textAlign = 'left';
    let lx = margin.left;
    if (this.title) {
      ctx.fillStyle = '#223';
      ctx.fillText(this.title, lx, margin.top / 2);
      lx += ctx.measureText(this.title).width + 12;
    }
    for (const s of this.series) {
      ctx.fillStyle = s.color;
      ctx.fillRect(lx, margin.top / 2 - 1.5, 12, 3);
      ctx.fillStyle = '#334';
      const last = this.data[s.key].at(-1);
      const label = last ? `${s.label} ${format(last[1])}` : s.label;
      ctx.fillText(label, lx + 16, margin.top / 2);
      lx += 16 + ctx.measureText(label).width + 12;
    }

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
