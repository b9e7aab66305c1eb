//! The browser's on-demand standard FID: Inception-v3 loaded from the converted weights the
//! user provides (a file, or the local server's copy), features extracted on the session's
//! device (WebGPU where available) with progress reports, statistics in f64 on the CPU side.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::dto::to_js;
use super::metrics::Scorer;
use super::{Session, js_error};
use crate::metrics::inception::{EXTRACTOR, FEATURES, Inception};

#[derive(Serialize)]
struct InceptionInfo {
    name: &'static str,
    dim: usize,
}

#[wasm_bindgen]
impl Session {
    /// Loads the Inception-v3 weights converted by `scripts/inception/setup.sh`
    /// (`inception-2015-12-05.safetensors`, 87 MB).
    pub fn load_inception(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let inception = Inception::from_bytes(bytes, &self.device).map_err(js_error)?;
        self.inception = Some(inception);
        self.real_inception = None;
        to_js(&InceptionInfo {
            name: EXTRACTOR,
            dim: FEATURES,
        })
    }

    /// Standard FID and KID (Inception pool3) of `n` EMA samples from `seed` against the first
    /// `n` images of the current data. `progress(done, total)` is called after every batch of
    /// images (real ones first, then generated).
    pub async fn evaluate_inception(
        &mut self,
        n: usize,
        seed: u64,
        progress: &js_sys::Function,
    ) -> Result<JsValue, JsError> {
        let mut report = |done: usize, total: usize| {
            // A throwing callback must not abort the evaluation.
            let _ = progress.call2(
                &JsValue::NULL,
                &(done as f64).into(),
                &(total as f64).into(),
            );
        };
        let (results, real) = self.score(Scorer::Inception, n, seed, &mut report).await?;
        self.real_inception = Some(real);
        to_js(&results)
    }
}
