// A progress line for waits: a spinner and one plain sentence, shown only when a wait lasts
// longer than half a second (shorter ones would only flicker). Several waits may overlap; the
// newest one that is due is shown.

/** Waits shorter than this show nothing. */
export const BUSY_DELAY_MS = 500;

/**
 * @param {HTMLElement} line  holds a `.busy-text` element (and the spinner, drawn by CSS)
 * @returns {{start(text: string): {say(text: string): void, rearm(text?: string): void, end(): void},
 *   during<T>(text: string, fn: () => Promise<T>): Promise<T>}}
 */
export function createBusy(line) {
  const text = line.querySelector('.busy-text');
  const waits = []; // {text, due}
  const render = () => {
    const shown = waits.filter((w) => w.due).at(-1);
    line.hidden = !shown;
    if (shown && text.textContent !== shown.text) text.textContent = shown.text;
  };

  /** A wait that shows `text` after the delay; `rearm` starts the delay again (progress came). */
  function start(initial) {
    const wait = { text: initial, due: false, timer: 0 };
    const arm = () => {
      clearTimeout(wait.timer);
      wait.timer = setTimeout(() => {
        wait.due = true;
        render();
      }, BUSY_DELAY_MS);
    };
    waits.push(wait);
    arm();
    return {
      say(next) {
        wait.text = next;
        render();
      },
      rearm(next = wait.text) {
        wait.text = next;
        wait.due = false;
        arm();
        render();
      },
      end() {
        clearTimeout(wait.timer);
        const i = waits.indexOf(wait);
        if (i >= 0) waits.splice(i, 1);
        render();
      },
    };
  }

  async function during(initial, fn) {
    const wait = start(initial);
    try {
      return await fn(wait);
    } finally {
      wait.end();
    }
  }

  return { start, during };
}
