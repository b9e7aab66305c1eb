//! Generator/discriminator families and their typed configs.
//!
//! Every family works on *flattened* samples so that the training step, the losses and the
//! checkpoint code never need to know which family they drive:
//! a generator maps latents `[B, latent_dim]` to samples `[B, D]` and a discriminator maps
//! samples `[B, D]` to one logit per sample `[B]`, where `D` is [`ModelConfig::sample_dim`]
//! (2 for the toy sets, `C·H·W` for images). Image families reshape internally.

pub mod budget;
mod conditioning;
mod dcgan;
mod mlp;
pub mod named;
pub mod ops;
mod spectral;
pub mod text;

pub use conditioning::{DConditioning, GConditioning};
pub use dcgan::{ConvLayer, DcganConfig, DcganDiscriminator, DcganGenerator};
pub use mlp::{MlpConfig, MlpDiscriminator, MlpGenerator};
pub use text::{TextDcganConfig, TextDiscriminator, TextGenerator};

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor};
use serde::{Deserialize, Serialize};

/// What the networks are: one variant per family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ModelConfig {
    /// Multi-layer perceptrons for 2-D toy data.
    Mlp(MlpConfig),
    /// DCGAN convolutional networks for 28×28, 32×32 and 64×64 images.
    Dcgan(DcganConfig),
    /// DCGAN conditioned on a text (FiLM in G, a projection on the text code in D).
    TextDcgan(TextDcganConfig),
}

/// Distribution the latent vectors are drawn from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Noise {
    /// Standard normal N(0, 1) per component.
    #[default]
    Gaussian,
    /// Uniform on [-1, 1] per component.
    Uniform,
}

/// The shape of one data sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SampleShape {
    /// A point in `dim` dimensions.
    Points { dim: usize },
    /// An image, channel-planar, values in [-1, 1].
    Image {
        channels: usize,
        height: usize,
        width: usize,
    },
}

impl SampleShape {
    /// Number of values in one flattened sample.
    pub fn len(&self) -> usize {
        match *self {
            SampleShape::Points { dim } => dim,
            SampleShape::Image {
                channels,
                height,
                width,
            } => channels * height * width,
        }
    }

    /// `[channels, height, width]` of an image sample; `None` for 2-D points.
    pub fn image(self) -> Option<[usize; 3]> {
        match self {
            SampleShape::Image {
                channels,
                height,
                width,
            } => Some([channels, height, width]),
            SampleShape::Points { .. } => None,
        }
    }

    /// Whether a sample holds no value at all (never true for a valid model).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Errors raised while building a model from its config.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ModelError {
    #[error("unsupported resolution {0}: DCGAN supports 28, 32 and 64")]
    Resolution(usize),
    #[error("unsupported channel count {0}: use 1 (grey) or 3 (RGB)")]
    Channels(usize),
    #[error("model field `{field}` must be at least {min}, got {value}")]
    TooSmall {
        field: &'static str,
        min: usize,
        value: usize,
    },
    #[error(transparent)]
    Limit(#[from] crate::limits::LimitError),
    #[error("model.vocabulary {0}")]
    Vocabulary(String),
}

impl ModelConfig {
    /// Checks the values that the type system cannot.
    pub fn validate(&self) -> Result<(), ModelError> {
        match self {
            ModelConfig::Mlp(c) => c.validate(),
            ModelConfig::Dcgan(c) => c.validate(),
            ModelConfig::TextDcgan(c) => c.validate(),
        }?;
        // Stated maxima of every size, before anything is allocated.
        budget::check_model(self)?;
        Ok(())
    }

    /// Dimension of the latent vectors fed to the generator.
    pub fn latent_dim(&self) -> usize {
        match self {
            ModelConfig::Mlp(c) => c.latent_dim,
            ModelConfig::Dcgan(c) => c.latent_dim,
            ModelConfig::TextDcgan(c) => c.latent_dim,
        }
    }

    /// Distribution of the latent vectors.
    pub fn noise(&self) -> Noise {
        match self {
            ModelConfig::Mlp(c) => c.noise,
            ModelConfig::Dcgan(c) => c.noise,
            ModelConfig::TextDcgan(c) => c.noise,
        }
    }

    /// Number of classes the networks are conditioned on (0 = unconditional).
    pub fn classes(&self) -> usize {
        match self {
            ModelConfig::Mlp(_) | ModelConfig::TextDcgan(_) => 0,
            ModelConfig::Dcgan(c) => c.classes,
        }
    }

    /// The text model's config, for a text-conditioned family.
    pub fn text(&self) -> Option<&TextDcganConfig> {
        match self {
            ModelConfig::TextDcgan(c) => Some(c),
            _ => None,
        }
    }

    /// Shape of one generated sample.
    pub fn sample_shape(&self) -> SampleShape {
        match self {
            ModelConfig::Mlp(c) => SampleShape::Points { dim: c.data_dim },
            ModelConfig::Dcgan(c) => SampleShape::Image {
                channels: c.channels,
                height: c.resolution,
                width: c.resolution,
            },
            ModelConfig::TextDcgan(c) => SampleShape::Image {
                channels: c.channels,
                height: c.resolution,
                width: c.resolution,
            },
        }
    }

    /// Number of values in one flattened sample.
    pub fn sample_dim(&self) -> usize {
        self.sample_shape().len()
    }

    /// Builds networks initialised from `seed`, reproducibly: Burn draws initial weights from
    /// a process-wide generator when a parameter is first used, so seeding and every draw happen
    /// under one lock, and every parameter is touched before the lock is released.
    pub fn init_seeded(
        &self,
        seed: u64,
        device: &Device,
    ) -> Result<(Generator, Discriminator), ModelError> {
        static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = INIT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        device.seed(seed);
        let (generator, discriminator) = self.init(device)?;
        named::collect(&generator);
        named::collect(&discriminator);
        Ok((generator, discriminator))
    }

    /// Builds freshly initialised networks on `device` (random weights; see
    /// [`ModelConfig::init_seeded`] for reproducible ones).
    pub fn init(&self, device: &Device) -> Result<(Generator, Discriminator), ModelError> {
        self.validate()?;
        Ok(match self {
            ModelConfig::Mlp(c) => (
                Generator::Mlp(c.init_generator(device)),
                Discriminator::Mlp(c.init_discriminator(device)),
            ),
            ModelConfig::Dcgan(c) => (
                Generator::Dcgan(c.init_generator(device)?),
                Discriminator::Dcgan(c.init_discriminator(device)?),
            ),
            ModelConfig::TextDcgan(c) => (
                Generator::TextDcgan(TextGenerator::new(c, device)?),
                Discriminator::TextDcgan(TextDiscriminator::new(c, device)?),
            ),
        })
    }
}

/// A generator of any family.
#[derive(Module, Debug)]
pub enum Generator {
    Mlp(MlpGenerator),
    Dcgan(DcganGenerator),
    TextDcgan(TextGenerator),
}

impl Generator {
    /// `[B, latent_dim]` latents (and `[B]` labels for class-conditional models, `[B·W·S]`
    /// token ids for text models, see [`text::tokens`]) → `[B, D]` samples.
    pub fn forward(&self, latents: Tensor<2>, labels: Option<Tensor<1, Int>>) -> Tensor<2> {
        match self {
            Generator::Mlp(g) => g.forward(latents),
            Generator::Dcgan(g) => g.forward(latents, labels),
            Generator::TextDcgan(g) => g.forward(latents, labels),
        }
    }
}

/// A discriminator of any family.
#[derive(Module, Debug)]
pub enum Discriminator {
    Mlp(MlpDiscriminator),
    Dcgan(DcganDiscriminator),
    TextDcgan(TextDiscriminator),
}

impl Discriminator {
    /// `[B, D]` samples (and `[B]` labels for class-conditional models, `[B·W·S]` token ids
    /// for text models) → `[B]` logits.
    pub fn forward(&self, samples: Tensor<2>, labels: Option<Tensor<1, Int>>) -> Tensor<1> {
        match self {
            Discriminator::Mlp(d) => d.forward(samples),
            Discriminator::Dcgan(d) => d.forward(samples, labels),
            Discriminator::TextDcgan(d) => d.forward(samples, labels),
        }
    }

    /// One power iteration of every spectrally normalised layer (identity without them).
    /// Called once per discriminator update, as in Miyato et al. (2018).
    pub fn power_iterate(self) -> Self {
        match self {
            Discriminator::Dcgan(d) => Discriminator::Dcgan(d.power_iterate()),
            Discriminator::TextDcgan(d) => Discriminator::TextDcgan(d.power_iterate()),
            other => other,
        }
    }
}

fn at_least(field: &'static str, value: usize, min: usize) -> Result<(), ModelError> {
    if value < min {
        return Err(ModelError::TooSmall { field, min, value });
    }
    Ok(())
}
