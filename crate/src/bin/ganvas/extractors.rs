//! Loading the feature extractor `ganvas eval` and `ganvas train --eval-every` use.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use ganvas::metrics::Extractor;
use ganvas::metrics::domain::DomainExtractor;
use ganvas::metrics::inception::{Inception, default_weights_path};

use crate::error::CliError;
use crate::eval_cmd::ExtractorKind;

/// The extractor of `kind`, from `weights` or its default place.
pub fn load(
    kind: ExtractorKind,
    weights: Option<&Path>,
    dataset: &str,
    device: &Device,
) -> Result<Box<dyn Extractor>, CliError> {
    match kind {
        ExtractorKind::Domain => {
            let path = match weights {
                Some(p) => p.to_path_buf(),
                None => {
                    if dataset.is_empty() {
                        return Err("--extractor domain: say which data set's classifier to \
                                    use with --dataset (fashion-mnist or mnist), or give --weights"
                            .into());
                    }
                    PathBuf::from(format!("www/models/domain-{dataset}.safetensors"))
                }
            };
            let bytes =
                ganvas::files::read_bounded(&path, WEIGHTS_BYTES, "weights file").map_err(|e| {
                    format!(
                        "{e} (domain classifiers exist for fashion-mnist and mnist; train one \
                         with `ganvas classifier`, or use --extractor inception)"
                    )
                })?;
            let extractor = DomainExtractor::from_bytes(&bytes, device)
                .map_err(|e| CliError::file(&path, e))?;
            Ok(Box::new(extractor))
        }
        ExtractorKind::Inception => {
            let path = match weights {
                Some(p) => p.to_path_buf(),
                None => default_weights_path().ok_or(
                    "no home folder for the Inception weights; give --weights FILE".to_string(),
                )?,
            };
            // A regular file of bounded size (not a device or a FIFO), checked before reading.
            if let Ok(meta) = std::fs::metadata(&path) {
                if !meta.is_file() || meta.len() > WEIGHTS_BYTES {
                    return Err(format!(
                        "{}: not a regular file of at most {WEIGHTS_BYTES} bytes",
                        path.display()
                    )
                    .into());
                }
            }
            let inception = Inception::load(&path, device)?;
            Ok(Box::new(inception))
        }
    }
}

/// The largest extractor weights file read (the Inception weights are 87 MB): 1 GiB.
const WEIGHTS_BYTES: u64 = 1 << 30;

/// Channels and side that folder images are read at when no checkpoint says: the domain
/// classifier's input, else 64×64 RGB.
pub fn preferred_input(extractor: &dyn Extractor, size: Option<usize>) -> (usize, usize) {
    let name = extractor.name();
    if name.starts_with("domain-") {
        (1, size.unwrap_or(28))
    } else {
        (3, size.unwrap_or(64))
    }
}

/// A short fingerprint of the extractor weights (size and modification time of the file), so
/// cached features are recomputed when the weights change.
pub fn weights_id(
    kind: ExtractorKind,
    weights: Option<&Path>,
    dataset: &str,
) -> Result<String, CliError> {
    let path = match (kind, weights) {
        (_, Some(p)) => p.to_path_buf(),
        (ExtractorKind::Domain, None) => {
            PathBuf::from(format!("www/models/domain-{dataset}.safetensors"))
        }
        (ExtractorKind::Inception, None) => default_weights_path().unwrap_or_default(),
    };
    let meta = std::fs::metadata(&path).map_err(|e| CliError::file(&path, e))?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    Ok(format!("{}:{}:{modified}", path.display(), meta.len()))
}
