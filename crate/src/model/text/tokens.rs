//! Text → token ids: how a prompt or a caption becomes the integer input of the text encoder.
//!
//! A text is lower-cased and cut into words: maximal runs of letters and digits, where any
//! other non-ASCII character (an emoji, a CJK ideograph) also counts as a letter, and white
//! space, control characters, ASCII punctuation and the General Punctuation block (U+2000–U+206F)
//! separate words. Each word takes `slots` ids:
//!
//! | slot | id |
//! |---|---|
//! | 0 | `1 + i` for the `i`-th word of the sorted vocabulary, or 0 (padding) when the word is not in it |
//! | 1… | `1 + V + (FNV-1a-64(n-gram) mod buckets)` for character n-grams (n = 3, 4, 5) of `<word>`, evenly picked when there are more than `slots − 1`, padding after the last |
//!
//! so every word, known or not, has a vector (fastText's subword idea, Bojanowski et al. 2017),
//! and the words of a caption fill `max_words` such groups, padding after the last.
//! Everything here is deterministic: the same text gives the same ids on every platform.

use std::collections::HashMap;

/// Bytes of a prompt that are read; a longer prompt is refused rather than cut.
pub const MAX_PROMPT_BYTES: usize = 1000;

/// Character n-gram lengths hashed for every word.
const NGRAMS: std::ops::RangeInclusive<usize> = 3..=5;

/// Why a prompt has no token ids.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PromptError {
    #[error("the prompt has no words: type letters, digits or emoji")]
    Empty,
    #[error("the prompt is {bytes} bytes long; at most {MAX_PROMPT_BYTES} are read")]
    TooLong { bytes: usize },
    #[error("the prompt has {words} words; this model reads at most {max}")]
    TooManyWords { words: usize, max: usize },
}

/// Whether `c` belongs to a word (see the module docs).
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    !(c.is_whitespace() || c.is_control() || ('\u{2000}'..='\u{206f}').contains(&c))
}

/// The lower-cased words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// FNV-1a, 64 bits: a fixed hash (std's hasher is randomly seeded per process).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Maps words to ids with one vocabulary and table layout.
#[derive(Clone, Debug)]
pub struct Tokenizer {
    index: HashMap<String, usize>,
    /// Words in the vocabulary (V).
    vocabulary: usize,
    buckets: usize,
    slots: usize,
    max_words: usize,
}

impl Tokenizer {
    /// A tokenizer for `vocabulary` (its order gives the ids), `buckets` n-gram rows, `slots`
    /// ids per word (≥ 2) and `max_words` words per text.
    pub fn new(vocabulary: &[String], buckets: usize, slots: usize, max_words: usize) -> Self {
        let index = vocabulary
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i))
            .collect();
        Self {
            index,
            vocabulary: vocabulary.len(),
            buckets: buckets.max(1),
            slots: slots.max(2),
            max_words,
        }
    }

    /// Rows of the embedding table: padding, words, n-gram buckets.
    pub fn table_rows(&self) -> usize {
        1 + self.vocabulary + self.buckets
    }

    /// Ids of one text: `max_words × slots`.
    pub fn ids_per_text(&self) -> usize {
        self.max_words * self.slots
    }

    /// Whether `word` has its own row.
    pub fn knows(&self, word: &str) -> bool {
        self.index.contains_key(word)
    }

    /// The `slots` ids of one word (see the module docs).
    pub fn word_ids(&self, word: &str) -> Vec<i64> {
        let mut ids = vec![0i64; self.slots];
        if let Some(&i) = self.index.get(word) {
            ids[0] = 1 + i as i64;
        }
        let chars: Vec<char> = std::iter::once('<')
            .chain(word.chars())
            .chain(std::iter::once('>'))
            .collect();
        let grams: Vec<String> = NGRAMS
            .flat_map(|n| chars.windows(n).map(|w| w.iter().collect::<String>()))
            .collect();
        // Words shorter than the smallest n-gram still get one: the whole `<word>`.
        let grams = if grams.is_empty() {
            vec![chars.iter().collect::<String>()]
        } else {
            grams
        };
        let room = self.slots - 1;
        let picked = grams.len().min(room);
        for (j, slot) in ids[1..=picked].iter_mut().enumerate() {
            let gram = &grams[j * grams.len() / picked];
            let bucket = fnv1a(gram.as_bytes()) % self.buckets as u64;
            *slot = (1 + self.vocabulary) as i64 + bucket as i64;
        }
        ids
    }

    /// Ids of `words` (at most `max_words` of them are used; the caller checks), padded to
    /// [`Self::ids_per_text`].
    pub fn encode_words<S: AsRef<str>>(&self, words: &[S]) -> Vec<i64> {
        let mut ids: Vec<i64> = words
            .iter()
            .take(self.max_words)
            .flat_map(|w| self.word_ids(w.as_ref()))
            .collect();
        ids.resize(self.ids_per_text(), 0);
        ids
    }

    /// Ids of a typed prompt, or why it has none: empty (no word at all), longer than
    /// [`MAX_PROMPT_BYTES`], or more words than the model reads.
    pub fn encode_prompt(&self, prompt: &str) -> Result<Vec<i64>, PromptError> {
        if prompt.len() > MAX_PROMPT_BYTES {
            return Err(PromptError::TooLong {
                bytes: prompt.len(),
            });
        }
        let words = words(prompt);
        if words.is_empty() {
            return Err(PromptError::Empty);
        }
        if words.len() > self.max_words {
            return Err(PromptError::TooManyWords {
                words: words.len(),
                max: self.max_words,
            });
        }
        Ok(self.encode_words(&words))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> Tokenizer {
        let vocabulary = ["cat".to_string(), "smiling".to_string()];
        Tokenizer::new(&vocabulary, 64, 4, 3)
    }

    #[test]
    fn words_are_lower_case_runs_of_letters_digits_and_emoji() {
        assert_eq!(words("Smiling  CAT!"), ["smiling", "cat"]);
        assert_eq!(words("a\u{0}b\tc\u{7f}d"), ["a", "b", "c", "d"]);
        assert_eq!(words("man’s shoe"), ["man", "s", "shoe"]);
        assert_eq!(words("🐱cat 猫"), ["🐱cat", "猫"]);
        assert!(words(" \n\r\t.,;:!?").is_empty());
    }

    #[test]
    fn known_words_get_their_row_and_every_word_gets_ngrams() {
        let t = tokenizer();
        assert_eq!(t.table_rows(), 1 + 2 + 64);
        let cat = t.word_ids("cat");
        assert_eq!(cat[0], 1);
        assert_eq!(t.word_ids("smiling")[0], 2);
        let unknown = t.word_ids("kitten");
        assert_eq!(unknown[0], 0);
        for ids in [&cat, &unknown] {
            assert!(ids[1..].iter().all(|&id| (3..67).contains(&id)), "{ids:?}");
        }
        // One-letter words and emoji still get a bucket.
        assert_ne!(t.word_ids("a")[1], 0);
        assert_ne!(t.word_ids("🐱")[1], 0);
    }

    #[test]
    fn encoding_is_deterministic_and_padded() {
        let t = tokenizer();
        let a = t.encode_prompt("Smiling cat").unwrap();
        assert_eq!(a, t.encode_prompt("smiling, CAT").unwrap());
        assert_eq!(a.len(), 12);
        assert!(a[8..].iter().all(|&id| id == 0));
        // Fixed values: FNV-1a does not depend on the process or platform.
        assert_eq!(fnv1a(b"<ca"), 0x700a_bd18_3011_322b);
    }

    #[test]
    fn bad_prompts_give_one_clear_error_and_never_panic() {
        let t = tokenizer();
        assert_eq!(t.encode_prompt(""), Err(PromptError::Empty));
        assert_eq!(
            t.encode_prompt("\u{1}\u{2}\n\t ..."),
            Err(PromptError::Empty)
        );
        let long = "cat ".repeat(2500);
        assert_eq!(
            t.encode_prompt(&long),
            Err(PromptError::TooLong { bytes: 10_000 })
        );
        assert_eq!(
            t.encode_prompt("a b c d"),
            Err(PromptError::TooManyWords { words: 4, max: 3 })
        );
        // Emoji and control characters between words still give ids.
        let ids = t.encode_prompt("😺\u{7}smiling\u{0}🐈").unwrap();
        assert_eq!(ids.len(), 12);
        assert!(ids.chunks(4).all(|word| word[1] != 0));
        for e in [PromptError::Empty, PromptError::TooLong { bytes: 5000 }] {
            assert!(!e.to_string().contains('\n'));
        }
    }
}
