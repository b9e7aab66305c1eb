//! The few dense f64 operations the metrics need, on faer: Gram matrices of feature batches and
//! symmetric eigenvalues. Natively faer uses rayon's pool; in the browser it runs sequentially.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par, Side};

use super::MetricError;

/// How faer may parallelise here.
pub(crate) fn par() -> Par {
    #[cfg(not(target_arch = "wasm32"))]
    {
        Par::rayon(0)
    }
    #[cfg(target_arch = "wasm32")]
    {
        Par::Seq
    }
}

/// `rows` (row-major, `n × dim`, f32) as an f64 matrix, each row minus `shift`.
pub(crate) fn to_f64(rows: &[f32], dim: usize, shift: Option<&[f64]>) -> Mat<f64> {
    let n = rows.len() / dim;
    Mat::from_fn(n, dim, |i, j| {
        f64::from(rows[i * dim + j]) - shift.map_or(0.0, |s| s[j])
    })
}

/// `acc += xᵀ x`.
pub(crate) fn add_gram(acc: &mut Mat<f64>, x: MatRef<'_, f64>) {
    matmul(acc.as_mut(), Accum::Add, x.transpose(), x, 1.0, par());
}

/// `a b`.
pub(crate) fn product(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(a.nrows(), b.ncols());
    matmul(out.as_mut(), Accum::Replace, a, b, 1.0, par());
    out
}

/// Eigenvalues and eigenvectors (columns) of the symmetric matrix `a`, ascending.
pub(crate) fn symmetric_eigen(a: MatRef<'_, f64>) -> Result<(Vec<f64>, Mat<f64>), MetricError> {
    let evd = a
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| MetricError::Numeric(format!("symmetric eigendecomposition failed: {e:?}")))?;
    let values = (0..a.nrows()).map(|i| evd.S()[i]).collect();
    Ok((values, evd.U().to_owned()))
}

/// Eigenvalues of the symmetric matrix `a`, ascending.
pub(crate) fn symmetric_eigenvalues(a: MatRef<'_, f64>) -> Result<Vec<f64>, MetricError> {
    a.self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| MetricError::Numeric(format!("symmetric eigenvalues failed: {e:?}")))
}
