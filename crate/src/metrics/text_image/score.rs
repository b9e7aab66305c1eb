//! The text-image score and R-precision from embeddings already read back (plain `f32`
//! slices, so the same code scores natively and in the browser).

use crate::rng::Rng;

/// Scores of `n` images against their own captions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextImageScores {
    /// Mean cosine of each image with its own caption, in [-1, 1].
    pub score: f64,
    /// Fraction of images whose own caption beats every other candidate.
    pub r_precision: f64,
    /// Candidates per image (its own caption included); chance is `1 / candidates`.
    pub candidates: usize,
    /// Images scored.
    pub n: usize,
}

/// `[N, E]` unit image embeddings against `[M, E]` unit caption embeddings, image `i`
/// belonging with caption `own[i]`: the mean cosine with the own caption, and R-precision over
/// `candidates` captions per image (the own one and `candidates − 1` others drawn without
/// repeats from `seed`; fewer when there are not that many). A tie counts as a miss.
pub fn text_image_scores(
    images: &[f32],
    captions: &[f32],
    own: &[usize],
    dim: usize,
    candidates: usize,
    seed: u64,
) -> TextImageScores {
    let m = captions.len() / dim.max(1);
    let cos = |i: usize, j: usize| -> f32 {
        let (a, b) = (
            &images[i * dim..(i + 1) * dim],
            &captions[j * dim..(j + 1) * dim],
        );
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    };
    let k = candidates.clamp(1, m.max(1));
    let mut rng = Rng::new(seed);
    let (mut total, mut hits) = (0.0f64, 0usize);
    for (i, &mine) in own.iter().enumerate() {
        let score = cos(i, mine);
        total += f64::from(score);
        let mut others: Vec<usize> = (0..m).filter(|&j| j != mine).collect();
        let wanted = (k - 1).min(others.len());
        for j in 0..wanted {
            let pick = j + rng.below(others.len() - j);
            others.swap(j, pick);
        }
        if others[..wanted].iter().all(|&j| cos(i, j) < score) {
            hits += 1;
        }
    }
    let n = own.len();
    TextImageScores {
        score: total / n.max(1) as f64,
        r_precision: hits as f64 / n.max(1) as f64,
        candidates: k,
        n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_on_their_captions_score_one_and_always_rank_first() {
        // Three orthogonal captions; each image is its caption.
        let captions = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let s = text_image_scores(&captions, &captions, &[0, 1, 2], 3, 3, 1);
        assert_eq!(
            (s.score, s.r_precision, s.candidates, s.n),
            (1.0, 1.0, 3, 3)
        );
    }

    #[test]
    fn images_on_the_wrong_caption_never_rank_their_own_first() {
        let captions = [1.0, 0.0, 0.0, 1.0];
        let images = [0.0, 1.0, 1.0, 0.0]; // image 0 looks like caption 1 and back
        let s = text_image_scores(&images, &captions, &[0, 1], 2, 2, 1);
        assert_eq!((s.score, s.r_precision), (0.0, 0.0));
    }

    #[test]
    fn r_precision_of_random_embeddings_is_near_chance() {
        let mut rng = Rng::new(3);
        let dim = 16;
        let unit = |rng: &mut Rng, n: usize| -> Vec<f32> {
            let mut v: Vec<f32> = (0..n * dim).map(|_| rng.normal()).collect();
            for row in v.chunks_mut(dim) {
                let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
                row.iter_mut().for_each(|x| *x /= norm);
            }
            v
        };
        let captions = unit(&mut rng, 200);
        let images = unit(&mut rng, 2000);
        let own: Vec<usize> = (0..2000).map(|i| i % 200).collect();
        let r = text_image_scores(&images, &captions, &own, dim, 10, 5).r_precision;
        assert!((r - 0.1).abs() < 0.03, "{r}");
    }
}
