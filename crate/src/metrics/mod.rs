//! Evaluation: streaming feature statistics (f64), Fréchet distance, KID, precision/recall,
//! density/coverage, Inception Score, diversity (feature distance, MS-SSIM) and mode counts, plus the feature extractors
//! they run on. Every result names its protocol (extractor, N real, N fake, and the registered
//! protocol of [`registry`]), so a domain-FID can never be mistaken for an Inception FID.
//! [`pipeline`] turns images or a generator into features, the same way in every shell.
//!
//! The maths here is plain Rust on `f32` features and `f64` accumulators (faer for the dense
//! linear algebra): it builds for wasm32 too, and runs on the CPU side in the browser
//! (WebGPU has no f64).
//!
//! Mode statistics for the 2-D toy sets live with the sets, in [`crate::data::toy`]; they are
//! re-exported here.

pub mod bench;
pub mod domain;
pub mod evaluate;
pub mod extractor;
pub mod frechet;
pub mod inception;
pub mod inception_score;
pub mod kid;
mod linalg;
pub mod ms_ssim;
pub mod numpy_permutation;
pub mod pipeline;
pub mod plane_fit;
pub mod prdc;
pub mod protocol;
pub mod registry;
pub mod stats;
pub mod text_image;

pub use crate::data::toy::{ModeStats, mode_stats};
pub use evaluate::{EvalSettings, FeatureSet, evaluate};
pub use extractor::{Extractor, ExtractorInput, ExtractorKind};
pub use frechet::{Frechet, frechet_distance};
pub use inception_score::{InceptionScore, inception_score, inception_score_shuffled};
pub use kid::{Kid, KidParams, kid};
pub use ms_ssim::{ImageShape, MsSsimParams, mean_pairwise_ms_ssim, ms_ssim};
pub use pipeline::{Fakes, generator_features, image_features};
pub use plane_fit::{PlaneFit, plane_fit};
pub use prdc::{Prdc, mean_pairwise_distance, prdc};
pub use protocol::{MetricResult, Protocol};
pub use registry::EvalProtocol;
pub use stats::{FeatureStats, Gaussian};

/// Why a metric could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum MetricError {
    #[error("feature value at row {row}, column {col} is {value}: features must be finite")]
    NonFinite { row: usize, col: usize, value: f32 },
    #[error("too few {what}: need at least {need}, got {got}")]
    TooFew {
        what: String,
        need: usize,
        got: usize,
    },
    #[error("shape mismatch: {0}")]
    Shape(String),
    #[error("numerical failure: {0}")]
    Numeric(String),
    #[error("unknown metric `{name}`; known: {known}")]
    Unknown { name: String, known: String },
    /// An evaluation protocol or extractor kind that is not known.
    #[error("unknown {what} `{name}`; known: {known}")]
    UnknownName {
        what: &'static str,
        name: String,
        known: String,
    },
}
