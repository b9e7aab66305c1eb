//! The contrastive image–text model.
//!
//! ```text
//! image [N, C, R, R] in [-1, 1]
//!   conv 4×4/2/1, C → w      LeakyReLU(0.2)   [N, w,  R/2, R/2]
//!   conv 4×4/2/1, w → 2w     LeakyReLU(0.2)   [N, 2w, R/4, R/4]
//!   conv 4×4/2/1, 2w → 4w    LeakyReLU(0.2)   [N, 4w, R/8, R/8]
//!   average pool to 4×4, flatten               [N, 64w]
//!   fc 64w → 256             LeakyReLU(0.2)
//!   fc 256 → EMBED, divided by its length      [N, EMBED]
//! text: token ids → TextEncoder (word and character n-gram vectors, mean, MLP) [N, text_dim]
//!   fc text_dim → EMBED, divided by its length [N, EMBED]
//! ```
//!
//! The text side is the text GAN's encoder (the same tokenizer, so any typed prompt has an
//! embedding), with a vocabulary of its own: the scorer scores any text model's images from
//! their prompts as text.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::module::adaptive_avg_pool2d;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::ScorerError;
use crate::model::ops::leaky_relu;
use crate::model::text::{TextDcganConfig, TextEncoder, Tokenizer};

/// Size of the shared embedding.
pub const EMBED: usize = 64;
/// Side of the map the last convolution is pooled to.
const POOLED: usize = 4;

/// Shape of a scorer: the image side and the text encoder as a text model's (`text`), and the
/// image tower's width.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorerConfig {
    /// Image shape, tokenizer and text-encoder sizes (the generator fields are unused).
    pub text: TextDcganConfig,
    /// Channels of the first convolution; the others have 2× and 4×.
    pub width: usize,
}

impl ScorerConfig {
    /// Checks the values the type system cannot.
    pub fn validate(&self) -> Result<(), ScorerError> {
        self.text.validate()?;
        if self.text.resolution < 8 * POOLED / 2 {
            return Err(ScorerError::Config(format!(
                "resolution {} is below 16: three stride-2 convolutions need at least 16 pixels",
                self.text.resolution
            )));
        }
        if !(1..=256).contains(&self.width) {
            return Err(ScorerError::Config(format!(
                "width {}: need 1..=256",
                self.width
            )));
        }
        Ok(())
    }

    /// The tokenizer of the text side.
    pub fn tokenizer(&self) -> Tokenizer {
        self.text.tokenizer()
    }
}

/// Image and text towers into one embedding space (see the module docs).
#[derive(Module, Debug)]
pub struct TextImageScorer {
    convs: Vec<Conv2d>,
    hidden: Linear,
    image_out: Linear,
    text: TextEncoder,
    text_out: Linear,
    channels: usize,
    resolution: usize,
}

impl TextImageScorer {
    /// A fresh scorer from `seed` on `device` (an autodiff device to train it). Burn's own
    /// initialisers draw the weights after `device.seed(seed)`.
    pub fn new(config: &ScorerConfig, seed: u64, device: &Device) -> Result<Self, ScorerError> {
        config.validate()?;
        device.seed(seed);
        let (c, w) = (config.text.channels, config.width);
        let convs = [(c, w), (w, 2 * w), (2 * w, 4 * w)]
            .into_iter()
            .map(|(i, o)| {
                Conv2dConfig::new([i, o], [4, 4])
                    .with_stride([2, 2])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init(device)
            })
            .collect();
        Ok(Self {
            convs,
            hidden: LinearConfig::new(4 * w * POOLED * POOLED, 256).init(device),
            image_out: LinearConfig::new(256, EMBED).init(device),
            text: TextEncoder::new(&config.text, device),
            text_out: LinearConfig::new(config.text.text_dim, EMBED).init(device),
            channels: c,
            resolution: config.text.resolution,
        })
    }

    /// `[N, C·R·R]` images in [-1, 1] → `[N, EMBED]` unit vectors.
    pub fn embed_images(&self, images: Tensor<2>) -> Tensor<2> {
        let [n, _] = images.dims();
        let x = images.reshape([n, self.channels, self.resolution, self.resolution]);
        let h = self
            .convs
            .iter()
            .fold(x, |h, conv| leaky_relu(conv.forward(h), 0.2));
        let h = adaptive_avg_pool2d(h, [POOLED, POOLED]);
        let [_, c, _, _] = h.dims();
        let h = leaky_relu(
            self.hidden.forward(h.reshape([n, c * POOLED * POOLED])),
            0.2,
        );
        unit(self.image_out.forward(h))
    }

    /// `[N·ids]` token ids (the tokenizer's layout) → `[N, EMBED]` unit vectors.
    pub fn embed_ids(&self, ids: Tensor<1, Int>) -> Tensor<2> {
        unit(self.text_out.forward(self.text.forward(ids)))
    }

    /// Texts → `[N, EMBED]` unit vectors; a text the tokenizer refuses is an error naming why.
    pub fn embed_texts(
        &self,
        tokenizer: &Tokenizer,
        texts: &[String],
        device: &Device,
    ) -> Result<Tensor<2>, ScorerError> {
        let mut ids = Vec::with_capacity(texts.len() * tokenizer.ids_per_text());
        for text in texts {
            ids.extend(tokenizer.encode_prompt(text)?);
        }
        let len = ids.len();
        Ok(self.embed_ids(Tensor::from_data(TensorData::new(ids, [len]), device)))
    }
}

/// Rows divided by their length.
fn unit(x: Tensor<2>) -> Tensor<2> {
    let norm = x
        .clone()
        .powf_scalar(2.0)
        .sum_dim(1)
        .add_scalar(1e-8)
        .sqrt(); // [N, 1]
    x / norm
}
