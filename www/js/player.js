// The play / pause loop shared by the Train and Learn views.

/**
 * Repeats `round(signal)` while playing. `stop()` aborts the round in flight (the worker stops
 * between chunks) and waits for the loop to end. `onChange` runs whenever playing starts or
 * stops; an error in a round stops the loop and goes to `onError`.
 */
export function createPlayer({ round, onError, onChange }) {
  let playing = false;
  let loop = null; // promise of the running loop
  let controller = null; // aborts the current round
  return {
    get playing() {
      return playing;
    },
    play() {
      if (playing) return;
      playing = true;
      onChange();
      loop = (async () => {
        try {
          while (playing) {
            controller = new AbortController();
            const { signal } = controller;
            await round(signal);
            if (signal.aborted) break;
          }
        } catch (e) {
          onError(e);
        } finally {
          playing = false;
          controller = null;
          onChange();
        }
      })();
    },
    async stop() {
      playing = false;
      controller?.abort();
      await loop;
    },
  };
}
