//! Captions of the emoji set: for every image, the phrases that describe it — the Unicode name,
//! the short names, the sub-category and category from the image package's `emoji.json`, and
//! the keywords of npm `emojilib` (MIT) — and the fixed rule that holds emoji out for
//! evaluation. `ganvas data fetch emoji` writes the table as `captions.tsv`; a training sample
//! draws its caption from its image's phrases (see `train::CaptionedImages`).
//!
//! Skin-tone variants take their base emoji's phrases, with the tone added to the name
//! (`waving hand medium skin tone`) and as a phrase of its own.

use std::collections::HashMap;

use serde_json::Value;

use super::DataError;

/// Written by `ganvas data fetch emoji` beside the images: `file<TAB>phrase<TAB>phrase…`.
pub const CAPTIONS_FILE: &str = "captions.tsv";

/// One in this many emoji is held out (see [`is_held_out`]).
pub const HELD_OUT_EVERY: u64 = 10;

/// The phrases of one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Captioned {
    /// Image file name, e.g. `1f44b-1f3fd.png`.
    pub file: String,
    /// Lower-case phrases, first the name; never empty.
    pub phrases: Vec<String>,
}

/// The skin-tone modifiers, by code point (lower-case hex as in the file names).
const SKIN_TONES: [(&str, &str); 5] = [
    ("1f3fb", "light skin tone"),
    ("1f3fc", "medium light skin tone"),
    ("1f3fd", "medium skin tone"),
    ("1f3fe", "medium dark skin tone"),
    ("1f3ff", "dark skin tone"),
];

/// The emoji an image shows, without skin tones: its file stem with the tone code points
/// removed (`1f44b-1f3fd.png` → `1f44b`).
pub fn base_emoji(file: &str) -> String {
    let stem = file.strip_suffix(".png").unwrap_or(file).to_lowercase();
    stem.split('-')
        .filter(|cp| !SKIN_TONES.iter().any(|(tone, _)| tone == cp))
        .collect::<Vec<_>>()
        .join("-")
}

/// Whether an image belongs to the evaluation set: an emoji is held out, with all its skin-tone
/// variants, when the FNV-1a-64 hash of its [`base_emoji`] is divisible by
/// [`HELD_OUT_EVERY`] (about one emoji in ten; fixed, whatever the seed).
pub fn is_held_out(file: &str) -> bool {
    let hash = base_emoji(file)
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    hash.is_multiple_of(HELD_OUT_EVERY)
}

/// Lower case, `_` and `-` as spaces, white space collapsed; `None` without a letter or digit.
fn phrase(text: &str) -> Option<String> {
    let spaced: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let joined = words.join(" ");
    joined.chars().any(char::is_alphanumeric).then_some(joined)
}

/// The emoji character of a code-point list such as `1F44B-1F3FD`.
fn characters(unified: &str) -> Option<String> {
    unified
        .split('-')
        .map(|cp| u32::from_str_radix(cp, 16).ok().and_then(char::from_u32))
        .collect()
}

/// The keywords `emojilib` lists for an entry of `emoji.json` (looked up by the fully
/// qualified character, then without variation selectors, then the non-qualified form).
fn keywords<'a>(entry: &Value, lib: &'a HashMap<String, Vec<String>>) -> &'a [String] {
    let unified = entry["unified"].as_str().and_then(characters);
    let plain = unified.as_ref().map(|c| c.replace('\u{fe0f}', ""));
    let non_qualified = entry["non_qualified"].as_str().and_then(characters);
    [unified, plain, non_qualified]
        .into_iter()
        .flatten()
        .find_map(|c| lib.get(&c))
        .map_or(&[], Vec::as_slice)
}

/// The caption table of every Google image listed in the package's `emoji.json`, with the
/// keywords of `emojilib`'s `emoji-en-US.json`, sorted by file name.
pub fn captions_from_package_json(
    emoji_json: &str,
    keywords_json: &str,
) -> Result<Vec<Captioned>, DataError> {
    let bad = |what: &str, why: String| DataError::InvalidImages(format!("{what}: {why}"));
    let entries: Vec<Value> =
        serde_json::from_str(emoji_json).map_err(|e| bad("emoji.json", e.to_string()))?;
    let lib: HashMap<String, Vec<String>> =
        serde_json::from_str(keywords_json).map_err(|e| bad("emoji-en-US.json", e.to_string()))?;
    let mut out = Vec::new();
    for entry in &entries {
        let name = entry["name"]
            .as_str()
            .or(entry["short_name"].as_str())
            .ok_or_else(|| {
                bad(
                    "emoji.json",
                    "an entry has neither name nor short name".into(),
                )
            })?;
        let mut phrases: Vec<String> = std::iter::once(name)
            .chain(
                entry["short_names"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str),
            )
            .chain(keywords(entry, &lib).iter().map(String::as_str))
            .chain(
                ["subcategory", "category"]
                    .iter()
                    .filter_map(|k| entry[k].as_str()),
            )
            .filter_map(phrase)
            .collect();
        dedup_keep_order(&mut phrases);
        if phrases.is_empty() {
            continue;
        }
        let mut add = |e: &Value, phrases: Vec<String>| {
            if e["has_img_google"].as_bool() == Some(true)
                && let Some(image) = e["image"].as_str()
            {
                out.push(Captioned {
                    file: image.to_string(),
                    phrases,
                });
            }
        };
        add(entry, phrases.clone());
        for variant in entry["skin_variations"].as_object().into_iter().flatten() {
            let file = variant.1["image"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase();
            let tones: Vec<&str> = file
                .trim_end_matches(".png")
                .split('-')
                .filter_map(|cp| SKIN_TONES.iter().find(|(t, _)| *t == cp).map(|(_, n)| *n))
                .collect();
            let mut with_tone = phrases.clone();
            with_tone[0] = format!("{} {}", phrases[0], tones.join(" "));
            with_tone.extend(tones.iter().map(|t| t.to_string()));
            dedup_keep_order(&mut with_tone);
            add(variant.1, with_tone);
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out.dedup_by(|a, b| a.file == b.file);
    Ok(out)
}

fn dedup_keep_order(phrases: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    phrases.retain(|p| seen.insert(p.clone()));
}

/// The table as `captions.tsv` text.
pub fn format_captions(table: &[Captioned]) -> String {
    table
        .iter()
        .map(|c| format!("{}\t{}\n", c.file, c.phrases.join("\t")))
        .collect()
}

/// Reads `captions.tsv` text; every line must name a file and at least one phrase.
pub fn parse_captions(text: &str) -> Result<Vec<Captioned>, DataError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let mut fields = line.split('\t');
            let file = fields.next().unwrap_or_default().to_string();
            let phrases: Vec<String> = fields
                .filter(|p| !p.trim().is_empty())
                .map(str::to_string)
                .collect();
            if file.is_empty() || phrases.is_empty() {
                return Err(DataError::InvalidImages(format!(
                    "{CAPTIONS_FILE} line {}: expected a file name and at least one phrase",
                    i + 1
                )));
            }
            Ok(Captioned { file, phrases })
        })
        .collect()
}

/// Parent folders of an image whose names join its phrases (see [`phrases_from_path`]).
const FOLDER_PHRASES: usize = 2;

/// The phrases of an image the user named: its file name without the extension, then its
/// nearest [`FOLDER_PHRASES`] folder names, each as lower-case words with the all-digit ones
/// dropped (`cats/tabby_cat-02.png` → `["tabby cat", "cats"]`); empty when no name has a word.
/// How the page captions dropped images for fine-tuning a text model.
pub fn phrases_from_path(path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let Some((file, folders)) = parts.split_last() else {
        return Vec::new();
    };
    let stem = match file.rfind('.') {
        Some(dot) if dot > 0 => &file[..dot],
        _ => file,
    };
    let mut out: Vec<String> = Vec::new();
    for name in std::iter::once(&stem).chain(folders.iter().rev().take(FOLDER_PHRASES)) {
        let words: Vec<String> = crate::model::text::tokens::words(name)
            .into_iter()
            .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
            .collect();
        let phrase = words.join(" ");
        if !phrase.is_empty() && !out.contains(&phrase) {
            out.push(phrase);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_folders_caption_dropped_images() {
        assert_eq!(
            phrases_from_path("cats/tabby_cat-02.png"),
            ["tabby cat", "cats"]
        );
        assert_eq!(phrases_from_path("Smiling Sun.PNG"), ["smiling sun"]);
        assert_eq!(
            phrases_from_path("a/b/c/red.heart.png"),
            ["red heart", "c", "b"]
        );
        assert_eq!(phrases_from_path("hearts\\hearts_3.png"), ["hearts"]);
        assert_eq!(phrases_from_path(".hidden"), ["hidden"]);
        assert!(phrases_from_path("0001.png").is_empty());
        assert!(phrases_from_path("").is_empty());
        assert!(phrases_from_path("//").is_empty());
    }

    const EMOJI: &str = r#"[
        {"name": "WAVING HAND SIGN", "unified": "1F44B", "image": "1f44b.png",
         "short_names": ["wave"], "category": "People & Body", "subcategory": "hand-fingers-open",
         "has_img_google": true,
         "skin_variations": {"1F3FD": {"unified": "1F44B-1F3FD", "image": "1f44b-1f3fd.png",
                                       "has_img_google": true}}},
        {"name": null, "short_name": "smile_cat", "unified": "1F638", "image": "1f638.png",
         "short_names": ["smile_cat"], "category": "Smileys & Emotion",
         "subcategory": "cat-face", "has_img_google": true},
        {"name": "PILE OF POO", "unified": "1F4A9", "image": "1f4a9.png",
         "category": "Smileys & Emotion", "has_img_google": false}
    ]"#;
    const KEYWORDS: &str = r#"{"👋": ["waving_hand", "wave", "hands", "goodbye"],
                               "😸": ["grinning_cat", "animal", ":D"]}"#;

    #[test]
    fn phrases_come_from_names_keywords_and_categories() {
        let table = captions_from_package_json(EMOJI, KEYWORDS).unwrap();
        let files: Vec<&str> = table.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(files, ["1f44b-1f3fd.png", "1f44b.png", "1f638.png"]);
        assert_eq!(
            table[1].phrases,
            [
                "waving hand sign",
                "wave",
                "waving hand",
                "hands",
                "goodbye",
                "hand fingers open",
                "people & body"
            ]
        );
        assert_eq!(table[0].phrases[0], "waving hand sign medium skin tone");
        assert!(table[0].phrases.contains(&"medium skin tone".to_string()));
        assert_eq!(
            table[2].phrases,
            [
                "smile cat",
                "grinning cat",
                "animal",
                ":d",
                "cat face",
                "smileys & emotion"
            ]
        );
        assert!(captions_from_package_json("{}", KEYWORDS).is_err());
        assert!(captions_from_package_json(EMOJI, "[]").is_err());
    }

    #[test]
    fn the_table_round_trips_through_tsv_and_bad_lines_are_named() {
        let table = captions_from_package_json(EMOJI, KEYWORDS).unwrap();
        assert_eq!(parse_captions(&format_captions(&table)).unwrap(), table);
        let err = parse_captions("a.png\tcat\nb.png\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("captions.tsv line 2"), "{err}");
    }

    #[test]
    fn skin_tones_are_held_out_with_their_emoji() {
        assert_eq!(base_emoji("1F44B-1F3FD.png"), "1f44b");
        assert_eq!(base_emoji("1f468-1f3fb-200d-1f9b0.png"), "1f468-200d-1f9b0");
        assert_eq!(base_emoji("1f1e6-1f1e8.png"), "1f1e6-1f1e8");
        for file in [
            "1f44b.png",
            "1f600.png",
            "1f1e6-1f1e8.png",
            "0023-fe0f-20e3.png",
        ] {
            let stem = file.trim_end_matches(".png");
            assert_eq!(is_held_out(file), is_held_out(&format!("{stem}-1f3fb.png")));
        }
        // About one in ten of a run of code points.
        let held = (0x1f600..0x1f700)
            .filter(|cp| is_held_out(&format!("{cp:x}.png")))
            .count();
        assert!((10..=45).contains(&held), "{held} of 256");
    }
}
