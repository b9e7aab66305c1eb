//! Native file access shared by the CLI, the data fetcher and the tests: the one atomic writer,
//! bounded reads, checkpoint files, run configs, feature-extractor weights and the cache of
//! real-image features.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use burn::tensor::Device;

use crate::checkpoint::Checkpoint;
use crate::metrics::domain::DomainExtractor;
use crate::metrics::inception::{self, Inception};
use crate::metrics::{Extractor, ExtractorKind, FeatureSet};
use crate::run::RunConfig;

/// A file operation that failed, with the path it concerned.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically (see [`write_atomic_with`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_with(path, |file| file.write_all(bytes).map_err(io(path)))
}

/// Writes `path` atomically, the one way every checkpoint, report, cache and fetched file is
/// written: `fill` writes the contents into a temporary file in the same folder
/// (`.<name>.<pid>.tmp`, hidden so that loaders skip it should a crash leave it behind), which
/// is flushed to disk and renamed over `path`; then the folder is flushed too, so that the
/// rename survives a crash. A reader never sees a half-written file. When `fill` (or writing)
/// fails, the temporary file is removed and `path` is left as it was. Missing parent folders
/// are created.
pub fn write_atomic_with<E: From<FileError>>(
    path: &Path,
    fill: impl FnOnce(&mut File) -> Result<(), E>,
) -> Result<(), E> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(io(folder))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let failed = |e: std::io::Error| E::from(io(path)(e));
    let mut file = File::create(&tmp).map_err(failed)?;
    let written = fill(&mut file).and_then(|()| file.sync_all().map_err(failed));
    drop(file);
    let written = written.and_then(|()| std::fs::rename(&tmp, path).map_err(failed));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    // Flushing the folder makes the rename durable. Where a folder cannot be opened as a file
    // (Windows) or flushed (some file systems refuse), the write is still atomic, only the
    // rename may be lost in a crash, leaving the previous file.
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The largest checkpoint file read (4 GiB): far above any model the config limits allow
/// (see [`crate::model::limits`]), far below what would exhaust memory by accident.
pub const MAX_CHECKPOINT_BYTES: u64 = 4 << 30;

/// Reads a whole regular file of at most `limit` bytes, refusing devices, FIFOs and larger
/// files before reading (so `/dev/zero` or a pipe cannot make it read forever).
pub fn read_bounded(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, FileError> {
    use std::io::Read;
    let invalid = |message: String| FileError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(io(path))?;
    if !meta.is_file() {
        return Err(invalid(format!(
            "not a regular file (a {what} is expected)"
        )));
    }
    if meta.len() > limit {
        return Err(invalid(format!(
            "{what} size {} bytes exceeds the limit of {limit} bytes",
            meta.len()
        )));
    }
    let file = File::open(path).map_err(io(path))?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // `take` holds even if the file grows while being read.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io(path))?;
    if bytes.len() as u64 > limit {
        return Err(invalid(format!(
            "{what} grew past the limit of {limit} bytes while being read"
        )));
    }
    Ok(bytes)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("ganvas-files-{}", std::process::id()));
        let path = dir.join("a.bin");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_fill_leaves_the_previous_file_and_no_temporary() {
        let dir = std::env::temp_dir().join(format!("ganvas-files-fail-{}", std::process::id()));
        let path = dir.join("a.bin");
        write_atomic(&path, b"one").unwrap();
        let failed = write_atomic_with(&path, |file| {
            file.write_all(b"half").map_err(io(&path))?;
            Err(FileError::Invalid {
                path: path.clone(),
                message: "checksum".into(),
            })
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn bounded_reads_refuse_devices_and_large_files() {
        let err = read_bounded(Path::new("/dev/zero"), 1 << 20, "checkpoint").unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let dir = std::env::temp_dir().join(format!("ganvas-bounded-{}", std::process::id()));
        let path = dir.join("big.bin");
        write_atomic(&path, &[0u8; 100]).unwrap();
        let err = read_bounded(&path, 99, "checkpoint").unwrap_err();
        assert!(
            err.to_string().contains("exceeds the limit of 99 bytes"),
            "{err}"
        );
        assert_eq!(read_bounded(&path, 100, "checkpoint").unwrap().len(), 100);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
