//! Loading a captioned image folder — one with a `captions.tsv`, as `ganvas data fetch emoji`
//! writes — split by [`is_held_out`] (training: every image not held out; test: the held-out
//! ones), with each image's phrases. Native only.

use std::collections::HashMap;
use std::path::Path;

use super::captions::{CAPTIONS_FILE, is_held_out, parse_captions};
use super::folder::{image_files, load_image_files};
use super::{DataError, ImageSet, Split};

/// Images with the phrases that describe each (same order).
pub struct CaptionedSet {
    /// RGB images, unlabelled.
    pub images: ImageSet,
    /// `phrases[i]` describe image `i`; never empty.
    pub phrases: Vec<Vec<String>>,
}

/// The phrases of every training (not held-out) image listed in `dir`'s `captions.tsv`, in
/// file order: what a text model's vocabulary is made from (reads no image).
pub fn training_phrases(dir: &Path) -> Result<Vec<Vec<String>>, DataError> {
    Ok(read_table(dir)?
        .into_iter()
        .filter(|(file, _)| !is_held_out(file))
        .map(|(_, phrases)| phrases)
        .collect())
}

fn read_table(dir: &Path) -> Result<Vec<(String, Vec<String>)>, DataError> {
    let table = dir.join(CAPTIONS_FILE);
    let text = std::fs::read_to_string(&table).map_err(|e| DataError::Missing {
        path: table.clone(),
        reason: format!("{e} (run `ganvas data fetch emoji` to write it)"),
    })?;
    Ok(parse_captions(&text)?
        .into_iter()
        .map(|c| (c.file, c.phrases))
        .collect())
}

/// The `split` of the captioned folder `dir` as `size × size` RGB images with their phrases.
pub fn load_captioned_folder(
    dir: &Path,
    size: usize,
    split: Split,
) -> Result<CaptionedSet, DataError> {
    let table = dir.join(CAPTIONS_FILE);
    let captions: HashMap<String, Vec<String>> = read_table(dir)?.into_iter().collect();
    let mut keep = Vec::new();
    let mut phrases = Vec::new();
    for path in image_files(dir)? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if is_held_out(&name) != matches!(split, Split::Test) {
            continue;
        }
        let Some(words) = captions.get(&name) else {
            return Err(DataError::Missing {
                path: table.clone(),
                reason: format!("lists no caption for {name}; fetch the set again"),
            });
        };
        keep.push(path);
        phrases.push(words.clone());
    }
    if keep.is_empty() {
        return Err(DataError::Missing {
            path: dir.to_path_buf(),
            reason: "no captioned emoji images in this split".into(),
        });
    }
    let images = load_image_files(&keep, size, 3, None)?;
    Ok(CaptionedSet { images, phrases })
}
