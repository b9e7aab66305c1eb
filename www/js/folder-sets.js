// Built-in image folders served from the repository's data/ folder (written there by
// `ganvas data fetch <set>`), fetched and decoded in the page like the user's own images.

import { decodeImages } from './decode.js';

/** `index` lists the folder's files (first tab-separated column). */
export const FOLDER_SETS = [
  { name: 'emoji', title: 'Noto emoji (3,786 colour images)', index: 'categories.tsv' },
];

/** Files fetched at once. */
const PARALLEL = 24;

/**
 * The set's images decoded to one RGBA buffer (as `decodeImages`).
 * @param {{name: string, index: string}} set
 * @param {(done: number, total: number) => void} onProgress  files fetched so far
 */
export async function loadFolderSet(set, onProgress = () => {}) {
  const base = new URL(`../../data/${set.name}/`, import.meta.url);
  const missing = `the ${set.name} images are not on this server; fetch them first with \`ganvas data fetch ${set.name}\``;
  const index = await fetch(new URL(set.index, base)).catch(() => null);
  if (!index?.ok) throw new Error(missing);
  const names = (await index.text()).split('\n').map((line) => line.split('\t')[0].trim())
    .filter((name) => /^[\w.-]+\.png$/i.test(name));
  if (!names.length) throw new Error(missing);

  const entries = new Array(names.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const response = await fetch(new URL(names[i], base));
      if (!response.ok) throw new Error(`${names[i]} of the ${set.name} images could not be downloaded (HTTP ${response.status})`);
      entries[i] = { file: new File([await response.blob()], names[i], { type: 'image/png' }), path: names[i] };
      if (++done % 100 === 0) onProgress(done, names.length);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  onProgress(names.length, names.length);
  return decodeImages(entries, 'own');
}
