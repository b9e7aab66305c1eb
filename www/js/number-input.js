// Number fields with limits: a value outside them is replaced by the nearest allowed one, the
// field shows the value in use, and a short note beside the field says why ("at most 10000").
// Nothing is clamped silently.

/**
 * The value of `input` within its limits; when it had to change, the field is rewritten and a
 * note appears after it. The note stays until the user edits the field again (see
 * `clampOnChange`), so reading the clamped value later does not hide why it is so.
 * @param {HTMLInputElement} input
 * @param {{min?: number, max?: number, integer?: boolean, fallback: number, why?: string}} limits
 *   `why` is added to the note for a value over `max` (e.g. "to keep the page responsive")
 */
export function readNumber(input, { min = -Infinity, max = Infinity, integer = false, fallback, why = '' }) {
  const raw = input.value.trim();
  const number = Number(raw);
  let value = number;
  let note = '';
  if (raw === '' || !Number.isFinite(number)) {
    value = fallback;
    note = `a number is needed, so ${fallback} is used`;
  } else {
    if (integer && !Number.isInteger(value)) {
      value = Math.round(value);
      note = 'a whole number';
    }
    if (value > max) {
      value = max;
      note = `at most ${max}${why ? ` ${why}` : ''}`;
    } else if (value < min) {
      value = min;
      note = `at least ${min}`;
    }
  }
  if (value !== number || raw !== String(number)) input.value = String(value);
  if (note) {
    showNote(input, note);
    input.dataset.clamped = input.value;
  }
  return value;
}

/** Re-reads `input` whenever the user changes it, so the clamped value shows at once. */
export function clampOnChange(input, limits) {
  input.addEventListener('change', () => {
    forgetNote(input);
    readNumber(input, limits);
  });
}

/**
 * The user edited `input`: its old note no longer applies. (Browsers also fire `change` when
 * a field whose value the page rewrote loses focus; the note of that value stays.)
 */
export function forgetNote(input) {
  if (input.dataset.clamped !== undefined && input.value === input.dataset.clamped) return;
  delete input.dataset.clamped;
  showNote(input, '');
}

/** The note after `input` ('' removes it). */
export function showNote(input, text) {
  let note = input.nextElementSibling?.classList.contains('clamp-note') ? input.nextElementSibling : null;
  if (!text) {
    note?.remove();
    input.removeAttribute('aria-describedby');
    return;
  }
  if (!note) {
    note = document.createElement('span');
    note.className = 'clamp-note';
    note.setAttribute('role', 'status');
    note.id = `${input.id || input.name}-note`;
    if (input.dataset.testid) note.dataset.testid = `${input.dataset.testid}-note`;
    input.after(note);
  }
  note.textContent = text;
  input.setAttribute('aria-describedby', note.id);
}
