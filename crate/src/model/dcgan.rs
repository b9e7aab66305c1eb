//! DCGAN (Radford et al., 2016) for 28×28, 32×32 and 64×64 images with 1 or 3 channels,
//! optional class conditioning (see [`super::conditioning`]: a label embedding concatenated
//! to the latent or class-conditional BatchNorm in G; a projection discriminator after Miyato &
//! Koyama, 2018, or class maps beside the image in D) and optional spectral normalisation in D.
//!
//! The generator starts with a transposed convolution from `1×1` to a `base×base` map
//! (`base` = 4, or 7 for 28×28) and doubles the resolution with 4×4 stride-2 transposed
//! convolutions; the discriminator mirrors it. At 64×64 with `width = 64` this is exactly the
//! PyTorch examples DCGAN (ngf = ndf = 64, BatchNorm, ReLU / LeakyReLU(0.2), Tanh).

use burn::module::Module;
use burn::nn::conv::{ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Embedding, EmbeddingConfig, Initializer};
use burn::tensor::activation::{relu, tanh};
use burn::tensor::{Device, Int, Tensor};
use serde::{Deserialize, Serialize};

use super::conditioning::{self, DConditioning, GConditioning};
use super::ops;
use super::spectral::{ConvShape, NormConv2d};
use super::{ModelError, Noise, at_least};

/// One convolution of a DCGAN pair (what the per-layer benchmark times).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvLayer {
    /// A generator layer: a transposed convolution from `side²` up.
    pub transposed: bool,
    pub c_in: usize,
    pub c_out: usize,
    /// Input side in pixels (1 for the latent).
    pub side: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
}

impl ConvLayer {
    fn new(
        transposed: bool,
        c_in: usize,
        c_out: usize,
        side: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
    ) -> Self {
        Self {
            transposed,
            c_in,
            c_out,
            side,
            kernel,
            stride,
            padding,
        }
    }

    /// Output side in pixels.
    pub fn out_side(&self) -> usize {
        if self.transposed {
            ((self.side - 1) * self.stride + self.kernel).saturating_sub(2 * self.padding)
        } else {
            ((self.side + 2 * self.padding).saturating_sub(self.kernel)) / self.stride + 1
        }
    }

    /// Multiply-adds per image: `in × out × k²` per input pixel of a transposed convolution,
    /// per output pixel of a convolution.
    pub fn macs(&self) -> u64 {
        let pixels = if self.transposed {
            self.side
        } else {
            self.out_side()
        }
        .pow(2);
        (self.c_in * self.c_out * self.kernel * self.kernel * pixels) as u64
    }

    /// The shape of the discriminator's convolution for this layer.
    pub(super) fn shape(&self) -> ConvShape {
        ConvShape {
            channels_in: self.c_in,
            channels_out: self.c_out,
            kernel: self.kernel,
            stride: self.stride,
            padding: self.padding,
        }
    }

    /// `G z→4²`, `G 4²→8²`, `D 64²→32²`, `D 4²→logit`.
    pub fn name(&self) -> String {
        let (from, to) = (self.side, self.out_side());
        match (self.transposed, from, to) {
            (true, 1, _) => format!("G z→{to}²"),
            (false, _, 1) => format!("D {from}²→logit"),
            (true, ..) => format!("G {from}²→{to}²"),
            (false, ..) => format!("D {from}²→{to}²"),
        }
    }
}

/// Shape of a DCGAN pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DcganConfig {
    /// Image side in pixels: 28, 32 or 64.
    pub resolution: usize,
    /// Image channels: 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Dimension of the latent vector.
    #[serde(default = "default_latent_dim")]
    pub latent_dim: usize,
    /// Channels of the widest-resolution block (PyTorch's ngf = ndf); other blocks double it.
    #[serde(default = "default_width")]
    pub width: usize,
    /// Number of classes to condition on; 0 = unconditional.
    #[serde(default)]
    pub classes: usize,
    /// Size of the label embedding concatenated to the latent in G (conditional models only).
    #[serde(default = "default_label_dim")]
    pub label_dim: usize,
    /// Spectral normalisation on every discriminator convolution (BatchNorm is then dropped from D).
    #[serde(default)]
    pub spectral_norm: bool,
    /// How the generator of a conditional model is told the class.
    #[serde(default)]
    pub g_conditioning: GConditioning,
    /// How the discriminator of a conditional model sees the class.
    #[serde(default)]
    pub d_conditioning: DConditioning,
    /// Latent distribution.
    #[serde(default)]
    pub noise: Noise,
}

fn default_latent_dim() -> usize {
    100
}
fn default_width() -> usize {
    64
}
fn default_label_dim() -> usize {
    32
}

impl DcganConfig {
    /// A config with default widths for the given resolution and channels.
    pub fn new(resolution: usize, channels: usize) -> Self {
        Self {
            resolution,
            channels,
            latent_dim: default_latent_dim(),
            width: default_width(),
            classes: 0,
            label_dim: default_label_dim(),
            spectral_norm: false,
            g_conditioning: GConditioning::default(),
            d_conditioning: DConditioning::default(),
            noise: Noise::Gaussian,
        }
    }

    pub(super) fn validate(&self) -> Result<(), ModelError> {
        self.plan()?;
        if !matches!(self.channels, 1 | 3) {
            return Err(ModelError::Channels(self.channels));
        }
        at_least("latent_dim", self.latent_dim, 1)?;
        at_least("width", self.width, 1)?;
        if self.classes > 0 {
            at_least("label_dim", self.label_dim, 1)?;
        }
        Ok(())
    }

    /// `(base, ups)`: the first feature map is `base×base` and `ups` stride-2 layers follow.
    fn plan(&self) -> Result<(usize, usize), ModelError> {
        match self.resolution {
            28 => Ok((7, 2)),
            32 => Ok((4, 3)),
            64 => Ok((4, 4)),
            other => Err(ModelError::Resolution(other)),
        }
    }

    /// Size of the class embedding concatenated to G's latent (concat conditioning only).
    fn concat_dim(&self) -> usize {
        match self.g_conditioning {
            GConditioning::Concat if self.classes > 0 => self.label_dim,
            _ => 0,
        }
    }

    /// Class maps concatenated to D's input (input conditioning only).
    fn label_maps(&self) -> usize {
        match self.d_conditioning {
            DConditioning::Input => self.classes,
            DConditioning::Projection => 0,
        }
    }

    /// Channels of block `i` counted from the smallest feature map (widest first in G).
    fn block_channels(&self, ups: usize, i: usize) -> usize {
        self.width << (ups - 1 - i)
    }

    /// Multiply-adds of one generator forward pass for one image, convolutions only (what
    /// benchmarks count FLOPs from; BatchNorm and activations are a fraction of a percent).
    pub fn generator_macs(&self) -> Result<u64, ModelError> {
        Ok(self
            .conv_layers()?
            .iter()
            .filter(|l| l.transposed)
            .map(ConvLayer::macs)
            .sum())
    }

    /// Multiply-adds of one discriminator forward pass for one image, convolutions only.
    pub fn discriminator_macs(&self) -> Result<u64, ModelError> {
        Ok(self
            .conv_layers()?
            .iter()
            .filter(|l| !l.transposed)
            .map(ConvLayer::macs)
            .sum())
    }

    /// Every convolution of the pair, G's from the latent up then D's from the image down,
    /// with the shapes [`Self::init_generator`] and [`Self::init_discriminator`] build.
    pub fn conv_layers(&self) -> Result<Vec<ConvLayer>, ModelError> {
        let (base, ups) = self.plan()?;
        let mut layers = Vec::with_capacity(2 * ups + 2);
        let label_dim = self.concat_dim();
        let mut channels_in = self.latent_dim + label_dim;
        let mut side = 1;
        for i in 0..ups {
            let channels_out = self.block_channels(ups, i);
            let (kernel, stride, padding) = if i == 0 { (base, 1, 0) } else { (4, 2, 1) };
            layers.push(ConvLayer::new(
                true,
                channels_in,
                channels_out,
                side,
                kernel,
                stride,
                padding,
            ));
            side = layers[i].out_side();
            channels_in = channels_out;
        }
        layers.push(ConvLayer::new(
            true,
            channels_in,
            self.channels,
            side,
            4,
            2,
            1,
        ));
        let mut channels_in = self.channels + self.label_maps();
        let mut side = self.resolution;
        for i in 0..ups {
            let channels_out = self.block_channels(ups, ups - 1 - i);
            layers.push(ConvLayer::new(
                false,
                channels_in,
                channels_out,
                side,
                4,
                2,
                1,
            ));
            side /= 2;
            channels_in = channels_out;
        }
        layers.push(ConvLayer::new(false, channels_in, 1, side, base, 1, 0));
        Ok(layers)
    }

    pub(super) fn init_generator(&self, device: &Device) -> Result<DcganGenerator, ModelError> {
        let embed = (self.concat_dim() > 0).then(|| {
            EmbeddingConfig::new(self.classes, self.label_dim)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: 1.0,
                })
                .init(device)
        });
        let mut layers: Vec<ConvLayer> = self
            .conv_layers()?
            .into_iter()
            .filter(|l| l.transposed)
            .collect();
        let last = layers
            .pop()
            .ok_or(ModelError::Resolution(self.resolution))?;
        let blocks = layers
            .iter()
            .map(|l| UpBlock {
                conv: transposed(l, device),
                norm: batch_norm(l.c_out, device),
                class_affine: (self.classes > 0 && self.g_conditioning == GConditioning::BatchNorm)
                    .then(|| {
                        EmbeddingConfig::new(self.classes, 2 * l.c_out)
                            .with_initializer(Initializer::Zeros)
                            .init(device)
                    }),
            })
            .collect();
        Ok(DcganGenerator {
            embed,
            blocks,
            out: transposed(&last, device),
            channels: self.channels,
            resolution: self.resolution,
        })
    }

    pub(super) fn init_discriminator(
        &self,
        device: &Device,
    ) -> Result<DcganDiscriminator, ModelError> {
        let mut layers: Vec<ConvLayer> = self
            .conv_layers()?
            .into_iter()
            .filter(|l| !l.transposed)
            .collect();
        let last = layers
            .pop()
            .ok_or(ModelError::Resolution(self.resolution))?;
        let blocks = layers
            .iter()
            .enumerate()
            .map(|(i, l)| DownBlock {
                conv: NormConv2d::new(l.shape(), self.spectral_norm, device),
                // No normalisation on the first block (DCGAN), none at all with spectral norm (SN-GAN).
                norm: (i > 0 && !self.spectral_norm).then(|| batch_norm(l.c_out, device)),
            })
            .collect();
        let projection = self.classes > 0 && self.d_conditioning == DConditioning::Projection;
        let embed = projection.then(|| {
            EmbeddingConfig::new(self.classes, last.c_in)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: 0.02,
                })
                .init(device)
        });
        Ok(DcganDiscriminator {
            blocks,
            out: NormConv2d::new(last.shape(), self.spectral_norm, device),
            embed,
            label_maps: self.label_maps(),
            channels: self.channels,
            resolution: self.resolution,
        })
    }
}

pub(super) fn transposed(l: &ConvLayer, device: &Device) -> ConvTranspose2d {
    ConvTranspose2dConfig::new([l.c_in, l.c_out], [l.kernel; 2])
        .with_stride([l.stride; 2])
        .with_padding([l.padding; 2])
        .with_bias(false)
        .with_initializer(Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        })
        .init(device)
}

pub(super) fn batch_norm(features: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(features).init(device)
}

/// `conv.forward(x)` through our op layer for the geometry DCGAN builds (square stride and
/// padding, no bias, no output padding, no dilation or groups); Burn's module otherwise.
pub(super) fn transposed_forward(conv: &ConvTranspose2d, x: Tensor<4>) -> Tensor<4> {
    let [stride, stride_w] = conv.stride;
    let [padding, padding_w] = conv.padding;
    let plain = conv.bias.is_none()
        && stride == stride_w
        && padding == padding_w
        && conv.padding_out == [0, 0]
        && conv.dilation == [1, 1]
        && conv.groups == 1;
    if plain {
        ops::conv_transpose2d(x, conv.weight.val(), stride, padding)
    } else {
        conv.forward(x)
    }
}

/// Transposed convolution, BatchNorm (class-conditional or not), ReLU.
#[derive(Module, Debug)]
struct UpBlock {
    conv: ConvTranspose2d,
    norm: BatchNorm,
    /// `[classes, 2·C]`: per-class `γ` then `β` of conditional BatchNorm.
    class_affine: Option<Embedding>,
}

impl UpBlock {
    fn forward(&self, h: Tensor<4>, labels: Option<&Tensor<1, Int>>) -> Tensor<4> {
        let h = ops::batch_norm(&self.norm, transposed_forward(&self.conv, h));
        let h = match (&self.class_affine, labels) {
            (Some(affine), Some(y)) => conditioning::class_affine(affine, h, y),
            _ => h,
        };
        relu(h)
    }
}

/// Convolution, optional BatchNorm, LeakyReLU(0.2).
#[derive(Module, Debug)]
struct DownBlock {
    conv: NormConv2d,
    norm: Option<BatchNorm>,
}

/// DCGAN generator.
#[derive(Module, Debug)]
pub struct DcganGenerator {
    /// `[classes, label_dim]` label embedding, conditional models only.
    embed: Option<Embedding>,
    blocks: Vec<UpBlock>,
    out: ConvTranspose2d,
    channels: usize,
    resolution: usize,
}

impl DcganGenerator {
    /// `[B, latent]` latents (+ `[B]` labels when conditional) → `[B, C·R·R]` images in [-1, 1].
    /// A conditional generator given no labels receives a zero label embedding.
    pub fn forward(&self, latents: Tensor<2>, labels: Option<Tensor<1, Int>>) -> Tensor<2> {
        let [batch, latent_dim] = latents.dims();
        let input = match &self.embed {
            Some(embed) => {
                let label_dim = embed.weight.dims()[1];
                let code = match labels.clone() {
                    // [B] → [B, 1] → [B, 1, label_dim] → [B, label_dim]
                    Some(y) => embed
                        .forward(y.reshape([batch, 1]))
                        .reshape([batch, label_dim]),
                    None => Tensor::zeros([batch, label_dim], &latents.device()),
                };
                Tensor::cat(vec![latents, code], 1) // [B, latent + label_dim]
            }
            None => latents,
        };
        let width = input.dims()[1];
        debug_assert!(width >= latent_dim);
        let h = input.reshape([batch, width, 1, 1]); // [B, L, 1, 1]
        // [B, L, 1, 1] → [B, 4w·…, base, base] → … doubling → [B, w, R/2, R/2]
        let h = self
            .blocks
            .iter()
            .fold(h, |h, block| block.forward(h, labels.as_ref()));
        let images = tanh(transposed_forward(&self.out, h)); // [B, C, R, R]
        images.reshape([batch, self.channels * self.resolution * self.resolution])
    }
}

/// DCGAN discriminator (projection discriminator when conditional).
#[derive(Module, Debug)]
pub struct DcganDiscriminator {
    blocks: Vec<DownBlock>,
    /// `[1, C_last, base, base]` kernel: the whole final map → one logit.
    out: NormConv2d,
    /// `[classes, C_last]` projection embedding, projection-conditioned models only.
    embed: Option<Embedding>,
    /// One-hot class maps concatenated to the image (input-conditioned models), else 0.
    label_maps: usize,
    channels: usize,
    resolution: usize,
}

impl DcganDiscriminator {
    /// `[B, C·R·R]` images (+ `[B]` labels when conditional) → `[B]` logits.
    pub fn forward(&self, images: Tensor<2>, labels: Option<Tensor<1, Int>>) -> Tensor<1> {
        let [batch, _] = images.dims();
        let x = images.reshape([batch, self.channels, self.resolution, self.resolution]);
        let x = match self.label_maps {
            0 => x,
            classes => conditioning::with_class_maps(x, labels.as_ref(), classes), // [B, C + classes, R, R]
        };
        // [B, C, R, R] → [B, w, R/2, R/2] → … → [B, C_last, base, base]
        let h = self.blocks.iter().fold(x, |h, block| {
            let h = block.conv.forward(h);
            let h = match &block.norm {
                Some(norm) => ops::batch_norm(norm, h),
                None => h,
            };
            ops::leaky_relu(h, 0.2)
        });
        let logits = self.out.forward(h.clone()).reshape([batch]); // [B, 1, 1, 1] → [B]
        match (&self.embed, labels) {
            (Some(embed), Some(y)) => {
                let [_, features, _, _] = h.dims();
                let pooled = h.sum_dim(3).sum_dim(2).reshape([batch, features]); // [B, C_last]
                let code = embed
                    .forward(y.reshape([batch, 1]))
                    .reshape([batch, features]);
                logits + (pooled * code).sum_dim(1).reshape([batch]) // [B]
            }
            _ => logits,
        }
    }

    /// One power iteration in every spectrally normalised convolution.
    pub fn power_iterate(mut self) -> Self {
        self.blocks = self
            .blocks
            .into_iter()
            .map(|b| DownBlock {
                conv: b.conv.power_iterate(),
                norm: b.norm,
            })
            .collect();
        self.out = self.out.power_iterate();
        self
    }
}
