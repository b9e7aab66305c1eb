//! Adversarial objectives. Each maps discriminator logits to a scalar loss.
//!
//! Gradient penalties (WGAN-GP, R1) need the gradient of a gradient, which Burn 0.22's autodiff
//! does not provide (a gradient comes back without an autodiff association), so they are not
//! offered: spectral normalisation with the hinge loss is the supported way to constrain D.

use burn::tensor::Tensor;
use burn::tensor::activation::{relu, sigmoid, softplus};
use serde::{Deserialize, Serialize};

/// The GAN objective.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// Goodfellow et al. (2014) with the non-saturating generator loss: D minimises
    /// `softplus(-D(x)) + softplus(D(G(z)))`, G minimises `softplus(-D(G(z)))`.
    #[default]
    NonSaturating,
    /// Hinge loss (Lim & Ye 2017; SAGAN, BigGAN): D minimises `relu(1 - D(x)) + relu(1 + D(G(z)))`,
    /// G minimises `-D(G(z))`.
    Hinge,
    /// Least squares (Mao et al. 2017): D minimises `½(D(x) - 1)² + ½D(G(z))²`,
    /// G minimises `½(D(G(z)) - 1)²`.
    LeastSquares,
}

impl Loss {
    /// Discriminator loss from `[B]` logits on real and fake samples → `[1]`.
    pub fn discriminator(self, real: Tensor<1>, fake: Tensor<1>) -> Tensor<1> {
        match self {
            Loss::NonSaturating => softplus(real.neg(), 1.0).mean() + softplus(fake, 1.0).mean(),
            Loss::Hinge => {
                relu(real.neg().add_scalar(1.0)).mean() + relu(fake.add_scalar(1.0)).mean()
            }
            Loss::LeastSquares => (real.sub_scalar(1.0).powf_scalar(2.0).mean()
                + fake.powf_scalar(2.0).mean())
            .mul_scalar(0.5),
        }
    }

    /// Generator loss from `[B]` logits on fake samples → `[1]`.
    pub fn generator(self, fake: Tensor<1>) -> Tensor<1> {
        match self {
            Loss::NonSaturating => softplus(fake.neg(), 1.0).mean(),
            Loss::Hinge => fake.mean().neg(),
            Loss::LeastSquares => fake.sub_scalar(1.0).powf_scalar(2.0).mean().mul_scalar(0.5),
        }
    }

    /// What the discriminator "says" about samples, for plots: the probability of being real
    /// for the non-saturating loss, the raw output otherwise. `[B]` → `[B]`.
    pub fn score(self, logits: Tensor<1>) -> Tensor<1> {
        match self {
            Loss::NonSaturating => sigmoid(logits),
            Loss::Hinge | Loss::LeastSquares => logits,
        }
    }

    /// The logit that separates "real" from "fake" for this objective: 0.5 between the
    /// least-squares targets 0 and 1, else 0.
    pub fn boundary(self) -> f64 {
        match self {
            Loss::LeastSquares => 0.5,
            Loss::NonSaturating | Loss::Hinge => 0.0,
        }
    }
}
