//! Native file access shared by the CLI and the tests: atomic writes and checkpoint files.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::checkpoint::Checkpoint;

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

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed over the target, so a reader never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = result.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(FileError::Io {
            path: path.to_path_buf(),
            source: e,
        });
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
        return Err(invalid(format!("not a regular file (a {what} is expected)")));
    }
    if meta.len() > limit {
        return Err(invalid(format!(
            "{what} size {} bytes exceeds the limit of {limit} bytes",
            meta.len()
        )));
    }
    let file = std::fs::File::open(path).map_err(io(path))?;
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

/// Writes a checkpoint file atomically.
pub fn write_checkpoint(path: &Path, checkpoint: &Checkpoint) -> Result<(), FileError> {
    let bytes = checkpoint.to_bytes().map_err(|e| FileError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    write_atomic(path, &bytes)
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

    #[cfg(unix)]
    #[test]
    fn bounded_reads_refuse_devices_and_large_files() {
        let err = read_bounded(Path::new("/dev/zero"), 1 << 20, "checkpoint").unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let dir = std::env::temp_dir().join(format!("ganvas-bounded-{}", std::process::id()));
        let path = dir.join("big.bin");
        write_atomic(&path, &[0u8; 100]).unwrap();
        let err = read_bounded(&path, 99, "checkpoint").unwrap_err();
        assert!(err.to_string().contains("exceeds the limit of 99 bytes"), "{err}");
        assert_eq!(read_bounded(&path, 100, "checkpoint").unwrap().len(), 100);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
