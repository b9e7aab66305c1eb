//! The browser's live metrics: a domain classifier loaded from bytes, the real features of the
//! current image data (computed once), and domain FID/KID/precision/recall/coverage of the
//! EMA generator on demand, through the library's evaluation pipeline and protocols. Features come off the device asynchronously; the f64 statistics
//! run here on the CPU side.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::dto::to_js;
use super::{Session, js_error};
use crate::data::idx::{parse_images, parse_labels};
use crate::metrics::domain::DomainExtractor;
use crate::metrics::{
    EvalProtocol, Extractor, Fakes, FeatureSet, MetricResult, generator_features, image_features,
};

/// What the page shows about the loaded classifier.
#[derive(Serialize)]
struct ExtractorInfo {
    name: String,
    dim: usize,
    classes: usize,
}

#[wasm_bindgen]
impl Session {
    /// Loads a domain classifier (`www/models/domain-<set>.safetensors`) for `evaluate`.
    pub fn load_extractor(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let extractor = DomainExtractor::from_bytes(bytes, &self.device).map_err(js_error)?;
        let info = ExtractorInfo {
            name: extractor.name(),
            dim: extractor.dim(),
            classes: extractor.classes(),
        };
        self.extractor = Some(extractor);
        self.real_features = None;
        to_js(&info)
    }

    /// Trains on an IDX data set (MNIST family): the images file and the labels file, raw or
    /// gzipped. Returns the number of images.
    pub fn use_idx(&mut self, images: &[u8], labels: &[u8]) -> Result<usize, JsError> {
        let mut set = parse_images(images).map_err(js_error)?;
        let labels = parse_labels(labels).map_err(js_error)?;
        if labels.len() != set.len() {
            return Err(JsError::new(&format!(
                "{} labels for {} images",
                labels.len(),
                set.len()
            )));
        }
        set.labels = Some(labels);
        let n = set.len();
        self.use_image_set(set)?;
        Ok(n)
    }

    /// Metrics of the EMA generator (`n` samples from `seed`) against the first `n` images of
    /// the current data, on the loaded domain classifier: a list of results, each with its
    /// protocol (`fid@domain-fashion-mnist/500v500`, …).
    pub async fn evaluate(&mut self, n: usize, seed: u64) -> Result<JsValue, JsError> {
        let (results, real) = self.score(Scorer::Domain, n, seed, &mut |_, _| {}).await?;
        self.real_features = Some(real);
        to_js(&results)
    }

    /// Times means, covariances and a Fréchet distance of `n` vs `n` synthetic `dim`-d
    /// features on the CPU side (for bench/browser.mjs).
    pub fn bench_frechet(&self, n: usize, dim: usize) -> Result<JsValue, JsError> {
        crate::limits::requests::bench_frechet(n, dim).map_err(js_error)?;
        let now = js_sys::Date::now;
        let timing = crate::metrics::bench::time_frechet(n, dim, 1, &now).map_err(js_error)?;
        to_js(&timing)
    }
}

/// Which loaded feature extractor a score runs on.
#[derive(Clone, Copy)]
pub(super) enum Scorer {
    /// The domain classifier: the live metrics (protocol `domain500`), batches of 100.
    Domain,
    /// Inception-v3: standard FID and KID (protocol `inception500`), batches of 8 (299×299
    /// activations are large).
    Inception,
}

impl Session {
    /// Features of the first `n` data images (reused when computed before for `n`) and of `n`
    /// EMA samples from `seed` on `scorer`'s extractor, then the metrics of its protocol with
    /// `n` images per set (`domain500`, `inception500`; see `metrics::registry`).
    /// `progress(done, total)` follows the images through the extractor, real ones first.
    /// Returns the results and the real features, for the caller to keep.
    pub(super) async fn score(
        &self,
        scorer: Scorer,
        n: usize,
        seed: u64,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(Vec<MetricResult>, FeatureSet), JsError> {
        let (call, protocol) = match scorer {
            Scorer::Domain => ("evaluate", "domain500"),
            Scorer::Inception => ("evaluate_inception", "inception500"),
        };
        crate::limits::requests::evaluation(call, n).map_err(js_error)?;
        let (extractor, cached, batch, min): (&dyn Extractor, _, _, _) = match scorer {
            Scorer::Domain => (
                self.extractor
                    .as_ref()
                    .map(|e| e as &dyn Extractor)
                    .ok_or_else(|| {
                        JsError::new("load a domain classifier first (load_extractor)")
                    })?,
                self.real_features.as_ref(),
                100,
                10,
            ),
            Scorer::Inception => (
                self.inception
                    .as_ref()
                    .map(|e| e as &dyn Extractor)
                    .ok_or_else(|| {
                        JsError::new(
                            "load the Inception weights first (inception-2015-12-05.safetensors)",
                        )
                    })?,
                self.real_inception.as_ref(),
                8,
                2,
            ),
        };
        let (images, config, trainer) = self.metric_inputs()?;
        if n < min {
            return Err(JsError::new(&format!(
                "{} needs at least {min} images per set",
                extractor.name()
            )));
        }
        let n = n.min(images.len());
        let protocol = EvalProtocol::named(protocol).map_err(js_error)?.with_n(n);
        let total = 2 * n;
        let real = match cached {
            Some(real) if real.len() == n => {
                progress(n, total);
                real.clone()
            }
            _ => {
                let subset = images.subset(&(0..n).collect::<Vec<_>>());
                image_features(extractor, &subset, batch, &self.device, &mut |done| {
                    progress(done, total)
                })
                .await
                .map_err(js_error)?
            }
        };
        let fakes = Fakes {
            n,
            seed,
            batch,
            keep_images: false,
            truncation: None,
        };
        let (fake, _) = generator_features(
            extractor,
            &config.model,
            &trainer.ema,
            fakes,
            &self.device,
            &mut |done| progress(n + done, total),
        )
        .await
        .map_err(js_error)?;
        let results = protocol
            .score(extractor, &real, &fake, seed)
            .map_err(js_error)?;
        Ok((results, real))
    }
}
