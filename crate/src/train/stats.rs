//! What one training step reports.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::readback::ReadError;

/// Statistics of one generator update (and the discriminator updates before it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepStats {
    /// Step number after this update (1 for the first).
    pub step: u64,
    /// Discriminator loss of the last discriminator update.
    pub d_loss: f32,
    /// Generator loss.
    pub g_loss: f32,
    /// Mean discriminator score on real samples (probability for the non-saturating loss).
    pub d_real: f32,
    /// Mean discriminator score on fake samples.
    pub d_fake: f32,
    /// L2 norm of the discriminator's (accumulated) gradient at its last update.
    pub grad_norm_d: f32,
    /// L2 norm of the generator's (accumulated) gradient.
    pub grad_norm_g: f32,
    /// Probability of augmenting an image after this step (adaptive augmentation), or the
    /// fixed one: 1 with augmentation policies, 0 without.
    #[serde(default)]
    pub augment_p: f32,
}

impl StepStats {
    /// The figures by name, in a fixed order.
    pub fn named(&self) -> [(&'static str, f32); 6] {
        [
            ("d_loss", self.d_loss),
            ("g_loss", self.g_loss),
            ("d_real", self.d_real),
            ("d_fake", self.d_fake),
            ("grad_norm_d", self.grad_norm_d),
            ("grad_norm_g", self.grad_norm_g),
        ]
    }

    /// Whether every figure is finite (a NaN or infinite loss stops training).
    pub fn is_finite(&self) -> bool {
        self.named().iter().all(|(_, v)| v.is_finite())
    }

    /// The figures that are NaN or infinite, by name (what a diverged run reports).
    pub fn non_finite(&self) -> Vec<(&'static str, f32)> {
        self.named()
            .into_iter()
            .filter(|(_, v)| !v.is_finite())
            .collect()
    }
}

/// Step statistics still on the device: read them with [`PendingStats::read`] (one transfer;
/// natively through [`crate::readback::block`]).
pub struct PendingStats {
    pub(crate) step: u64,
    /// `[7]`: d_loss, g_loss, d_real, d_fake, grad_norm_d, grad_norm_g, augment_p.
    pub(crate) values: Tensor<1>,
}

impl PendingStats {
    fn unpack(step: u64, v: &[f32]) -> StepStats {
        let at = |i: usize| v.get(i).copied().unwrap_or(f32::NAN);
        StepStats {
            step,
            d_loss: at(0),
            g_loss: at(1),
            d_real: at(2),
            d_fake: at(3),
            grad_norm_d: at(4),
            grad_norm_g: at(5),
            augment_p: at(6),
        }
    }

    /// Reads the statistics once the device has finished the step.
    pub async fn read(self) -> Result<StepStats, ReadError> {
        let values = crate::readback::floats(self.values).await?;
        if values.len() != 7 {
            return Err(ReadError(format!(
                "expected 7 step statistics, got {}",
                values.len()
            )));
        }
        Ok(Self::unpack(self.step, &values))
    }
}
