//! Timing of the f64 metric maths on synthetic features (the cost does not depend on what the
//! features mean): the figure "2048-d Fréchet distance of 10k vs 10k" natively and in the
//! browser. The clock is passed in, because `std::time` does not exist in the browser.

use serde::Serialize;

use super::{Gaussian, MetricError, frechet_distance};
use crate::rng::Rng;

/// Wall-clock cost of one FID computation from features.
#[derive(Clone, Debug, Serialize)]
pub struct FrechetTiming {
    /// Rows per set.
    pub n: usize,
    /// Feature dimension.
    pub dim: usize,
    /// Means and covariances of both sets.
    pub statistics_ms: f64,
    /// Fréchet distance from the two Gaussians (eigendecompositions and products).
    pub frechet_ms: f64,
    /// The value, so the work cannot be skipped.
    pub value: f64,
}

/// Times means, covariances and the Fréchet distance of two synthetic `n × dim` sets
/// (non-negative, correlated, like pool3 activations); `now()` returns milliseconds.
pub fn time_frechet(
    n: usize,
    dim: usize,
    seed: u64,
    now: &dyn Fn() -> f64,
) -> Result<FrechetTiming, MetricError> {
    let mut rng = Rng::new(seed);
    let mut set = |shift: f32| -> Vec<f32> {
        let mut rows = Vec::with_capacity(n * dim);
        for _ in 0..n {
            let common = rng.normal();
            for _ in 0..dim {
                rows.push((0.5 * common + rng.normal() + shift).abs());
            }
        }
        rows
    };
    let (a, b) = (set(0.0), set(0.1));
    let started = now();
    let (ga, gb) = (Gaussian::of(&a, dim)?, Gaussian::of(&b, dim)?);
    let statistics_ms = now() - started;
    let started = now();
    let value = frechet_distance(&ga, &gb)?.value;
    Ok(FrechetTiming {
        n,
        dim,
        statistics_ms,
        frechet_ms: now() - started,
        value,
    })
}
