// The static server (scripts/serve.mjs) serves the app and nothing else: run with
//   node --test tests/browser/serve.test.mjs
// (scripts/test.sh runs every test file in tests/browser/). No browser needed: requests are
// made with node:http so that the Host header can be forged as a DNS-rebinding page would.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { gunzipSync, gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSP, ISOLATION, startServer } from '../../scripts/serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const root = mkdtempSync(join(tmpdir(), 'ganvas-serve-'));
let server;

before(async () => {
  for (const dir of ['www/js', 'www/models', 'pkg', 'data/fashion-mnist', '.git', 'bench']) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  writeFileSync(join(root, 'www/index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'www/js/main.js'), 'export {};');
  writeFileSync(join(root, 'www/models/m.safetensors'), Buffer.alloc(64, 7));
  writeFileSync(join(root, 'www/.hidden'), 'dotfile');
  writeFileSync(join(root, 'pkg/ganvas_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(join(root, 'pkg/ganvas_bg.wasm.gz'), gzipSync(Buffer.from([0, 0x61, 0x73, 0x6d])));
  // A pre-compressed copy older than its file (a stale build) must not be served.
  writeFileSync(join(root, 'www/js/main.js.gz'), gzipSync('export const stale = 1;'));
  utimesSync(join(root, 'www/js/main.js.gz'), new Date(2000, 0, 1), new Date(2000, 0, 1));
  writeFileSync(join(root, 'data/fashion-mnist/t10k-labels-idx1-ubyte.gz'), 'gz');
  writeFileSync(join(root, 'Cargo.toml'), '[workspace]');
  writeFileSync(join(root, '.git/config'), '[core]');
  writeFileSync(join(root, 'bench/peers.html'), 'bench page');
  writeFileSync(join(root, 'secret.txt'), 'outside the served folders');
  symlinkSync(join(root, 'secret.txt'), join(root, 'www/escape.txt'));
  symlinkSync(join(root, '.git'), join(root, 'www/gitdir'));
  symlinkSync('index.html', join(root, 'www/inside.html'));
  execFileSync('mkfifo', [join(root, 'www/fifo.js')]);
  server = await startServer(root, 0);
});

after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The page is cross-origin isolated only when every response carries COOP and COEP. */
function assertIsolated(res, what) {
  assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', what);
  assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp', what);
}

/** One raw request; `host` overrides the Host header. Resolves {status, headers, body}. */
function get(path, { method = 'GET', host, headers = {} } = {}) {
  return new Promise((done, fail) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method, headers: { host: host ?? `127.0.0.1:${server.port}`, ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          done({ status: res.statusCode, headers: res.headers, body: raw.toString(), raw });
        });
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', fail);
    req.end();
  });
}

test('the app folders are served with nosniff, the CSP and revalidating cache headers', async () => {
  for (const path of ['/www/index.html', '/www/', '/www/js/main.js', '/www/models/m.safetensors', '/pkg/ganvas_bg.wasm',
    '/data/fashion-mnist/t10k-labels-idx1-ubyte.gz', '/www/inside.html']) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
    assert.equal(res.headers['content-security-policy'], CSP, path);
    assert.equal(res.headers['cache-control'], 'no-cache', path);
    assert.ok(res.headers.etag, path);
    assertIsolated(res, path);
  }
  const wasm = await get('/pkg/ganvas_bg.wasm');
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.deepEqual(ISOLATION, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
  const again = await get('/pkg/ganvas_bg.wasm', { headers: { 'if-none-match': wasm.headers.etag } });
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
  assertIsolated(again, '304');
  // Refusals and redirects too: the policies hold whatever the page gets.
  for (const path of ['/Cargo.toml', '/']) assertIsolated(await get(path), path);
  const head = await get('/www/models/m.safetensors', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '64');
  assert.equal(head.body, '');
});

test('the CSP allows WebAssembly and module workers but no inline or foreign code', () => {
  assert.match(CSP, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.match(CSP, /worker-src 'self' blob:(;|$)/); // blob: for the threaded module's thread workers
  assert.match(CSP, /connect-src 'self'(;|$)/);
  assert.match(CSP, /default-src 'none'/);
  assert.doesNotMatch(CSP, /'unsafe-inline'|'unsafe-eval'|\*/);
  // The real page must work under it: no inline script, style or event handler.
  const html = readFileSync(join(repo, 'www/index.html'), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i);
});

test('nothing outside www/, pkg/ and data/ is served', async () => {
  for (const path of ['/Cargo.toml', '/.git/config', '/www/.hidden', '/secret.txt', '/bench/peers.html',
    '/www/%2e%2e/Cargo.toml', '/www/..%2fCargo.toml', '/www/escape.txt', '/www/gitdir/config', '/www/js']) {
    const res = await get(path);
    assert.equal(res.status, 404, `${path}: ${res.status} ${res.body}`);
    assert.equal(res.headers.location, undefined, path);
  }
});

test('a FIFO does not block the server', async () => {
  const res = await get('/www/fifo.js');
  assert.equal(res.status, 404);
  assert.equal((await get('/www/index.html')).status, 200);
});

test('only GET and HEAD are answered', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const res = await get('/www/index.html', { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.allow, 'GET, HEAD');
  }
});

test('a foreign Host header is refused (DNS rebinding)', async () => {
  for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, 'localhost', '127.0.0.1']) {
    const res = await get('/www/index.html', { host });
    assert.equal(res.status, 403, host);
  }
  assert.equal((await get('/www/index.html', { host: `localhost:${server.port}` })).status, 200);
});

test('no redirect is built from the path', async () => {
  const root = await get('/');
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, '/www/');
  for (const path of ['/%2f%2fevil.example%2f..%2fwww', '//evil.example/..%2fwww', '/www/js', '/%5c%5cevil.example']) {
    const res = await get(path);
    assert.equal(res.headers.location, undefined, `${path}: ${res.status}`);
    assert.notEqual(Math.floor(res.status / 100), 3, path);
  }
});

test('extra folders are opt-in and get no CSP, but are isolated', async () => {
  const bench = await startServer(root, 0, { extraDirs: ['bench'] });
  try {
    const res = await fetch(`${bench.url}/bench/peers.html`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'bench page');
    assert.equal(res.headers.get('content-security-policy'), null);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    // Isolated too: the peers' threaded wasm needs SharedArrayBuffer.
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
  } finally {
    await bench.close();
  }
});

test('a bad --port is one clear error line', () => {
  const script = join(repo, 'scripts/serve.mjs');
  for (const args of [['--port', 'x'], ['--port', '70000'], ['--port']]) {
    const run = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 1, `${args}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /^error: --port /);
  }
});

test('the wasm goes pre-compressed to browsers that accept gzip, plain to others; a stale copy never', async () => {
  const zipped = await get('/pkg/ganvas_bg.wasm', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  assert.equal(zipped.status, 200);
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.equal(zipped.headers['content-type'], 'application/wasm');
  assert.equal(zipped.headers.vary, 'accept-encoding');
  assert.deepEqual([...gunzipSync(zipped.raw)], [0, 0x61, 0x73, 0x6d]);
  const plain = await get('/pkg/ganvas_bg.wasm');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.deepEqual([...plain.raw], [0, 0x61, 0x73, 0x6d]);
  assert.notEqual(plain.headers.etag, zipped.headers.etag, 'each encoding has its own validator');
  const refused = await get('/pkg/ganvas_bg.wasm', { headers: { 'accept-encoding': 'gzip;q=0' } });
  assert.equal(refused.headers['content-encoding'], undefined);
  const again = await get('/pkg/ganvas_bg.wasm', { headers: { 'accept-encoding': 'gzip', 'if-none-match': zipped.headers.etag } });
  assert.equal(again.status, 304);
  const stale = await get('/www/js/main.js', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(stale.headers['content-encoding'], undefined);
  assert.equal(stale.body, 'export {};');
});
