// Accessibility of the whole page, as Chromium's accessibility tree reports it (through the
// DevTools protocol, the tree a screen reader reads): in every view every visible canvas,
// button, input, select and textarea has a non-empty accessible name; canvases are images whose
// text alternative follows what is drawn; the tabs follow the ARIA tabs pattern with the arrow
// keys; plots are drawn at their on-screen size so their text stays readable at 420 px.
// Run with the other browser tests: node --test --test-concurrency=1 tests/browser/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, sharedApp } from './harness.mjs';

const app = sharedApp();
const FASHION = 'Fashion-MNIST DCGAN-32, class-conditional';

/**
 * Every visible canvas and form control of the page with its role and accessible name as
 * computed by Chromium ({id, tag, role, name, ignored}).
 */
async function controls(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('Accessibility.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: 'canvas, button, input, select, textarea' });
    const found = [];
    for (const nodeId of nodeIds) {
      const { object } = await cdp.send('DOM.resolveNode', { nodeId });
      const { result } = await cdp.send('Runtime.callFunctionOn', {
        objectId: object.objectId,
        returnByValue: true,
        functionDeclaration: `function () {
          return { visible: this.checkVisibility({ visibilityProperty: true }), tag: this.tagName.toLowerCase(),
                   id: this.dataset.testid || this.id || this.name || this.outerHTML.slice(0, 80) };
        }`,
      });
      const { visible, tag, id } = result.value;
      if (!visible) continue;
      const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
      const ax = nodes[0];
      found.push({ id, tag, role: ax.role?.value ?? '', name: (ax.name?.value ?? '').trim(), ignored: Boolean(ax.ignored) });
    }
    return found;
  } finally {
    await cdp.detach();
  }
}

/** Asserts that every visible canvas and control in view has a name; returns them. */
async function assertAllNamed(page, view) {
  const all = await controls(page);
  const unnamed = all.filter((c) => c.ignored || !c.name);
  assert.deepEqual(unnamed, [], `${view}: without an accessible name`);
  for (const c of all.filter((c) => c.tag === 'canvas')) assert.equal(c.role, 'image', `${view}: canvas ${c.id} is an image`);
  console.log(`# ${view}: ${all.length} visible controls and canvases, all named (${all.filter((c) => c.tag === 'canvas').length} canvases)`);
  return all;
}

const nameOf = (all, id) => all.find((c) => c.id === id)?.name;

test('every canvas and control of every view has an accessible name', async () => {
  const { page, errors } = await openApp(app.browser, app.server, '?backend=cpu');

  // Sample, with a class-conditional model (the class picker shows) and a walk playing.
  await page.selectOption('[data-testid="sample-model"]', { label: FASHION });
  await page.waitForFunction(() => /from fashion-dcgan32/.test(document.querySelector('[data-testid="sample-canvas"]').getAttribute('aria-label')), null, { timeout: 120_000 });
  await page.fill('[data-testid="interp-strips"]', '2');
  await page.fill('[data-testid="interp-frames"]', '3');
  await page.click('[data-testid="interp-play"]');
  await page.waitForFunction(() => /^frame/.test(document.querySelector('[data-testid="interp-frame"]').textContent), null, { timeout: 60_000 });
  let all = await assertAllNamed(page, 'Sample');
  assert.match(nameOf(all, 'sample-truncation'), /^Truncation/);
  assert.match(nameOf(all, 'sample-class'), /^Class/);
  assert.match(nameOf(all, 'interp-canvas'), /^Latent walk of fashion-dcgan32: 2 walks side by side, each 3 frames/);
  assert.match(nameOf(all, 'sample-canvas'), /^60 samples from fashion-dcgan32/);
  await page.click('[data-testid="interp-stop"]');

  // Train, before and after a run starts (the toy preset: plots and a scatter plot).
  await page.click('[data-testid="tab-train"]');
  all = await assertAllNamed(page, 'Train (no model)');
  assert.equal(nameOf(all, 'train-loss-plot'), 'Losses: no data yet');
  await page.click('#train-toml-box summary');
  await page.click('[data-testid="train-start"]');
  await page.waitForFunction(() => /·/.test(document.querySelector('[data-testid="train-model-info"]').textContent), null, { timeout: 60_000 });
  await page.waitForFunction(() => /generated points/.test(document.querySelector('[data-testid="train-samples"]').getAttribute('aria-label') ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid="train-step"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="train-step-count"]').textContent === '1', null, { timeout: 60_000 });
  await page.waitForFunction(() => /step 1\b/.test(document.querySelector('[data-testid="train-samples"]').getAttribute('aria-label')), null, { timeout: 60_000 });
  all = await assertAllNamed(page, 'Train (toy run)');
  assert.match(nameOf(all, 'train-toml'), /TOML/);
  assert.match(nameOf(all, 'train-loss-plot'), /^Losses, steps 1 to 1: D loss -?\d.*, G loss -?\d/);
  assert.match(nameOf(all, 'train-samples'), /^Scatter plot of 512 generated points \(orange\) over 512 real points \(blue\), step 1$/);

  // Learn, once its experiment has started.
  await page.click('[data-testid="tab-learn"]');
  await page.waitForFunction(() => !document.querySelector('[data-testid="learn-play"]').disabled, null, { timeout: 120_000 });
  all = await assertAllNamed(page, 'Learn');
  assert.match(nameOf(all, 'learn-canvas'), /real points in blue, generated points in orange/);
  const description = await page.evaluate(() => document.getElementById(document.querySelector('[data-testid="learn-canvas"]').getAttribute('aria-describedby'))?.textContent);
  assert.match(description ?? '', /^Step \d+/, 'the plane is described by the live step line');

  assert.deepEqual(errors, []);
  await page.close();
});

test('the tabs: a named tab list, arrow keys, Home and End move focus and selection', async () => {
  const { page, errors } = await openApp(app.browser, app.server, '?backend=cpu');
  assert.equal(await page.getAttribute('[role="tablist"]', 'aria-label'), 'Views');
  const state = () => page.evaluate(() => ({
    focused: document.activeElement?.dataset.testid,
    selected: [...document.querySelectorAll('[role="tab"]')].filter((t) => t.getAttribute('aria-selected') === 'true').map((t) => t.dataset.tab),
    tabbable: [...document.querySelectorAll('[role="tab"]')].filter((t) => t.tabIndex === 0).map((t) => t.dataset.tab),
    shown: [...document.querySelectorAll('[role="tabpanel"]')].filter((p) => !p.hidden).map((p) => p.id),
    hash: location.hash,
  }));
  const expect = (tab) => ({ focused: `tab-${tab}`, selected: [tab], tabbable: [tab], shown: [`panel-${tab}`], hash: `#${tab}` });

  await page.focus('[data-testid="tab-sample"]');
  assert.deepEqual((await state()).tabbable, ['sample'], 'only the selected tab is in the Tab order');
  for (const [key, tab] of [['ArrowRight', 'train'], ['ArrowRight', 'learn'], ['ArrowRight', 'sample'], ['ArrowLeft', 'learn'], ['ArrowLeft', 'train'], ['Home', 'sample'], ['End', 'learn']]) {
    await page.keyboard.press(key);
    assert.deepEqual(await state(), expect(tab), `after ${key}`);
  }
  // Tab leaves the tab list for the panel (the unselected tabs are skipped).
  await page.keyboard.press('Shift+Tab');
  assert.notEqual((await state()).focused?.startsWith('tab-'), true);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the sample canvas says what it shows, and says it again after sampling another class', async () => {
  const { page, errors } = await openApp(app.browser, app.server, '?backend=cpu');
  const canvasName = async () => nameOf(await controls(page), 'sample-canvas');
  assert.match(await canvasName(), /^Scatter plot of 1000 generated points \(orange\) from toy-8gaussians at step \d+, over 1000 real points \(blue\) \(seed 1, no truncation\)$/);

  await page.selectOption('[data-testid="sample-model"]', { label: FASHION });
  await page.waitForFunction(() => /from fashion-dcgan32/.test(document.querySelector('[data-testid="sample-canvas"]').getAttribute('aria-label')), null, { timeout: 120_000 });
  await page.fill('[data-testid="sample-n"]', '64');
  await page.selectOption('[data-testid="sample-class"]', { label: 'Sneaker' });
  await page.waitForFunction(() => /Sneaker/.test(document.querySelector('[data-testid="sample-canvas"]').getAttribute('aria-label')), null, { timeout: 60_000 });
  const sneakers = await canvasName();
  assert.match(sneakers, /^64 samples of Sneaker from fashion-dcgan32 at step \d+ \(seed 1, no truncation\)$/);
  // The live region announces the same text.
  assert.equal(await page.getAttribute('[data-testid="sample-summary"]', 'aria-live'), 'polite');
  assert.equal(await page.textContent('[data-testid="sample-summary"]'), sneakers);

  await page.selectOption('[data-testid="sample-class"]', { label: 'Bag' });
  await page.waitForFunction(() => /Bag/.test(document.querySelector('[data-testid="sample-canvas"]').getAttribute('aria-label')), null, { timeout: 60_000 });
  const bags = await canvasName();
  assert.notEqual(bags, sneakers);
  assert.match(bags, /^64 samples of Bag from fashion-dcgan32/);
  assert.equal(await page.textContent('[data-testid="sample-summary"]'), bags);
  assert.deepEqual(errors, []);
  await page.close();
});

test('plots are drawn at their on-screen size: 12-px text on a 420-px screen', async () => {
  const { page, errors } = await openApp(app.browser, app.server, '?backend=cpu#learn');
  await page.setViewportSize({ width: 420, height: 800 });
  await page.waitForFunction(() => !document.querySelector('[data-testid="learn-play"]').disabled, null, { timeout: 120_000 });
  await page.click('[data-testid="learn-play"]');
  await page.waitForFunction(() => /D\(real\) [\d.]+ at step/.test(document.querySelector('[data-testid="learn-plot"]').getAttribute('aria-label')), null, { timeout: 60_000 });
  await page.click('[data-testid="learn-pause"]');
  await page.waitForTimeout(300);
  const plots = async () => page.$$eval('canvas.plot', (canvases) => canvases
    .filter((c) => c.checkVisibility())
    .map((c) => ({ id: c.dataset.testid, css: c.getBoundingClientRect().width, backing: c.width, dpr: devicePixelRatio })));
  const check = (list) => {
    assert.ok(list.length > 0);
    for (const p of list) {
      assert.ok(p.css <= 420, `${p.id}: ${p.css} px on a 420-px screen`);
      // Drawn at the on-screen size, the plot's 12-px font is 12 px on screen (not scaled down).
      assert.equal(p.backing, Math.round(p.css * p.dpr), `${p.id} drawn at its on-screen width`);
    }
  };
  check(await plots());
  await page.click('[data-testid="tab-train"]');
  await page.waitForTimeout(500);
  const train = await plots();
  check(train);
  assert.ok(train.some((p) => p.id === 'train-loss-plot'));
  // A wider window redraws them wider.
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.waitForTimeout(500);
  const wide = await plots();
  assert.ok(wide.every((p) => p.backing === Math.round(p.css * p.dpr)), 'redrawn at the new width');
  assert.ok(wide.find((p) => p.id === 'train-loss-plot').css > 420);
  assert.deepEqual(errors, []);
  await page.close();
});
