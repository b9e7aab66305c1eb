// Accessibility helpers shared by the views: text alternatives for canvases, kept current as
// they are drawn, and the keyboard side of the ARIA tabs pattern.

/**
 * Gives `canvas` the text alternative `text` (what is drawn on it now): it becomes an image
 * whose accessible name is the text. When the canvas names a live region in `data-live` (an
 * element id), the text goes there too, so a screen reader announces the new picture.
 */
export function describeCanvas(canvas, text) {
  if (canvas.getAttribute('role') !== 'img') canvas.setAttribute('role', 'img');
  if (canvas.getAttribute('aria-label') !== text) canvas.setAttribute('aria-label', text);
  const live = canvas.dataset.live && document.getElementById(canvas.dataset.live);
  if (live && live.textContent !== text) live.textContent = text;
}

/** `n thing(s)`: "1 image", "64 images". */
export const count = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The keyboard of a tab list (WAI-ARIA Authoring Practices, tabs with automatic activation):
 * Left / Right move to the previous / next tab (wrapping), Home / End to the first / last; the
 * tab reached gets the focus and is selected at once (`select(tab)`). Only the selected tab is
 * in the Tab order (roving tabindex: `markSelected` keeps that up to date).
 */
export function tabKeyboard(tablist, select) {
  const tabs = () => [...tablist.querySelectorAll('[role="tab"]')];
  tablist.addEventListener('keydown', (e) => {
    const all = tabs();
    const i = all.indexOf(document.activeElement);
    if (i < 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    const target = {
      ArrowRight: all[(i + 1) % all.length],
      ArrowLeft: all[(i - 1 + all.length) % all.length],
      Home: all[0],
      End: all.at(-1),
    }[e.key];
    if (!target) return;
    e.preventDefault();
    target.focus();
    select(target);
  });
}

/** Marks `selected` as the selected tab of its list (aria-selected, roving tabindex). */
export function markSelected(tabs, selected) {
  for (const tab of tabs) {
    const on = tab === selected;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
  }
}
