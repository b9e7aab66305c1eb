//! The browser's on-demand standard FID: Inception-v3 loaded from the converted weights the
//! user provides (a file, or the local server's copy), features extracted on the session's
//! device (WebGPU where available) with progress reports, statistics in f64 on the CPU side.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::dto::to_js;
use super::{Session, js_error};
use crate::metrics::extractor::{extract_generated_async, extract_set_async};
use crate::metrics::inception::{EXTRACTOR, FEATURES, Inception};
use crate::metrics::{EvalSettings, evaluate};

/// Images per Inception batch: 299×299 activations are large, so batches stay small.
const BATCH: usize = 8;

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

    /// Whether Inception weights are loaded.
    pub fn has_inception(&self) -> bool {
        self.inception.is_some()
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
        let inception = self.inception.as_ref().ok_or_else(|| {
            JsError::new("load the Inception weights first (inception-2015-12-05.safetensors)")
        })?;
        let (images, config, trainer) = self.metric_inputs()?;
        if n < 2 {
            return Err(JsError::new(
                "an Inception FID needs at least 2 images per set",
            ));
        }
        let n = n.min(images.len());
        let total = 2 * n;
        let report = |done: usize| {
            // A throwing callback must not abort the evaluation.
            let _ = progress.call2(
                &JsValue::NULL,
                &(done as f64).into(),
                &(total as f64).into(),
            );
        };
        let real = match &self.real_inception {
            Some(real) if real.len() == n => {
                report(n);
                real.clone()
            }
            _ => {
                let subset = images.subset(&(0..n).collect::<Vec<_>>());
                extract_set_async(inception, &subset, BATCH, &self.device, &mut |d| report(d))
                    .await
                    .map_err(js_error)?
            }
        };
        let fake = extract_generated_async(
            inception,
            &config.model,
            &trainer.ema,
            n,
            seed,
            BATCH,
            &self.device,
            &mut |d| report(n + d),
        )
        .await
        .map_err(js_error)?;
        let mut settings = EvalSettings::new(EXTRACTOR);
        settings.kid.subsets = 20;
        settings.kid.subset_size = n.min(500);
        settings.kid.seed = seed;
        let metrics = vec!["fid".to_string(), "kid".to_string()];
        let results = evaluate(&real, &fake, &metrics, &settings).map_err(js_error)?;
        self.real_inception = Some(real);
        to_js(&results)
    }
}
