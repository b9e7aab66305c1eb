//! The text-conditioned DCGAN (a StyleGAN-T in miniature): a generator modulated by a text code
//! (FiLM) and a projection discriminator on the text code, each with its own small text
//! encoder (word and character-n-gram vectors, mean-pooled, then an MLP).
//!
//! Conditions travel where class labels do in the other families: as `[B·W·S]` token ids
//! (`W` words of `S` ids per text, see [`tokens`]) in the `labels` argument of
//! [`super::Generator::forward`] and [`super::Discriminator::forward`].

mod config;
mod discriminator;
mod encoder;
mod generator;
pub mod tokens;

pub use config::TextDcganConfig;
pub use discriminator::TextDiscriminator;
pub use encoder::TextEncoder;
pub use generator::TextGenerator;
pub use tokens::{PromptError, Tokenizer};
