//! Loads an MNIST-family split (images + labels) from IDX files in a folder. Native only.

use std::path::{Path, PathBuf};

use super::{DataError, ImageSet, parse_images, parse_labels};

/// Fashion-MNIST class names, indexed by label.
pub const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// MNIST class names (the digits), indexed by label.
pub const MNIST_CLASSES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// Which half of an MNIST-family set to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// The 60 000 training images (`train-*`).
    Train,
    /// The 10 000 test images (`t10k-*`).
    Test,
}

impl Split {
    /// The file-name prefix used by the MNIST family.
    fn prefix(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "t10k",
        }
    }
}

/// Loads `split` from `dir`, which must hold `<prefix>-images-idx3-ubyte` and
/// `<prefix>-labels-idx1-ubyte` (prefix `train` or `t10k`), each optionally gzipped (`.gz`);
/// the dotted spelling `<prefix>-images.idx3-ubyte` is accepted too.
///
/// Labels are attached and checked against the images. `class_names` (e.g.
/// [`FASHION_MNIST_CLASSES`]) become the set's class names; with `None` the classes are named
/// by their numbers `"0"`, `"1"`, ….
pub fn load_idx_dataset(
    dir: &Path,
    split: Split,
    class_names: Option<&[&str]>,
) -> Result<ImageSet, DataError> {
    let images_path = find_idx(dir, split.prefix(), "images", 3)?;
    let labels_path = find_idx(dir, split.prefix(), "labels", 1)?;
    let mut set = parse_images(&read(&images_path)?).map_err(|e| in_file(e, &images_path))?;
    let labels = parse_labels(&read(&labels_path)?).map_err(|e| in_file(e, &labels_path))?;
    if labels.len() != set.len() {
        return Err(DataError::InvalidImages(format!(
            "{} holds {} labels but {} holds {} images",
            labels_path.display(),
            labels.len(),
            images_path.display(),
            set.len()
        )));
    }
    let needed = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let names: Vec<String> = match class_names {
        Some(names) if names.len() < needed => {
            return Err(DataError::InvalidImages(format!(
                "{} uses {needed} classes but only {} class names were given",
                labels_path.display(),
                names.len()
            )));
        }
        Some(names) => names.iter().map(|s| s.to_string()).collect(),
        None => (0..needed).map(|i| i.to_string()).collect(),
    };
    set.labels = Some(labels);
    set.class_names = names;
    Ok(set)
}

/// The first existing file among the accepted spellings of `<prefix>-<kind>-idx<dims>-ubyte`.
fn find_idx(dir: &Path, prefix: &str, kind: &str, dims: u8) -> Result<PathBuf, DataError> {
    let dashed = format!("{prefix}-{kind}-idx{dims}-ubyte");
    let dotted = format!("{prefix}-{kind}.idx{dims}-ubyte");
    [&dashed, &dotted]
        .into_iter()
        .flat_map(|name| [dir.join(name), dir.join(format!("{name}.gz"))])
        .find(|p| p.is_file())
        .ok_or_else(|| DataError::Missing {
            path: dir.to_path_buf(),
            reason: format!("no {dashed}[.gz] here (nor {dotted}[.gz])"),
        })
}

/// Reads an IDX file (raw or gzipped) of at most [`crate::limits::IDX_BYTES`] bytes.
fn read(path: &Path) -> Result<Vec<u8>, DataError> {
    crate::file_io::read_bounded(path, crate::limits::IDX_BYTES, "IDX file").map_err(|e| match e {
        crate::file_io::FileError::Io { source, .. } => DataError::Io {
            action: "cannot read",
            path: path.to_path_buf(),
            source,
        },
        invalid => DataError::Idx(invalid.to_string()),
    })
}

/// Prefixes a parse error with the file it came from.
fn in_file(e: DataError, path: &Path) -> DataError {
    match e {
        DataError::Idx(msg) => DataError::Idx(format!("{}: {msg}", path.display())),
        DataError::Gzip { what: _, source } => DataError::Io {
            action: "cannot decompress",
            path: path.to_path_buf(),
            source,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn idx(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
        let mut out = magic.to_be_bytes().to_vec();
        for d in dims {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(body);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).expect("writing to a Vec cannot fail");
        enc.finish().expect("writing to a Vec cannot fail")
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ganvas-idx-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir is writable");
        dir
    }

    #[test]
    fn loads_gzipped_train_split_with_fashion_names() -> Result<(), DataError> {
        let dir = temp_dir("gz");
        let images = idx(0x803, &[3, 2, 2], &[0; 12]);
        let labels = idx(0x801, &[3], &[9, 0, 3]);
        fs::write(dir.join("train-images-idx3-ubyte.gz"), gzip(&images)).expect("write");
        fs::write(dir.join("train-labels-idx1-ubyte.gz"), gzip(&labels)).expect("write");
        let set = load_idx_dataset(&dir, Split::Train, Some(&FASHION_MNIST_CLASSES))?;
        assert_eq!(set.len(), 3);
        assert_eq!(set.labels, Some(vec![9, 0, 3]));
        assert_eq!(set.class_names[9], "Ankle boot");
        assert_eq!(set.num_classes(), 10);
        let missing = load_idx_dataset(&dir, Split::Test, None)
            .err()
            .map(|e| e.to_string());
        assert!(missing.is_some_and(|m| m.contains("t10k-images-idx3-ubyte[.gz]")));
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn loads_raw_dotted_test_split_with_numbered_classes() -> Result<(), DataError> {
        let dir = temp_dir("raw");
        fs::write(
            dir.join("t10k-images.idx3-ubyte"),
            idx(0x803, &[2, 1, 1], &[7, 8]),
        )
        .expect("write");
        fs::write(
            dir.join("t10k-labels.idx1-ubyte"),
            idx(0x801, &[2], &[2, 1]),
        )
        .expect("write");
        let set = load_idx_dataset(&dir, Split::Test, None)?;
        assert_eq!(set.class_names, vec!["0", "1", "2"]);
        assert_eq!(set.pixels, vec![7, 8]);
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn mismatches_name_the_files() {
        let dir = temp_dir("bad");
        fs::write(
            dir.join("train-images-idx3-ubyte"),
            idx(0x803, &[2, 1, 1], &[7]),
        )
        .expect("w");
        fs::write(dir.join("train-labels-idx1-ubyte"), idx(0x801, &[1], &[11])).expect("w");
        let msg = load_idx_dataset(&dir, Split::Train, None)
            .err()
            .map(|e| e.to_string());
        assert!(
            msg.as_deref().is_some_and(|m| m.contains(
                "train-images-idx3-ubyte: IDX image \
             file truncated"
            )),
            "{msg:?}"
        );
        fs::write(
            dir.join("train-images-idx3-ubyte"),
            idx(0x803, &[2, 1, 1], &[7, 8]),
        )
        .expect("w");
        let msg = load_idx_dataset(&dir, Split::Train, None)
            .err()
            .map(|e| e.to_string());
        assert!(
            msg.as_deref().is_some_and(|m| m.contains("1 labels but")),
            "{msg:?}"
        );
        fs::write(
            dir.join("train-labels-idx1-ubyte"),
            idx(0x801, &[2], &[11, 0]),
        )
        .expect("w");
        let msg = load_idx_dataset(&dir, Split::Train, Some(&FASHION_MNIST_CLASSES))
            .err()
            .map(|e| e.to_string());
        assert!(
            msg.as_deref().is_some_and(|m| m.contains("12 classes")),
            "{msg:?}"
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
