// An adapter that does not say what it is (no vendor, device or description, not flagged as a
// fallback): the page times both backends once, picks the faster, says so with the figures,
// and keeps the result for the next visit. Here the adapter is Chromium's SwiftShader with its
// info hidden, so the honest answer is the CPU.
// Run with the other browser tests: node --test --test-concurrency=1 tests/browser/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, sharedApp, waitReady } from './harness.mjs';

const app = sharedApp();

/** Hides what the adapter is, as privacy-minded browsers do. */
function hideAdapter() {
  const blank = { vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false };
  Object.defineProperty(GPUAdapter.prototype, 'info', { get: () => blank, configurable: true });
  Object.defineProperty(GPUAdapter.prototype, 'isFallbackAdapter', { get: () => false, configurable: true });
}

test('an adapter that hides what it is gets a measured choice, kept for the next visit', async () => {
  const browser = await launch();
  try {
    const { page, errors } = await openApp(browser, app.server, '#sample', { init: hideAdapter });
    const first = await page.evaluate(async () => {
      const { race, gpu, prefer } = await window.ganvas.choice;
      return { race, ambiguous: gpu.ambiguous, prefer };
    });
    assert.equal(first.ambiguous, true);
    assert.ok(first.race, 'both backends were timed');
    assert.equal(first.race.cached, false);
    assert.ok(first.race.cpuMs > 0, `CPU timed: ${first.race.cpuMs}`);
    // SwiftShader runs the shaders on the CPU: it loses (or does not finish in time).
    assert.equal(first.race.choice, 'cpu', JSON.stringify(first.race));
    assert.equal(first.prefer, 'cpu');
    const note = await page.textContent('[data-testid="backend-note"]');
    assert.match(note, /^Using the CPU: this browser does not say what its graphics adapter is, so both were timed \(16 samples: CPU \d+ ms, WebGPU (\d+ ms|did not finish in time); measured just now\)\.$/);
    assert.match(await page.textContent('[data-testid="backend-badge"]'), /CPU/);

    await page.reload();
    await waitReady(page);
    const again = await page.evaluate(async () => (await window.ganvas.choice).race);
    assert.equal(again.cached, true, 'measured once per browser');
    assert.equal(again.choice, 'cpu');
    assert.match(await page.textContent('[data-testid="backend-note"]'), /measured on an earlier visit\)\.$/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('an adapter that names itself is not timed', async () => {
  const { page } = await openApp(app.browser, app.server, '#sample');
  const { race, ambiguous } = await page.evaluate(async () => {
    const { race, gpu } = await window.ganvas.choice;
    return { race, ambiguous: gpu.ambiguous };
  });
  assert.equal(ambiguous, false);
  assert.equal(race, null);
  await page.close();
});
