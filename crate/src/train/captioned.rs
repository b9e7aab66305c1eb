//! Captioned images as the step sees them: every batch draws images and, for each, a random
//! caption made of its own phrases; generated samples get the captions of other random images.
//!
//! A caption is 1 to 3 of the image's phrases, picked without repeats, in a random order, and
//! joined while they fit in the model's `max_words` (the first is cut if it alone is too long).
//! Every draw comes from the trainer's [`Rng`], so captions are part of the checkpointed state.

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{Batch, Source};
use crate::data::ImageSet;
use crate::model::SampleShape;
use crate::model::text::tokens::words;
use crate::model::text::{TextDcganConfig, Tokenizer};
use crate::rng::Rng;

/// Most phrases joined into one caption.
const MAX_PHRASES: usize = 3;

/// Images with phrases, tokenised for one text model.
pub struct CaptionedImages {
    images: ImageSet,
    /// `phrases[i][p][w]`: the ids of word `w` of phrase `p` of image `i`.
    phrases: Vec<Vec<Vec<Vec<i64>>>>,
    /// The same phrases as words (to show captions).
    texts: Vec<Vec<Vec<String>>>,
    tokenizer: Tokenizer,
    max_words: usize,
}

/// Why captioned images cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CaptionError {
    #[error("{images} images but {captions} caption lists")]
    Count { images: usize, captions: usize },
    #[error("image {0} has no phrase with a word in it")]
    NoWords(usize),
}

/// The sorted distinct words of every phrase: the vocabulary a text model learns rows for.
pub fn vocabulary_of(phrases: &[Vec<String>]) -> Vec<String> {
    let mut all: Vec<String> = phrases.iter().flatten().flat_map(|p| words(p)).collect();
    all.sort();
    all.dedup();
    all
}

impl CaptionedImages {
    /// `phrases[i]` describe image `i` of `images`; tokenised for `model`.
    pub fn new(
        images: ImageSet,
        phrases: &[Vec<String>],
        model: &TextDcganConfig,
    ) -> Result<Self, CaptionError> {
        if images.len() != phrases.len() {
            return Err(CaptionError::Count {
                images: images.len(),
                captions: phrases.len(),
            });
        }
        let tokenizer = model.tokenizer();
        let mut texts = Vec::with_capacity(phrases.len());
        for (i, list) in phrases.iter().enumerate() {
            let split: Vec<Vec<String>> = list
                .iter()
                .map(|p| words(p))
                .filter(|w| !w.is_empty())
                .collect();
            if split.is_empty() {
                return Err(CaptionError::NoWords(i));
            }
            texts.push(split);
        }
        let phrases = texts
            .iter()
            .map(|list| {
                list.iter()
                    .map(|p| p.iter().map(|w| tokenizer.word_ids(w)).collect())
                    .collect()
            })
            .collect();
        Ok(Self {
            images,
            phrases,
            texts,
            tokenizer,
            max_words: model.max_words,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Whether there is no image.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// The images, in the order of their phrases.
    pub fn images(&self) -> &ImageSet {
        &self.images
    }

    /// Which phrases of `image` a caption joins, in order (see the module docs).
    fn pick(&self, image: usize, rng: &mut Rng) -> Vec<usize> {
        let count = self.phrases[image].len();
        let k = 1 + rng.below(count.min(MAX_PHRASES));
        let mut order: Vec<usize> = (0..count).collect();
        for j in 0..k {
            let other = j + rng.below(count - j);
            order.swap(j, other);
        }
        order.truncate(k);
        order
    }

    /// The words of a caption made of `picked` phrases, at most `max_words`.
    fn join<'a, T>(&self, phrases: &'a [Vec<T>], picked: &[usize]) -> Vec<&'a T> {
        let mut out: Vec<&T> = Vec::new();
        for (n, &p) in picked.iter().enumerate() {
            let words = &phrases[p];
            if n > 0 && out.len() + words.len() > self.max_words {
                break;
            }
            out.extend(words.iter().take(self.max_words - out.len()));
        }
        out
    }

    /// The token ids of a random caption of `image`, padded to the tokenizer's length.
    pub fn caption_ids(&self, image: usize, rng: &mut Rng) -> Vec<i64> {
        let picked = self.pick(image, rng);
        let mut ids: Vec<i64> = self
            .join(&self.phrases[image], &picked)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        ids.resize(self.tokenizer.ids_per_text(), 0);
        ids
    }

    /// A random caption of `image` as text (what [`Self::caption_ids`] encodes for the same
    /// draws).
    pub fn caption_text(&self, image: usize, rng: &mut Rng) -> String {
        let picked = self.pick(image, rng);
        let words: Vec<&str> = self
            .join(&self.texts[image], &picked)
            .into_iter()
            .map(String::as_str)
            .collect();
        words.join(" ")
    }

    /// `[n·ids]` ids of random captions of `images`.
    fn ids_tensor(&self, images: &[usize], rng: &mut Rng, device: &Device) -> Tensor<1, Int> {
        let ids: Vec<i64> = images
            .iter()
            .flat_map(|&i| self.caption_ids(i, rng))
            .collect();
        let len = ids.len();
        Tensor::from_data(TensorData::new(ids, [len]), device)
    }
}

impl Source for CaptionedImages {
    fn shape(&self) -> SampleShape {
        self.images.shape()
    }

    fn classes(&self) -> usize {
        0
    }

    fn text_ids(&self) -> usize {
        self.tokenizer.ids_per_text()
    }

    fn batch(&self, n: usize, rng: &mut Rng, device: &Device) -> Batch {
        let indices: Vec<usize> = (0..n).map(|_| rng.below(self.len())).collect();
        let samples = self.images.batch_f32(&indices);
        let dim = self.images.image_len();
        let labels = self.ids_tensor(&indices, rng, device);
        Batch {
            samples: Tensor::from_data(TensorData::new(samples, [n, dim]), device),
            labels: Some(labels),
        }
    }

    fn captions(&self, n: usize, rng: &mut Rng, device: &Device) -> Option<Tensor<1, Int>> {
        let indices: Vec<usize> = (0..n).map(|_| rng.below(self.len())).collect();
        Some(self.ids_tensor(&indices, rng, device))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> CaptionedImages {
        let images = ImageSet::random(3, 3, 4, 4, 0, &mut Rng::new(1));
        let phrases = vec![
            vec!["red apple".into(), "fruit".into(), "food & drink".into()],
            vec!["smiling cat face with open mouth and smiling eyes".into()],
            vec!["!!!".into(), "dog".into()],
        ];
        let mut model = TextDcganConfig::new(32, 3);
        model.max_words = 4;
        model.vocabulary = vocabulary_of(&phrases);
        CaptionedImages::new(images, &phrases, &model).unwrap()
    }

    #[test]
    fn vocabulary_is_every_word_sorted_once() {
        let v = vocabulary_of(&[vec!["b a".into(), "a".into()], vec!["C".into()]]);
        assert_eq!(v, ["a", "b", "c"]);
    }

    #[test]
    fn captions_use_the_images_own_phrases_within_max_words() {
        let set = set();
        let mut rng = Rng::new(7);
        for _ in 0..50 {
            let text = set.caption_text(0, &mut rng);
            let words: Vec<&str> = text.split(' ').collect();
            assert!(!words.is_empty() && words.len() <= 4, "{text}");
            assert!(
                words
                    .iter()
                    .all(|w| ["red", "apple", "fruit", "food", "drink"].contains(w)),
                "{text}"
            );
        }
        // A phrase longer than max_words is cut; a phrase without words is dropped.
        assert_eq!(set.caption_text(1, &mut rng), "smiling cat face with");
        assert_eq!(set.caption_text(2, &mut rng), "dog");
        let ids = set.caption_ids(1, &mut rng);
        assert_eq!(ids.len(), 4 * 8);
        assert!(ids.chunks(8).all(|word| word[0] > 0));
    }

    #[test]
    fn captions_are_drawn_from_the_seed() {
        let set = set();
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..20)
                .map(|_| set.caption_ids(0, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }

    #[test]
    fn mismatched_inputs_are_refused() {
        let images = ImageSet::random(2, 3, 4, 4, 0, &mut Rng::new(1));
        let model = TextDcganConfig::new(32, 3);
        let one = vec![vec!["cat".to_string()]];
        assert!(matches!(
            CaptionedImages::new(images.clone(), &one, &model),
            Err(CaptionError::Count { .. })
        ));
        let empty = vec![vec!["cat".to_string()], vec!["...".to_string()]];
        assert_eq!(
            CaptionedImages::new(images, &empty, &model).err(),
            Some(CaptionError::NoWords(1))
        );
    }
}
