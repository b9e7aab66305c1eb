//! Categories of the emoji set, for the emoji domain classifier: `ganvas data fetch emoji`
//! writes `categories.tsv` (image file, Unicode category) from the package's `emoji.json`;
//! [`load_emoji_categories`] loads the images labelled by category, with a fixed split.
//! Native only.
//!
//! Skin-tone variants take their base emoji's category. The `Component` category (five
//! skin-tone swatches and hair parts) is left out: too few images to learn.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::folder::{image_files, load_image_files};
use super::{DataError, ImageSet, Split};

/// The categories learnt, in Unicode's order (the label is the index).
pub const EMOJI_CATEGORIES: [&str; 9] = [
    "Smileys & Emotion",
    "People & Body",
    "Animals & Nature",
    "Food & Drink",
    "Travel & Places",
    "Activities",
    "Objects",
    "Symbols",
    "Flags",
];

/// Written by `ganvas data fetch emoji` beside the images.
pub const CATEGORIES_FILE: &str = "categories.tsv";

/// Every tenth image (in file-name order) is held out for testing.
const TEST_EVERY: usize = 10;

/// `(image file, category)` for every Google image listed in the package's `emoji.json`,
/// sorted by file name.
pub fn categories_from_package_json(json: &str) -> Result<Vec<(String, String)>, DataError> {
    let bad = |why: &str| DataError::InvalidImages(format!("emoji.json: {why}"));
    let entries: Vec<Value> = serde_json::from_str(json).map_err(|e| bad(&e.to_string()))?;
    let mut out = Vec::new();
    for entry in &entries {
        let category = entry["category"]
            .as_str()
            .ok_or_else(|| bad("an entry has no category"))?;
        let mut add = |e: &Value| {
            if e["has_img_google"].as_bool() == Some(true) {
                if let Some(image) = e["image"].as_str() {
                    out.push((image.to_string(), category.to_string()));
                }
            }
        };
        add(entry);
        if let Some(variants) = entry["skin_variations"].as_object() {
            variants.values().for_each(&mut add);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The `split` of the emoji folder `dir` as `size × size` RGB images labelled by
/// [`EMOJI_CATEGORIES`].
pub fn load_emoji_categories(dir: &Path, size: usize, split: Split) -> Result<ImageSet, DataError> {
    let table = dir.join(CATEGORIES_FILE);
    let text = std::fs::read_to_string(&table).map_err(|e| DataError::Missing {
        path: table.clone(),
        reason: format!("{e} (run `ganvas data fetch emoji` to write it)"),
    })?;
    let category_of: HashMap<&str, &str> = text
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .collect();
    let files = image_files(dir)?;
    let mut keep = Vec::new();
    let mut labels = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let Some(category) = category_of.get(name.as_ref()) else {
            return Err(DataError::Missing {
                path: table.clone(),
                reason: format!("lists no category for {name}; fetch the set again"),
            });
        };
        let held_out = i % TEST_EVERY == 0;
        if held_out != matches!(split, Split::Test) {
            continue;
        }
        if let Some(label) = EMOJI_CATEGORIES.iter().position(|c| c == category) {
            keep.push(path.clone());
            labels.push(label as u32);
        }
    }
    // Only this split's files are decoded.
    let mut set = load_image_files(&keep, size, 3, Some(labels))?;
    set.class_names = EMOJI_CATEGORIES.iter().map(|c| c.to_string()).collect();
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_take_their_base_category_and_missing_images_are_skipped() {
        let json = r#"[
            {"image": "1f44b.png", "category": "People & Body", "has_img_google": true,
             "skin_variations": {"1F3FB": {"image": "1f44b-1f3fb.png", "has_img_google": true},
                                 "1F3FC": {"image": "1f44b-1f3fc.png", "has_img_google": false}}},
            {"image": "1f600.png", "category": "Smileys & Emotion", "has_img_google": true},
            {"image": "1f4a9.png", "category": "Smileys & Emotion", "has_img_google": false}
        ]"#;
        let table = categories_from_package_json(json).unwrap();
        let names: Vec<&str> = table.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(names, ["1f44b-1f3fb.png", "1f44b.png", "1f600.png"]);
        assert_eq!(table[0].1, "People & Body");
        assert!(categories_from_package_json("{}").is_err());
    }
}
