//! Fréchet distance between two Gaussians (FID when the features come from Inception):
//!
//! `d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁ Σ₂)`.
//!
//! The trace term comes from eigenvalues, in f64. `Σ₁Σ₂` is similar to the symmetric
//! positive semi-definite `A = √Σ₁ Σ₂ √Σ₁`, so `tr √(Σ₁Σ₂) = Σᵢ √λᵢ(A)`: the real part of the
//! complex square roots of the eigenvalues of `Σ₁Σ₂`, computed without a non-symmetric
//! eigensolver. `√Σ₁` comes from `Σ₁`'s own eigendecomposition. Covariances estimated from fewer
//! samples than dimensions are rank-deficient; rounding then leaves eigenvalues slightly below
//! zero. Those are clamped to zero explicitly (their complex roots have zero real part), and the
//! most negative one is reported, so a badly broken matrix is visible rather than hidden.

use faer::Mat;
use serde::Serialize;

use super::MetricError;
use super::linalg::{product, symmetric_eigen, symmetric_eigenvalues};
use super::stats::Gaussian;

/// The Fréchet distance and its parts.
#[derive(Clone, Debug, Serialize)]
pub struct Frechet {
    /// `d²`, what FID reports.
    pub value: f64,
    /// `‖μ₁ − μ₂‖²`.
    pub mean_term: f64,
    /// `tr Σ₁`.
    pub trace_a: f64,
    /// `tr Σ₂`.
    pub trace_b: f64,
    /// `tr √(Σ₁Σ₂)`.
    pub trace_sqrt: f64,
    /// The most negative eigenvalue clamped to zero (of `Σ₁`, then of `√Σ₁ Σ₂ √Σ₁`), or 0.
    pub clamped: f64,
}

/// Fréchet distance between `a` and `b`, which must have the same dimension.
pub fn frechet_distance(a: &Gaussian, b: &Gaussian) -> Result<Frechet, MetricError> {
    let d = a.dim();
    if b.dim() != d {
        return Err(MetricError::Shape(format!(
            "feature dimensions differ: {d} and {}",
            b.dim()
        )));
    }
    let mean_term: f64 = a
        .mean
        .iter()
        .zip(&b.mean)
        .map(|(x, y)| (x - y).powi(2))
        .sum();
    let trace = |m: &Mat<f64>| (0..d).map(|i| m[(i, i)]).sum::<f64>();
    let (trace_a, trace_b) = (trace(&a.cov), trace(&b.cov));

    let mut clamped = 0.0_f64;
    let (values, vectors) = symmetric_eigen(a.cov.as_ref())?;
    let roots: Vec<f64> = values
        .iter()
        .map(|&v| {
            clamped = clamped.min(v);
            v.max(0.0).sqrt()
        })
        .collect();
    // √Σ₁ = U diag(√λ) Uᵀ
    let scaled = Mat::from_fn(d, d, |i, j| vectors[(i, j)] * roots[j]);
    let sqrt_a = product(scaled.as_ref(), vectors.transpose());
    let inner = product(
        product(sqrt_a.as_ref(), b.cov.as_ref()).as_ref(),
        sqrt_a.as_ref(),
    );
    let symmetric = Mat::from_fn(d, d, |i, j| 0.5 * (inner[(i, j)] + inner[(j, i)]));
    let trace_sqrt: f64 = symmetric_eigenvalues(symmetric.as_ref())?
        .into_iter()
        .map(|v| {
            clamped = clamped.min(v);
            v.max(0.0).sqrt()
        })
        .sum();
    let value = mean_term + trace_a + trace_b - 2.0 * trace_sqrt;
    if !value.is_finite() {
        return Err(MetricError::Numeric(format!(
            "Fréchet distance is not finite ({value}): mean term {mean_term}, traces {trace_a} \
             and {trace_b}, trace of the square root {trace_sqrt}"
        )));
    }
    Ok(Frechet {
        value,
        mean_term,
        trace_a,
        trace_b,
        trace_sqrt,
        clamped,
    })
}
