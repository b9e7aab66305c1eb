// WebM video of an animation through the browser's own encoder: frames are put on a canvas
// whose stream (captureStream) a MediaRecorder records. Where the browser has neither, the
// page offers GIF only.

/** The WebM type this browser can record from a canvas, or null. */
export function webmType() {
  if (typeof MediaRecorder === 'undefined' || typeof HTMLCanvasElement === 'undefined') return null;
  if (typeof HTMLCanvasElement.prototype.captureStream !== 'function') return null;
  if (typeof MediaRecorder.isTypeSupported !== 'function') return null;
  return ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'].find((t) => MediaRecorder.isTypeSupported(t)) ?? null;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records RGBA frames (all `width × height`) shown in the order `sequence`, each for `delay`
 * ms, as a WebM blob. Takes as long as the animation lasts (the recorder timestamps frames as
 * they come). `onProgress(done, total)` is awaited after each frame; throwing from it stops
 * the recording (and the error is passed on).
 * @param {{rgba: Uint8ClampedArray|Uint8Array}[]} frames
 */
export async function recordWebm(frames, width, height, { delay = 90, sequence = null, onProgress = null } = {}) {
  const type = webmType();
  if (!type) throw new Error('this browser cannot record video from a canvas (no MediaRecorder); save a GIF instead');
  const order = sequence ?? frames.map((_, i) => i);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const images = new Map();
  const show = (f) => {
    if (!images.has(f)) {
      const { rgba } = frames[f];
      images.set(f, new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height));
    }
    ctx.putImageData(images.get(f), 0, 0);
  };
  show(order[0]);
  const stream = canvas.captureStream(0); // a frame only when asked for (requestFrame)
  const [track] = stream.getVideoTracks();
  const recorder = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: 4_000_000 });
  const chunks = [];
  recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
  const done = new Promise((resolve, reject) => {
    recorder.onstop = resolve;
    recorder.onerror = (e) => reject(e.error ?? new Error('the browser stopped recording the video'));
  });
  recorder.start();
  try {
    for (let i = 0; i < order.length; i++) {
      show(order[i]);
      track.requestFrame?.();
      await sleep(delay);
      await onProgress?.(i + 1, order.length);
    }
  } finally {
    if (recorder.state !== 'inactive') recorder.stop();
    await done.catch(() => {});
    for (const t of stream.getTracks()) t.stop();
  }
  await done;
  return new Blob(chunks, { type: 'video/webm' });
}
