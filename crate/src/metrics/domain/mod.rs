//! Domain classifiers: small CNNs trained by `ganvas classifier` on one data set (Fashion-MNIST,
//! MNIST), whose penultimate layer is the feature space of the fast **domain** metrics
//! (`fid@domain-fashion-mnist/…`, KID, precision/recall, density/coverage) and whose logits give
//! a domain Inception Score and class coverage.
//!
//! They are *not* Inception-v3: numbers computed on them are only comparable with numbers from
//! the same classifier file, and the extractor name (`domain-<dataset>`, see
//! [`DomainExtractor::name`]) is part of every result key so they can never be read as a
//! standard FID.
//!
//! - [`model`]: [`DomainConfig`] and the network [`DomainClassifier`] (features / logits);
//! - [`train`]: the training step (no I/O) and the accuracy evaluation;
//! - [`file`]: the weights file (safetensors bytes in, bytes out; no file I/O, so it works in the
//!   browser) and [`DomainExtractor`], a loaded classifier with what it was trained on.
//!
//! Input convention: `[N, C, R, R]` images with values in `[-1, 1]` (the generators' output
//! convention and [`ImageSet::batch_f32`](crate::data::ImageSet::batch_f32)), at the data set's
//! resolution and channel count.

pub mod file;
pub mod model;
pub mod train;

pub use file::{DomainExtractor, DomainMeta, FORMAT, TrainingRecord, extractor_name};
pub use model::{DomainClassifier, DomainConfig, DomainOutput, FEATURES};
pub use train::{Accuracy, ClassifierStepStats, ClassifierTrainer, PendingClassifierStats};
pub use train::{accuracy, check_set, cosine_lr};

use crate::model::named::FitError;

impl From<crate::tensor_file::CodecError> for DomainError {
    fn from(error: crate::tensor_file::CodecError) -> Self {
        use crate::tensor_file::CodecError;
        match error {
            CodecError::Corrupt(reason) => DomainError::Corrupt(reason),
            CodecError::Dtype { name, dtype } => DomainError::Dtype { name, dtype },
            CodecError::Format { found, .. } => DomainError::Format(found),
        }
    }
}

/// Why a domain classifier could not be built, loaded, trained or run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DomainError {
    #[error("invalid domain classifier config: {0}")]
    Config(String),
    #[error("domain classifier bytes are not a safetensors file ({0})")]
    Corrupt(String),
    #[error(
        "not a ganvas domain classifier (metadata `format` is {}, expected \"{FORMAT}\")",
        crate::tensor_file::describe_format(.0)
    )]
    Format(Option<String>),
    #[error("domain classifier metadata `{key}` is missing or invalid: {reason}")]
    Metadata { key: String, reason: String },
    #[error("domain classifier tensor `{name}` has dtype {dtype}, expected F32")]
    Dtype { name: String, dtype: String },
    #[error("domain classifier weights do not fit its config: {0}")]
    Weights(#[from] FitError),
    #[error(
        "domain classifier input must be [N ≥ 1, {channels}, {resolution}, {resolution}] \
         images in [-1, 1], got {found:?}"
    )]
    Input {
        channels: usize,
        resolution: usize,
        found: Vec<usize>,
    },
    #[error("data does not suit the domain classifier: {0}")]
    Data(String),
    #[error("cannot read results back from the device: {0}")]
    Read(String),
}
