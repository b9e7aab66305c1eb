//! Sampling a text model from typed prompts: a grid with one row per prompt (the same latents
//! in every row, so the rows differ by their text only) and prompt-to-prompt strips (one
//! latent per strip, the mean word vector walking in a straight line from one prompt to the
//! other). The shells only read back and encode.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::model::text::PromptError;
use crate::model::{Generator, ModelConfig};
use crate::rng::Rng;
use crate::sample;

/// The prompts of the sample grids a text model's training writes (one row each).
pub const PREVIEW_PROMPTS: [&str; 8] = [
    "grinning face",
    "cat",
    "red heart",
    "pizza",
    "sun",
    "car",
    "tree",
    "flag",
];

/// Why prompts cannot be sampled.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum PromptSampleError {
    #[error("prompts need a text model (model.kind = \"text-dcgan\"); this checkpoint has none")]
    NotText,
    #[error("prompt `{prompt}`: {error}")]
    Prompt { prompt: String, error: PromptError },
}

/// `[len]` token ids of `prompt` for `model`.
fn ids(
    model: &ModelConfig,
    prompt: &str,
    device: &Device,
) -> Result<Tensor<1, Int>, PromptSampleError> {
    let text = model.text().ok_or(PromptSampleError::NotText)?;
    let ids =
        text.tokenizer()
            .encode_prompt(prompt)
            .map_err(|error| PromptSampleError::Prompt {
                // Shown in the message: at most 40 characters of it, control characters escaped.
                prompt: prompt
                    .chars()
                    .take(40)
                    .flat_map(char::escape_debug)
                    .collect(),
                error,
            })?;
    let len = ids.len();
    Ok(Tensor::from_data(TensorData::new(ids, [len]), device))
}

/// `[n, latent_dim]` latents from `rng`.
fn latents(
    model: &ModelConfig,
    n: usize,
    truncation: Option<f32>,
    rng: &mut Rng,
    device: &Device,
) -> Tensor<2> {
    let values = sample::latents(model, n, truncation, rng);
    Tensor::from_data(TensorData::new(values, [n, model.latent_dim()]), device)
}

/// `prompts.len() × per_prompt` samples `[rows, D]`, prompt-major: sample `j` of every prompt
/// has the same latent.
pub fn prompt_grid(
    generator: &Generator,
    model: &ModelConfig,
    prompts: &[String],
    per_prompt: usize,
    truncation: Option<f32>,
    rng: &mut Rng,
    device: &Device,
) -> Result<Tensor<2>, PromptSampleError> {
    let Generator::TextDcgan(g) = generator else {
        return Err(PromptSampleError::NotText);
    };
    let z = latents(model, per_prompt, truncation, rng, device); // [P, L]
    let mut rows = Vec::with_capacity(prompts.len());
    for prompt in prompts {
        let pooled = g.encoder().pool(ids(model, prompt, device)?); // [1, E]
        rows.push(g.forward_pooled(z.clone(), pooled.repeat_dim(0, per_prompt))); // [P, D]
    }
    Ok(Tensor::cat(rows, 0))
}

/// One sample per prompt `[P, D]`, each with its own latent (drawn in prompt order): a text
/// model's images of many captions, as the text-image metrics score them.
pub fn prompt_batch(
    generator: &Generator,
    model: &ModelConfig,
    prompts: &[String],
    truncation: Option<f32>,
    rng: &mut Rng,
    device: &Device,
) -> Result<Tensor<2>, PromptSampleError> {
    let Generator::TextDcgan(g) = generator else {
        return Err(PromptSampleError::NotText);
    };
    let z = latents(model, prompts.len(), truncation, rng, device); // [P, L]
    let mut ids = Vec::new();
    for prompt in prompts {
        ids.push(g.encoder().pool(self::ids(model, prompt, device)?)); // [1, E]
    }
    Ok(g.forward_pooled(z, Tensor::cat(ids, 0)))
}

/// `strips × frames` samples `[rows, D]`: strip `s` keeps one latent while the mean word
/// vector goes from `from`'s (first frame) to `to`'s (last frame) in equal steps.
#[allow(clippy::too_many_arguments)]
pub fn prompt_strips(
    generator: &Generator,
    model: &ModelConfig,
    from: &str,
    to: &str,
    strips: usize,
    frames: usize,
    truncation: Option<f32>,
    rng: &mut Rng,
    device: &Device,
) -> Result<Tensor<2>, PromptSampleError> {
    let Generator::TextDcgan(g) = generator else {
        return Err(PromptSampleError::NotText);
    };
    let a = g.encoder().pool(ids(model, from, device)?); // [1, E]
    let b = g.encoder().pool(ids(model, to, device)?); // [1, E]
    let frames = frames.max(2);
    let steps: Vec<Tensor<2>> = (0..frames)
        .map(|f| {
            let t = f as f64 / (frames - 1) as f64;
            a.clone().mul_scalar(1.0 - t) + b.clone().mul_scalar(t)
        })
        .collect();
    let path = Tensor::cat(steps, 0); // [F, E]
    let z = latents(model, strips, truncation, rng, device); // [S, L]
    let [_, latent_dim] = z.dims();
    // Row s·F + f: latent s, text step f.
    let z = z
        .repeat_dim(1, frames)
        .reshape([strips * frames, latent_dim]); // [S·F, L]
    let pooled = path.repeat_dim(0, strips); // [S·F, E]
    Ok(g.forward_pooled(z, pooled))
}
