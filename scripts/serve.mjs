// A tiny static file server for the browser tests and for trying the page locally: serves the
// repository root (so /www/ and /pkg/ are both reachable) on 127.0.0.1. No dependencies.
//
//   node tests/browser/serve.mjs [--port 8080]     (port 0 picks a free one; PORT=… works too)
//
// prints the page's URL, e.g. http://127.0.0.1:8080/www/ . From a test:
//
//   import { startServer } from './serve.mjs';
//   const server = await startServer(root, 0);   // server.url = 'http://127.0.0.1:<port>'
//   … server.close();

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

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
};

function send(response, status, text) {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  response.end(`${text}\n`);
}

/** The Inception-v3 weights converted by scripts/inception/setup.sh live outside the repository
 * (87 MB, never committed); the page's "from this server" button fetches them here. */
const INCEPTION_ROUTE = '/inception-2015-12-05.safetensors';
const INCEPTION_FILE = join(process.env.HOME ?? '', '.cache/ganvas/inception-2015-12-05.safetensors');

async function serveInception(request, response) {
  let info;
  try {
    info = await stat(INCEPTION_FILE);
  } catch {
    return send(response, 404, `no Inception weights at ${INCEPTION_FILE}: run bash scripts/inception/setup.sh once`);
  }
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': info.size, 'cache-control': 'no-store' });
  if (request.method === 'HEAD') return response.end();
  createReadStream(INCEPTION_FILE).pipe(response);
}

/** Serves the files under `root`. */
function handler(root) {
  return async (request, response) => {
    let path;
    try {
      path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    } catch {
      return send(response, 400, 'bad request');
    }
    if (path === '/') {
      response.writeHead(302, { location: '/www/' });
      return response.end();
    }
    if (path === INCEPTION_ROUTE) return serveInception(request, response);
    // Resolve inside root only (no ../ escapes).
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) return send(response, 403, 'forbidden');
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        if (!path.endsWith('/')) {
          response.writeHead(301, { location: `${path}/` });
          return response.end();
        }
        file = join(file, 'index.html');
        info = await stat(file);
      }
      response.writeHead(200, {
        'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-store', // tests must see freshly built pkg/ files
      });
      if (request.method === 'HEAD') return response.end();
      createReadStream(file).pipe(response);
    } catch {
      send(response, 404, `not found: ${path}`);
    }
  };
}

/**
 * Starts serving `root` on 127.0.0.1:`port` (0 = any free port).
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>}  `url` has no
 *   trailing slash: http://127.0.0.1:<port>
 */
export function startServer(root = ROOT, port = 0) {
  const server = createServer(handler(resolve(root)));
  return new Promise((ready, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const actual = server.address().port;
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

// Run as a program (not imported): serve the repository until interrupted.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--port');
  const port = Number(at >= 0 ? process.argv[at + 1] : (process.env.PORT ?? 8080));
  const server = await startServer(ROOT, port);
  console.log(`${server.url}/www/`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close().then(() => process.exit(0)));
}
