//! The CLI's one error type: every command returns [`CliError`] and `main` prints it as one
//! line. A file the command could not use is named with the reason; the library's errors name
//! their own file, field or limit; the rest are messages that name the flag or the peer.

use std::path::{Path, PathBuf};

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file or folder that cannot be read, parsed, used or written, and why.
    #[error("{}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
    #[error(transparent)]
    Files(#[from] ganvas::files::FileError),
    #[error(transparent)]
    Run(#[from] ganvas::run::RunError),
    #[error(transparent)]
    Read(#[from] ganvas::readback::ReadError),
    #[error(transparent)]
    Project(#[from] ganvas::project::ProjectError),
    #[error(transparent)]
    Checkpoint(#[from] ganvas::checkpoint::CheckpointError),
    #[error(transparent)]
    Data(#[from] ganvas::data::DataError),
    #[error(transparent)]
    Model(#[from] ganvas::model::ModelError),
    #[error(transparent)]
    Train(#[from] ganvas::train::TrainError),
    #[error(transparent)]
    Metric(#[from] ganvas::metrics::MetricError),
    #[error(transparent)]
    Domain(#[from] ganvas::metrics::domain::DomainError),
    #[error(transparent)]
    Inception(#[from] ganvas::metrics::inception::InceptionError),
    #[error(transparent)]
    Limit(#[from] ganvas::limits::LimitError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Anything else, worded for the user: a flag out of range, a peer that stopped, a device.
    #[error("{0}")]
    Message(String),
}

impl CliError {
    /// `reason` about the file or folder at `path`.
    pub fn file(path: &Path, reason: impl std::fmt::Display) -> Self {
        CliError::File {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }
}

impl From<String> for CliError {
    fn from(message: String) -> Self {
        CliError::Message(message)
    }
}

impl From<&str> for CliError {
    fn from(message: &str) -> Self {
        CliError::Message(message.to_string())
    }
}

impl From<ganvas::metrics::text_image::ScorerError> for CliError {
    fn from(e: ganvas::metrics::text_image::ScorerError) -> Self {
        CliError::Message(e.to_string())
    }
}
