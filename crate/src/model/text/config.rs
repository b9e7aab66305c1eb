//! The typed config of the text-conditioned DCGAN: the image side (as DCGAN's) and the text
//! encoder's sizes and vocabulary.

use serde::{Deserialize, Serialize};

use super::super::{DcganConfig, ModelError, Noise, at_least};
use super::tokens::Tokenizer;

/// Most words a vocabulary may hold.
pub const MAX_VOCABULARY: usize = 50_000;
/// Most n-gram rows.
pub const MAX_BUCKETS: usize = 1 << 16;
/// Most words read from one text.
pub const MAX_WORDS: usize = 64;
/// Most ids per word.
pub const MAX_SLOTS: usize = 32;
/// Largest word-vector and text-code size.
pub const MAX_TEXT_DIM: usize = 1024;

/// Shape of a text-conditioned DCGAN pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextDcganConfig {
    /// Image side in pixels: 28, 32 or 64.
    pub resolution: usize,
    /// Image channels: 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Dimension of the latent vector.
    #[serde(default = "default_latent_dim")]
    pub latent_dim: usize,
    /// Channels of the widest-resolution block; other blocks double it.
    #[serde(default = "default_width")]
    pub width: usize,
    /// Latent distribution.
    #[serde(default)]
    pub noise: Noise,
    /// Size of a word vector (the embedding table's columns).
    #[serde(default = "default_embed_dim")]
    pub embed_dim: usize,
    /// Size of the text code the MLP makes from the mean word vector.
    #[serde(default = "default_text_dim")]
    pub text_dim: usize,
    /// Words read from one text; longer captions are cut, longer prompts refused.
    #[serde(default = "default_max_words")]
    pub max_words: usize,
    /// Ids per word: its own row and `slots − 1` character n-grams.
    #[serde(default = "default_slots")]
    pub slots_per_word: usize,
    /// Rows that character n-grams are hashed into.
    #[serde(default = "default_buckets")]
    pub ngram_buckets: usize,
    /// Words with a row of their own, sorted, without repeats (empty: n-grams only). `ganvas
    /// train` fills an empty list with the training captions' words.
    #[serde(default)]
    pub vocabulary: Vec<String>,
}

fn default_latent_dim() -> usize {
    100
}
fn default_width() -> usize {
    32
}
fn default_embed_dim() -> usize {
    64
}
fn default_text_dim() -> usize {
    128
}
fn default_max_words() -> usize {
    16
}
fn default_slots() -> usize {
    8
}
fn default_buckets() -> usize {
    2048
}

impl TextDcganConfig {
    /// A config with default sizes, an empty vocabulary and the given image shape.
    pub fn new(resolution: usize, channels: usize) -> Self {
        Self {
            resolution,
            channels,
            latent_dim: default_latent_dim(),
            width: default_width(),
            noise: Noise::default(),
            embed_dim: default_embed_dim(),
            text_dim: default_text_dim(),
            max_words: default_max_words(),
            slots_per_word: default_slots(),
            ngram_buckets: default_buckets(),
            vocabulary: Vec::new(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ModelError> {
        self.image().validate()?;
        at_least("text_dim", self.text_dim, 1)?;
        at_least("embed_dim", self.embed_dim, 1)?;
        at_least("max_words", self.max_words, 1)?;
        at_least("slots_per_word", self.slots_per_word, 2)?;
        at_least("ngram_buckets", self.ngram_buckets, 1)?;
        for (field, value, max) in [
            ("model.vocabulary", self.vocabulary.len(), MAX_VOCABULARY),
            ("model.ngram_buckets", self.ngram_buckets, MAX_BUCKETS),
            ("model.max_words", self.max_words, MAX_WORDS),
            ("model.slots_per_word", self.slots_per_word, MAX_SLOTS),
            ("model.embed_dim", self.embed_dim, MAX_TEXT_DIM),
            ("model.text_dim", self.text_dim, MAX_TEXT_DIM),
        ] {
            crate::limits::at_most(field, value as u64, max as u64)?;
        }
        if let Some(pair) = self.vocabulary.windows(2).find(|p| p[0] >= p[1]) {
            return Err(ModelError::Vocabulary(format!(
                "must be sorted without repeats: `{}` comes before `{}`",
                pair[0], pair[1]
            )));
        }
        if let Some(word) = self
            .vocabulary
            .iter()
            .find(|w| super::tokens::words(w) != [w.as_str()])
        {
            return Err(ModelError::Vocabulary(format!(
                "`{word}` is not one lower-case word"
            )));
        }
        Ok(())
    }

    /// The tokenizer of this vocabulary and table layout.
    pub fn tokenizer(&self) -> Tokenizer {
        Tokenizer::new(
            &self.vocabulary,
            self.ngram_buckets,
            self.slots_per_word,
            self.max_words,
        )
    }

    /// Token ids per text (`max_words × slots_per_word`).
    pub fn ids_per_text(&self) -> usize {
        self.max_words * self.slots_per_word
    }

    /// The unconditional DCGAN whose layer plan this model follows (the generator's input is
    /// the latent alone; the text enters through FiLM).
    pub fn image(&self) -> DcganConfig {
        DcganConfig {
            latent_dim: self.latent_dim,
            width: self.width,
            spectral_norm: true,
            noise: self.noise,
            ..DcganConfig::new(self.resolution, self.channels)
        }
    }

    /// Parameters of one text encoder: the table and the two-layer MLP.
    pub fn encoder_parameters(&self) -> Option<u64> {
        let rows = (1 + self.vocabulary.len() as u64).checked_add(self.ngram_buckets as u64)?;
        let (e, t) = (self.embed_dim as u64, self.text_dim as u64);
        rows.checked_mul(e)?
            .checked_add(e.checked_add(1)?.checked_mul(t)?)?
            .checked_add(t.checked_add(1)?.checked_mul(t)?)
    }

    /// `(generator, discriminator)` parameter counts (an upper estimate): the image networks,
    /// one text encoder each, FiLM in G (`γ`, `β` per channel of every block) and D's projection.
    pub fn parameters(&self) -> Option<(u64, u64)> {
        let (g, d) = crate::model::budget::dcgan_parameters(&self.image())?;
        let encoder = self.encoder_parameters()?;
        let text = self.text_dim as u64 + 1;
        // Every block has at most 8 × width channels (32×32: 4w, 2w, w; 64×64: 8w, …).
        let film = text
            .checked_mul(2 * 8 * self.width as u64)?
            .checked_mul(4)?;
        let project = text.checked_mul(8 * self.width as u64)?;
        Some((
            g.checked_add(encoder)?.checked_add(film)?,
            d.checked_add(encoder)?.checked_add(project)?,
        ))
    }
}
