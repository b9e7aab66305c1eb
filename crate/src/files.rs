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

/// Reads and parses a checkpoint file.
pub fn read_checkpoint(path: &Path) -> Result<Checkpoint, FileError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
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
}
