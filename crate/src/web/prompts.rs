//! Text models in the page: a grid for a typed prompt and prompt-to-prompt strips, the same
//! samples as `ganvas sample --prompt` (and `--prompt-to`) for the same seed, and how well a
//! grid matches its prompt by the shipped text-image scorer.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use serde::Serialize;

use super::{Session, js_error, to_js};
use crate::limits::requests;
use crate::metrics::text_image::{ScorerFile, score_images};
use crate::prompt::{prompt_grid, prompt_strips};
use crate::rng::Rng;

/// What [`Session::load_scorer`] reports.
#[derive(Serialize)]
struct ScorerInfo {
    name: String,
    /// The held-out real images' text-image score, when the file records it.
    real_score: Option<f64>,
}

/// What [`Session::score_prompt`] reports.
#[derive(Serialize)]
struct PromptScore {
    /// Mean cosine of the samples' embeddings and the prompt's.
    score: f64,
    /// The same for held-out real images and their own captions (the reference level).
    real_score: Option<f64>,
    scorer: String,
}

#[wasm_bindgen]
impl Session {
    /// `n` samples of `prompt` for `seed` as RGBA bytes: the row `ganvas sample --prompt
    /// PROMPT --n N --seed SEED` draws. `truncation` ≤ 0 means none. An empty, too long or
    /// wordless prompt, or a model without text, is an error naming why.
    pub async fn sample_prompt(
        &self,
        prompt: &str,
        n: usize,
        seed: u64,
        truncation: f32,
    ) -> Result<Uint8Array, JsError> {
        let (samples, _) = self.prompt_samples(prompt, n, seed, truncation)?;
        self.rgba(samples).await
    }

    /// `strips` strips of `frames` images for `seed`, each keeping one latent while the text
    /// walks from `from` to `to`, as RGBA bytes, strip after strip (`ganvas sample --prompt
    /// FROM --prompt-to TO`).
    pub async fn interpolate_prompts(
        &self,
        from: &str,
        to: &str,
        strips: usize,
        frames: usize,
        seed: u64,
        truncation: f32,
    ) -> Result<Uint8Array, JsError> {
        requests::interpolate(strips, frames, true).map_err(js_error)?;
        let (config, trainer) = self.current()?;
        let device = trainer.device().clone().inner();
        let samples = prompt_strips(
            &trainer.ema,
            &config.model,
            from,
            to,
            strips,
            frames,
            (truncation > 0.0).then_some(truncation),
            &mut Rng::new(seed),
            &device,
        )
        .map_err(js_error)?;
        self.rgba(samples).await
    }

    /// Loads a text-image scorer (`www/models/scorer-<set>.safetensors`, as `ganvas scorer`
    /// writes) → `{name, real_score}`.
    pub fn load_scorer(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let file = ScorerFile::from_bytes(bytes, &self.device).map_err(js_error)?;
        let info = ScorerInfo {
            name: file.name(),
            real_score: file.meta.reference.as_ref().map(|r| r.text_image_score),
        };
        self.text_scorer = Some(file);
        to_js(&info)
    }

    /// The text-image score of the samples [`Session::sample_prompt`] draws for the same
    /// arguments → `{score, real_score, scorer}` (`ganvas eval`'s `text_image_score` for one
    /// prompt).
    pub async fn score_prompt(
        &self,
        prompt: &str,
        n: usize,
        seed: u64,
        truncation: f32,
    ) -> Result<JsValue, JsError> {
        let scorer = self
            .text_scorer
            .as_ref()
            .ok_or_else(|| JsError::new("load a text-image scorer first (load_scorer)"))?;
        let (samples, device) = self.prompt_samples(prompt, n, seed, truncation)?;
        let captions = vec![prompt.to_string(); n];
        let scores = score_images(scorer, samples, &captions, seed, &device)
            .await
            .map_err(js_error)?;
        to_js(&PromptScore {
            score: scores.score,
            real_score: scorer.meta.reference.as_ref().map(|r| r.text_image_score),
            scorer: scorer.name(),
        })
    }
}

impl Session {
    /// `[n, C·R·R]` samples of `prompt` from the EMA generator (truncation ≤ 0: none), on the
    /// device they were drawn on.
    fn prompt_samples(
        &self,
        prompt: &str,
        n: usize,
        seed: u64,
        truncation: f32,
    ) -> Result<(burn::tensor::Tensor<2>, burn::tensor::Device), JsError> {
        requests::sample(n, true).map_err(js_error)?;
        let (config, trainer) = self.current()?;
        let device = trainer.device().clone().inner();
        let samples = prompt_grid(
            &trainer.ema,
            &config.model,
            &[prompt.to_string()],
            n,
            (truncation > 0.0).then_some(truncation),
            &mut Rng::new(seed),
            &device,
        )
        .map_err(js_error)?;
        Ok((samples, device))
    }
}
