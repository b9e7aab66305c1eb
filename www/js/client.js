// Main-thread side of the worker protocol (see worker.js and www/README.md): one promise per
// call, an optional progress callback, and cancellation through an AbortSignal.

export class Client {
  /** @param {string} name  shown in error messages ("sample", "train", …) */
  constructor(name = 'ganvas') {
    this.name = name;
    this.nextId = 1;
    this.pending = new Map(); // id → {resolve, reject, onProgress}
    this.broken = null; // set once the worker is unusable; later calls reject at once
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name });
    this.worker.onmessage = ({ data }) => this.receive(data);
    // A worker that fails to load or throws outside a call: fail every open call.
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.failAll(`the ${name} worker failed: ${event.message || 'it could not be started'}`);
    };
    this.worker.onmessageerror = () => this.failAll(`the ${name} worker sent a message that could not be read`);
  }

  /** Calls `method(...args)` in the worker; resolves to its result. */
  call(method, ...args) {
    return this.request(method, args);
  }

  /**
   * `call` with options.
   * @param {string} method
   * @param {any[]} args
   * @param {{onProgress?: (value: any) => void, signal?: AbortSignal, transfer?: Transferable[]}} options
   *   `transfer` hands buffers over without copying (they become unusable here);
   *   aborting `signal` asks the worker to stop at its next checkpoint (train stops between
   *   chunks and resolves with the steps done so far).
   */
  request(method, args = [], { onProgress, signal, transfer = [] } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.broken) return reject(new Error(this.broken));
      this.pending.set(id, { resolve, reject, onProgress });
      if (signal) {
        const abort = () => this.pending.has(id) && this.worker.postMessage({ type: 'abort', id });
        if (signal.aborted) queueMicrotask(abort);
        else signal.addEventListener('abort', abort, { once: true });
      }
      this.worker.postMessage({ id, method, args }, transfer);
    });
  }

  receive({ id, type, value, message }) {
    const call = this.pending.get(id);
    if (!call) return;
    if (type === 'progress') {
      call.onProgress?.(value);
      return;
    }
    this.pending.delete(id);
    if (type === 'result') call.resolve(value);
    else call.reject(new Error(message));
  }

  failAll(message) {
    this.broken = message;
    for (const call of this.pending.values()) call.reject(new Error(message));
    this.pending.clear();
  }

  terminate() {
    this.worker.terminate();
    this.failAll(`the ${this.name} worker was stopped`);
  }
}
