//! Native file access shared by the CLI and the tests (the atomic writer and bounded reads are
//! in [`crate::file_io`] and re-exported here): checkpoint files, run configs, feature-extractor weights and the cache of
//! real-image features.

use std::path::{Path, PathBuf};

use burn::tensor::Device;

use crate::checkpoint::Checkpoint;
use crate::metrics::domain::DomainExtractor;
use crate::metrics::inception::{self, Inception};
use crate::metrics::{Extractor, ExtractorKind, FeatureSet};
use crate::run::RunConfig;

use crate::file_io::io;
pub use crate::file_io::{FileError, read_bounded, write_atomic, write_atomic_with};

/// The largest checkpoint file read (4 GiB): far above any model the config limits allow
/// (see [`crate::limits`]), far below what would exhaust memory by accident.
pub const MAX_CHECKPOINT_BYTES: u64 = 4 << 30;

/// Reads and parses a checkpoint file (a regular file of at most [`MAX_CHECKPOINT_BYTES`]).
pub fn read_checkpoint(path: &Path) -> Result<Checkpoint, FileError> {
    let bytes = read_bounded(path, MAX_CHECKPOINT_BYTES, "checkpoint")?;
    Checkpoint::from_bytes(&bytes).map_err(|e| FileError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

impl RunConfig {
    /// Reads a run config from a TOML file and applies `overrides` (see
    /// [`RunConfig::from_toml`]); every error names the file.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Self, FileError> {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        Self::from_toml(&text, overrides).map_err(|e| FileError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }
}

/// Writes a checkpoint file atomically.
pub fn write_checkpoint(path: &Path, checkpoint: &Checkpoint) -> Result<(), FileError> {
    let bytes = checkpoint.to_bytes().map_err(|e| FileError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    write_atomic(path, &bytes)
}

/// The largest extractor weights file read (the Inception weights are 87 MB): 1 GiB.
pub const MAX_WEIGHTS_BYTES: u64 = 1 << 30;

/// Where an extractor's weights are by default: `www/models/domain-<dataset>.safetensors`
/// (relative to the working folder) for a domain classifier, the converted Inception weights
/// under the home folder (or `$GANVAS_INCEPTION`) for Inception. `None` when there is no
/// data set to name the classifier by, or no home folder.
pub fn default_extractor_weights(kind: ExtractorKind, dataset: &str) -> Option<PathBuf> {
    match kind {
        ExtractorKind::Domain if dataset.is_empty() => None,
        ExtractorKind::Domain => Some(PathBuf::from(format!(
            "www/models/{}.safetensors",
            crate::metrics::domain::extractor_name(dataset)
        ))),
        ExtractorKind::Inception => inception::default_weights_path(),
    }
}

/// Loads the extractor of `kind` from the weights file `path` (a regular file of at most
/// [`MAX_WEIGHTS_BYTES`]).
pub fn load_extractor(
    kind: ExtractorKind,
    path: &Path,
    device: &Device,
) -> Result<Box<dyn Extractor>, FileError> {
    if kind == ExtractorKind::Inception && !path.exists() {
        // Say how to make the file: it is converted locally, never shipped.
        return Err(FileError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "no Inception weights here; create them with `{}`",
                inception::weights::CONVERT_COMMAND
            ),
        });
    }
    let bytes = read_bounded(path, MAX_WEIGHTS_BYTES, "weights file")?;
    let invalid = |message: String| FileError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    Ok(match kind {
        ExtractorKind::Domain => Box::new(
            DomainExtractor::from_bytes(&bytes, device).map_err(|e| invalid(e.to_string()))?,
        ),
        ExtractorKind::Inception => {
            Box::new(Inception::from_bytes(&bytes, device).map_err(|e| invalid(e.to_string()))?)
        }
    })
}

/// A short fingerprint of one file (path, size, modification time), so that cached features
/// are recomputed when the extractor weights change.
pub fn file_id(path: &Path) -> Result<String, FileError> {
    let meta = std::fs::metadata(path).map_err(io(path))?;
    Ok(format!(
        "{}:{}:{}",
        path.display(),
        meta.len(),
        modified_ns(&meta) / 1_000_000_000
    ))
}

fn modified_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// A digest of every file under `dir` (relative name, size, modification time in ns), in name
/// order: what the real-feature cache is keyed on besides the protocol, so that a folder whose
/// images changed is read again.
pub fn folder_id(dir: &Path) -> Result<String, FileError> {
    use sha2::{Digest, Sha256};
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, u64, u128)>) -> Result<(), FileError> {
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            let path = entry.path();
            let meta = entry.metadata().map_err(io(&path))?;
            if meta.is_dir() {
                walk(&path, out)?;
            } else {
                out.push((path, meta.len(), modified_ns(&meta)));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut hash = Sha256::new();
    for (path, len, modified) in &files {
        let name = path.strip_prefix(dir).unwrap_or(path);
        hash.update(format!("{}\0{len}\0{modified}\n", name.display()).as_bytes());
    }
    Ok(format!("files={}:{}", files.len(), hex16(&hash.finalize())))
}

fn hex16(digest: &[u8]) -> String {
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Real-image features kept between evaluations (they do not change from one model to the
/// next): `~/.cache/ganvas/features/<sha256 of the key>.safetensors`, the key naming the
/// extractor, its weights, the images and the protocol.
pub struct FeatureCache {
    key: String,
    path: PathBuf,
}

impl FeatureCache {
    /// The cache entry for `key`, or `None` without a home folder.
    pub fn new(key: &str) -> Option<Self> {
        use sha2::{Digest, Sha256};
        let home = std::env::var_os("HOME")?;
        let name = hex16(&Sha256::digest(key.as_bytes()));
        Some(Self {
            key: key.into(),
            path: PathBuf::from(home).join(format!(".cache/ganvas/features/{name}.safetensors")),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The cached features; `Ok(None)` when there are none, an error when the file is
    /// unreadable (the caller recomputes).
    pub fn read(&self) -> Result<Option<FeatureSet>, FileError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&self.path)(e)),
        };
        FeatureSet::from_bytes(&bytes)
            .map(Some)
            .map_err(|e| FileError::Invalid {
                path: self.path.clone(),
                message: e.to_string(),
            })
    }

    /// Stores `set` atomically, with the key as metadata.
    pub fn write(&self, set: &FeatureSet) -> Result<(), FileError> {
        let metadata = [("protocol".to_string(), self.key.clone())].into();
        let bytes = set.to_bytes(metadata).map_err(|e| FileError::Invalid {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&self.path, &bytes)
    }
}

/// Where the text-image scorer of a captioned `dataset` is by default:
/// `www/models/scorer-<dataset>.safetensors`, as `ganvas scorer --out` writes for the shipped one.
pub fn default_scorer_path(dataset: &str) -> PathBuf {
    PathBuf::from(format!("www/models/scorer-{dataset}.safetensors"))
}

/// Loads a text-image scorer file (a regular file of at most [`MAX_WEIGHTS_BYTES`]).
pub fn load_scorer(
    path: &Path,
    device: &Device,
) -> Result<crate::metrics::text_image::ScorerFile, FileError> {
    if !path.exists() {
        return Err(FileError::Invalid {
            path: path.to_path_buf(),
            message: "no text-image scorer here; train one with `ganvas scorer --out <this path>` \
                      or give --scorer"
                .into(),
        });
    }
    let bytes = read_bounded(path, MAX_WEIGHTS_BYTES, "scorer file")?;
    crate::metrics::text_image::ScorerFile::from_bytes(&bytes, device).map_err(|e| {
        FileError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })
}
