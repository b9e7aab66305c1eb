//! Which update rule trains a network: Adam (the default, state in [`super::Adam`]) or plain
//! stochastic gradient descent, `θ ← θ − lr·∇θ`, which keeps no state.
//!
//! The teaching view offers both per network, as GAN Lab does: with SGD the size of a step is
//! the gradient's, so a flat discriminator barely moves the generator; Adam divides that out.

use std::collections::BTreeMap;

use burn::module::Module;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::model::named;

/// An update rule. Names as in `[train] optimizer_g` / `optimizer_d`: "adam" or "sgd".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    /// Adam with the config's `beta1`, `beta2` and `epsilon`.
    #[default]
    Adam,
    /// Plain gradient descent with the network's learning rate (no momentum, no state).
    Sgd,
}

impl Optimizer {
    /// Whether this is the default, Adam (which configs leave out when written).
    pub fn is_adam(&self) -> bool {
        *self == Optimizer::Adam
    }
}

/// One SGD update: every parameter of `module` with a gradient in `grads` (flat, by name)
/// becomes `param − lr·grad`; parameters without a gradient are left alone.
pub fn sgd_step<M: Module>(lr: f64, module: M, grads: &BTreeMap<String, Tensor<1>>) -> M {
    named::update(module, |name, _, param| {
        let grad = grads.get(name)?.clone();
        Some(param - grad.mul_scalar(lr))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MlpConfig, ModelConfig};
    use burn::tensor::{Device, TensorData};

    fn values(t: &Tensor<1>) -> Vec<f32> {
        t.clone()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap_or_default()
    }

    #[test]
    fn sgd_moves_every_parameter_by_minus_lr_times_its_gradient() {
        let device = Device::flex();
        let config = MlpConfig {
            latent_dim: 3,
            depth: 2,
            width: 5,
            ..MlpConfig::default()
        };
        let Ok((generator, _)) = ModelConfig::Mlp(config).init_seeded(1, &device) else {
            panic!("a small MLP initialises");
        };
        let before = named::by_name(&generator);
        // A gradient per parameter with distinct values, skipping one parameter.
        let skipped = before.keys().next().cloned().unwrap_or_default();
        let mut grads = BTreeMap::new();
        for (k, (name, param)) in before.iter().enumerate() {
            if *name == skipped {
                continue;
            }
            let n = param.dims()[0];
            let g: Vec<f32> = (0..n)
                .map(|i| ((i * 7 + k * 3) % 11) as f32 * 0.25 - 1.2)
                .collect();
            grads.insert(
                name.clone(),
                Tensor::<1>::from_data(TensorData::new(g, [n]), &device),
            );
        }
        let lr = 0.125; // a power of two: lr·grad is exact in f32, so the check can be exact
        let after = named::by_name(&sgd_step(lr, generator, &grads));
        assert_eq!(before.len(), after.len());
        for (name, old) in &before {
            let new = values(&after[name]);
            let old = values(old);
            match grads.get(name) {
                None => assert_eq!(new, old, "{name} has no gradient and must not move"),
                Some(grad) => {
                    let expected: Vec<f32> = old
                        .iter()
                        .zip(values(grad))
                        .map(|(p, g)| p - lr as f32 * g)
                        .collect();
                    assert_eq!(new, expected, "{name}");
                }
            }
        }
    }

    #[test]
    fn configs_without_optimizers_load_as_adam() -> Result<(), serde_json::Error> {
        let old: crate::train::TrainConfig = serde_json::from_str(r#"{"lr_g": 0.001}"#)?;
        assert_eq!(
            (old.optimizer_g, old.optimizer_d),
            (Optimizer::Adam, Optimizer::Adam)
        );
        let sgd: crate::train::TrainConfig = serde_json::from_str(r#"{"optimizer_d": "sgd"}"#)?;
        assert_eq!(
            (sgd.optimizer_g, sgd.optimizer_d),
            (Optimizer::Adam, Optimizer::Sgd)
        );
        // Written back, Adam is left out (older builds read it) and SGD is kept.
        let written = serde_json::to_string(&sgd)?;
        assert!(
            written.contains(r#""optimizer_d":"sgd""#) && !written.contains("optimizer_g"),
            "{written}"
        );
        Ok(())
    }

    #[test]
    fn a_trainer_on_sgd_keeps_no_adam_state_and_still_learns()
    -> Result<(), crate::train::TrainError> {
        use crate::data::Toy;
        use crate::train::{ToySource, TrainConfig, Trainer};
        let device = Device::flex();
        let config = TrainConfig {
            optimizer_g: Optimizer::Sgd,
            optimizer_d: Optimizer::Sgd,
            lr_g: 0.01,
            lr_d: 0.01,
            batch: 16,
            ..TrainConfig::default()
        };
        let model = ModelConfig::Mlp(MlpConfig {
            depth: 1,
            width: 8,
            ..MlpConfig::default()
        });
        let mut trainer = Trainer::new(model, config, 1, &device)?;
        let d0 = named::by_name(&trainer.discriminator);
        let g0 = named::by_name(&trainer.generator);
        let stats =
            crate::readback::block(trainer.step(&ToySource(Toy::Gaussians8)).read()).unwrap();
        assert!(stats.is_finite(), "{stats:?}");
        assert_eq!((trainer.opt_g.t, trainer.opt_d.t), (0, 0));
        assert!(trainer.opt_g.m.is_empty() && trainer.opt_d.m.is_empty());
        let moved = |before: &BTreeMap<String, Tensor<1>>, after: BTreeMap<String, Tensor<1>>| {
            before
                .iter()
                .any(|(name, t)| values(t) != values(&after[name]))
        };
        assert!(
            moved(&d0, named::by_name(&trainer.discriminator)),
            "D did not move"
        );
        assert!(
            moved(&g0, named::by_name(&trainer.generator)),
            "G did not move"
        );
        Ok(())
    }

    #[test]
    fn names_parse_and_adam_is_the_default() {
        assert_eq!(Optimizer::default(), Optimizer::Adam);
        assert_eq!(
            serde_json::from_str::<Optimizer>("\"sgd\"").ok(),
            Some(Optimizer::Sgd)
        );
        assert_eq!(
            serde_json::from_str::<Optimizer>("\"adam\"").ok(),
            Some(Optimizer::Adam)
        );
        let err = serde_json::from_str::<Optimizer>("\"rmsprop\"")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("rmsprop") && err.contains("sgd"), "{err}");
    }
}
