//! A CLIP-score analogue for text models: a small contrastive image–text model trained by
//! ganvas on captioned images (our image encoder and the text models' encoder, each followed by
//! a projection into one shared space), and the two metrics it gives a text-conditioned
//! generator:
//!
//! - **text-image score**: the mean cosine between a generated image's embedding and its
//!   prompt's (CLIP score's analogue, Hessel et al., 2021, without the ×2.5 rescaling);
//! - **R-precision**: how often a generated image ranks its own prompt first among `N`
//!   candidate captions (its own and `N − 1` others), as in AttnGAN (Xu et al., 2018); chance is
//!   `1/N`.
//!
//! Both are also measured on real images with their own captions: the reference level.

mod evaluate;
mod file;
mod model;
mod score;
mod train;

pub use evaluate::{CANDIDATES, results, score_generator, score_images};
pub use file::{FORMAT, Reference, ScorerFile, ScorerMeta};
pub use model::{EMBED, ScorerConfig, TextImageScorer};
pub use score::{TextImageScores, text_image_scores};
pub use train::{ScorerTrainer, contrastive_loss};

/// Why a scorer cannot be built, trained, saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScorerError {
    #[error("scorer config: {0}")]
    Config(String),
    #[error("{0}")]
    Model(#[from] crate::model::ModelError),
    #[error("scorer file: {0}")]
    File(String),
    #[error("{0}")]
    Codec(#[from] crate::tensor_file::CodecError),
    #[error("{0}")]
    Fit(#[from] crate::model::named::FitError),
    #[error("{0}")]
    Prompt(#[from] crate::model::text::PromptError),
    #[error("{0}")]
    Sample(#[from] crate::prompt::PromptSampleError),
    #[error("reading results back: {0}")]
    Read(String),
}
