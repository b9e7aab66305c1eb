//! Adaptive augmentation (Karras et al., 2020, "StyleGAN2-ADA"): the probability `p` of
//! augmenting each image follows D's overfitting. The heuristic is `r_t = E[sign(D(real))]`,
//! the share of real images D calls real minus the share it calls fake; above the target D is
//! overconfident on the training images, and `p` rises; below it `p` falls. Each discriminator
//! update moves `p` by `±images / (ada_kimg · 1000)`, so `p` can cross [0, 1] in `ada_kimg`
//! thousand real images. Everything stays on the device: `p` is a `[1]` tensor, checkpointed.

use burn::tensor::{Device, Tensor, TensorData};

use super::TrainConfig;
use crate::model::named::Arrays;

/// The augmentation probability of a run.
#[derive(Clone, Debug)]
pub struct AugmentProbability {
    /// `[1]` on the trainer's inner device.
    pub p: Tensor<1>,
}

impl AugmentProbability {
    /// `p = 0` (ADA's start) with adaptation on, else the fixed probability of the config:
    /// 1 when it lists policies, 0 when it lists none.
    pub fn initial(config: &TrainConfig, device: &Device) -> Self {
        let p = if config.ada_target > 0.0 || config.augment.is_empty() {
            0.0
        } else {
            1.0
        };
        Self::constant(p, device)
    }

    fn constant(p: f32, device: &Device) -> Self {
        Self {
            p: Tensor::from_data(TensorData::new(vec![p], [1]), device),
        }
    }

    /// The probability the augmentation takes: `None` (every image) unless adaptive.
    pub fn for_augment(&self, config: &TrainConfig) -> Option<&Tensor<1>> {
        (config.ada_target > 0.0).then_some(&self.p)
    }

    /// One adjustment after a discriminator update that saw `real_logits` (`[B]`, detached);
    /// nothing unless adaptive.
    pub fn adjust(&mut self, config: &TrainConfig, real_logits: Tensor<1>) {
        if config.ada_target <= 0.0 {
            return;
        }
        let [images] = real_logits.dims();
        let r_t = real_logits.sub_scalar(config.loss.boundary()).sign().mean(); // [1]
        let step = images as f64 / (config.ada_kimg * 1000.0);
        let direction = r_t.sub_scalar(config.ada_target).sign();
        self.p = (self.p.clone() + direction.mul_scalar(step)).clamp(0.0, 1.0);
    }

    /// The checkpoint's `ada` section.
    pub fn tensors(&self) -> Vec<(String, Tensor<1>, Vec<usize>)> {
        vec![("p".into(), self.p.clone(), vec![1])]
    }

    /// Restores `p` from a checkpoint's `ada` section; the config's initial value when the
    /// checkpoint has none (written before adaptive augmentation, or by a run without it) or
    /// when the (resumed) config does not adapt.
    pub fn from_arrays(config: &TrainConfig, arrays: &Arrays, device: &Device) -> Self {
        match arrays.get("p") {
            Some((_, values))
                if config.ada_target > 0.0
                    && values.len() == 1
                    && (0.0..=1.0).contains(&values[0]) =>
            {
                Self::constant(values[0], device)
            }
            _ => Self::initial(config, device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::Loss;

    fn config(target: f64) -> TrainConfig {
        TrainConfig {
            ada_target: target,
            ada_kimg: 1.0, // one step = images / 1000
            augment: vec![super::super::Augment::Translation],
            ..TrainConfig::default()
        }
    }

    fn value(p: &AugmentProbability) -> f32 {
        p.p.clone().into_data().try_to_vec::<f32>().unwrap()[0]
    }

    fn logits(values: &[f32], device: &Device) -> Tensor<1> {
        Tensor::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
    }

    #[test]
    fn p_rises_while_d_is_overconfident_and_falls_back_below_the_target() {
        let device = Device::flex();
        let cfg = config(0.6);
        let mut p = AugmentProbability::initial(&cfg, &device);
        assert_eq!(value(&p), 0.0);
        // All 100 real images called real: r_t = 1 > 0.6, p += 100 / 1000 each time.
        for _ in 0..3 {
            p.adjust(&cfg, logits(&[2.0; 100], &device));
        }
        assert!((value(&p) - 0.3).abs() < 1e-6, "{}", value(&p));
        // Half called fake: r_t = 0 < 0.6, p falls, and never below 0.
        let mixed: Vec<f32> = (0..100)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        for _ in 0..5 {
            p.adjust(&cfg, logits(&mixed, &device));
        }
        assert_eq!(value(&p), 0.0);
    }

    #[test]
    fn p_is_clamped_to_one_and_fixed_without_a_target() {
        let device = Device::flex();
        let cfg = config(0.6);
        let mut p = AugmentProbability::initial(&cfg, &device);
        for _ in 0..20 {
            p.adjust(&cfg, logits(&[2.0; 100], &device));
        }
        assert_eq!(value(&p), 1.0);
        let fixed = config(0.0);
        let mut q = AugmentProbability::initial(&fixed, &device);
        q.adjust(&fixed, logits(&[2.0; 100], &device));
        assert_eq!(
            value(&q),
            1.0,
            "listed policies without a target: every image"
        );
        assert!(q.for_augment(&fixed).is_none());
    }

    #[test]
    fn least_squares_logits_are_split_at_one_half() {
        let device = Device::flex();
        let cfg = TrainConfig {
            loss: Loss::LeastSquares,
            ..config(0.6)
        };
        let mut p = AugmentProbability::initial(&cfg, &device);
        // 0.4 is below the 0.5 boundary: every real image is called fake, p stays at 0.
        p.adjust(&cfg, logits(&[0.4; 100], &device));
        assert_eq!(value(&p), 0.0);
        p.adjust(&cfg, logits(&[0.6; 100], &device));
        assert!(value(&p) > 0.0);
    }

    #[test]
    fn a_checkpointed_p_is_restored_and_a_bad_one_is_not() {
        let device = Device::flex();
        let cfg = config(0.6);
        let mut arrays = Arrays::new();
        arrays.insert("p".into(), (vec![1], vec![0.25]));
        assert_eq!(
            value(&AugmentProbability::from_arrays(&cfg, &arrays, &device)),
            0.25
        );
        arrays.insert("p".into(), (vec![1], vec![f32::NAN]));
        assert_eq!(
            value(&AugmentProbability::from_arrays(&cfg, &arrays, &device)),
            0.0
        );
    }
}
