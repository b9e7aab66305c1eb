//! The real images an evaluation compares against: a run's test split (or, for a folder with
//! no split, its images), the real-vs-real reference pair, and image folders read as the
//! extractor expects. Used by `ganvas eval` and `ganvas train --eval-every`.

use std::path::Path;

use ganvas::data::{self, ImageSet, Split};
use ganvas::metrics::ExtractorKind;
use ganvas::model::SampleShape;
use ganvas::run::{DataConfig, RunConfig};

use crate::error::CliError;

/// `fashion-mnist`, `mnist`, `emoji`… from the data folder's name.
pub fn dataset_of(config: &RunConfig) -> Option<String> {
    Path::new(&data_dir(config))
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
}

pub fn data_dir(config: &RunConfig) -> String {
    match &config.data {
        DataConfig::Idx { dir, .. } | DataConfig::Folder { dir } => dir.clone(),
        DataConfig::Toy { .. } => String::new(),
    }
}

/// The Inception network's own input side.
const INCEPTION_SIDE: usize = ganvas::metrics::inception::INPUT_SIZE;

/// Up to `n` images of the folder `dir` for an extractor of `kind`. Inception resizes to 299
/// itself, with the reference's resize: a folder of equal square images goes in at its own
/// size (no intermediate shrink), with alpha dropped as PIL's convert("RGB") does in the
/// reference folder pipelines. With `size` given (`--size`), or for a domain extractor, the
/// images are read at `size` (else `default_size`), alpha over white.
pub fn read_folder(
    dir: &Path,
    kind: ExtractorKind,
    size: Option<usize>,
    default_size: usize,
    channels: usize,
    n: usize,
) -> Result<ImageSet, CliError> {
    if kind == ExtractorKind::Domain || size.is_some() {
        let side = size.unwrap_or(default_size);
        return folder(dir, side, channels, n, data::Alpha::OverWhite);
    }
    let side = match data::common_square_size(dir)? {
        Some(s) if s <= ganvas::limits::IMAGE_SIZE => s,
        _ => {
            eprintln!(
                "note: the images in {} are not all square and of one size (at most {} px); \
                 reading them at {INCEPTION_SIDE}×{INCEPTION_SIDE} (resize and centre crop) \
                 before Inception",
                dir.display(),
                ganvas::limits::IMAGE_SIZE,
            );
            INCEPTION_SIDE
        }
    };
    folder(dir, side, channels, n, data::Alpha::Drop)
}

fn folder(
    dir: &Path,
    size: usize,
    channels: usize,
    n: usize,
    alpha: data::Alpha,
) -> Result<ImageSet, CliError> {
    let set = data::load_image_folder_with(dir, size, channels, alpha)?;
    Ok(first(set, n))
}

/// The held-out images of a run's data: the IDX test split, a text model's held-out emoji,
/// or for another image folder (which has no split) the folder itself.
pub fn test_split(config: &RunConfig, size: usize, n: usize) -> Result<ImageSet, CliError> {
    match &config.data {
        DataConfig::Idx { dir, .. } => idx_split(dir, Split::Test, size, n),
        DataConfig::Folder { dir } if config.model.text().is_some() => {
            Ok(first(captioned_split(dir, Split::Test, size)?, n))
        }
        DataConfig::Folder { dir } => {
            eprintln!("note: {dir} has no test split; comparing against the training images");
            folder(
                Path::new(dir),
                size,
                config_channels(config),
                n,
                data::Alpha::OverWhite,
            )
        }
        DataConfig::Toy { .. } => Err("a 2-D point model has no images to compare".into()),
    }
}

/// The first `n` images of one split of an IDX set at `size`.
fn idx_split(dir: &str, split: Split, size: usize, n: usize) -> Result<ImageSet, CliError> {
    let set = data::load_idx_dataset(Path::new(dir), split, None)
        .map_err(|e| format!("{e} (run `ganvas data fetch` for this set first)"))?;
    Ok(first(data::fit_resolution(&set, size), n))
}

/// One split of a captioned folder (a text model's data: the held-out emoji are its test split,
/// see [`ganvas::data::captions`]) at `size`.
fn captioned_split(dir: &str, split: Split, size: usize) -> Result<ImageSet, CliError> {
    let set = ganvas::data::captions_files::load_captioned_folder(Path::new(dir), size, split)
        .map_err(|e| format!("{e} (run `ganvas data fetch emoji` first)"))?;
    Ok(set.images)
}

/// The real-vs-real pair of `--real-vs-real`: (test split, training split) of an IDX set, each
/// cut to `n`; (even-numbered, odd-numbered images) of a folder, which has no split.
pub fn reference_sets(
    config: &RunConfig,
    size: usize,
    n: usize,
) -> Result<(ImageSet, ImageSet), CliError> {
    match &config.data {
        DataConfig::Idx { dir, .. } => Ok((
            idx_split(dir, Split::Test, size, n)?,
            idx_split(dir, Split::Train, size, n)?,
        )),
        DataConfig::Folder { dir } if config.model.text().is_some() => Ok((
            first(captioned_split(dir, Split::Test, size)?, n),
            first(captioned_split(dir, Split::Train, size)?, n),
        )),
        DataConfig::Folder { dir } => {
            let all = folder(
                Path::new(dir),
                size,
                config_channels(config),
                usize::MAX,
                data::Alpha::OverWhite,
            )?;
            let half = |parity: usize| -> Vec<usize> {
                (0..all.len()).filter(|i| i % 2 == parity).take(n).collect()
            };
            Ok((all.subset(&half(0)), all.subset(&half(1))))
        }
        DataConfig::Toy { .. } => Err("a 2-D point model has no images to compare".into()),
    }
}

fn config_channels(config: &RunConfig) -> usize {
    match config.model.sample_shape() {
        SampleShape::Image { channels, .. } => channels,
        SampleShape::Points { .. } => 1,
    }
}

fn first(set: ImageSet, n: usize) -> ImageSet {
    if set.len() <= n {
        set
    } else {
        set.subset(&(0..n).collect::<Vec<_>>())
    }
}

/// What the real images are, for the real-feature cache's key: the folder or the split, with a
/// digest of its files' names, sizes and modification times (a key on the path alone gave
/// stale features when a folder's images changed).
pub fn real_source(
    real: Option<&Path>,
    config: Option<&RunConfig>,
    real_vs_real: bool,
) -> Result<String, CliError> {
    let (part, dir) = match (real, config) {
        (Some(dir), _) => ("folder", dir.display().to_string()),
        (None, Some(c)) => match (&c.data, real_vs_real) {
            (DataConfig::Folder { .. }, true) => ("even-numbered images of", data_dir(c)),
            _ => ("test split of", data_dir(c)),
        },
        (None, None) => return Err("give --checkpoint or --real DIR".into()),
    };
    let id = ganvas::files::folder_id(Path::new(&dir))?;
    Ok(format!("{part} {dir} {id}"))
}
