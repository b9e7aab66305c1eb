// Run configs for training from scratch in the browser, in the format of configs/*.toml
// (`Session.new_run` takes this text). The [data] section only records where data came from:
// in the browser the data is whatever the page hands to useToyData / useImages.

const toy = `# 8 Gaussians on a circle of radius 2: the classic mode-collapse test.
name = "toy-8gaussians"

[model]
kind = "mlp"                     # multi-layer perceptrons for 2-D points
latent_dim = 8                   # dimensions of the latent vector z
depth = 3                        # hidden layers in G and in D
width = 128                      # units per hidden layer
noise = "gaussian"               # z ~ N(0, I)

[train]
loss = "non-saturating"          # "non-saturating", "hinge" or "least-squares"
lr_g = 5e-4                      # generator Adam step size
lr_d = 5e-4                      # discriminator Adam step size
beta1 = 0.5                      # Adam first-moment decay
beta2 = 0.9                      # Adam second-moment decay
batch = 256                      # points per batch
n_critic = 1                     # discriminator updates per generator update
ema_kimg = 0.0                   # no moving average: watch G itself move

[data]
kind = "toy"
distribution = "gaussians8"      # gaussians8, gaussians25, ring, spiral, moons, swiss-roll

[run]
seed = 1
`;

const dcgan = (name, channels, note) => `# DCGAN at 32×32, ${note}, for your own images (resized and centre-cropped).
name = "${name}"

[model]
kind = "dcgan"
resolution = 32                  # image side in pixels: 28, 32 or 64
channels = ${channels}                     # 1 = grey, 3 = RGB
latent_dim = 100                 # dimensions of the latent vector z
width = 32                       # channels of the widest-resolution block; others double it
classes = 0                      # set to the number of sub-folders to condition on them
label_dim = 32                   # size of the label embedding (conditional models)
d_conditioning = "input"         # D sees the class as one map per class beside the image
spectral_norm = true             # spectral normalisation in D (pairs with hinge)
noise = "gaussian"

[train]
loss = "hinge"                   # "non-saturating", "hinge" or "least-squares"
lr_g = 2e-4                      # generator Adam step size
lr_d = 2e-4                      # discriminator Adam step size
beta1 = 0.5                      # Adam first-moment decay
beta2 = 0.999                    # Adam second-moment decay
batch = 32                       # images per batch (small for the browser)
n_critic = 1                     # discriminator updates per generator update
ema_kimg = 2.0                   # half-life of G's moving average, thousands of images
augment = ["translation", "cutout"]  # DiffAugment: small sets need it
ada_target = 0.6                 # adaptive: augment an image with a probability p that rises
                                 # while D is sure of the real images (0 = always augment)
ada_kimg = 20                    # thousands of images for p to go from 0 to 1

[data]
kind = "folder"                  # images dropped into the page
dir = "browser"

[run]
seed = 1
`;

/** Presets offered by the Train tab, in menu order. */
export const PRESETS = [
  { id: 'toy-mlp', title: '8 Gaussians (MLP, 2-D points)', toml: toy },
  { id: 'dcgan32-grey', title: 'DCGAN-32, grey-scale', toml: dcgan('dcgan32-grey', 1, 'grey-scale') },
  { id: 'dcgan32-rgb', title: 'DCGAN-32, colour', toml: dcgan('dcgan32-rgb', 3, 'colour') },
];

export const TOY_PRESET = toy;

/** The built-in 2-D distributions (names as the wasm expects them). */
export const DISTRIBUTIONS = [
  { name: 'gaussians8', title: '8 Gaussians' },
  { name: 'gaussians25', title: '25 Gaussians' },
  { name: 'ring', title: 'Ring' },
  { name: 'spiral', title: 'Spiral' },
  { name: 'moons', title: 'Two moons' },
  { name: 'swiss-roll', title: 'Swiss roll' },
];

/** The objectives (names as in `[train] loss`). */
export const LOSSES = [
  { name: 'non-saturating', title: 'Non-saturating (original GAN)' },
  { name: 'hinge', title: 'Hinge' },
  { name: 'least-squares', title: 'Least squares' },
];

/**
 * Replaces `key = …` inside `[section]` of a preset by `key = value` (value as TOML, e.g.
 * '"hinge"' or '3'); the trailing comment is kept. Top-level keys use section ''.
 * Only meant for the flat presets above, not for TOML in general.
 */
export function setTomlValue(toml, section, key, value) {
  let current = '';
  let found = false;
  const lines = toml.split('\n').map((line) => {
    const header = line.match(/^\s*\[([^\]]+)\]\s*$/);
    if (header) current = header[1].trim();
    const entry = line.match(/^(\s*)([A-Za-z0-9_-]+)(\s*=\s*)([^#]*?)(\s*#.*)?$/);
    if (!header && entry && current === section && entry[2] === key) {
      found = true;
      return `${entry[1]}${key}${entry[3]}${value}${entry[5] ?? ''}`;
    }
    return line;
  });
  if (!found) throw new Error(`preset has no ${section ? `${section}.` : ''}${key}`);
  return lines.join('\n');
}

/** The value of `key` in `[section]` of a config, as written (strings unquoted), or null. */
export function getTomlValue(toml, section, key) {
  let current = '';
  for (const line of toml.split('\n')) {
    const header = line.match(/^\s*\[([^\]]+)\]\s*$/);
    if (header) current = header[1].trim();
    const entry = line.match(/^\s*([A-Za-z0-9_-]+)\s*=\s*("([^"]*)"|[^#\s]+)/);
    if (!header && entry && current === section && entry[1] === key) return entry[3] ?? entry[2];
  }
  return null;
}
