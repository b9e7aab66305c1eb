//! Native file primitives, the leaf every module that touches files builds on: the one atomic
//! writer (temporary file, fsync, rename, folder fsync) and bounded reads.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

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

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
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
