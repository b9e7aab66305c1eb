//! Loading the feature extractor `ganvas eval` and `ganvas train --eval-every` use, from
//! `--weights` or its default place, with what to do when it is missing.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use ganvas::files;
use ganvas::metrics::{Extractor, ExtractorKind};

use crate::error::CliError;

/// `--extractor` / `--eval-extractor`: `domain` or `inception`.
pub fn parse_kind(s: &str) -> Result<ExtractorKind, String> {
    s.parse()
        .map_err(|e: ganvas::metrics::MetricError| e.to_string())
}

/// An extractor and a fingerprint of its weights file (for the real-feature cache).
pub struct Loaded {
    pub extractor: Box<dyn Extractor>,
    pub weights_id: String,
}

/// The extractor of `kind`, from `weights` or its default place for `dataset`.
pub fn load(
    kind: ExtractorKind,
    weights: Option<&Path>,
    dataset: &str,
    device: &Device,
) -> Result<Loaded, CliError> {
    let path: PathBuf = match weights {
        Some(p) => p.to_path_buf(),
        None => files::default_extractor_weights(kind, dataset).ok_or(match kind {
            ExtractorKind::Domain => {
                "--extractor domain: say which data set's classifier to use with --dataset \
                 (fashion-mnist or mnist), or give --weights"
            }
            ExtractorKind::Inception => {
                "no home folder for the Inception weights; give --weights FILE"
            }
        })?,
    };
    let extractor = files::load_extractor(kind, &path, device).map_err(|e| match kind {
        ExtractorKind::Domain => CliError::Message(format!(
            "{e} (domain classifiers exist for fashion-mnist, mnist and emoji; train one with \
             `ganvas classifier`, or use --extractor inception)"
        )),
        ExtractorKind::Inception => e.into(),
    })?;
    Ok(Loaded {
        extractor,
        weights_id: files::file_id(&path)?,
    })
}
