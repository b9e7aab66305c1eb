//! Training: the step (one round of D and G updates, no I/O), objectives, Adam or SGD, the generator
//! average, augmentation (fixed or adaptive) and the data interface the step draws from.

mod ada;
mod adam;
mod augment;
mod batch;
pub mod budget;
mod captioned;
mod config;
mod inspect;
mod loss;
mod matching;
mod mode_seeking;
mod optimizer;
mod stats;
mod step;

pub use ada::AugmentProbability;
pub use adam::{Adam, AdamConfig};
pub use augment::{Augment, diff_augment};
pub use batch::{Batch, Source, ToySource};
pub use captioned::{CaptionError, CaptionedImages, vocabulary_of};
pub use config::{TrainConfig, TrainConfigError};
pub use loss::Loss;
pub use matching::matching_aware;
pub use mode_seeking::mode_seeking;
pub use optimizer::{Optimizer, sgd_step};
pub use stats::{PendingStats, StepStats};
pub use step::{TrainError, Trainer};
