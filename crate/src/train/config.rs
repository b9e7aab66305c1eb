//! Training hyper-parameters.

use serde::{Deserialize, Serialize};

use super::{Augment, Loss, Optimizer};

/// How to train: objective, optimiser, batch and schedule of updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Adversarial objective: "non-saturating", "hinge" or "least-squares".
    #[serde(default)]
    pub loss: Loss,
    /// Generator learning rate (step size of its optimiser).
    #[serde(default = "default_lr")]
    pub lr_g: f64,
    /// Discriminator learning rate (step size of its optimiser).
    #[serde(default = "default_lr")]
    pub lr_d: f64,
    /// Generator update rule: "adam" (default) or "sgd" (plain gradient descent; Adam's
    /// betas and epsilon are then unused). Written only when not Adam, so configs and
    /// checkpoints of Adam runs read as before, also by builds that predate the field.
    #[serde(default, skip_serializing_if = "Optimizer::is_adam")]
    pub optimizer_g: Optimizer,
    /// Discriminator update rule: "adam" (default) or "sgd"; written only when not Adam.
    #[serde(default, skip_serializing_if = "Optimizer::is_adam")]
    pub optimizer_d: Optimizer,
    /// Adam β₁ (decay of the first moment).
    #[serde(default = "default_beta1")]
    pub beta1: f64,
    /// Adam β₂ (decay of the second moment).
    #[serde(default = "default_beta2")]
    pub beta2: f64,
    /// Adam ε (added to the root of the second moment).
    #[serde(default = "default_epsilon")]
    pub epsilon: f64,
    /// Samples per micro-batch.
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// Micro-batches whose gradients are summed into one update: the effective batch is
    /// `batch × accumulate` (BigGAN's trick for small hardware).
    #[serde(default = "default_one")]
    pub accumulate: usize,
    /// Discriminator updates per generator update.
    #[serde(default = "default_one")]
    pub n_critic: usize,
    /// Half-life of the generator's exponential moving average, in thousands of samples
    /// (StyleGAN's ema_kimg); 0 disables the average (the EMA copy then equals G).
    #[serde(default)]
    pub ema_kimg: f64,
    /// DiffAugment policies applied to real and fake images alike: "color", "translation",
    /// "cutout" (ignored for 2-D points).
    #[serde(default)]
    pub augment: Vec<Augment>,
    /// Adaptive augmentation (StyleGAN2-ADA): the target of `E[sign(D(real))]`; each image is
    /// then augmented with a probability that follows D's overfitting (0 = off: every image).
    /// ADA's default is 0.6.
    #[serde(default)]
    pub ada_target: f64,
    /// Thousands of real images over which the adaptive probability can go from 0 to 1.
    #[serde(default = "default_ada_kimg")]
    pub ada_kimg: f64,
    /// Weight of the mode-seeking term (MSGAN, Mao et al., 2019) in G's loss: half of each
    /// generated batch repeats the other half's conditions with other latents, and G pays
    /// `weight / (mean|G(z₁) − G(z₂)| / mean|z₁ − z₂| + 1e-5)`, so samples of one condition
    /// cannot all be the same image. 0 = off.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub mode_seeking: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn default_ada_kimg() -> f64 {
    100.0
}

fn default_lr() -> f64 {
    2e-4
}
fn default_beta1() -> f64 {
    0.5
}
fn default_beta2() -> f64 {
    0.999
}
fn default_epsilon() -> f64 {
    1e-8
}
fn default_batch() -> usize {
    64
}
fn default_one() -> usize {
    1
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            loss: Loss::default(),
            lr_g: default_lr(),
            lr_d: default_lr(),
            optimizer_g: Optimizer::Adam,
            optimizer_d: Optimizer::Adam,
            beta1: default_beta1(),
            beta2: default_beta2(),
            epsilon: default_epsilon(),
            batch: default_batch(),
            accumulate: 1,
            n_critic: 1,
            ema_kimg: 0.0,
            augment: Vec::new(),
            ada_target: 0.0,
            ada_kimg: default_ada_kimg(),
            mode_seeking: 0.0,
        }
    }
}

/// A training value out of its range.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("train.{field} = {value} is invalid: {expected}")]
pub struct TrainConfigError {
    pub field: &'static str,
    pub value: String,
    pub expected: String,
}

impl TrainConfig {
    /// Checks ranges the type system cannot.
    pub fn validate(&self) -> Result<(), TrainConfigError> {
        let bad = |field, value: String, expected: &str| {
            Err(TrainConfigError {
                field,
                value,
                expected: expected.to_string(),
            })
        };
        for (field, lr) in [("lr_g", self.lr_g), ("lr_d", self.lr_d)] {
            if !(lr.is_finite() && lr > 0.0) {
                return bad(field, lr.to_string(), "a positive learning rate");
            }
        }
        for (field, beta) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&beta) {
                return bad(field, beta.to_string(), "a value in [0, 1)");
            }
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return bad(
                "epsilon",
                self.epsilon.to_string(),
                "a small positive number",
            );
        }
        for (field, n, max) in [
            ("batch", self.batch, crate::limits::BATCH),
            ("accumulate", self.accumulate, crate::limits::ACCUMULATE),
            ("n_critic", self.n_critic, crate::limits::N_CRITIC),
        ] {
            if n == 0 {
                return bad(field, n.to_string(), "at least 1");
            }
            if n > max {
                return bad(
                    field,
                    n.to_string(),
                    &format!("at most {max} (the stated limit)"),
                );
            }
        }
        if !(self.ema_kimg.is_finite() && self.ema_kimg >= 0.0) {
            return bad(
                "ema_kimg",
                self.ema_kimg.to_string(),
                "0 (off) or a positive half-life",
            );
        }
        if !(self.mode_seeking.is_finite() && (0.0..=100.0).contains(&self.mode_seeking)) {
            return bad(
                "mode_seeking",
                self.mode_seeking.to_string(),
                "0 (off) or a weight up to 100, such as 1",
            );
        }
        if !(0.0..1.0).contains(&self.ada_target) {
            return bad(
                "ada_target",
                self.ada_target.to_string(),
                "0 (off) or a target in (0, 1) such as 0.6",
            );
        }
        if !(self.ada_kimg.is_finite() && self.ada_kimg > 0.0) {
            return bad(
                "ada_kimg",
                self.ada_kimg.to_string(),
                "a positive number of thousands of images",
            );
        }
        if self.ada_target > 0.0 && self.augment.is_empty() {
            return bad(
                "ada_target",
                self.ada_target.to_string(),
                "0 when train.augment lists no policies (adaptive augmentation needs some, e.g. [\"translation\", \"cutout\"])",
            );
        }
        Ok(())
    }

    /// Samples seen per update (`batch × accumulate`).
    pub fn effective_batch(&self) -> usize {
        self.batch * self.accumulate
    }

    /// Real images drawn per training step (`batch × accumulate × n_critic`: every
    /// discriminator update draws a batch of each accumulation round): what images/s counts
    /// in the CLI, the browser and the benchmarks.
    pub fn images_per_step(&self) -> usize {
        self.effective_batch() * self.n_critic
    }

    /// Per-update decay of the generator average: `0.5^(samples per update / half-life)`.
    pub fn ema_beta(&self) -> f64 {
        if self.ema_kimg <= 0.0 {
            return 0.0;
        }
        0.5f64.powf(self.effective_batch() as f64 / (self.ema_kimg * 1000.0))
    }
}
