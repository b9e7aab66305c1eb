//! Precision, recall, density and coverage (Kynkäänniemi et al., 2019; Naeem et al., 2020)
//! from k-nearest-neighbour balls, as the `prdc` package computes them:
//!
//! - the radius of a point is the distance to its k-th nearest neighbour within its own set
//!   (the point itself not counted);
//! - precision: fraction of fake points inside at least one real ball;
//! - recall: fraction of real points inside at least one fake ball;
//! - density: mean number of real balls holding a fake point, divided by k;
//! - coverage: fraction of real balls whose nearest fake point lies inside.
//!
//! "Inside" is strict (`distance < radius`). Distances are Euclidean, from
//! `‖a‖² + ‖b‖² − 2aᵀb` in f64 (clipped at zero; a point's distance to itself is exactly zero),
//! the same route scikit-learn takes. Work is done in row blocks, so memory stays at a few MB
//! whatever the set sizes. The default k is 5 (`prdc`'s examples and Naeem et al.).

use faer::{Mat, MatRef};
use serde::Serialize;

use super::MetricError;
use super::kid::gather;
use super::linalg::{par, to_f64};
use super::stats::check_rows;

/// Default number of neighbours.
pub const DEFAULT_K: usize = 5;

/// The four fractions and the counts behind them.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Prdc {
    pub precision: f64,
    pub recall: f64,
    pub density: f64,
    pub coverage: f64,
    /// Fake points inside some real ball.
    pub precision_count: usize,
    /// Real points inside some fake ball.
    pub recall_count: usize,
    /// Sum over fake points of the number of real balls holding them.
    pub density_count: usize,
    /// Real balls holding their nearest fake point.
    pub coverage_count: usize,
    pub k: usize,
}

/// Precision, recall, density and coverage of `fake` against `real` with `k` neighbours.
pub fn prdc(real: &[f32], fake: &[f32], dim: usize, k: usize) -> Result<Prdc, MetricError> {
    check_rows(real, dim)?;
    check_rows(fake, dim)?;
    let (n_real, n_fake) = (real.len() / dim, fake.len() / dim);
    for (what, n) in [("real", n_real), ("fake", n_fake)] {
        if n <= k {
            return Err(MetricError::TooFew {
                what: format!("{what} rows for {k}-nearest-neighbour radii"),
                need: k + 1,
                got: n,
            });
        }
    }
    let real = to_f64(real, dim, None);
    let fake = to_f64(fake, dim, None);
    let real_radii = knn_radii(real.as_ref(), k);
    let fake_radii = knn_radii(fake.as_ref(), k);

    let mut fake_hits = vec![0_usize; n_fake]; // real balls holding each fake point
    let (mut recall_count, mut coverage_count) = (0, 0);
    for_blocks(real.as_ref(), fake.as_ref(), |first, dist| {
        for i in 0..dist.nrows() {
            let r = real_radii[first + i];
            let (mut nearest, mut in_fake_ball) = (f64::INFINITY, false);
            for (j, hits) in fake_hits.iter_mut().enumerate() {
                let d = dist[(i, j)];
                nearest = nearest.min(d);
                in_fake_ball |= d < fake_radii[j];
                *hits += usize::from(d < r);
            }
            recall_count += usize::from(in_fake_ball);
            coverage_count += usize::from(nearest < r);
        }
    });
    let precision_count = fake_hits.iter().filter(|&&h| h > 0).count();
    let density_count: usize = fake_hits.iter().sum();
    Ok(Prdc {
        precision: precision_count as f64 / n_fake as f64,
        recall: recall_count as f64 / n_real as f64,
        density: density_count as f64 / (k as f64 * n_fake as f64),
        coverage: coverage_count as f64 / n_real as f64,
        precision_count,
        recall_count,
        density_count,
        coverage_count,
        k,
    })
}

/// Distance from every row to its k-th nearest other row.
pub fn knn_radii(x: MatRef<'_, f64>, k: usize) -> Vec<f64> {
    let mut radii = Vec::with_capacity(x.nrows());
    for_blocks(x, x, |first, dist| {
        let mut row = vec![0.0; dist.ncols()];
        for i in 0..dist.nrows() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if first + i == j { 0.0 } else { dist[(i, j)] };
            }
            // index k of the sorted row: the point itself (0) is index 0
            let (_, kth, _) = row.select_nth_unstable_by(k, f64::total_cmp);
            radii.push(*kth);
        }
    });
    radii
}

/// Calls `f(first_row, distances)` for consecutive row blocks of `a` against all of `b`.
fn for_blocks(a: MatRef<'_, f64>, b: MatRef<'_, f64>, mut f: impl FnMut(usize, &Mat<f64>)) {
    const ENTRIES_PER_BLOCK: usize = 1 << 21;
    let rows = (ENTRIES_PER_BLOCK / b.nrows().max(1)).clamp(1, a.nrows().max(1));
    let norms = |m: MatRef<'_, f64>| -> Vec<f64> {
        (0..m.nrows())
            .map(|i| (0..m.ncols()).map(|j| m[(i, j)] * m[(i, j)]).sum())
            .collect()
    };
    let (a_norms, b_norms) = (norms(a), norms(b));
    let mut first = 0;
    while first < a.nrows() {
        let count = rows.min(a.nrows() - first);
        let block = a.subrows(first, count);
        let mut dist = Mat::zeros(count, b.nrows());
        faer::linalg::matmul::matmul(
            dist.as_mut(),
            faer::Accum::Replace,
            block,
            b.transpose(),
            -2.0,
            par(),
        );
        for j in 0..b.nrows() {
            for i in 0..count {
                let sq = dist[(i, j)] + a_norms[first + i] + b_norms[j];
                dist[(i, j)] = sq.max(0.0).sqrt();
            }
        }
        f(first, &dist);
        first += count;
    }
}

/// Mean Euclidean distance between all pairs of distinct rows (a diversity measure; higher is
/// more varied).
pub fn mean_pairwise_distance(rows: &[f32], dim: usize) -> Result<f64, MetricError> {
    check_rows(rows, dim)?;
    let n = rows.len() / dim;
    if n < 2 {
        return Err(MetricError::TooFew {
            what: "rows for a pairwise distance".into(),
            need: 2,
            got: n,
        });
    }
    let x = gather(rows, dim, &(0..n).collect::<Vec<_>>());
    let mut total = 0.0;
    for_blocks(x.as_ref(), x.as_ref(), |first, dist| {
        for i in 0..dist.nrows() {
            for j in (first + i + 1)..dist.ncols() {
                total += dist[(i, j)];
            }
        }
    });
    Ok(total / (n * (n - 1) / 2) as f64)
}
