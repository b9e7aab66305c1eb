// Drawing your own distribution on the Learn tab's plane: a click adds a point, a drag adds
// points along its path. Points are rounded to 0.01 (see learn-settings.js: a shared URL then
// carries exactly the points trained on).

import { MAX_DRAWN, roundPoint } from './learn-settings.js';

/** World distance between points laid along a drag. */
const SPACING = 0.06;

/**
 * Listens on `plane.canvas` while `enabled()`; `points` is the drawing (interleaved x, y).
 * `onStroke` runs while drawing (to redraw); `onDone` after each click or drag.
 */
export function createDrawing(plane, { enabled, onStroke, onDone }) {
  const canvas = plane.canvas;
  let points = [];
  let last = null; // the last point of the current stroke
  let stroking = false;

  /** World coordinates of a pointer event (the canvas may be scaled by CSS). */
  function world(event) {
    const rect = canvas.getBoundingClientRect();
    const px = ((event.clientX - rect.left) / rect.width) * canvas.width;
    const py = ((event.clientY - rect.top) / rect.height) * canvas.height;
    const e = plane.extent;
    return [roundPoint((px / canvas.width) * 2 * e - e), roundPoint(e - (py / canvas.height) * 2 * e)];
  }

  function add([x, y]) {
    if (points.length / 2 >= MAX_DRAWN) return;
    points.push(x, y);
    last = [x, y];
  }

  canvas.addEventListener('pointerdown', (event) => {
    if (!enabled() || event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture?.(event.pointerId);
    stroking = true;
    add(world(event));
    onStroke();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!stroking) return;
    const [x, y] = world(event);
    const distance = Math.hypot(x - last[0], y - last[1]);
    if (distance < SPACING) return;
    // Fill the gap of a fast drag with evenly spaced points.
    const steps = Math.floor(distance / SPACING);
    const [x0, y0] = last;
    for (let i = 1; i <= steps; i++) add([roundPoint(x0 + ((x - x0) * i) / steps), roundPoint(y0 + ((y - y0) * i) / steps)]);
    onStroke();
  });
  const end = () => {
    if (!stroking) return;
    stroking = false;
    onDone();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  return {
    get points() {
      return points;
    },
    set points(values) {
      points = [...values];
    },
    clear() {
      points = [];
    },
  };
}
