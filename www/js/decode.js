// The user's own images: collected from a drop, a file picker or a folder picker, decoded in
// this page with createImageBitmap + OffscreenCanvas into one RGBA buffer. They never leave
// the browser (the bytes go to the worker on this machine, nothing is uploaded).

/** Side of the square images are fitted to when they do not all share one size. */
export const FITTED_SIDE = 64;
/** Keep memory bounded: 4000 images at 64×64 are 64 MB of RGBA. */
export const MAX_IMAGES = 4000;
/** "Own size" is only kept up to this side; larger images are fitted to 64×64. */
const MAX_OWN_SIDE = 256;

const IMAGE_NAME = /\.(png|jpe?g|gif|webp|bmp|avif)$/i;

/** `{file, path}` entries from an input's FileList (folder pickers fill webkitRelativePath). */
export function fromFileList(files) {
  return [...files].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** `{file, path}` entries from a drop, walking dropped folders recursively. */
export async function fromDrop(dataTransfer) {
  const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return fromFileList(dataTransfer.files);
  const out = [];
  for (const entry of entries) await walk(entry, out);
  return out;
}

async function walk(entry, out) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    out.push({ file, path: entry.fullPath.replace(/^\//, '') });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    // readEntries returns the folder in batches until an empty one.
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      for (const child of batch) await walk(child, out);
    }
  }
}

/**
 * Class of each entry from its sub-folder: with paths `root/cats/a.png`, `root/dogs/b.png` the
 * classes are ["cats", "dogs"] (sorted). Images directly in the root have no class; if any
 * image lacks a class, or all share one folder, the set is unlabelled (`classNames` empty).
 */
export function labelsFromPaths(paths) {
  const parts = paths.map((p) => p.split('/').filter(Boolean));
  // Drop a common top folder (the one that was picked or dropped).
  const common = parts.every((p) => p.length > 1 && p[0] === parts[0][0]);
  const folders = parts.map((p) => (common ? p.slice(1) : p)).map((p) => (p.length > 1 ? p[0] : null));
  if (folders.some((f) => f === null)) return { labels: null, classNames: [] };
  const classNames = [...new Set(folders)].sort();
  if (classNames.length < 2) return { labels: null, classNames: [] };
  return { labels: folders.map((f) => classNames.indexOf(f)), classNames };
}

/**
 * Decodes image entries to one RGBA buffer.
 * @param {{file: File, path: string}[]} entries
 * @param {'own' | 'fitted'} size  own size when every image has the same (small enough) size,
 *   otherwise centre-cropped and scaled to FITTED_SIDE × FITTED_SIDE
 * @param {(done: number, total: number) => void} onProgress
 * @returns {Promise<{rgba: Uint8Array, n, width, height, paths: string[], note: string}>}
 *   `note` says what was skipped or changed (empty when nothing was).
 */
export async function decodeImages(entries, size = 'own', onProgress = () => {}) {
  if (!entries.length) throw new Error('no files were chosen');
  const isImage = ({ file }) => file.type.startsWith('image/') || IMAGE_NAME.test(file.name);
  const candidates = entries.filter(isImage);
  const skipped = entries.filter((e) => !isImage(e)).map((e) => e.path);
  const bitmaps = [];
  for (const [i, entry] of candidates.slice(0, MAX_IMAGES).entries()) {
    try {
      bitmaps.push({ bitmap: await createImageBitmap(entry.file), path: entry.path });
    } catch {
      skipped.push(entry.path); // not an image the browser can decode
    }
    if (i % 20 === 0) onProgress(i, candidates.length);
  }
  if (!bitmaps.length) {
    throw new Error(`no image the browser can decode (PNG, JPEG, GIF, WebP, BMP) among ${listNames(skipped)}`);
  }
  let note = candidates.length > MAX_IMAGES ? `only the first ${MAX_IMAGES} images are used` : '';

  const [w0, h0] = [bitmaps[0].bitmap.width, bitmaps[0].bitmap.height];
  const same = bitmaps.every(({ bitmap }) => bitmap.width === w0 && bitmap.height === h0);
  const own = size === 'own' && same && Math.max(w0, h0) <= MAX_OWN_SIDE;
  if (size === 'own' && !own) {
    note = [note, `images ${same ? 'are larger than 256 px' : 'differ in size'}, so they were fitted to ${FITTED_SIDE}×${FITTED_SIDE}`]
      .filter(Boolean)
      .join('; ');
  }
  const [width, height] = own ? [w0, h0] : [FITTED_SIDE, FITTED_SIDE];

  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const rgba = new Uint8Array(bitmaps.length * width * height * 4);
  bitmaps.forEach(({ bitmap }, i) => {
    ctx.clearRect(0, 0, width, height);
    if (own) ctx.drawImage(bitmap, 0, 0);
    else {
      // Centre crop to a square, then scale (alpha is kept; the wasm composites on white).
      const side = Math.min(bitmap.width, bitmap.height);
      const sx = (bitmap.width - side) / 2;
      const sy = (bitmap.height - side) / 2;
      ctx.drawImage(bitmap, sx, sy, side, side, 0, 0, width, height);
    }
    rgba.set(ctx.getImageData(0, 0, width, height).data, i * width * height * 4);
    bitmap.close();
  });
  onProgress(candidates.length, candidates.length);
  if (skipped.length) note = [note, `skipped ${listNames(skipped)} (not decodable images)`].filter(Boolean).join('; ');
  return { rgba, n: bitmaps.length, width, height, paths: bitmaps.map((b) => b.path), note };
}

/** "a.txt, b.doc and 3 more" */
function listNames(paths, shown = 5) {
  const names = paths.slice(0, shown).join(', ');
  return paths.length > shown ? `${names} and ${paths.length - shown} more` : names;
}
