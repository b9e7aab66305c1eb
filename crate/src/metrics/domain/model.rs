//! The domain classifier network.
//!
//! ```text
//! [N, C, R, R] in [-1, 1]
//!   conv1 3×3, stride 1, pad 1, C → w        ReLU   [N, w,  R,   R  ]
//!   conv2 4×4, stride 2, pad 1, w → 2w       ReLU   [N, 2w, R/2, R/2]
//!   conv3 4×4, stride 2, pad 1, 2w → 4w      ReLU   [N, 4w, R/4, R/4]
//!   adaptive average pool to 4×4, flatten           [N, 4w·16]
//!   fc1 4w·16 → 128                          ReLU   [N, 128]   = the features
//!   fc2 128 → classes                               [N, classes] = the logits
//! ```
//!
//! No BatchNorm and no dropout: the network computes the same function in training and in
//! evaluation, so features never depend on a train/eval mode or on batch composition.
//!
//! Tensor names (stable; all F32): `conv1.weight` `[w, C, 3, 3]`, `conv1.bias` `[w]`,
//! `conv2.weight` `[2w, w, 4, 4]`, `conv2.bias`, `conv3.weight` `[4w, 2w, 4, 4]`, `conv3.bias`,
//! `fc1.weight` `[4w·16, 128]`, `fc1.bias` `[128]`, `fc2.weight` `[128, classes]`, `fc2.bias`.
//! Convolution kernels are in PyTorch's `[out, in, kH, kW]` layout; **linear weights are stored
//! `[in, out]`** (Burn's layout; transpose them for `torch.nn.Linear`). The flatten before `fc1`
//! is channel-major then row-major, as `torch.flatten(x, 1)` on NCHW.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::module::adaptive_avg_pool2d;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::DomainError;
use crate::model::named;
use crate::rng::Rng;

/// Dimension of the features (the penultimate layer).
pub const FEATURES: usize = 128;
/// Side of the map the last convolution is pooled to.
const POOLED: usize = 4;

/// Shape of a domain classifier; saved as JSON beside the weights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainConfig {
    /// Image side in pixels (square images), at least 16. 28 for the MNIST family.
    pub resolution: usize,
    /// Image channels: 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Number of classes the logits score, at least 2.
    pub classes: usize,
    /// Channels of the first convolution; the second has 2×, the third 4×. The weights file
    /// grows with roughly `w²`: `w = 16` is ≈ 0.7 MB, `w = 32` ≈ 1.7 MB.
    pub width: usize,
}

impl DomainConfig {
    /// The config used for the shipped classifiers of 28×28 grey ten-class sets.
    pub fn mnist_family() -> Self {
        Self {
            resolution: 28,
            channels: 1,
            classes: 10,
            width: 16,
        }
    }

    /// Checks the values the type system cannot.
    pub fn validate(&self) -> Result<(), DomainError> {
        let fail = |m: String| Err(DomainError::Config(m));
        if !(16..=512).contains(&self.resolution) {
            return fail(format!(
                "resolution {} is outside 16..=512 (two stride-2 convolutions must leave at least \
                 a 4×4 map)",
                self.resolution
            ));
        }
        if !matches!(self.channels, 1 | 3) {
            return fail(format!(
                "{} channels: use 1 (grey) or 3 (RGB)",
                self.channels
            ));
        }
        if !(2..=10_000).contains(&self.classes) {
            return fail(format!("{} classes: need 2..=10000", self.classes));
        }
        if !(1..=1024).contains(&self.width) {
            return fail(format!("width {}: need 1..=1024", self.width));
        }
        Ok(())
    }
}

/// Features and logits of one forward pass.
pub struct DomainOutput {
    /// `[N, 128]` penultimate-layer activations (after ReLU).
    pub features: Tensor<2>,
    /// `[N, classes]` unnormalised class scores.
    pub logits: Tensor<2>,
}

/// The classifier (see the module docs for the architecture and tensor names).
#[derive(Module, Debug)]
pub struct DomainClassifier {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    fc1: Linear,
    fc2: Linear,
    #[module(skip)]
    config: DomainConfig,
}

impl DomainClassifier {
    /// A classifier initialised from `seed` on `device` (use an autodiff device to train it).
    ///
    /// The initial weights are drawn from our own [`Rng`], not from Burn's process-wide
    /// generator: they are the same on every backend (CPU, wgpu, the browser), and no lock
    /// around Burn's global seed is needed. Weights are He-uniform (`U(±√(6 / fan_in))`), biases
    /// zero.
    pub fn new(config: &DomainConfig, seed: u64, device: &Device) -> Result<Self, DomainError> {
        let zeros = Self::zeros(config, device)?;
        let mut rng = Rng::new(seed);
        Ok(named::update(zeros, |name, shape, old| {
            let n = shape.iter().product::<usize>();
            if name.ends_with(".bias") {
                return None; // already zero
            }
            let fan_in = match *shape {
                [_, c_in, kh, kw] => c_in * kh * kw, // conv: [out, in, kH, kW]
                [d_in, _] => d_in,                   // linear: [in, out]
                _ => n,
            };
            let bound = (6.0 / fan_in.max(1) as f32).sqrt();
            let values: Vec<f32> = (0..n)
                .map(|_| (rng.uniform() * 2.0 - 1.0) * bound)
                .collect();
            Some(Tensor::from_data(
                TensorData::new(values, [n]),
                &old.device(),
            ))
        }))
    }

    /// A classifier whose every tensor is zero (draws no random numbers): the skeleton that
    /// loaded weights are written into.
    pub(crate) fn zeros(config: &DomainConfig, device: &Device) -> Result<Self, DomainError> {
        config.validate()?;
        let w = config.width;
        let conv = |c_in: usize, c_out: usize, kernel: usize, stride: usize, pad: usize| {
            Conv2dConfig::new([c_in, c_out], [kernel; 2])
                .with_stride([stride; 2])
                .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                .with_initializer(Initializer::Zeros)
                .init(device)
        };
        let linear = |d_in: usize, d_out: usize| {
            LinearConfig::new(d_in, d_out)
                .with_initializer(Initializer::Zeros)
                .init(device)
        };
        Ok(Self {
            conv1: conv(config.channels, w, 3, 1, 1),
            conv2: conv(w, 2 * w, 4, 2, 1),
            conv3: conv(2 * w, 4 * w, 4, 2, 1),
            fc1: linear(4 * w * POOLED * POOLED, FEATURES),
            fc2: linear(FEATURES, config.classes),
            config: config.clone(),
        })
    }

    /// The shape this classifier was built for.
    pub fn config(&self) -> &DomainConfig {
        &self.config
    }

    /// Dimension of [`DomainClassifier::features`]: 128.
    pub fn dim(&self) -> usize {
        FEATURES
    }

    /// Number of classes the logits score.
    pub fn classes(&self) -> usize {
        self.config.classes
    }

    /// The device the weights live on.
    pub fn device(&self) -> Device {
        self.fc2.weight.val().device()
    }

    /// `[N, C, R, R]` images in [-1, 1] → `[N, 128]` features.
    pub fn features(&self, images: Tensor<4>) -> Result<Tensor<2>, DomainError> {
        self.check(&images)?;
        Ok(self.features_unchecked(images))
    }

    /// `[N, C, R, R]` images in [-1, 1] → `[N, classes]` logits.
    pub fn logits(&self, images: Tensor<4>) -> Result<Tensor<2>, DomainError> {
        Ok(self.forward(images)?.logits)
    }

    /// `[N, C, R, R]` images in [-1, 1] → features and logits from one forward pass.
    pub fn forward(&self, images: Tensor<4>) -> Result<DomainOutput, DomainError> {
        self.check(&images)?;
        Ok(self.forward_unchecked(images))
    }

    /// `[N, C·R·R]` flattened images (as generators return them) → `[N, C, R, R]`.
    pub fn unflatten(&self, images: Tensor<2>) -> Result<Tensor<4>, DomainError> {
        let [n, d] = images.dims();
        let c = &self.config;
        if n == 0 || d != c.channels * c.resolution * c.resolution {
            return Err(self.input_error(vec![n, d]));
        }
        Ok(images.reshape([n, c.channels, c.resolution, c.resolution]))
    }

    pub(crate) fn forward_unchecked(&self, images: Tensor<4>) -> DomainOutput {
        let features = self.features_unchecked(images);
        let logits = self.fc2.forward(features.clone()); // [N, classes]
        DomainOutput { features, logits }
    }

    fn features_unchecked(&self, images: Tensor<4>) -> Tensor<2> {
        let [n, _, _, _] = images.dims();
        let x = relu(self.conv1.forward(images)); // [N, w, R, R]
        let x = relu(self.conv2.forward(x)); // [N, 2w, R/2, R/2]
        let x = relu(self.conv3.forward(x)); // [N, 4w, R/4, R/4]
        let x = adaptive_avg_pool2d(x, [POOLED; 2]); // [N, 4w, 4, 4]
        let x = x.reshape([n, 4 * self.config.width * POOLED * POOLED]); // [N, 4w·16]
        relu(self.fc1.forward(x)) // [N, 128]
    }

    fn check(&self, images: &Tensor<4>) -> Result<(), DomainError> {
        let [n, c, h, w] = images.dims();
        let cfg = &self.config;
        if n == 0 || c != cfg.channels || h != cfg.resolution || w != cfg.resolution {
            return Err(self.input_error(vec![n, c, h, w]));
        }
        Ok(())
    }

    fn input_error(&self, found: Vec<usize>) -> DomainError {
        DomainError::Input {
            channels: self.config.channels,
            resolution: self.config.resolution,
            found,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_limits_are_checked() {
        let ok = DomainConfig::mnist_family();
        assert!(ok.validate().is_ok());
        for bad in [
            DomainConfig {
                resolution: 8,
                ..ok.clone()
            },
            DomainConfig {
                channels: 2,
                ..ok.clone()
            },
            DomainConfig {
                classes: 1,
                ..ok.clone()
            },
            DomainConfig {
                width: 0,
                ..ok.clone()
            },
        ] {
            assert!(
                matches!(bad.validate(), Err(DomainError::Config(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn names_shapes_and_seeded_init() {
        let device = Device::flex();
        let config = DomainConfig {
            width: 4,
            ..DomainConfig::mnist_family()
        };
        let a = DomainClassifier::new(&config, 3, &device).expect("valid config");
        let shapes: Vec<(String, Vec<usize>)> = named::collect(&a)
            .into_iter()
            .map(|(n, _, s)| (n, s))
            .collect();
        let expected = [
            ("conv1.weight", vec![4, 1, 3, 3]),
            ("conv1.bias", vec![4]),
            ("conv2.weight", vec![8, 4, 4, 4]),
            ("conv2.bias", vec![8]),
            ("conv3.weight", vec![16, 8, 4, 4]),
            ("conv3.bias", vec![16]),
            ("fc1.weight", vec![256, 128]),
            ("fc1.bias", vec![128]),
            ("fc2.weight", vec![128, 10]),
            ("fc2.bias", vec![10]),
        ];
        let expected: Vec<(String, Vec<usize>)> = expected
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect();
        assert_eq!(shapes, expected);
        let values = |m: &DomainClassifier| -> Vec<f32> {
            named::collect(m)
                .into_iter()
                .flat_map(|(_, t, _)| t.into_data().try_into_vec_as::<f32>().unwrap_or_default())
                .collect()
        };
        let b = DomainClassifier::new(&config, 3, &device).expect("valid config");
        let c = DomainClassifier::new(&config, 4, &device).expect("valid config");
        assert_eq!(values(&a), values(&b));
        assert_ne!(values(&a), values(&c));
    }

    #[test]
    fn shapes_of_features_and_logits_and_bad_input() {
        let device = Device::flex();
        let config = DomainConfig {
            width: 4,
            ..DomainConfig::mnist_family()
        };
        let model = DomainClassifier::new(&config, 1, &device).expect("valid config");
        let images = Tensor::<4>::zeros([3, 1, 28, 28], &device);
        let out = model.forward(images.clone()).expect("right shape");
        assert_eq!(out.features.dims(), [3, FEATURES]);
        assert_eq!(out.logits.dims(), [3, 10]);
        let wrong = Tensor::<4>::zeros([3, 3, 28, 28], &device);
        let err = model.features(wrong).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|m| m.contains("[N ≥ 1, 1, 28, 28]") && m.contains("[3, 3, 28, 28]")),
            "{err:?}"
        );
        let flat = Tensor::<2>::zeros([2, 784], &device);
        assert_eq!(
            model.unflatten(flat).map(|t| t.dims()).ok(),
            Some([2, 1, 28, 28])
        );
        assert!(
            model
                .unflatten(Tensor::<2>::zeros([2, 783], &device))
                .is_err()
        );
    }
}
