//! A 2-D distribution drawn by hand in the teaching view: the points a user clicked, each
//! blurred by a small Gaussian, so the GAN learns a smooth density rather than a few exact
//! locations (a kernel density estimate with bandwidth [`DRAWN_JITTER`]).

use super::DataError;
use crate::rng::Rng;

/// Fewest drawn points a distribution can have.
pub const MIN_DRAWN_POINTS: usize = 3;
/// Most drawn points (the page adds a few per click or drag; this is far beyond a drawing).
pub const MAX_DRAWN_POINTS: usize = 10_000;
/// Largest coordinate of a drawn point (the teaching plane shows [-2.5, 2.5]²).
pub const MAX_DRAWN_COORDINATE: f32 = 10.0;
/// Standard deviation per coordinate of the noise added to a drawn point at each draw.
pub const DRAWN_JITTER: f32 = 0.05;

/// Hand-drawn 2-D points (interleaved x, y), checked to be usable.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSet {
    points: Vec<f32>,
}

impl PointSet {
    /// Checks `points` (interleaved x, y): an even length, [`MIN_DRAWN_POINTS`] to
    /// [`MAX_DRAWN_POINTS`] points, every value finite and within ±[`MAX_DRAWN_COORDINATE`].
    pub fn new(points: Vec<f32>) -> Result<Self, DataError> {
        let invalid = |why: String| Err(DataError::InvalidPoints(why));
        if points.len() % 2 != 0 {
            return invalid(format!("{} values are not x, y pairs", points.len()));
        }
        let n = points.len() / 2;
        if n < MIN_DRAWN_POINTS {
            return invalid(format!(
                "draw at least {MIN_DRAWN_POINTS} points (there are {n})"
            ));
        }
        if n > MAX_DRAWN_POINTS {
            return invalid(format!("{n} points exceed the limit of {MAX_DRAWN_POINTS}"));
        }
        if let Some(i) = points
            .iter()
            .position(|v| !(v.is_finite() && v.abs() <= MAX_DRAWN_COORDINATE))
        {
            return invalid(format!(
                "point {} has a coordinate of {}: coordinates must be finite and within ±{MAX_DRAWN_COORDINATE}",
                i / 2 + 1,
                points[i]
            ));
        }
        Ok(Self { points })
    }

    /// Number of drawn points.
    pub fn len(&self) -> usize {
        self.points.len() / 2
    }

    /// Never true: a set has at least [`MIN_DRAWN_POINTS`].
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The drawn points, interleaved.
    pub fn points(&self) -> &[f32] {
        &self.points
    }

    /// `n` draws, interleaved: a drawn point chosen uniformly, plus N(0, DRAWN_JITTER²) noise.
    pub fn sample(&self, n: usize, rng: &mut Rng) -> Vec<f32> {
        let mut out = Vec::with_capacity(2 * n);
        for _ in 0..n {
            let i = rng.below(self.len());
            out.push(self.points[2 * i] + DRAWN_JITTER * rng.normal());
            out.push(self.points[2 * i + 1] + DRAWN_JITTER * rng.normal());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(points: Vec<f32>) -> String {
        PointSet::new(points)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn bad_drawings_are_refused_with_a_reason() {
        assert!(message(vec![0.0; 5]).contains("pairs"));
        assert!(message(vec![0.0; 4]).contains("at least 3"));
        assert!(message(vec![0.0; 2 * MAX_DRAWN_POINTS + 2]).contains("limit"));
        assert!(message(vec![0.0, 0.0, 1.0, f32::NAN, 1.0, 1.0]).contains("point 2"));
        assert!(message(vec![0.0, 0.0, 1.0, 1.0, 1e6, 1.0]).contains("point 3"));
    }

    #[test]
    fn draws_stay_near_the_drawn_points() {
        let set = PointSet::new(vec![1.0, 1.0, -1.0, -1.0, 1.0, -1.0]).expect("three points");
        assert_eq!(set.len(), 3);
        let draws = set.sample(3000, &mut Rng::new(2));
        assert_eq!(draws.len(), 6000);
        let mut near = [0usize; 3];
        for p in draws.chunks_exact(2) {
            for (k, c) in set.points().chunks_exact(2).enumerate() {
                // 10 σ: a draw farther than that from its point has probability ~e^-50.
                if (p[0] - c[0]).hypot(p[1] - c[1]) < 10.0 * DRAWN_JITTER {
                    near[k] += 1;
                }
            }
        }
        assert_eq!(
            near.iter().sum::<usize>(),
            3000,
            "every draw is near a drawn point"
        );
        // Each point is picked with probability 1/3: 1000 ± 26 (1 σ); 800 is ~8 σ away.
        assert!(near.iter().all(|&n| n > 800), "{near:?}");
    }
}
