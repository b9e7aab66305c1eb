//! Text models in the page: a grid for a typed prompt and prompt-to-prompt strips, the same
//! samples as `ganvas sample --prompt` (and `--prompt-to`) for the same seed.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::{Session, js_error};
use crate::limits::requests;
use crate::prompt::{prompt_grid, prompt_strips};
use crate::rng::Rng;

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
}
