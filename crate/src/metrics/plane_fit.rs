//! How well generated 2-D points fit the real ones, as the teaching view shows it live: both
//! sets histogrammed on a `bins × bins` grid over `[-extent, extent]²`, then the Jensen–Shannon
//! divergence and KL(real ‖ generated) of the two histograms, in bits; plus mode coverage when
//! the real distribution is a Gaussian mixture.
//!
//! With `P` the real and `Q` the generated histogram (cell counts `c`, `N` points, `B` cells),
//! each smoothed additively so no cell is empty: `p_i = (c_i + α) / (N + α·B)`, α = [`ALPHA`],
//!
//! ```text
//! M = (P + Q) / 2
//! JS(P, Q) = ½ KL(P ‖ M) + ½ KL(Q ‖ M)          in [0, 1] bit
//! KL(P ‖ Q) = Σ p_i log2(p_i / q_i)
//! ```
//!
//! Points outside the square count in the nearest edge cell (a generator that throws points
//! far away is penalised, not ignored); non-finite points are skipped. This is a coarse,
//! sample-size-dependent estimate: two samples of the same distribution score above 0, more
//! so with few points per cell. Compare runs at the same grid and sample sizes.

use serde::Serialize;

use super::MetricError;
use crate::data::{ModeStats, Modes, mode_stats};

/// Additive smoothing per cell (Jeffreys' prior).
pub const ALPHA: f64 = 0.5;
/// Cells per side used by the teaching view.
pub const BINS: usize = 20;

/// The fit of generated to real points (see the module documentation).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaneFit {
    /// Jensen–Shannon divergence of the histograms, bits, in [0, 1].
    pub js_bits: f64,
    /// KL(real ‖ generated) of the histograms, bits, ≥ 0.
    pub kl_bits: f64,
    /// Cells per side.
    pub bins: usize,
    /// Finite real points counted.
    pub n_real: usize,
    /// Finite generated points counted.
    pub n_fake: usize,
    /// Mode coverage of the generated points, for mixtures.
    pub modes: Option<ModeStats>,
}

/// The fit of interleaved 2-D `fake` points to `real` ones on a `bins × bins` grid over
/// `[-extent, extent]²`, with mode coverage against `modes` when given.
pub fn plane_fit(
    real: &[f32],
    fake: &[f32],
    bins: usize,
    extent: f32,
    modes: Option<&Modes>,
) -> Result<PlaneFit, MetricError> {
    if bins == 0 || !(extent.is_finite() && extent > 0.0) {
        return Err(MetricError::Shape(format!(
            "a grid needs at least one cell and a positive extent (got {bins} cells, extent {extent})"
        )));
    }
    let (p, n_real) = histogram(real, bins, extent);
    let (q, n_fake) = histogram(fake, bins, extent);
    for (what, n) in [("real points", n_real), ("generated points", n_fake)] {
        if n == 0 {
            return Err(MetricError::TooFew {
                what: what.into(),
                need: 1,
                got: 0,
            });
        }
    }
    let (p, q) = (smooth(&p, n_real), smooth(&q, n_fake));
    let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| (a + b) / 2.0).collect();
    Ok(PlaneFit {
        js_bits: (kl(&p, &m) + kl(&q, &m)) / 2.0,
        kl_bits: kl(&p, &q),
        bins,
        n_real,
        n_fake,
        modes: modes.map(|modes| mode_stats(fake, modes)),
    })
}

/// Cell counts (row-major, `bins²`) and the number of finite points.
fn histogram(points: &[f32], bins: usize, extent: f32) -> (Vec<usize>, usize) {
    let mut counts = vec![0usize; bins * bins];
    let mut n = 0;
    let cell = |v: f32| {
        let t = (v + extent) / (2.0 * extent) * bins as f32;
        (t.floor().max(0.0) as usize).min(bins - 1)
    };
    for point in points.chunks_exact(2) {
        let (x, y) = (point[0], point[1]);
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        counts[cell(y) * bins + cell(x)] += 1;
        n += 1;
    }
    (counts, n)
}

fn smooth(counts: &[usize], n: usize) -> Vec<f64> {
    let total = n as f64 + ALPHA * counts.len() as f64;
    counts.iter().map(|&c| (c as f64 + ALPHA) / total).collect()
}

/// KL(a ‖ b) in bits, for strictly positive distributions.
fn kl(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| x * (x / y).log2())
        .sum::<f64>()
        .max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Toy;
    use crate::rng::Rng;

    #[test]
    fn same_distribution_scores_near_zero_and_disjoint_sets_near_one_bit() -> Result<(), MetricError>
    {
        let real = Toy::Gaussians8.sample(2000, &mut Rng::new(1));
        let twin = Toy::Gaussians8.sample(2000, &mut Rng::new(2));
        let same = plane_fit(&real, &twin, BINS, 2.5, None)?;
        // Both samples put ~250 points in the same few cells: the smoothing of the 390 empty
        // cells is shared, so the estimate stays small.
        assert!(same.js_bits < 0.02, "{same:?}");
        // Every generated point at the origin: the histograms share almost nothing.
        let origin = vec![0.0f32; 4000];
        let apart = plane_fit(&real, &origin, BINS, 2.5, None)?;
        assert!(apart.js_bits > 0.8 && apart.js_bits <= 1.0, "{apart:?}");
        assert!(apart.kl_bits > same.kl_bits);
        Ok(())
    }

    #[test]
    fn a_collapsed_generator_scores_between_and_covers_one_mode() -> Result<(), MetricError> {
        let real = Toy::Gaussians8.sample(2000, &mut Rng::new(1));
        let modes = Toy::Gaussians8.modes();
        let collapsed: Vec<f32> = (0..2000).flat_map(|_| [2.0f32, 0.0]).collect();
        let fit = plane_fit(&real, &collapsed, BINS, 2.5, modes.as_ref())?;
        assert!(fit.js_bits > 0.3 && fit.js_bits < 0.9, "{fit:?}");
        let stats = fit.modes.expect("a mixture has modes");
        assert_eq!((stats.covered, stats.total), (1, 8));
        Ok(())
    }

    #[test]
    fn far_points_count_at_the_edge_and_broken_ones_are_skipped() -> Result<(), MetricError> {
        let fit = plane_fit(
            &[100.0, -100.0, 2.4, -2.4],
            &[2.45, -2.45, f32::NAN, 0.0],
            4,
            2.5,
            None,
        )?;
        assert_eq!((fit.n_real, fit.n_fake), (2, 1));
        assert!(plane_fit(&[0.0, 0.0], &[f32::NAN, 0.0], 4, 2.5, None).is_err());
        assert!(plane_fit(&[0.0, 0.0], &[0.0, 0.0], 0, 2.5, None).is_err());
        Ok(())
    }
}
