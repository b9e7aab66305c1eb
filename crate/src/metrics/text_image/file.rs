//! The scorer file: safetensors bytes with the weights (F32, named by the module tree) and
//! string metadata. Bytes in, bytes out, so the CLI and the browser load it the same way.
//!
//! | key | value |
//! |---|---|
//! | `format` | [`FORMAT`] |
//! | `config` | the [`ScorerConfig`] as JSON (vocabulary included) |
//! | `dataset` | the captioned set it was trained on, e.g. `emoji` (the scorer is `scorer-<dataset>`) |
//! | `reference` | [`ScorerMeta::reference`] as JSON: the scores of the held-out real images |
//! | `training` | free-form JSON: steps, batch, learning rate, seed, seconds |
//! | `ganvas` | version of the crate that wrote the file |

use std::collections::HashMap;

use burn::module::Module;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{ScorerConfig, ScorerError, TextImageScorer};
use crate::model::named::{self, Arrays};
use crate::tensor_file;

/// Value of the `format` metadata key.
pub const FORMAT: &str = "ganvas-text-image-scorer/1";

/// The reference level: held-out real images against their own captions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub text_image_score: f64,
    pub r_precision: f64,
    pub candidates: usize,
    pub images: usize,
}

/// What a scorer was trained on.
#[derive(Clone, Debug, PartialEq)]
pub struct ScorerMeta {
    /// The captioned set, e.g. `emoji`.
    pub dataset: String,
    /// Scores of the held-out real images, measured when it was trained.
    pub reference: Option<Reference>,
    /// How it was trained (JSON), if recorded.
    pub training: Option<String>,
}

/// A trained scorer with its config and metadata.
#[derive(Debug)]
pub struct ScorerFile {
    pub scorer: TextImageScorer,
    pub config: ScorerConfig,
    pub meta: ScorerMeta,
}

impl ScorerFile {
    /// The scorer's name in result keys: `scorer-<dataset>`.
    pub fn name(&self) -> String {
        format!("scorer-{}", self.meta.dataset)
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ScorerError> {
        let mut arrays = Arrays::new();
        for (name, tensor, shape) in named::collect(&self.scorer) {
            let values = tensor
                .into_data()
                .try_into_vec_as::<f32>()
                .map_err(|e| ScorerError::Read(format!("{e:?}")))?;
            arrays.insert(name, (shape, values));
        }
        let mut metadata = HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            ("config".to_string(), json(&self.config)?),
            ("dataset".to_string(), self.meta.dataset.clone()),
            ("ganvas".to_string(), env!("CARGO_PKG_VERSION").to_string()),
        ]);
        if let Some(reference) = &self.meta.reference {
            metadata.insert("reference".into(), json(reference)?);
        }
        if let Some(training) = &self.meta.training {
            metadata.insert("training".into(), training.clone());
        }
        Ok(tensor_file::to_bytes(&arrays, metadata)?)
    }

    /// Reads a scorer file; anything missing or malformed is an error naming the key.
    pub fn from_bytes(bytes: &[u8], device: &Device) -> Result<Self, ScorerError> {
        let metadata = tensor_file::metadata(bytes)?;
        tensor_file::expect_format(&metadata, FORMAT)?;
        let get = |key: &str| {
            metadata
                .get(key)
                .map(String::as_str)
                .ok_or_else(|| ScorerError::File(format!("metadata `{key}` is missing")))
        };
        let bad =
            |key: &str, e: serde_json::Error| ScorerError::File(format!("metadata `{key}`: {e}"));
        let config: ScorerConfig =
            serde_json::from_str(get("config")?).map_err(|e| bad("config", e))?;
        config.validate()?;
        let reference = match metadata.get("reference") {
            Some(text) => Some(serde_json::from_str(text).map_err(|e| bad("reference", e))?),
            None => None,
        };
        let meta = ScorerMeta {
            dataset: get("dataset")?.to_string(),
            reference,
            training: metadata.get("training").cloned(),
        };
        let arrays = tensor_file::arrays(bytes)?;
        let device = device.clone().inner();
        let scorer = named::load(TextImageScorer::new(&config, 0, &device)?, &arrays)?;
        Ok(Self {
            scorer: scorer.no_grad(),
            config,
            meta,
        })
    }
}

/// `value` as JSON for the metadata.
fn json<T: Serialize>(value: &T) -> Result<String, ScorerError> {
    serde_json::to_string(value).map_err(|e| ScorerError::File(e.to_string()))
}
