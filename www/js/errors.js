// The page's error area: every failed call lands here as one plain sentence (see messages.js)
// with a close button, so a failure never leaves the page half-broken or silent.
//
// Each message belongs to a scope — a view ('sample', 'train', 'learn') or 'page' — and is
// shown while that view is open ('page' ones always). When an action of a view succeeds, the
// messages of that view from before the action are removed: they are out of date. A message
// equal to one already shown replaces it, and only the newest few are kept.

import { sentence } from './messages.js';

/** Messages kept at most (the oldest go first). */
const MAX_MESSAGES = 4;

const area = () => document.getElementById('errors');
let serial = 0; // numbers the messages, so "from before the action" is a comparison
let openView = null; // the scope shown besides 'page'; null = all

const items = () => [...area().children];

/** Hides the messages of views that are not open, and the area when nothing is left. */
function refresh() {
  let visible = 0;
  for (const item of items()) {
    item.hidden = openView !== null && item.dataset.scope !== 'page' && item.dataset.scope !== openView;
    if (!item.hidden) visible++;
  }
  area().hidden = visible === 0;
}

/** Shows `error` (an Error or a string), prefixed by what was being done, in `scope`. */
export function showError(error, doing = '', scope = 'page') {
  console.error(doing || 'ganvas', error);
  const text = sentence(error, doing);
  for (const old of items()) if (old.dataset.text === text) old.remove();

  const item = document.createElement('div');
  item.className = 'error';
  item.dataset.testid = 'error-message';
  item.dataset.scope = scope;
  item.dataset.serial = String(++serial);
  item.dataset.text = text;
  item.setAttribute('role', 'alert');
  const message = document.createElement('span');
  message.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'error-close';
  close.dataset.testid = 'error-close';
  close.setAttribute('aria-label', 'Dismiss this message');
  close.title = 'Dismiss';
  close.textContent = '×';
  close.onclick = () => {
    item.remove();
    refresh();
  };
  item.append(message, close);
  area().append(item);
  // Keep the newest few: a loop failing repeatedly must not flood the page.
  while (area().children.length > MAX_MESSAGES) area().firstElementChild.remove();
  refresh();
}

/** Removes the messages of `scope` numbered up to `upTo` (all of them by default). */
export function clearErrors(scope, upTo = serial) {
  for (const item of items()) {
    if (item.dataset.scope === scope && Number(item.dataset.serial) <= upTo) item.remove();
  }
  refresh();
}

/**
 * Runs `fn` and reports (instead of throwing) any failure in `scope`; returns its value or
 * undefined. On success the scope's earlier messages go (those shown while `fn` ran stay:
 * they come from a part of it that failed).
 */
export async function reporting(doing, fn, scope = 'page') {
  const before = serial;
  try {
    const value = await fn();
    clearErrors(scope, before);
    return value;
  } catch (e) {
    showError(e, doing, scope);
    return undefined;
  }
}

/** `showError`, `reporting` and `clearErrors` bound to one view's scope. */
export function errorsFor(scope) {
  return {
    show: (error, doing = '') => showError(error, doing, scope),
    run: (doing, fn) => reporting(doing, fn, scope),
    clear: () => clearErrors(scope),
  };
}

/** Shows the messages of `view` (and the page's), hides the other views' until they are open. */
export function showScope(view) {
  openView = view;
  refresh();
}

/** Reports errors nobody caught (a bug in the page, not in a call). */
export function catchStrays() {
  window.addEventListener('error', (e) => showError(e.error ?? e.message, 'Unexpected error'));
  window.addEventListener('unhandledrejection', (e) => showError(e.reason, 'Unexpected error'));
}
