// The Train tab's autosave in this browser's IndexedDB: one run record (checkpoint bytes, the
// data it trains on, its plots) that survives a reload, and the user's own images beside it
// when they fit the size limit. Nothing leaves the browser.
//
// Record (key 'run'):
//   {format: FORMAT, savedAt: ms since epoch, name, step, checkpoint: Uint8Array,
//    data: {choice, title, imagesId?}, plots: {loss, score}, settings: {sampleEvery, autosaveEvery}}
// `data.choice` is the Train tab's data option ('gaussians8', 'idx:mnist', 'folder:emoji',
// 'images'); for 'images', `imagesId` names the stored images (key 'images'), or is null when
// they were too large to keep and must be dropped again.

const DB_NAME = 'ganvas';
const DB_VERSION = 1;
const STORE = 'autosave';
export const FORMAT = 'ganvas-autosave/1';
/** The user's images are kept only up to this many bytes of RGBA (64 MB: 4000 images of 64×64). */
export const IMAGES_LIMIT = 64 << 20;

let opening = null;

/** The database (created on first use); rejects where the browser allows no storage. */
function open() {
  opening ??= new Promise((resolve, reject) => {
    if (!globalThis.indexedDB) {
      reject(new Error('this browser offers no storage to the page'));
      return;
    }
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`the browser's storage could not be opened (${request.error?.name ?? 'unknown reason'})`));
    request.onblocked = () => reject(new Error('the browser\'s storage is in use by another tab of this page'));
  });
  opening.catch(() => (opening = null)); // try again next time
  return opening;
}

/** Runs one request on the store; resolves to its result once the transaction is done. */
async function withStore(mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request?.result);
    const fail = () => reject(new Error(storageReason(tx.error ?? request?.error)));
    tx.onerror = fail;
    tx.onabort = fail;
  });
}

function storageReason(error) {
  if (error?.name === 'QuotaExceededError') return 'the browser has no room left for the page\'s storage';
  return `the browser's storage refused it (${error?.name ?? 'unknown reason'})`;
}

const get = (key) => withStore('readonly', (store) => store.get(key));
const put = (key, value) => withStore('readwrite', (store) => store.put(value, key));
const remove = (key) => withStore('readwrite', (store) => store.delete(key));

/** Whether `record` is an autosave this page can use (a damaged or foreign one is not). */
function valid(record) {
  return record !== null && typeof record === 'object' && record.format === FORMAT &&
    typeof record.name === 'string' && Number.isInteger(record.step) && record.step >= 0 &&
    record.checkpoint instanceof Uint8Array && record.checkpoint.length > 0 &&
    Number.isFinite(record.savedAt) &&
    typeof record.data?.choice === 'string' && typeof record.data?.title === 'string';
}

/**
 * The autosaved run: `{record}` when there is a usable one, `{damaged: true}` when something is
 * stored under the key that this page cannot read, null when there is nothing.
 */
export async function readRun() {
  const record = await get('run');
  if (record === undefined) return null;
  return valid(record) ? { record } : { damaged: true };
}

export const writeRun = (record) => put('run', { ...record, format: FORMAT });

/** Forgets the autosaved run and any images kept for it. */
export async function discardRun() {
  await remove('run');
  await remove('images');
}

/**
 * Keeps the user's decoded images for a resume, when they fit IMAGES_LIMIT (checked before
 * anything is written). Resolves to their id, or null when they are too large (nothing stored).
 */
export async function writeImages(images) {
  if (images.rgba.byteLength > IMAGES_LIMIT) {
    await remove('images');
    return null;
  }
  const id = `${Date.now().toString(36)}-${images.n}-${images.width}x${images.height}`;
  const { rgba, n, width, height, paths, note } = images;
  await put('images', { id, rgba, n, width, height, paths, note });
  return id;
}

/** The images stored under `id`, or null when they are gone or were replaced. */
export async function readImages(id) {
  const images = await get('images');
  if (!images || images.id !== id || !(images.rgba instanceof Uint8Array) ||
      images.rgba.length !== images.n * images.width * images.height * 4) return null;
  return images;
}
