//! Kernel Inception Distance (Bińkowski et al., 2018): the unbiased estimate of the squared
//! maximum mean discrepancy under the cubic polynomial kernel `k(x, y) = (xᵀy / d + 1)³`,
//! averaged over random subsets. Defaults follow torch-fidelity: 100 subsets of at most 1000
//! rows (the subset size is capped at the smaller set; the capped size is reported), the same
//! subset size drawn without replacement from both sets, and the population standard
//! deviation over subsets.

use faer::{Mat, MatRef};
use serde::Serialize;

use super::MetricError;
use super::linalg::par;
use super::stats::check_rows;
use crate::rng::Rng;

/// How KID is estimated.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct KidParams {
    /// Number of random subsets.
    pub subsets: usize,
    /// Rows per subset, before capping at the smaller set.
    pub subset_size: usize,
    /// Seed of the subset draws.
    pub seed: u64,
}

impl Default for KidParams {
    fn default() -> Self {
        Self {
            subsets: 100,
            subset_size: 1000,
            seed: 0,
        }
    }
}

/// KID over subsets.
#[derive(Clone, Debug, Serialize)]
pub struct Kid {
    /// Mean of the per-subset MMD² estimates.
    pub mean: f64,
    /// Population standard deviation of those estimates.
    pub std: f64,
    /// Rows per subset actually used.
    pub subset_size: usize,
    /// Number of subsets.
    pub subsets: usize,
}

/// KID between `real` and `fake` (row-major, `dim` features per row).
pub fn kid(real: &[f32], fake: &[f32], dim: usize, params: &KidParams) -> Result<Kid, MetricError> {
    check_rows(real, dim)?;
    check_rows(fake, dim)?;
    let (n_real, n_fake) = (real.len() / dim, fake.len() / dim);
    let m = params.subset_size.min(n_real).min(n_fake);
    if m < 2 {
        return Err(MetricError::TooFew {
            what: "rows in each set for KID".into(),
            need: 2,
            got: m,
        });
    }
    if params.subsets == 0 {
        return Err(MetricError::Shape("KID needs at least one subset".into()));
    }
    let mut rng = Rng::new(params.seed);
    let mut estimates = Vec::with_capacity(params.subsets);
    for _ in 0..params.subsets {
        let x = gather(real, dim, &choose(&mut rng, n_real, m));
        let y = gather(fake, dim, &choose(&mut rng, n_fake, m));
        estimates.push(mmd2_unbiased(x.as_ref(), y.as_ref()));
    }
    let k = estimates.len() as f64;
    let mean = estimates.iter().sum::<f64>() / k;
    let std = (estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / k).sqrt();
    Ok(Kid {
        mean,
        std,
        subset_size: m,
        subsets: params.subsets,
    })
}

/// Unbiased MMD² between the rows of `x` and of `y` (equal counts) under the cubic polynomial
/// kernel: the mean of off-diagonal `k(xᵢ, xⱼ)` and `k(yᵢ, yⱼ)` minus twice the mean of all
/// `k(xᵢ, yⱼ)`. Each of the three sums of m² terms is compensated (Neumaier), and the
/// off-diagonal sums skip the diagonal instead of subtracting it: with large features
/// (kernel values of 1e24 at feature means of 1e4) a plain running sum lost 1e-4 of the result.
pub fn mmd2_unbiased(x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> f64 {
    let m = x.nrows() as f64;
    let gamma = 1.0 / x.ncols() as f64;
    let xx = kernel_sum(x, x, gamma, true);
    let yy = kernel_sum(y, y, gamma, true);
    let xy = kernel_sum(x, y, gamma, false);
    (xx + yy) / (m * (m - 1.0)) - 2.0 * xy / (m * m)
}

/// `aᵀb` rows against rows: `[a.nrows(), b.nrows()]`.
fn dots(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut dots = Mat::zeros(a.nrows(), b.nrows());
    faer::linalg::matmul::matmul(
        dots.as_mut(),
        faer::Accum::Replace,
        a,
        b.transpose(),
        1.0,
        par(),
    );
    dots
}

/// The sum of `(aᵢᵀbⱼ γ + 1)³` over all `i, j` (or over `i ≠ j`), compensated.
fn kernel_sum(a: MatRef<'_, f64>, b: MatRef<'_, f64>, gamma: f64, off_diagonal: bool) -> f64 {
    let dots = dots(a, b);
    let mut sum = CompensatedSum::default();
    for j in 0..dots.ncols() {
        for i in 0..dots.nrows() {
            if !(off_diagonal && i == j) {
                sum.add((dots[(i, j)] * gamma + 1.0).powi(3));
            }
        }
    }
    sum.value()
}

/// Neumaier's compensated summation: the running sum plus the rounding error of every
/// addition, accurate to a few ulps of the result whatever the number of terms.
#[derive(Clone, Copy, Debug, Default)]
struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    fn add(&mut self, v: f64) {
        let t = self.sum + v;
        self.compensation += if self.sum.abs() >= v.abs() {
            (self.sum - t) + v
        } else {
            (v - t) + self.sum
        };
        self.sum = t;
    }

    fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// `m` distinct indices below `n`, by a partial Fisher–Yates shuffle.
fn choose(rng: &mut Rng, n: usize, m: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..m {
        let j = i + rng.below(n - i);
        idx.swap(i, j);
    }
    idx.truncate(m);
    idx
}

/// The rows `idx` of a row-major buffer, as an f64 matrix.
pub fn gather(rows: &[f32], dim: usize, idx: &[usize]) -> Mat<f64> {
    Mat::from_fn(idx.len(), dim, |i, j| f64::from(rows[idx[i] * dim + j]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An exact-enough sum: double-double accumulation (TwoSum), ~106 bits.
    fn reference_sum(values: impl Iterator<Item = f64>) -> f64 {
        let (mut hi, mut lo) = (0.0f64, 0.0f64);
        for v in values {
            let s = hi + v;
            let bb = s - hi;
            let err = (hi - (s - bb)) + (v - bb);
            let t = lo + err;
            hi = s + t;
            lo = t - (hi - s);
        }
        hi + lo
    }

    #[test]
    fn kernel_sums_are_accurate_with_large_features() {
        // 300 rows of 16 features around 1e4: kernel values near 1e24.
        let mut rng = Rng::new(8);
        let rows: Vec<f32> = (0..300 * 16).map(|_| 1e4 + 50.0 * rng.normal()).collect();
        let x = gather(&rows, 16, &(0..300).collect::<Vec<_>>());
        let gamma = 1.0 / 16.0;
        let d = dots(x.as_ref(), x.as_ref());
        let terms =
            || (0..300).flat_map(|j| (0..300).filter(move |&i| i != j).map(move |i| (i, j)));
        let exact = reference_sum(terms().map(|(i, j)| (d[(i, j)] * gamma + 1.0).powi(3)));
        let ours = kernel_sum(x.as_ref(), x.as_ref(), gamma, true);
        let plain: f64 = terms()
            .map(|(i, j)| (d[(i, j)] * gamma + 1.0).powi(3))
            .sum();
        let rel = |v: f64| ((v - exact) / exact).abs();
        assert!(rel(ours) < 4e-16, "compensated: {:e}", rel(ours));
        assert!(
            rel(plain) > rel(ours),
            "plain {:e} vs {:e}",
            rel(plain),
            rel(ours)
        );
    }
}
