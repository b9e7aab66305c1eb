//! The memory a training step would need, estimated from the model's parameter and activation
//! counts ([`crate::model::budget`]) and checked against [`crate::limits`] with the training
//! sizes.

use crate::limits::{
    ACCUMULATE, BATCH, LimitError, N_CRITIC, TRAINING_BYTES, at_most, overflow, size,
};
use crate::model::ModelConfig;
use crate::model::budget::{activations_per_sample, check_model, dcgan_parameters, mlp_parameters};
use crate::train::TrainConfig;

/// Copies of each activation a training step keeps (layer output, normalised, activated, and
/// its gradient): an estimate, not a measurement.
const ACTIVATION_COPIES: u64 = 4;
/// Copies of each parameter during training: G, D, EMA-G, gradients, two Adam moments.
const PARAMETER_COPIES: u64 = 6;

/// Checks the training sizes of `train` and the memory a step of `model` would need.
pub fn check_training(model: &ModelConfig, train: &TrainConfig) -> Result<(), LimitError> {
    size("train.batch", train.batch, BATCH)?;
    size("train.accumulate", train.accumulate, ACCUMULATE)?;
    size("train.n_critic", train.n_critic, N_CRITIC)?;
    check_model(model)?;
    let estimate = || -> Option<u64> {
        let (g, d) = match model {
            ModelConfig::Mlp(c) => mlp_parameters(c)?,
            ModelConfig::Dcgan(c) => dcgan_parameters(c)?,
            ModelConfig::TextDcgan(c) => c.parameters()?,
        };
        let weights = g.checked_add(d)?.checked_mul(PARAMETER_COPIES)?;
        let activations = activations_per_sample(model)?
            .checked_mul(train.batch as u64)?
            .checked_mul(ACTIVATION_COPIES)?;
        weights.checked_add(activations)?.checked_mul(4)
    };
    let bytes = estimate().ok_or_else(|| overflow("training memory"))?;
    at_most("estimated training memory (bytes)", bytes, TRAINING_BYTES).map_err(|e| LimitError {
        hint: format!(
            " (train.batch = {} with this model; lower the batch and use train.accumulate, or \
             lower model.width)",
            train.batch
        ),
        ..e
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DcganConfig, MlpConfig};

    fn dcgan(resolution: usize, width: usize) -> ModelConfig {
        ModelConfig::Dcgan(DcganConfig {
            width,
            ..DcganConfig::new(resolution, 3)
        })
    }

    #[test]
    fn shipped_sizes_pass_and_huge_batches_are_named() {
        check_training(&dcgan(64, 64), &TrainConfig::default()).unwrap();
        let mlp = ModelConfig::Mlp(MlpConfig {
            depth: 3,
            width: 128,
            ..MlpConfig::default()
        });
        let train = TrainConfig {
            batch: 1_000_000_000,
            ..TrainConfig::default()
        };
        assert_eq!(
            check_training(&mlp, &train).unwrap_err().field,
            "train.batch"
        );
        let big = TrainConfig {
            batch: 4096,
            ..TrainConfig::default()
        };
        let err = check_training(&dcgan(64, 128), &big).unwrap_err();
        assert!(err.to_string().contains("train.batch = 4096"), "{err}");
    }
}
