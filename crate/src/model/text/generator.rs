//! The text-conditioned generator: DCGAN's transposed convolutions with the latent alone at the
//! input and the text entering through FiLM on every block (Perez et al., 2018): each block's
//! normalised features are scaled by `1 + γ(c)` and shifted by `β(c)`, both linear in the text
//! code `c` and zero at the start (conditional BatchNorm with a text code instead of a class).
//!
//! The text code is not concatenated to the latent: sharing the first BatchNorm's unit variance
//! with a 128-d code squeezed the latent out (every sample of a prompt was the same image, and a
//! two-colour toy set was drawn in one colour), as a large class embedding did in the Fashion
//! model's experiments (`www/models/fashion-dcgan32.md`).

use burn::module::Module;
use burn::nn::conv::ConvTranspose2d;
use burn::nn::{BatchNorm, Initializer, Linear, LinearConfig};
use burn::tensor::activation::{relu, tanh};
use burn::tensor::{Device, Int, Tensor};

use super::super::dcgan::{batch_norm, transposed, transposed_forward};
use super::super::{ModelError, ops};
use super::config::TextDcganConfig;
use super::encoder::TextEncoder;

/// Transposed convolution, BatchNorm, FiLM from the text code, ReLU.
#[derive(Module, Debug)]
struct FilmBlock {
    conv: ConvTranspose2d,
    norm: BatchNorm,
    /// `text_dim → 2C`: `γ` then `β`.
    film: Linear,
}

impl FilmBlock {
    /// `[B, C_in, s, s]`, `[B, T]` → `[B, C, s', s']`.
    fn forward(&self, h: Tensor<4>, code: &Tensor<2>) -> Tensor<4> {
        let h = ops::batch_norm(&self.norm, transposed_forward(&self.conv, h));
        let [batch, channels, ..] = h.dims();
        let gb = self
            .film
            .forward(code.clone())
            .reshape([batch, 2 * channels, 1, 1]);
        let gamma = gb.clone().narrow(1, 0, channels);
        let beta = gb.narrow(1, channels, channels);
        relu(h.clone() + h * gamma + beta)
    }
}

/// Generator of a text-conditioned DCGAN.
#[derive(Module, Debug)]
pub struct TextGenerator {
    text: TextEncoder,
    blocks: Vec<FilmBlock>,
    out: ConvTranspose2d,
    channels: usize,
    resolution: usize,
}

impl TextGenerator {
    pub(in crate::model) fn new(
        config: &TextDcganConfig,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let image = config.image();
        let mut layers: Vec<_> = image
            .conv_layers()?
            .into_iter()
            .filter(|l| l.transposed)
            .collect();
        let last = layers
            .pop()
            .ok_or(ModelError::Resolution(config.resolution))?;
        let blocks = layers
            .iter()
            .map(|l| FilmBlock {
                conv: transposed(l, device),
                norm: batch_norm(l.c_out, device),
                film: LinearConfig::new(config.text_dim, 2 * l.c_out)
                    .with_initializer(Initializer::Zeros)
                    .init(device),
            })
            .collect();
        Ok(Self {
            text: TextEncoder::new(config, device),
            blocks,
            out: transposed(&last, device),
            channels: config.channels,
            resolution: config.resolution,
        })
    }

    /// The text encoder (to encode prompts once for many latents, or to interpolate codes).
    pub fn encoder(&self) -> &TextEncoder {
        &self.text
    }

    /// `[B, latent]` latents and `[B·W·S]` token ids → `[B, C·R·R]` images in [-1, 1]. Without
    /// ids every sample gets the text code of an empty text.
    pub fn forward(&self, latents: Tensor<2>, ids: Option<Tensor<1, Int>>) -> Tensor<2> {
        let [batch, _] = latents.dims();
        let pooled = match ids {
            Some(ids) => self.text.pool(ids), // [B, E]
            None => Tensor::zeros([batch, self.text.embed_dim()], &latents.device()),
        };
        self.forward_pooled(latents, pooled)
    }

    /// `[B, latent]` latents and `[B, embed_dim]` mean word vectors → `[B, C·R·R]` images.
    pub fn forward_pooled(&self, latents: Tensor<2>, pooled: Tensor<2>) -> Tensor<2> {
        let [batch, _] = latents.dims();
        let code = self.text.code(pooled); // [B, T]
        let width = latents.dims()[1];
        // [B, L, 1, 1] → [B, 4w, 4, 4] → … doubling → [B, w, R/2, R/2]
        let h = self
            .blocks
            .iter()
            .fold(latents.reshape([batch, width, 1, 1]), |h, block| {
                block.forward(h, &code)
            });
        let images = tanh(transposed_forward(&self.out, h)); // [B, C, R, R]
        images.reshape([batch, self.channels * self.resolution * self.resolution])
    }
}
