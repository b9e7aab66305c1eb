// WebGPU traffic counts and an optional baseline package for node bench/browser.mjs.
//
// `instrument(context, server, {baselinePkg})` routes the browser context so that
// - ganvas's worker script starts with bench/web/gpu-counters.js (the counters must be in place
//   before the worker imports the wasm package, and Playwright's init scripts do not reach
//   workers);
// - pages opened under `${server.url}/baseline/` get the same files as the root, except pkg/,
//   which comes from `baselinePkg` (an older build of the package): the same page, before and
//   after a change, in one run.
// `workerCounts(page)` reads the counters of the page's ganvas workers, `delta(a, b)` subtracts.
import { readFileSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';

const WORKER = '/www/js/worker.js';
const BASELINE = '/baseline';
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm' };

export async function instrument(context, root, server, { baselinePkg } = {}) {
  const counters = readFileSync(join(root, 'bench/web/gpu-counters.js'), 'utf8');
  const origin = new URL(server.url).origin;
  const ours = (url) => url.origin === origin
    && (url.pathname.endsWith(WORKER) || (baselinePkg && url.pathname.startsWith(`${BASELINE}/`)));
  await context.route(ours, async (route) => {
    const url = new URL(route.request().url());
    const path = url.pathname.startsWith(`${BASELINE}/`) ? url.pathname.slice(BASELINE.length) : url.pathname;
    if (baselinePkg && url.pathname.startsWith(`${BASELINE}/pkg/`)) {
      const base = resolve(baselinePkg);
      const file = resolve(base, path.slice('/pkg/'.length));
      if (!file.startsWith(base + sep)) return route.fulfill({ status: 404, body: 'not found' });
      try {
        return await route.fulfill({ body: readFileSync(file), contentType: TYPES[extname(file)] ?? 'application/octet-stream' });
      } catch {
        return route.fulfill({ status: 404, body: 'not found' });
      }
    }
    const response = await route.fetch({ url: `${server.url}${path}${url.search}` });
    if (path !== WORKER) return route.fulfill({ response });
    return route.fulfill({ response, body: `${counters}\n${await response.text()}` });
  });
}

/** The WebGPU counters summed over the page's ganvas workers (idle workers add nothing to a
 * difference), or null when no worker has them. Only the app's own workers are asked: the
 * threaded module's thread workers (blob: URLs) sit in a blocking wait between tasks and would
 * never answer. */
export async function workerCounts(page) {
  let sum = null;
  for (const worker of page.workers().filter((w) => new URL(w.url()).pathname.endsWith(WORKER))) {
    const c = await worker.evaluate(() => (self.gpuCounts ? { ...self.gpuCounts } : null)).catch(() => null);
    if (!c) continue;
    sum = sum ? Object.fromEntries(Object.keys(c).map((k) => [k, sum[k] + c[k]])) : c;
  }
  return sum;
}

/** `after − before`, field by field (null when either is missing). */
export function delta(before, after) {
  if (!before || !after) return null;
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
}

/** One table cell: dispatches / uploads (KiB) / read-backs / submits / new pipelines. */
export function countsCell(c) {
  if (!c) return 'n/a';
  return `${c.dispatches} / ${c.uploads} (${(c.uploadBytes / 1024).toFixed(0)} KiB) / ${c.readbacks} / ${c.submits} / ${c.pipelines}`;
}

export const COUNTS_HEADER = 'dispatches / uploads (KiB) / read-backs / submits / new pipelines';
