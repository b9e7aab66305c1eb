// The page's error area: every failed call lands here as a dismissible message, so a failure
// never leaves the page half-broken or silent.

const area = () => document.getElementById('errors');

/** Shows `error` (an Error or a string), prefixed by what was being done. */
export function showError(error, doing = '') {
  const message = error?.message ?? String(error);
  console.error(doing || 'ganvas', error);
  const item = document.createElement('div');
  item.className = 'error';
  item.dataset.testid = 'error-message';
  item.setAttribute('role', 'alert');
  const text = document.createElement('span');
  text.textContent = doing ? `${doing}: ${message}` : message;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'error-close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.onclick = () => item.remove();
  item.append(text, close);
  area().append(item);
  // Keep the newest few: a loop failing repeatedly must not flood the page.
  while (area().children.length > 5) area().firstElementChild.remove();
}

/** Runs `fn` and reports (instead of throwing) any failure; returns its value or undefined. */
export async function reporting(doing, fn) {
  try {
    return await fn();
  } catch (e) {
    showError(e, doing);
    return undefined;
  }
}

/** Reports errors nobody caught (a bug in the page, not in a call). */
export function catchStrays() {
  window.addEventListener('error', (e) => showError(e.error ?? e.message, 'Unexpected error'));
  window.addEventListener('unhandledrejection', (e) => showError(e.reason, 'Unexpected error'));
}
