// The Learn tab's experiment as data: its settings, the history of what was done to the run
// (steps, half-steps, settings changed on the way), and both packed into a shareable URL.
// Replaying the history from the same settings and seed gives the same run, step for step.

/** Settings fixed when a run starts: changing one rebuilds the networks. */
export const BUILD_KEYS = ['distribution', 'loss', 'latent_dim', 'depth', 'width', 'seed'];
/** Settings a running run takes on the fly (its `[train]` section). */
export const LIVE_KEYS = ['optimizer_g', 'lr_g', 'optimizer_d', 'lr_d', 'n_critic'];
/** Settings a comparison run B has of its own (the data, shape and seed it shares with A). */
export const COMPARE_KEYS = ['loss', ...LIVE_KEYS];

export const DEFAULTS = {
  distribution: 'gaussians8', // a built-in set, or 'drawn'
  loss: 'non-saturating',
  latent_dim: 8,
  depth: 3,
  width: 128,
  seed: 1,
  optimizer_g: 'adam',
  lr_g: 5e-4,
  optimizer_d: 'adam',
  lr_d: 5e-4,
  n_critic: 1,
};

/** What each setting may be; `clamp` numbers are rounded into range, choices must match. */
const RULES = {
  distribution: { choices: ['gaussians8', 'gaussians25', 'ring', 'spiral', 'moons', 'swiss-roll', 'drawn'] },
  loss: { choices: ['non-saturating', 'hinge', 'least-squares'] },
  latent_dim: { int: true, min: 1, max: 64 },
  depth: { int: true, min: 1, max: 8 },
  width: { int: true, min: 2, max: 512 },
  seed: { int: true, min: 0, max: 2 ** 31 - 1 },
  optimizer_g: { choices: ['adam', 'sgd'] },
  optimizer_d: { choices: ['adam', 'sgd'] },
  lr_g: { min: 1e-6, max: 1 },
  lr_d: { min: 1e-6, max: 1 },
  n_critic: { int: true, min: 1, max: 10 },
};

/** Steps a shared history may replay (a few minutes on the CPU backend). */
export const MAX_REPLAY_STEPS = 20_000;
/** Points a drawing may hold (the wasm accepts more; a URL should stay short). */
export const MAX_DRAWN = 2000;

/**
 * `value` for setting `key` as the run should get it, or an Error whose message says what is
 * allowed (one plain sentence).
 */
export function checkSetting(key, value) {
  const rule = RULES[key];
  if (!rule) return new Error(`“${key}” is not a setting of the Learn tab`);
  if (rule.choices) {
    return rule.choices.includes(value) ? value : new Error(`${key} must be one of ${rule.choices.join(', ')}`);
  }
  const n = Number(value);
  if (!Number.isFinite(n) || (rule.int && !Number.isInteger(n)) || n < rule.min || n > rule.max) {
    return new Error(`${key} must be ${rule.int ? 'a whole number' : 'a number'} from ${rule.min} to ${rule.max}`);
  }
  return n;
}

/**
 * The history of a run: `'s<n>'` n full steps, `'d'` a discriminator half-step, `'g'` a
 * generator half-step, `'c:<key>=<value>'` a live setting changed.
 */
export class History {
  constructor(ops = []) {
    this.ops = [...ops];
  }

  steps(n) {
    if (!(n > 0)) return;
    const last = this.ops.at(-1);
    if (last?.startsWith('s')) this.ops[this.ops.length - 1] = `s${Number(last.slice(1)) + n}`;
    else this.ops.push(`s${n}`);
  }

  half(phase) {
    this.ops.push(phase === 'discriminator' ? 'd' : 'g');
  }

  change(key, value) {
    this.ops.push(`c:${key}=${value}`);
  }

  /** Full and half steps in the history (a D and a G half-step make one step). */
  get stepCount() {
    return this.ops.reduce((n, op) => n + (op.startsWith('s') ? Number(op.slice(1)) : op === 'g' ? 1 : 0), 0);
  }

  /** Parses ops from a URL; throws a plain sentence for anything else. */
  static parse(ops) {
    if (!Array.isArray(ops)) throw new Error('the shared history is not a list');
    let total = 0;
    for (const op of ops) {
      if (typeof op !== 'string') throw new Error('the shared history holds something that is not a step');
      if (op === 'd' || op === 'g') total += 1;
      else if (/^s[1-9]\d{0,5}$/.test(op)) total += Number(op.slice(1));
      else {
        const m = op.match(/^c:([a-z_]+)=(.+)$/);
        if (!m || !LIVE_KEYS.includes(m[1]) || checkSetting(m[1], parseSetting(m[1], m[2])) instanceof Error) {
          throw new Error(`the shared history has a step it does not know (“${op.slice(0, 40)}”)`);
        }
      }
    }
    if (total > MAX_REPLAY_STEPS) {
      throw new Error(`the shared run has ${total} steps; at most ${MAX_REPLAY_STEPS} are replayed`);
    }
    return new History(ops);
  }
}

/** A setting's value from its text form (numbers for numeric settings). */
export function parseSetting(key, text) {
  return RULES[key]?.choices ? text : Number(text);
}

/** Drawn points rounded to 0.01, so a URL carries exactly the points that were trained on. */
export function roundPoint(v) {
  return Math.round(v * 100) / 100;
}

/**
 * The URL of the current page with the experiment in its `learn` parameter (base64url JSON)
 * and the Learn tab selected.
 */
export function shareUrl(location, { settings, points, history, view, compare = null }) {
  const state = { v: 1, settings, ops: history.ops, view };
  if (settings.distribution === 'drawn') state.points = points;
  if (compare) state.compare = compare;
  const params = new URLSearchParams(location.search);
  params.set('learn', toBase64Url(JSON.stringify(state)));
  return `${location.origin}${location.pathname}?${params}#learn`;
}

/**
 * The experiment in a URL's `learn` parameter: `{settings, points, history, view, compare}`
 * (`compare`: run B's own settings, or null), or null
 * when there is none. Throws a plain sentence when it is damaged.
 */
export function readShared(search) {
  const text = new URLSearchParams(search).get('learn');
  if (!text) return null;
  let state;
  try {
    state = JSON.parse(fromBase64Url(text));
  } catch {
    throw new Error('the link’s Learn experiment is damaged (it may have been cut short when copied)');
  }
  if (state?.v !== 1 || typeof state.settings !== 'object') {
    throw new Error('the link’s Learn experiment is from another version of this page');
  }
  const settings = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    if (!(key in state.settings)) continue;
    const value = checkSetting(key, state.settings[key]);
    if (value instanceof Error) throw new Error(`the link’s Learn experiment is invalid: ${value.message}`);
    settings[key] = value;
  }
  let points = [];
  if (settings.distribution === 'drawn') {
    const p = state.points;
    if (!Array.isArray(p) || p.length % 2 || p.length / 2 < 3 || p.length / 2 > MAX_DRAWN || !p.every((v) => Number.isFinite(v) && Math.abs(v) <= 10)) {
      throw new Error('the link’s drawn points are invalid (3 to 2000 points within the plane are needed)');
    }
    points = p.map(roundPoint);
  }
  const view = typeof state.view === 'object' && state.view ? state.view : {};
  let compare = null;
  if (state.compare && typeof state.compare === 'object') {
    compare = {};
    for (const key of COMPARE_KEYS) {
      const value = checkSetting(key, state.compare[key] ?? settings[key]);
      if (value instanceof Error) throw new Error(`the link’s run B is invalid: ${value.message}`);
      compare[key] = value;
    }
  }
  return { settings, points, history: History.parse(state.ops ?? []), view, compare };
}

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}
