//! Evaluation during `ganvas train`: every N steps, metrics of the EMA generator against the
//! data set's test split, logged to log.jsonl, and the best checkpoint by one chosen metric
//! kept as `best.safetensors` (BigGAN keeps its best-by-FID weights the same way).

use std::io::Write;
use std::path::Path;

use burn::tensor::Device;
use ganvas::checkpoint::Checkpoint;
use ganvas::files::write_checkpoint;
use ganvas::metrics::{EvalProtocol, Extractor, ExtractorKind, Fakes, FeatureSet};
use ganvas::model::SampleShape;
use ganvas::run::RunConfig;
use ganvas::train::Trainer;

use crate::error::CliError;
use crate::{eval_data, extractors, features};

/// The registered protocol of training-time evaluation (fid, kid, pr; KID 20×1000).
pub const PROTOCOL: &str = "domain2k";

pub struct TrainEval {
    every: u64,
    metric: String,
    protocol: EvalProtocol,
    extractor: Box<dyn Extractor>,
    real: FeatureSet,
    best: Option<f64>,
}

impl TrainEval {
    /// Prepares the extractor and the real features (once), or `None` when `every` is 0.
    pub fn new(
        every: u64,
        metric: &str,
        n: usize,
        kind: ExtractorKind,
        config: &RunConfig,
        device: &Device,
    ) -> Result<Option<Self>, CliError> {
        if every == 0 {
            return Ok(None);
        }
        let known = ["fid", "kid", "precision", "recall"];
        if !known.contains(&metric) {
            return Err(
                format!("--eval-metric {metric}: choose one of {}", known.join(", ")).into(),
            );
        }
        let SampleShape::Image { height, .. } = config.model.sample_shape() else {
            return Err(
                "--eval-every needs an image model (2-D models report mode coverage)".into(),
            );
        };
        let protocol = EvalProtocol::named(PROTOCOL)?
            .with_n(n)
            .with_extractor(kind);
        let dataset = eval_data::dataset_of(config).unwrap_or_default();
        let extractor = extractors::load(kind, None, &dataset, device)?.extractor;
        let real_images = eval_data::test_split(config, height, n)?;
        let real =
            features::of_images(extractor.as_ref(), &real_images, "real", 100, device, true)?;
        Ok(Some(Self {
            every,
            metric: metric.into(),
            protocol,
            extractor,
            real,
            best: None,
        }))
    }

    /// At every `every`-th step: evaluates, appends `{"step", "eval": {...}}` to `log`, and
    /// writes `out/best.safetensors` when the chosen metric improved. Returns a one-line report.
    pub fn maybe_run(
        &mut self,
        config: &RunConfig,
        trainer: &Trainer,
        checkpoint: impl FnOnce() -> Result<Checkpoint, CliError>,
        out: &Path,
        log: &mut std::fs::File,
    ) -> Result<Option<String>, CliError> {
        let step = trainer.step;
        if step % self.every != 0 {
            return Ok(None);
        }
        let device = trainer.device().clone().inner();
        let fakes = Fakes {
            n: self.protocol.n,
            seed: config.run.seed,
            batch: 100,
            keep_images: false,
            truncation: None,
        };
        let extractor = self.extractor.as_ref();
        let (fake, _) = features::of_generator(
            extractor,
            &config.model,
            &trainer.ema,
            fakes,
            &device,
            false,
        )?;
        let results = self
            .protocol
            .score(extractor, &self.real, &fake, config.run.seed)?;
        let values: serde_json::Map<String, serde_json::Value> = results
            .iter()
            .map(|r| (r.metric.clone(), serde_json::json!(r.value)))
            .collect();
        let line = serde_json::json!({
            "step": step,
            "eval": values,
            "protocol": results.first().map(|r| r.key.split('@').nth(1).unwrap_or("").to_string()),
            "protocol_name": self.protocol.name,
        });
        writeln!(log, "{line}").map_err(|e| format!("log.jsonl: {e}"))?;
        let value = results
            .iter()
            .find(|r| r.metric == self.metric)
            .map(|r| r.value)
            .ok_or_else(|| format!("metric {} was not computed", self.metric))?;
        let lower_is_better = matches!(self.metric.as_str(), "fid" | "kid");
        let improved = self.best.is_none_or(|best| {
            if lower_is_better {
                value < best
            } else {
                value > best
            }
        });
        let mut report = format!(
            "step {step}: {}",
            results
                .iter()
                .map(|r| format!("{} {:.4}", r.metric, r.value))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if improved {
            self.best = Some(value);
            write_checkpoint(&out.join("best.safetensors"), &checkpoint()?)?;
            report.push_str(&format!(
                " — best {} so far, saved best.safetensors",
                self.metric
            ));
        }
        Ok(Some(report))
    }
}
