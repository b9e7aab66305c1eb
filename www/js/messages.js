// Every message the page shows passes through here: one plain sentence, never Rust debug text.
// The wasm's own errors are mostly sentences already ("sample: n = … exceeds the limit of …");
// the rules below translate the known ones that are not, and `clean` cuts off what is left of
// debug output (`Some("…")`, `WgpuDevice { kind: … }`, `HeaderTooLarge`) in any other text.
// The full original text always goes to the browser console.

/** Known texts (tested against the original message) → what the page says instead. */
const RULES = [
  [/not a safetensors file/i,
    'the file is not a safetensors checkpoint (it may be damaged, or a different kind of file)'],
  [/not a ganvas checkpoint/i,
    'the file is a safetensors file but not a ganvas checkpoint (those are written by `ganvas train` or the Train tab)'],
  [/No adapter available|No suitable graphics adapter|WebGPU is not available|requestAdapter/i,
    'WebGPU could not start in this browser'],
  [/recursive use of an object/i,
    'the model was asked for two things at once; please try again'],
  [/WebAssembly module crashed|RuntimeError|unreachable executed|^unreachable$/i,
    'the WebAssembly module crashed; reload the page to go on (the details are in the browser console)'],
  [/out of memory|memory access out of bounds|Array buffer allocation failed/i,
    'the browser ran out of memory for this; ask for fewer images or use a smaller model'],
  [/could not fetch (\S+): (Failed to fetch|NetworkError|Load failed)/i,
    (m) => `${m[1]} could not be downloaded (is the page's server still running?)`],
];

/** Marks of debug output rather than prose. */
const DEBUG = [
  /\b(?:Some|Ok|Err)\(/, // Option / Result debug
  /\bNone\b/,
  /\b[A-Z]\w*\s*\{\s*\w+\s*:/, // a struct's debug: `WgpuDevice { kind: …`
  /\{\s*\w+\s*:\s/, // `{ kind: …`
  /::/, // Rust paths
  /\bpanicked at\b/,
  // Enum variants and type names: HeaderTooLarge, or InvalidOffset( / DefaultDevice { with two
  // humps (a file name such as "MyPhoto" alone is not flagged).
  /\b[A-Z][a-z]+(?:[A-Z][a-z0-9]+){2,}\b/,
  /\b[A-Z][a-z]+(?:[A-Z][a-z0-9]+)+\s*[({]/,
];

/** Capitalised words that are names, not debug output. */
const NAMES = /\b(?:WebAssembly|SwiftShader|JavaScript|PyTorch|GitHub|TensorFlow|DiffAugment|BatchNorm|LeakyReLU|ImageBitmap|OffscreenCanvas)\b/g;

/** Errors that JavaScript raises for a mistake in the page's own code (not the user's). */
const PAGE_BUGS = [TypeError, ReferenceError, SyntaxError, RangeError];

const looksLikeDebug = (text) => {
  const prose = text.replace(NAMES, 'name');
  return DEBUG.some((re) => re.test(prose));
};

/** Long local URLs as paths: `http://127.0.0.1:8080/www/models/x.safetensors` → `/www/models/x.safetensors`. */
const shortenUrls = (text) =>
  text.replace(/\bhttps?:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(\/\S*)/g, '$1');

/** The leading `: `-separated parts of `text` that are prose; empty when the first is not. */
function clean(text) {
  const kept = [];
  for (const part of text.split(/:\s+/)) {
    if (looksLikeDebug(part)) break;
    kept.push(part);
  }
  return kept.join(': ').replace(/[\s:;,(]+$/, '');
}

/** The plain reason for `error` (an Error, a string or anything thrown), to follow "…failed: ". */
export function reason(error) {
  if (PAGE_BUGS.some((type) => error instanceof type)) {
    return 'something went wrong in the page itself (a bug; the details are in the browser console)';
  }
  // serde_wasm_bindgen's errors arrive as "Error: invalid type: …".
  const text = shortenUrls(String(error?.message ?? error ?? '').replace(/\s+/g, ' ').trim())
    .replace(/^(?:Uncaught )?Error:\s*/, '');
  for (const [pattern, say] of RULES) {
    const match = text.match(pattern);
    if (match) return typeof say === 'function' ? say(match) : say;
  }
  return clean(text) || 'something went wrong inside the model code (the details are in the browser console)';
}

/** One sentence: `doing` (what failed, e.g. "Opening x.safetensors failed") and the reason. */
export function sentence(error, doing = '') {
  let text = doing ? `${doing}: ${reason(error)}` : reason(error);
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
