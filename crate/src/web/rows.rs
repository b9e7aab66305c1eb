//! Parts of a sampling call, for the page's pool of CPU workers (`www/js/cpu-pool.js`): every
//! worker holds the same model, draws the latents of the whole call from the same seed (a few
//! thousand random numbers) and runs the generator on its own rows only, so the parts join
//! into exactly the bytes [`Session::sample`] and [`Session::interpolate`] return.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::Session;
use crate::sample::SampleRequest;

#[wasm_bindgen]
impl Session {
    /// Rows `start..end` of `sample(n, seed, truncation, class)`: the same bytes as that part
    /// of its result.
    pub async fn sample_rows(
        &self,
        n: usize,
        seed: u64,
        truncation: f32,
        class: i32,
        start: usize,
        end: usize,
    ) -> Result<Uint8Array, JsError> {
        let request = self.grid_request(n, seed, truncation, class)?;
        self.render(&rows(&request, start, end)?).await
    }

    /// Rows `start..end` (frames, strip after strip) of `interpolate(strips, frames, seed,
    /// mode, class)`: the same bytes as that part of its result.
    #[allow(clippy::too_many_arguments)] // the arguments of `interpolate`, plus the two ends
    pub async fn interpolate_rows(
        &self,
        strips: usize,
        frames: usize,
        seed: u64,
        mode: &str,
        class: i32,
        start: usize,
        end: usize,
    ) -> Result<Uint8Array, JsError> {
        let request = self.strips_request(strips, frames, seed, mode, class)?;
        self.render(&rows(&request, start, end)?).await
    }
}

/// Rows `start..end` of `request`, or an error naming the range.
fn rows(request: &SampleRequest, start: usize, end: usize) -> Result<SampleRequest, JsError> {
    request.rows(start..end).ok_or_else(|| {
        JsError::new(&format!(
            "rows {start}..{end} are not within the {} samples asked for",
            request.len()
        ))
    })
}
