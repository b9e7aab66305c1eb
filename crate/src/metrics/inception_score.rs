//! Inception Score (Salimans et al., 2016) from class logits: `exp E_x KL(p(y|x) ‖ p(y))`,
//! computed on splits (10 by default; split `i` holds rows `i·N/s .. (i+1)·N/s`), reported as
//! the mean and population standard deviation over splits. Softmax and logarithms in f64.
//!
//! [`inception_score_shuffled`] (what `ganvas eval` reports) first permutes the rows as
//! torch-fidelity does by default (`numpy.random.RandomState(2020).permutation(N)`), which
//! matters when samples come in class order; [`inception_score`] splits them as given
//! (torch-fidelity's `shuffle=False`).

use serde::Serialize;

use super::MetricError;
use super::stats::check_rows;

/// Default number of splits.
pub const DEFAULT_SPLITS: usize = 10;

/// torch-fidelity's default `rng_seed` for the shuffle before splitting.
pub const TORCH_FIDELITY_SEED: u32 = 2020;

/// Inception Score of `logits` after permuting the rows with
/// `numpy.random.RandomState(seed).permutation(N)`, as torch-fidelity's
/// `isc_features_to_metric(shuffle=True, rng_seed=seed)` does.
pub fn inception_score_shuffled(
    logits: &[f32],
    classes: usize,
    splits: usize,
    seed: u32,
) -> Result<InceptionScore, MetricError> {
    check_rows(logits, classes)?;
    let n = logits.len() / classes;
    let shuffled: Vec<f32> = super::numpy_permutation::permutation(seed, n)
        .into_iter()
        .flat_map(|row| &logits[row * classes..(row + 1) * classes])
        .copied()
        .collect();
    inception_score(&shuffled, classes, splits)
}

/// Inception Score over splits.
#[derive(Clone, Debug, Serialize)]
pub struct InceptionScore {
    pub mean: f64,
    pub std: f64,
    pub splits: usize,
}

/// Inception Score of `logits` (row-major, `classes` per row).
pub fn inception_score(
    logits: &[f32],
    classes: usize,
    splits: usize,
) -> Result<InceptionScore, MetricError> {
    check_rows(logits, classes)?;
    let n = logits.len() / classes;
    if splits == 0 || n < splits {
        return Err(MetricError::TooFew {
            what: format!("rows for {splits} splits"),
            need: splits.max(1),
            got: n,
        });
    }
    let probs: Vec<f64> = logits.chunks(classes).flat_map(softmax).collect();
    let scores: Vec<f64> = (0..splits)
        .map(|s| {
            let (from, to) = (s * n / splits, (s + 1) * n / splits);
            split_score(&probs[from * classes..to * classes], classes)
        })
        .collect();
    let k = splits as f64;
    let mean = scores.iter().sum::<f64>() / k;
    let std = (scores.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / k).sqrt();
    Ok(InceptionScore { mean, std, splits })
}

fn softmax(row: &[f32]) -> Vec<f64> {
    let max = row
        .iter()
        .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
    let exp: Vec<f64> = row.iter().map(|&v| (f64::from(v) - max).exp()).collect();
    let total: f64 = exp.iter().sum();
    exp.into_iter().map(|e| e / total).collect()
}

/// `exp(mean KL(p(y|x) ‖ p(y)))` over the rows of one split.
fn split_score(probs: &[f64], classes: usize) -> f64 {
    let n = (probs.len() / classes) as f64;
    let mut marginal = vec![0.0; classes];
    for row in probs.chunks(classes) {
        for (m, p) in marginal.iter_mut().zip(row) {
            *m += p / n;
        }
    }
    let kl: f64 = probs
        .chunks(classes)
        .map(|row| {
            row.iter()
                .zip(&marginal)
                .filter(|(p, _)| **p > 0.0)
                .map(|(p, m)| p * (p.ln() - m.ln()))
                .sum::<f64>()
        })
        .sum();
    (kl / n).exp()
}
