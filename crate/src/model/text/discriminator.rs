//! The text-conditioned discriminator: DCGAN's convolutions with spectral normalisation and a
//! projection on the text code (Miyato & Koyama, 2018, with a text code in place of a class
//! embedding): `D(x, t) = w·φ(x) + ⟨Σφ(x), P c(t)⟩`, where `φ(x)` are the last feature maps,
//! `Σ` sums them over space, `c(t)` is D's own text code and `P` a linear map.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Int, Tensor};

use super::super::spectral::NormConv2d;
use super::super::{ModelError, ops};
use super::config::TextDcganConfig;
use super::encoder::TextEncoder;

/// Discriminator of a text-conditioned DCGAN.
#[derive(Module, Debug)]
pub struct TextDiscriminator {
    text: TextEncoder,
    /// Stride-2 convolutions, each followed by LeakyReLU(0.2).
    blocks: Vec<NormConv2d>,
    /// `[1, C_last, base, base]` kernel: the whole final map → one logit.
    out: NormConv2d,
    /// `text_dim → C_last`.
    project: Linear,
    channels: usize,
    resolution: usize,
}

impl TextDiscriminator {
    pub(in crate::model) fn new(
        config: &TextDcganConfig,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let mut layers: Vec<_> = config
            .image()
            .conv_layers()?
            .into_iter()
            .filter(|l| !l.transposed)
            .collect();
        let last = layers
            .pop()
            .ok_or(ModelError::Resolution(config.resolution))?;
        Ok(Self {
            text: TextEncoder::new(config, device),
            blocks: layers
                .iter()
                .map(|l| NormConv2d::new(l.shape(), true, device))
                .collect(),
            out: NormConv2d::new(last.shape(), true, device),
            project: LinearConfig::new(config.text_dim, last.c_in).init(device),
            channels: config.channels,
            resolution: config.resolution,
        })
    }

    /// `[B, C·R·R]` images and `[B·W·S]` token ids → `[B]` logits (the image term alone
    /// without ids).
    pub fn forward(&self, images: Tensor<2>, ids: Option<Tensor<1, Int>>) -> Tensor<1> {
        let [batch, _] = images.dims();
        let x = images.reshape([batch, self.channels, self.resolution, self.resolution]);
        // [B, C, R, R] → [B, w, R/2, R/2] → … → [B, C_last, base, base]
        let h = self
            .blocks
            .iter()
            .fold(x, |h, conv| ops::leaky_relu(conv.forward(h), 0.2));
        let logits = self.out.forward(h.clone()).reshape([batch]); // [B]
        let Some(ids) = ids else {
            return logits;
        };
        let [_, features, _, _] = h.dims();
        let pooled = h.sum_dim(3).sum_dim(2).reshape([batch, features]); // [B, C_last]
        let code = self.project.forward(self.text.forward(ids)); // [B, C_last]
        logits + (pooled * code).sum_dim(1).reshape([batch])
    }

    /// One power iteration in every spectrally normalised convolution.
    pub fn power_iterate(mut self) -> Self {
        self.blocks = self
            .blocks
            .into_iter()
            .map(NormConv2d::power_iterate)
            .collect();
        self.out = self.out.power_iterate();
        self
    }
}
