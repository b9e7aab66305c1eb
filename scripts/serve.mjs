// A tiny static file server for the browser tests and for trying the page locally, on
// 127.0.0.1 only. No dependencies.
//
//   node scripts/serve.mjs [--port 8080]     (port 0 picks a free one; PORT=… works too)
//
// prints the page's URL, e.g. http://127.0.0.1:8080/www/ . From a test:
//
//   import { startServer } from './serve.mjs';
//   const server = await startServer(root, 0);   // server.url = 'http://127.0.0.1:<port>'
//   … server.close();
//
// What it serves, and nothing else (tests/browser/serve.test.mjs checks each rule):
// - regular files under www/, pkg/ and data/ (plus `extraDirs`, e.g. bench/ for the
//   benchmark pages), and the Inception weights at /inception-2015-12-05.safetensors;
//   never a dotfile, never a symlink that leads out of those folders, never a FIFO or device;
// - to GET and HEAD only (405 otherwise), and only when the Host header names this server
//   (127.0.0.1:<port> or localhost:<port>), so a page on another domain that rebinds its DNS
//   to 127.0.0.1 gets 403;
// - with one redirect, `/` and `/www` → `/www/` (a fixed target, never built from the path);
// - with `X-Content-Type-Options: nosniff`, a Content-Security-Policy that allows only what the
//   app uses (its own scripts, module workers, WebAssembly, fetches to this server, blob:/data:
//   images), and `Cache-Control: no-cache` plus an ETag: the browser keeps the models and the
//   wasm and revalidates them with a 304, so a rebuilt pkg/ is still seen at once;
// - with COOP `same-origin` and COEP `require-corp` on every response (extra folders too), so
//   the page is cross-origin isolated (`crossOriginIsolated`, SharedArrayBuffer).

import { createServer } from 'node:http';
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Top-level folders served to the app. */
export const SERVED_DIRS = ['www', 'pkg', 'data'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm', // required by WebAssembly.instantiateStreaming
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.md': 'text/markdown; charset=utf-8',
  '.toml': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip',
};

/** What the page needs: its own scripts and module workers, WebAssembly compilation
 * ('wasm-unsafe-eval', not 'unsafe-eval'), fetches to this server (models, data, pkg/,
 * Inception weights), images from blob:/data: URLs (the favicon is `data:,`), its own CSS.
 * Workers may also start from blob: URLs: the threaded module's thread workers are its own
 * helper script (pkg/threads/snippets/, fetched from this server) started from a blob, as
 * wasm-bindgen-rayon's no-bundler build does; only the page's own scripts can make a blob. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Cross-origin isolation: the page (and every worker, whose script response must carry the
 * same policy) may then use SharedArrayBuffer, which threaded WebAssembly needs (onnxruntime-web's
 * threads in the benchmark page, ganvas's threaded module in pkg/threads/). Everything the app
 * loads is from this server, so `require-corp` blocks nothing it uses. */
export const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

const COMMON = { 'x-content-type-options': 'nosniff', 'content-security-policy': CSP, ...ISOLATION };

function send(response, status, text, extra = {}) {
  response.writeHead(status, {
    ...COMMON,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...extra,
  });
  response.end(`${text}\n`);
}

/** The Inception-v3 weights converted by scripts/inception/setup.sh live outside the repository
 * (87 MB, never committed); the page's "from this server" button fetches them here. */
const INCEPTION_ROUTE = '/inception-2015-12-05.safetensors';
const INCEPTION_FILE = join(process.env.HOME ?? '', '.cache/ganvas/inception-2015-12-05.safetensors');

/** Opens the regular file at `file` (without following a final symlink and without blocking
 * on a FIFO; checked as a regular file on the open handle, so it cannot be swapped between the
 * check and the read). Returns the handle and its stat, or null when it is not one. */
async function openRegular(file) {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const info = await handle.stat();
    if (info.isFile()) return { handle, info };
  } catch {
    // fall through: not servable
  }
  await handle.close().catch(() => {});
  return null;
}

/** Whether the request's Accept-Encoding takes gzip (and does not refuse it with q=0). */
function acceptsGzip(request) {
  return (request.headers['accept-encoding'] ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';').map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    return coding === 'gzip' && !(q && Number(q.slice(2)) === 0);
  });
}

/** Sends the regular file at `file`, or its pre-compressed `file.gz` (made by
 * scripts/build-web.sh) when the browser accepts gzip and the copy is not older than the file.
 * Returns false when `file` is not a regular file. */
async function sendFile(request, response, file, csp = true) {
  const plain = await openRegular(file);
  if (!plain) return false;
  let { handle, info } = plain;
  let encoding = null;
  const compressed = acceptsGzip(request) ? await openRegular(`${file}.gz`) : null;
  if (compressed && compressed.info.mtimeMs >= info.mtimeMs) {
    await handle.close();
    ({ handle, info } = compressed);
    encoding = 'gzip';
  } else if (compressed) {
    await compressed.handle.close();
  }
  try {
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}${encoding ? '-gz' : ''}"`;
    const headers = {
      ...(csp ? COMMON : { 'x-content-type-options': 'nosniff', ...ISOLATION }),
      'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      etag,
      'last-modified': info.mtime.toUTCString(),
      vary: 'accept-encoding',
      ...(encoding ? { 'content-encoding': encoding } : {}),
    };
    if (request.headers['if-none-match'] === etag) {
      await handle.close();
      response.writeHead(304, headers);
      response.end();
      return true;
    }
    response.writeHead(200, { ...headers, 'content-length': info.size });
    if (request.method === 'HEAD') {
      await handle.close();
      response.end();
      return true;
    }
    handle.createReadStream().pipe(response);
    return true;
  } catch {
    await handle.close().catch(() => {});
    return false;
  }
}

/** Whether `host` (the Host header) names this server on `port`. */
function hostAllowed(host, port) {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** Serves the allowed folders under `root`. */
function handler(root, dirs, port) {
  const allowed = new Set(dirs);
  return async (request, response) => {
    if (!hostAllowed(request.headers.host, port())) {
      return send(response, 403, 'forbidden: the Host header must be this server (127.0.0.1 or localhost)');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, 'method not allowed', { allow: 'GET, HEAD' });
    }
    let path;
    try {
      path = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname);
    } catch {
      return send(response, 400, 'bad request');
    }
    if (path === '/' || path === '/www') {
      response.writeHead(302, { ...COMMON, location: '/www/' });
      return response.end();
    }
    if (path === INCEPTION_ROUTE) {
      if (await sendFile(request, response, INCEPTION_FILE)) return;
      return send(response, 404, `no Inception weights at ${INCEPTION_FILE}: run bash scripts/inception/setup.sh once`);
    }
    const parts = path.split('/').filter((p) => p !== '');
    const bad = parts.some((p) => p.startsWith('.') || p.includes('\\') || p.includes('\0'));
    if (bad || parts.length === 0 || !allowed.has(parts[0])) return send(response, 404, 'not found');
    if (path.endsWith('/')) parts.push('index.html');
    // Resolve symlinks, then require the real file to lie inside the real served folder.
    let base, file;
    try {
      base = await realpath(join(root, parts[0]));
      file = await realpath(join(root, ...parts));
    } catch {
      return send(response, 404, 'not found');
    }
    if (!file.startsWith(base + sep)) return send(response, 404, 'not found');
    // Extra folders (the benchmark pages load peers' bundles) get no CSP; the app's do.
    if (await sendFile(request, response, file, SERVED_DIRS.includes(parts[0]))) return;
    send(response, 404, 'not found');
  };
}

/**
 * Starts serving `root` on 127.0.0.1:`port` (0 = any free port).
 * @param {{extraDirs?: string[]}} options  `extraDirs`: top-level folders served besides
 *   www/, pkg/ and data/ (the benchmark pages pass ['bench']; served without the CSP).
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>}  `url` has no
 *   trailing slash: http://127.0.0.1:<port>
 */
export function startServer(root = ROOT, port = 0, options = {}) {
  let actual = port;
  const dirs = [...SERVED_DIRS, ...(options.extraDirs ?? [])];
  const server = createServer(handler(resolve(root), dirs, () => actual));
  return new Promise((ready, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      actual = server.address().port;
      ready({
        url: `http://127.0.0.1:${actual}`,
        port: actual,
        // Open keep-alive connections would hold close() back until they time out.
        close: () => new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

/** The port from `--port N` or PORT, or an error message naming the bad value. */
export function parsePort(argv, env) {
  const at = argv.indexOf('--port');
  if (at >= 0 && at + 1 >= argv.length) return { error: '--port needs a value (0–65535; 0 = any free port)' };
  const [name, raw] = at >= 0 ? ['--port', argv[at + 1]] : ['PORT', env.PORT ?? '8080'];
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    return { error: `${name} must be a port number 0–65535, got ${JSON.stringify(raw)}` };
  }
  return { port: Number(raw) };
}

// Run as a program (not imported): serve until interrupted.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { port, error } = parsePort(process.argv.slice(2), process.env);
  if (error) {
    console.error(`error: ${error}`);
    process.exit(1);
  }
  let server;
  try {
    server = await startServer(ROOT, port);
  } catch (e) {
    console.error(`error: cannot listen on 127.0.0.1:${port}: ${e.code ?? e.message}`);
    process.exit(1);
  }
  console.log(`${server.url}/www/`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close().then(() => process.exit(0)));
}
