//! The text encoder: token ids → mean word vector → a two-layer MLP → the text code.
//!
//! Each word's vector is the mean of the rows its ids name (its own row if it has one, and its
//! character n-grams), the text's vector the mean of its words' vectors; padding (id 0) counts
//! for nothing, and a text of padding only gives the zero vector. The word rows are learnt with
//! the GAN from the captions (no pretrained word vectors are used yet).

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig};
use burn::tensor::{Device, Int, Tensor};

use super::super::ops::leaky_relu;
use super::config::TextDcganConfig;

/// Token ids → text code.
#[derive(Module, Debug)]
pub struct TextEncoder {
    /// `[1 + V + buckets, embed_dim]`: padding, word and n-gram rows.
    table: Embedding,
    /// `embed_dim → text_dim`.
    hidden: Linear,
    /// `text_dim → text_dim`.
    out: Linear,
    words: usize,
    slots: usize,
}

impl TextEncoder {
    pub(crate) fn new(config: &TextDcganConfig, device: &Device) -> Self {
        let rows = config.tokenizer().table_rows();
        Self {
            table: EmbeddingConfig::new(rows, config.embed_dim)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: 1.0,
                })
                .init(device),
            hidden: LinearConfig::new(config.embed_dim, config.text_dim).init(device),
            out: LinearConfig::new(config.text_dim, config.text_dim).init(device),
            words: config.max_words,
            slots: config.slots_per_word,
        }
    }

    /// Token ids per text.
    pub fn ids_per_text(&self) -> usize {
        self.words * self.slots
    }

    /// Size of a word vector.
    pub fn embed_dim(&self) -> usize {
        self.table.weight.dims()[1]
    }

    /// `[B·W·S]` ids (W words of S slots per text) → `[B, embed_dim]` mean word vectors.
    pub fn pool(&self, ids: Tensor<1, Int>) -> Tensor<2> {
        let (words, slots) = (self.words, self.slots);
        let batch = ids.dims()[0] / self.ids_per_text().max(1);
        let ids = ids.reshape([batch, words * slots]); // [B, W·S]
        let dim = self.table.weight.dims()[1];
        let mask = ids
            .clone()
            .not_equal_elem(0)
            .float()
            .reshape([batch, words, slots, 1]);
        let rows = self.table.forward(ids).reshape([batch, words, slots, dim]); // [B, W, S, E]
        let per_word = mask.clone().sum_dim(2); // [B, W, 1, 1]: ids of each word
        let word = (rows * mask).sum_dim(2) / per_word.clone().clamp_min(1.0); // [B, W, 1, E]
        let present = per_word.clamp_max(1.0); // [B, W, 1, 1]: 1 for a word, 0 for padding
        let count = present.clone().sum_dim(1).clamp_min(1.0); // [B, 1, 1, 1]
        (word * present).sum_dim(1).div(count).reshape([batch, dim]) // [B, E]
    }

    /// `[B, embed_dim]` mean word vectors → `[B, text_dim]` text codes.
    pub fn code(&self, pooled: Tensor<2>) -> Tensor<2> {
        let h = leaky_relu(self.hidden.forward(pooled), 0.2); // [B, T]
        self.out.forward(h) // [B, T]
    }

    /// `[B·W·S]` ids → `[B, text_dim]` text codes.
    pub fn forward(&self, ids: Tensor<1, Int>) -> Tensor<2> {
        self.code(self.pool(ids))
    }
}
