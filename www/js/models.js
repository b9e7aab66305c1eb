// The models shipped with the page: www/models/index.json lists them as
// [{name, file, title, description, scorer?}]; the .safetensors files sit beside it (`scorer`:
// a text model's text-image scorer, for the Sample view's "match to the prompt").

const INDEX = new URL('../models/index.json', import.meta.url);

let cached = null;

/** The shipped models (fetched once). */
export function listModels() {
  cached ??= fetch(INDEX).then(async (response) => {
    if (!response.ok) throw new Error(`the model list ${INDEX.pathname} could not be read (HTTP ${response.status})`);
    return response.json();
  });
  return cached;
}

/** Absolute URL of a model file (the worker fetches it; its own base URL differs). */
export const modelUrl = (model) => new URL(`../models/${model.file}`, import.meta.url).href;

/** A friendlier message for a shipped model that cannot be loaded (other errors as they are). */
export function modelError(model, error) {
  if (!/HTTP 404/.test(error?.message ?? '')) return error;
  return new Error(
    `the file models/${model.file} is not there yet (shipped models are made by \`ganvas train\` ` +
      'and copied into www/models/); you can still train from scratch in the Train tab',
  );
}
