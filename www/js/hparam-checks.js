// Hyper-parameters as typed in the Train tab, checked before they reach the model: values the
// model cannot take are not applied (the field goes back to the value in use) and values it
// can take but that rarely train well are applied with a warning. One sentence per finding.

/** Usual ranges, from the DCGAN / StyleGAN / WGAN-GP papers' settings and our presets. */
const LR_HIGH = 1e-2;
const LR_LOW = 1e-6;
const N_CRITIC_HIGH = 10;
const BATCH_HIGH = 512;

/** How each value is named at the start of a sentence. */
const LABELS = {
  lr_g: 'The learning rate of G (lr G)', lr_d: 'The learning rate of D (lr D)', beta1: 'Adam’s β₁', beta2: 'Adam’s β₂',
  batch: 'The batch', n_critic: 'The number of D steps per G step', ema_kimg: 'The EMA half-life',
};

/**
 * @param {object} typed  the form's numbers (may hold anything the user typed)
 * @param {object} inUse  the `[train]` values the model uses now
 * @returns {{train: object, warnings: string[]}}  `train`: `typed` with every value the model
 *   cannot take replaced by the one in use; `warnings`: sentences about both kinds of finding
 */
export function checkHyperParameters(typed, inUse) {
  const train = { ...typed };
  const warnings = [];
  const revert = (key, why) => {
    warnings.push(`${LABELS[key]} = ${typed[key]} ${why}, so it stays ${inUse[key]}.`);
    train[key] = inUse[key];
  };
  for (const key of ['lr_g', 'lr_d']) {
    const lr = typed[key];
    if (!(lr > 0)) revert(key, 'is not a positive learning rate');
    else if (lr > LR_HIGH) warnings.push(`${LABELS[key]} = ${lr} is far above the usual 0.0001 to 0.001: training will likely diverge.`);
    else if (lr < LR_LOW) warnings.push(`${LABELS[key]} = ${lr} is so small that the network will barely change.`);
  }
  for (const key of ['beta1', 'beta2']) {
    const beta = typed[key];
    if (!(beta >= 0 && beta < 1)) revert(key, 'is outside [0, 1), where a decay rate must lie');
  }
  if (train.beta1 < 1 && train.beta2 < train.beta1) {
    warnings.push(`Adam’s β₂ = ${train.beta2} below β₁ = ${train.beta1} is unusual (β₂ is normally 0.9 to 0.999).`);
  }
  if (typed.n_critic > N_CRITIC_HIGH) {
    warnings.push(`${LABELS.n_critic} = ${typed.n_critic} is unusually many: the generator learns slowly (1 to 5 is usual).`);
  }
  if (typed.batch > BATCH_HIGH) {
    warnings.push(`A batch of ${typed.batch} makes every step slow in the browser (16 to 256 is usual here).`);
  }
  if (!(typed.ema_kimg >= 0)) revert('ema_kimg', 'is negative');
  return { train, warnings };
}
