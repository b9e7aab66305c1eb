//! The domain classifier file: safetensors bytes holding the weights (F32, names as in
//! [`super::model`]) and string metadata. Bytes in, bytes out — no file I/O here, so the same
//! code loads the file natively (the CLI reads it) and in the browser (`fetch`ed bytes).
//!
//! Metadata keys:
//!
//! | key | value |
//! |---|---|
//! | `format` | [`FORMAT`] |
//! | `config` | the [`DomainConfig`] as JSON, e.g. `{"resolution":28,"channels":1,"classes":10,"width":16}` |
//! | `dataset` | the data set it was trained on, e.g. `fashion-mnist` (the extractor is `domain-<dataset>`) |
//! | `class_names` | JSON array of the class names, indexed by label |
//! | `test_accuracy` | fraction of the test images classified correctly, e.g. `0.9102` |
//! | `test_images` | how many test images that was measured on |
//! | `training` | optional: [`TrainingRecord`] as JSON (epochs, batch, lr, seed, …) |
//! | `ganvas` | version of the crate that wrote the file |

use std::collections::HashMap;

use crate::tensor_file;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::{DomainClassifier, DomainConfig, DomainError, DomainOutput, FEATURES};
use crate::model::named::{self, Arrays};

/// Value of the `format` metadata key.
pub const FORMAT: &str = "ganvas-domain-classifier/1";

/// The extractor name of a classifier trained on `dataset`: `domain-<dataset>`.
pub fn extractor_name(dataset: &str) -> String {
    format!("domain-{dataset}")
}

/// How a classifier was trained (recorded for people; not needed to run it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingRecord {
    /// Passes over the training split.
    pub epochs: usize,
    /// Images per step.
    pub batch: usize,
    /// Peak Adam learning rate (cosine-annealed to 0 over the run).
    pub lr: f64,
    /// Seed of the initial weights and the batch order.
    pub seed: u64,
    /// Images in the training split.
    pub train_images: usize,
    /// Wall-clock seconds the training took.
    pub seconds: f64,
    /// The device it ran on, e.g. `cpu`.
    pub device: String,
}

/// What a classifier was trained on and how well it does.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainMeta {
    /// The data set, e.g. `fashion-mnist`.
    pub dataset: String,
    /// Class names indexed by label (as many as the classifier has classes).
    pub class_names: Vec<String>,
    /// Fraction of the test images classified correctly.
    pub test_accuracy: f64,
    /// Number of test images the accuracy was measured on.
    pub test_images: usize,
    /// How it was trained, if recorded.
    pub training: Option<TrainingRecord>,
}

/// A trained domain classifier with its metadata: the feature extractor `domain-<dataset>`.
#[derive(Debug)]
pub struct DomainExtractor {
    /// The network (without autodiff when loaded by [`DomainExtractor::from_bytes`]).
    pub classifier: DomainClassifier,
    /// What it was trained on.
    pub meta: DomainMeta,
}

impl DomainExtractor {
    /// Pairs a trained classifier with its metadata, checking that they agree.
    pub fn new(classifier: DomainClassifier, meta: DomainMeta) -> Result<Self, DomainError> {
        check_meta(&meta, classifier.config())?;
        Ok(Self { classifier, meta })
    }

    /// Extractor name used in metric keys: `domain-<dataset>`, e.g. `domain-fashion-mnist`.
    pub fn name(&self) -> String {
        extractor_name(&self.meta.dataset)
    }

    /// Feature dimension: 128.
    pub fn dim(&self) -> usize {
        FEATURES
    }

    /// Number of classes of the logits.
    pub fn classes(&self) -> usize {
        self.classifier.classes()
    }

    /// The network's shape.
    pub fn config(&self) -> &DomainConfig {
        self.classifier.config()
    }

    /// `[N, C, R, R]` images in [-1, 1] → `[N, 128]` features.
    pub fn features(&self, images: Tensor<4>) -> Result<Tensor<2>, DomainError> {
        self.classifier.features(images)
    }

    /// `[N, C, R, R]` images in [-1, 1] → `[N, classes]` logits.
    pub fn logits(&self, images: Tensor<4>) -> Result<Tensor<2>, DomainError> {
        self.classifier.logits(images)
    }

    /// `[N, C, R, R]` images in [-1, 1] → features and logits from one forward pass.
    pub fn forward(&self, images: Tensor<4>) -> Result<DomainOutput, DomainError> {
        self.classifier.forward(images)
    }

    /// Serialises weights and metadata to safetensors bytes (reads the weights back from the
    /// device, blocking; natively only in practice).
    pub fn to_bytes(&self) -> Result<Vec<u8>, DomainError> {
        let mut arrays = Arrays::new();
        for (name, tensor, shape) in named::collect(&self.classifier) {
            let values = tensor
                .into_data()
                .try_into_vec_as::<f32>()
                .map_err(|e| DomainError::Read(format!("{e:?}")))?;
            arrays.insert(name, (shape, values));
        }
        let json = |key: &str, r: Result<String, serde_json::Error>| {
            r.map_err(|e| DomainError::Metadata {
                key: key.into(),
                reason: e.to_string(),
            })
        };
        let meta = &self.meta;
        let mut metadata = HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            (
                "config".to_string(),
                json("config", serde_json::to_string(self.config()))?,
            ),
            ("dataset".to_string(), meta.dataset.clone()),
            (
                "class_names".to_string(),
                json("class_names", serde_json::to_string(&meta.class_names))?,
            ),
            ("test_accuracy".to_string(), meta.test_accuracy.to_string()),
            ("test_images".to_string(), meta.test_images.to_string()),
            ("ganvas".to_string(), env!("CARGO_PKG_VERSION").to_string()),
        ]);
        if let Some(training) = &meta.training {
            metadata.insert(
                "training".into(),
                json("training", serde_json::to_string(training))?,
            );
        }
        Ok(tensor_file::to_bytes(&arrays, metadata)?)
    }

    /// Parses bytes written by [`DomainExtractor::to_bytes`] and builds the classifier on
    /// `device` (without autodiff). Every failure is an error naming what is wrong: bytes that
    /// are not safetensors (corrupt or truncated), another kind of file (wrong `format`), bad
    /// metadata, a missing, extra or wrongly shaped tensor.
    pub fn from_bytes(bytes: &[u8], device: &Device) -> Result<Self, DomainError> {
        let metadata = tensor_file::metadata(bytes)?;
        tensor_file::expect_format(&metadata, FORMAT)?;
        let get = |key: &str| {
            metadata
                .get(key)
                .map(String::as_str)
                .ok_or_else(|| bad(key, "missing"))
        };
        let config: DomainConfig =
            serde_json::from_str(get("config")?).map_err(|e| bad("config", e))?;
        config.validate()?;
        let class_names: Vec<String> =
            serde_json::from_str(get("class_names")?).map_err(|e| bad("class_names", e))?;
        let test_accuracy: f64 = get("test_accuracy")?
            .parse()
            .map_err(|e| bad("test_accuracy", e))?;
        let test_images: usize = get("test_images")?
            .parse()
            .map_err(|e| bad("test_images", e))?;
        let training = match metadata.get("training") {
            Some(text) => Some(serde_json::from_str(text).map_err(|e| bad("training", e))?),
            None => None,
        };
        let meta = DomainMeta {
            dataset: get("dataset")?.to_string(),
            class_names,
            test_accuracy,
            test_images,
            training,
        };
        check_meta(&meta, &config)?;

        let arrays = tensor_file::arrays(bytes)?;
        let device = device.clone().inner();
        let classifier = named::load(DomainClassifier::zeros(&config, &device)?, &arrays)?;
        Ok(Self {
            classifier: classifier.no_grad(),
            meta,
        })
    }
}

fn bad(key: &str, reason: impl std::fmt::Display) -> DomainError {
    DomainError::Metadata {
        key: key.to_string(),
        reason: reason.to_string(),
    }
}

fn check_meta(meta: &DomainMeta, config: &DomainConfig) -> Result<(), DomainError> {
    let valid_name = !meta.dataset.is_empty()
        && meta
            .dataset
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid_name {
        return Err(bad(
            "dataset",
            format!("{:?} is not a lower-case data set name", meta.dataset),
        ));
    }
    if meta.class_names.len() != config.classes {
        return Err(bad(
            "class_names",
            format!(
                "{} names for {} classes",
                meta.class_names.len(),
                config.classes
            ),
        ));
    }
    if !(0.0..=1.0).contains(&meta.test_accuracy) {
        return Err(bad(
            "test_accuracy",
            format!("{} is not a fraction in [0, 1]", meta.test_accuracy),
        ));
    }
    Ok(())
}
