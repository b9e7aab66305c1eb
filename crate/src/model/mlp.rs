//! Multi-layer perceptrons for 2-D toy data (the teaching view and the fast tests).

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;

use super::ops::leaky_relu;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::{ModelError, Noise, at_least};

/// Shape of the MLP generator and discriminator (both get the same depth and width).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpConfig {
    /// Dimension of a data point (2 for the toy sets).
    #[serde(default = "default_data_dim")]
    pub data_dim: usize,
    /// Dimension of the latent vector.
    #[serde(default = "default_latent_dim")]
    pub latent_dim: usize,
    /// Hidden layers in each network.
    #[serde(default = "default_depth")]
    pub depth: usize,
    /// Units per hidden layer.
    #[serde(default = "default_width")]
    pub width: usize,
    /// Latent distribution.
    #[serde(default)]
    pub noise: Noise,
}

fn default_data_dim() -> usize {
    2
}
fn default_latent_dim() -> usize {
    8
}
fn default_depth() -> usize {
    3
}
fn default_width() -> usize {
    128
}

impl Default for MlpConfig {
    fn default() -> Self {
        Self {
            data_dim: default_data_dim(),
            latent_dim: default_latent_dim(),
            depth: default_depth(),
            width: default_width(),
            noise: Noise::default(),
        }
    }
}

impl MlpConfig {
    pub(super) fn validate(&self) -> Result<(), ModelError> {
        at_least("data_dim", self.data_dim, 1)?;
        at_least("latent_dim", self.latent_dim, 1)?;
        at_least("depth", self.depth, 1)?;
        at_least("width", self.width, 1)
    }

    fn layers(&self, input: usize, output: usize, device: &Device) -> (Vec<Linear>, Linear) {
        let mut hidden = Vec::with_capacity(self.depth);
        let mut fan_in = input;
        for _ in 0..self.depth {
            hidden.push(LinearConfig::new(fan_in, self.width).init(device));
            fan_in = self.width;
        }
        (hidden, LinearConfig::new(fan_in, output).init(device))
    }

    pub(super) fn init_generator(&self, device: &Device) -> MlpGenerator {
        let (hidden, out) = self.layers(self.latent_dim, self.data_dim, device);
        MlpGenerator { hidden, out }
    }

    pub(super) fn init_discriminator(&self, device: &Device) -> MlpDiscriminator {
        let (hidden, out) = self.layers(self.data_dim, 1, device);
        MlpDiscriminator { hidden, out }
    }
}

/// ReLU MLP generator with a linear output (toy data is unbounded).
#[derive(Module, Debug)]
pub struct MlpGenerator {
    hidden: Vec<Linear>,
    out: Linear,
}

impl MlpGenerator {
    /// `[B, latent_dim]` → `[B, data_dim]`.
    pub fn forward(&self, latents: Tensor<2>) -> Tensor<2> {
        let h = self
            .hidden
            .iter()
            .fold(latents, |h, layer| relu(layer.forward(h))); // [B, width]
        self.out.forward(h) // [B, data_dim]
    }
}

/// LeakyReLU(0.2) MLP discriminator producing one logit per point.
#[derive(Module, Debug)]
pub struct MlpDiscriminator {
    hidden: Vec<Linear>,
    out: Linear,
}

impl MlpDiscriminator {
    /// `[B, data_dim]` → `[B]` logits.
    pub fn forward(&self, points: Tensor<2>) -> Tensor<1> {
        let h = self
            .hidden
            .iter()
            .fold(points, |h, layer| leaky_relu(layer.forward(h), 0.2)); // [B, width]
        self.out.forward(h).flatten(0, 1) // [B, 1] → [B]
    }
}
