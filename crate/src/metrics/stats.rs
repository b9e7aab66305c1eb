//! Streaming mean and covariance of feature vectors, accumulated in f64.
//!
//! Rows are pushed in batches of any size. Each batch is shifted by the first row ever seen
//! before its Gram matrix is added, so `Σ (x − s)(x − s)ᵀ − n m mᵀ` does not cancel
//! catastrophically when features have a large common offset (Inception pool3 features are all
//! positive). The covariance uses the N − 1 normalisation (`numpy.cov`, pytorch-fid).

use faer::Mat;

use super::MetricError;
use super::linalg::{add_gram, to_f64};

/// Running sums over feature rows of a fixed dimension.
#[derive(Clone, Debug)]
pub struct FeatureStats {
    dim: usize,
    n: usize,
    shift: Vec<f64>,
    sum: Vec<f64>,
    gram: Mat<f64>,
}

/// Mean and covariance of a feature set: what FID compares.
#[derive(Clone, Debug)]
pub struct Gaussian {
    /// Number of feature rows summarised.
    pub n: usize,
    /// Mean, `dim` values.
    pub mean: Vec<f64>,
    /// Covariance, `dim × dim`, N − 1 normalisation.
    pub cov: Mat<f64>,
}

impl FeatureStats {
    /// Empty statistics for `dim`-dimensional features.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            n: 0,
            shift: Vec::new(),
            sum: vec![0.0; dim],
            gram: Mat::zeros(dim, dim),
        }
    }

    /// Feature dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Rows pushed so far.
    pub fn count(&self) -> usize {
        self.n
    }

    /// Adds `rows` (row-major, a multiple of `dim` values). NaN or infinite values are an error
    /// and leave the statistics unchanged.
    pub fn push(&mut self, rows: &[f32]) -> Result<(), MetricError> {
        check_rows(rows, self.dim)?;
        if rows.is_empty() {
            return Ok(());
        }
        if self.n == 0 {
            self.shift = rows[..self.dim].iter().map(|&v| f64::from(v)).collect();
        }
        let x = to_f64(rows, self.dim, Some(&self.shift));
        for i in 0..x.nrows() {
            for (j, s) in self.sum.iter_mut().enumerate() {
                *s += x[(i, j)];
            }
        }
        add_gram(&mut self.gram, x.as_ref());
        self.n += x.nrows();
        Ok(())
    }

    /// Mean and covariance. Needs at least two rows.
    pub fn gaussian(&self) -> Result<Gaussian, MetricError> {
        if self.n < 2 {
            return Err(MetricError::TooFew {
                what: "feature rows for a covariance".into(),
                need: 2,
                got: self.n,
            });
        }
        let n = self.n as f64;
        let m: Vec<f64> = self.sum.iter().map(|s| s / n).collect();
        let cov = Mat::from_fn(self.dim, self.dim, |i, j| {
            (self.gram[(i, j)] - n * m[i] * m[j]) / (n - 1.0)
        });
        let mean = m.iter().zip(&self.shift).map(|(a, b)| a + b).collect();
        Ok(Gaussian {
            n: self.n,
            mean,
            cov,
        })
    }
}

impl Gaussian {
    /// Statistics of a whole feature set at once.
    pub fn of(rows: &[f32], dim: usize) -> Result<Self, MetricError> {
        let mut stats = FeatureStats::new(dim);
        stats.push(rows)?;
        stats.gaussian()
    }

    /// Feature dimension.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }
}

/// Rejects a buffer that is not whole rows or holds NaN/inf, naming the first bad value.
pub(crate) fn check_rows(rows: &[f32], dim: usize) -> Result<(), MetricError> {
    if dim == 0 || rows.len() % dim != 0 {
        return Err(MetricError::Shape(format!(
            "{} values are not whole rows of {dim} features",
            rows.len()
        )));
    }
    if let Some(i) = rows.iter().position(|v| !v.is_finite()) {
        return Err(MetricError::NonFinite {
            row: i / dim,
            col: i % dim,
            value: rows[i],
        });
    }
    Ok(())
}
