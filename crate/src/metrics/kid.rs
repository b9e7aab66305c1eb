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
/// `k(xᵢ, yⱼ)`.
pub fn mmd2_unbiased(x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> f64 {
    let m = x.nrows() as f64;
    let gamma = 1.0 / x.ncols() as f64;
    let (xx, xx_diag) = kernel_sums(x, x, gamma);
    let (yy, yy_diag) = kernel_sums(y, y, gamma);
    let (xy, _) = kernel_sums(x, y, gamma);
    (xx - xx_diag + yy - yy_diag) / (m * (m - 1.0)) - 2.0 * xy / (m * m)
}

/// The sum of all `(aᵢᵀbⱼ γ + 1)³` and the sum of its diagonal.
fn kernel_sums(a: MatRef<'_, f64>, b: MatRef<'_, f64>, gamma: f64) -> (f64, f64) {
    let mut dots = Mat::zeros(a.nrows(), b.nrows());
    faer::linalg::matmul::matmul(
        dots.as_mut(),
        faer::Accum::Replace,
        a,
        b.transpose(),
        1.0,
        par(),
    );
    let k = |v: f64| (v * gamma + 1.0).powi(3);
    let mut total = 0.0;
    let mut diag = 0.0;
    for j in 0..dots.ncols() {
        for i in 0..dots.nrows() {
            let v = k(dots[(i, j)]);
            total += v;
            if i == j {
                diag += v;
            }
        }
    }
    (total, diag)
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
