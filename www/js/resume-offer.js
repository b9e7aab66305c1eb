// The offer shown on load when the Train tab autosaved a run before the page was closed or
// reloaded: one sentence, Resume and Discard. A damaged or foreign record gets one sentence
// and only Discard; the rest of the page is not affected either way.

import { discardRun, readRun } from './autosave-store.js';
import { showError } from './errors.js';
import { count } from './plural.js';

const $ = (id) => document.getElementById(id);

/** "3 minutes ago", "yesterday"… from a time in ms since the epoch. */
export function ago(then, now = Date.now()) {
  const minutes = Math.round((now - then) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${count(minutes, 'minute')} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${count(hours, 'hour')} ago`;
  return `${count(Math.round(hours / 24), 'day')} ago`;
}

export function hideResumeOffer() {
  $('resume-offer').hidden = true;
}

/**
 * Looks for an autosaved run and offers it. `resume(record)` restores it (and rejects with the
 * reason when it cannot: the offer then stays, so the record can still be discarded).
 * Resolves to what was found: 'run', 'damaged' or null.
 */
export async function offerResume(resume) {
  let found;
  try {
    found = await readRun();
  } catch (e) {
    console.warn('ganvas: no autosave storage', e);
    return null; // no storage at all: the Train tab says so when it first tries to save
  }
  if (!found) return null;
  const box = $('resume-offer');
  const text = $('resume-text');
  const yes = $('resume-yes');
  const no = $('resume-discard');
  if (found.damaged) {
    text.textContent = 'An autosaved training run was found but cannot be read (it is damaged or was written by another version of this page); Discard removes it.';
    yes.hidden = true;
  } else {
    const { record } = found;
    text.textContent = `Your training run “${record.name}” on ${record.data.title} was autosaved ${ago(record.savedAt)} ` +
      `at step ${record.step.toLocaleString('en-US')}; resume it in the Train tab?`;
    yes.hidden = false;
  }
  box.hidden = false;
  yes.onclick = async () => {
    yes.disabled = true;
    no.disabled = true;
    try {
      await resume(found.record);
      hideResumeOffer();
    } catch (e) {
      showError(e, 'The autosaved run could not be restored', 'train');
    } finally {
      yes.disabled = false;
      no.disabled = false;
    }
  };
  no.onclick = async () => {
    try {
      await discardRun();
      hideResumeOffer();
    } catch (e) {
      showError(e, 'The autosaved run could not be removed');
    }
  };
  return found.damaged ? 'damaged' : 'run';
}
