//! Seeded 2-D toy distributions for the teaching view and fast tests, and the mode-coverage
//! statistics used on the Gaussian mixtures.
//!
//! All sets are scaled to lie roughly within [-2, 2]². Their parameters (σ per coordinate,
//! unless said otherwise):
//!
//! | set | definition |
//! |---|---|
//! | `gaussians8` | 8 Gaussians, centres evenly spaced on the circle of radius 2 starting at (2, 0), σ = 0.02. The "ring" benchmark of Unrolled GAN, VEEGAN and PacGAN. (WGAN-GP's toy code uses the same σ/radius = 0.01 but then divides everything by 1.414.) |
//! | `gaussians25` | 25 Gaussians, centres on the grid {-2, -1, 0, 1, 2}², σ = 0.025. The VEEGAN/PacGAN "grid" (spacing 2, σ = 0.05) halved so it fits [-2, 2]: σ/spacing is unchanged, so mode statistics compare. |
//! | `ring` | a continuous ring: angle uniform, radius 1.5 + N(0, 0.05²). |
//! | `spiral` | two interleaved spiral arms (like FFJORD's "2spirals"): s ~ √U(0,1), angle 3π·s (540°), radius 2·s, the second arm is the first rotated by 180°; plus noise σ = 0.05. |
//! | `moons` | scikit-learn's two half-moons, shifted by (-0.5, -0.25) and scaled by 1.2 (x in [-1.8, 1.8], y in [-0.9, 0.9]); plus noise σ = 0.05. |
//! | `swiss-roll` | the 2-D Swiss roll t·(cos t, sin t), t ~ 1.5π·(1 + 2·U(0,1)), scaled by 2/(4.5π) so the outer end is at radius 2; plus noise σ = 0.05. |
//!
//! Each mixture component is chosen uniformly. The same seed gives the same samples everywhere
//! up to the last bit of `sin`/`cos`/`ln` in the platform maths library.

use std::f32::consts::{PI, TAU};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DataError;
use crate::rng::Rng;

/// Radius of the circle that carries the `gaussians8` centres.
pub const GAUSSIANS8_RADIUS: f32 = 2.0;
/// Standard deviation per coordinate of each `gaussians8` component.
pub const GAUSSIANS8_SIGMA: f32 = 0.02;
/// Standard deviation per coordinate of each `gaussians25` component (grid spacing 1).
pub const GAUSSIANS25_SIGMA: f32 = 0.025;
/// Mean radius of `ring`.
const RING_RADIUS: f32 = 1.5;
/// Standard deviation of the radius of `ring`.
const RING_SIGMA: f32 = 0.05;
/// Standard deviation per coordinate of the noise added to `spiral`, `moons` and `swiss-roll`.
const CURVE_NOISE: f32 = 0.05;

/// A 2-D toy distribution. Its name (serde, [`FromStr`], [`Display`](fmt::Display)) is the
/// kebab-case one: `gaussians8`, `gaussians25`, `ring`, `spiral`, `moons`, `swiss-roll`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Toy {
    /// 8 Gaussians on a circle of radius 2, σ = 0.02.
    Gaussians8,
    /// 25 Gaussians on the 5×5 grid {-2, …, 2}², σ = 0.025.
    Gaussians25,
    /// A continuous ring of radius 1.5.
    Ring,
    /// Two interleaved spiral arms.
    Spiral,
    /// Two interleaving half-moons.
    Moons,
    /// A 2-D Swiss roll.
    SwissRoll,
}

/// The centres and common standard deviation of a Gaussian mixture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Modes {
    /// Component means, (x, y).
    pub centers: Vec<[f32; 2]>,
    /// Standard deviation per coordinate, shared by all components.
    pub sigma: f32,
}

/// How well a set of samples covers the modes of a mixture (see [`mode_stats`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModeStats {
    /// Modes that received at least [`coverage_threshold`] high-quality samples.
    pub covered: usize,
    /// Number of modes.
    pub total: usize,
    /// Fraction of samples, in [0, 1], within 3σ (Euclidean) of their nearest centre.
    pub high_quality: f32,
}

impl Toy {
    /// Every toy distribution, in a stable order (for listings and tests).
    pub const ALL: [Toy; 6] = [
        Toy::Gaussians8,
        Toy::Gaussians25,
        Toy::Ring,
        Toy::Spiral,
        Toy::Moons,
        Toy::SwissRoll,
    ];

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Toy::Gaussians8 => "gaussians8",
            Toy::Gaussians25 => "gaussians25",
            Toy::Ring => "ring",
            Toy::Spiral => "spiral",
            Toy::Moons => "moons",
            Toy::SwissRoll => "swiss-roll",
        }
    }

    /// `n` points drawn from the distribution, interleaved: `[x0, y0, x1, y1, …]` (length 2n).
    pub fn sample(self, n: usize, rng: &mut Rng) -> Vec<f32> {
        let mut out = Vec::with_capacity(2 * n);
        for _ in 0..n {
            let [x, y] = self.point(rng);
            out.push(x);
            out.push(y);
        }
        out
    }

    /// The mixture components for `gaussians8` and `gaussians25`; `None` for the other sets.
    pub fn modes(self) -> Option<Modes> {
        match self {
            Toy::Gaussians8 => Some(Modes {
                centers: (0..8).map(gaussians8_center).collect(),
                sigma: GAUSSIANS8_SIGMA,
            }),
            Toy::Gaussians25 => Some(Modes {
                centers: (0..25).map(gaussians25_center).collect(),
                sigma: GAUSSIANS25_SIGMA,
            }),
            Toy::Ring | Toy::Spiral | Toy::Moons | Toy::SwissRoll => None,
        }
    }

    /// One point.
    fn point(self, rng: &mut Rng) -> [f32; 2] {
        match self {
            Toy::Gaussians8 => {
                let [cx, cy] = gaussians8_center(rng.below(8));
                [
                    cx + GAUSSIANS8_SIGMA * rng.normal(),
                    cy + GAUSSIANS8_SIGMA * rng.normal(),
                ]
            }
            Toy::Gaussians25 => {
                let [cx, cy] = gaussians25_center(rng.below(25));
                [
                    cx + GAUSSIANS25_SIGMA * rng.normal(),
                    cy + GAUSSIANS25_SIGMA * rng.normal(),
                ]
            }
            Toy::Ring => {
                let angle = TAU * rng.uniform();
                let r = RING_RADIUS + RING_SIGMA * rng.normal();
                [r * angle.cos(), r * angle.sin()]
            }
            Toy::Spiral => {
                let flip = if rng.below(2) == 0 { 1.0 } else { -1.0 };
                let s = rng.uniform().sqrt();
                let (angle, r) = (3.0 * PI * s, 2.0 * s);
                with_noise([flip * r * angle.cos(), flip * r * angle.sin()], rng)
            }
            Toy::Moons => {
                let theta = PI * rng.uniform();
                let (x, y) = if rng.below(2) == 0 {
                    (theta.cos(), theta.sin())
                } else {
                    (1.0 - theta.cos(), 0.5 - theta.sin())
                };
                with_noise([(x - 0.5) * 1.2, (y - 0.25) * 1.2], rng)
            }
            Toy::SwissRoll => {
                let t = 1.5 * PI * (1.0 + 2.0 * rng.uniform());
                let scale = 2.0 / (4.5 * PI);
                with_noise([scale * t * t.cos(), scale * t * t.sin()], rng)
            }
        }
    }
}

/// Adds N(0, CURVE_NOISE²) to each coordinate.
fn with_noise([x, y]: [f32; 2], rng: &mut Rng) -> [f32; 2] {
    [
        x + CURVE_NOISE * rng.normal(),
        y + CURVE_NOISE * rng.normal(),
    ]
}

/// Centre `k` (0..8) of `gaussians8`: angle k·45°, radius 2.
fn gaussians8_center(k: usize) -> [f32; 2] {
    let angle = k as f32 * (TAU / 8.0);
    [
        GAUSSIANS8_RADIUS * angle.cos(),
        GAUSSIANS8_RADIUS * angle.sin(),
    ]
}

/// Centre `k` (0..25) of `gaussians25`: column k mod 5, row k div 5, both shifted by -2.
fn gaussians25_center(k: usize) -> [f32; 2] {
    [(k % 5) as f32 - 2.0, (k / 5) as f32 - 2.0]
}

impl fmt::Display for Toy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Toy {
    type Err = DataError;

    /// Parses a kebab-case name (surrounding spaces and letter case are ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Toy::ALL
            .into_iter()
            .find(|t| t.name() == wanted)
            .ok_or_else(|| DataError::UnknownToy {
                name: s.to_string(),
                expected: Toy::ALL.map(Toy::name).join(", "),
            })
    }
}

/// The number of high-quality samples a mode needs to count as covered, for `n` samples over
/// `k` modes: 20 % of the uniform share n/k, rounded up, and at least 1.
///
/// For 2 500 samples on 25 modes this is 20, PacGAN's criterion; on 8 modes it is 63.
pub fn coverage_threshold(n: usize, k: usize) -> usize {
    if k == 0 {
        return 1;
    }
    n.div_ceil(5 * k).max(1)
}

/// Mode coverage and sample quality of interleaved 2-D `samples` against a mixture.
///
/// A sample is *high quality* if its Euclidean distance to the nearest centre is at most
/// 3σ (for a true sample this happens with probability 1 − e^(−4.5) ≈ 98.9 %); it is then
/// assigned to that centre. A mode is *covered* if it is assigned at least
/// [`coverage_threshold`]`(n, modes)` samples, n being the number of samples. A trailing lone
/// coordinate is ignored; non-finite samples are never high quality.
pub fn mode_stats(samples: &[f32], modes: &Modes) -> ModeStats {
    let total = modes.centers.len();
    let mut per_mode = vec![0usize; total];
    let max_d2 = (3.0 * modes.sigma).powi(2);
    let mut high_quality = 0usize;
    let mut n = 0usize;
    for point in samples.chunks_exact(2) {
        let &[x, y] = point else { continue };
        n += 1;
        let mut nearest: Option<(usize, f32)> = None;
        for (i, [cx, cy]) in modes.centers.iter().enumerate() {
            let d2 = (x - cx).powi(2) + (y - cy).powi(2);
            if nearest.is_none_or(|(_, best)| d2 < best) {
                nearest = Some((i, d2));
            }
        }
        if let Some((i, d2)) = nearest
            && d2 <= max_d2
            && let Some(count) = per_mode.get_mut(i)
        {
            *count += 1;
            high_quality += 1;
        }
    }
    let threshold = coverage_threshold(n, total);
    ModeStats {
        covered: per_mode.iter().filter(|&&c| c >= threshold).count(),
        total,
        high_quality: if n == 0 {
            0.0
        } else {
            high_quality as f32 / n as f32
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for toy in Toy::ALL {
            assert_eq!(toy.to_string().parse::<Toy>().ok(), Some(toy));
        }
        assert_eq!("swiss-roll".parse::<Toy>().ok(), Some(Toy::SwissRoll));
        assert_eq!(" Gaussians8 ".parse::<Toy>().ok(), Some(Toy::Gaussians8));
        let err = "cifar"
            .parse::<Toy>()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("`cifar`") && err.contains("swiss-roll"),
            "{err}"
        );
    }

    #[test]
    fn serde_names_match_display() -> Result<(), serde_json::Error> {
        for toy in Toy::ALL {
            assert_eq!(serde_json::to_string(&toy)?, format!("\"{toy}\""));
            assert_eq!(serde_json::from_str::<Toy>(&format!("\"{toy}\""))?, toy);
        }
        Ok(())
    }

    #[test]
    fn same_seed_same_samples() {
        for toy in Toy::ALL {
            let a = toy.sample(100, &mut Rng::new(11));
            let b = toy.sample(100, &mut Rng::new(11));
            let c = toy.sample(100, &mut Rng::new(12));
            assert_eq!(a, b, "{toy}");
            assert_ne!(a, c, "{toy}");
        }
    }

    #[test]
    fn samples_are_finite_and_roughly_within_two() {
        for toy in Toy::ALL {
            let xs = toy.sample(10_000, &mut Rng::new(1));
            assert_eq!(xs.len(), 20_000);
            // The curves reach radius 2 and add σ = 0.05 noise: 2.5 is 10σ beyond.
            assert!(xs.iter().all(|v| v.is_finite() && v.abs() < 2.5), "{toy}");
            let max = xs.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(max > 1.3, "{toy} uses too little of the square: {max}");
        }
    }

    #[test]
    fn true_gaussians8_cover_all_modes_with_high_quality() {
        let modes = Toy::Gaussians8.modes().expect("gaussians8 has modes");
        let stats = mode_stats(&Toy::Gaussians8.sample(2500, &mut Rng::new(3)), &modes);
        assert_eq!((stats.covered, stats.total), (8, 8));
        // Expected 98.9 % (Rayleigh tail beyond 3σ is e^-4.5); 95 % is far outside the noise.
        assert!(stats.high_quality >= 0.95, "{stats:?}");
    }

    #[test]
    fn true_gaussians25_cover_all_modes_with_high_quality() {
        let modes = Toy::Gaussians25.modes().expect("gaussians25 has modes");
        let stats = mode_stats(&Toy::Gaussians25.sample(2500, &mut Rng::new(4)), &modes);
        assert_eq!((stats.covered, stats.total), (25, 25));
        assert!(stats.high_quality >= 0.95, "{stats:?}");
    }

    #[test]
    fn collapse_onto_one_mode_covers_one() {
        let modes = Toy::Gaussians8.modes().expect("gaussians8 has modes");
        let mut rng = Rng::new(5);
        let [cx, cy] = modes.centers[3];
        let samples: Vec<f32> = (0..1000)
            .flat_map(|_| {
                [
                    cx + modes.sigma * rng.normal(),
                    cy + modes.sigma * rng.normal(),
                ]
            })
            .collect();
        let stats = mode_stats(&samples, &modes);
        assert_eq!((stats.covered, stats.total), (1, 8));
        assert!(stats.high_quality >= 0.95);
    }

    #[test]
    fn far_or_broken_samples_are_low_quality() {
        let modes = Toy::Gaussians8.modes().expect("gaussians8 has modes");
        let stats = mode_stats(&[0.0, 0.0, f32::NAN, 1.0, 2.0], &modes);
        assert_eq!(
            stats,
            ModeStats {
                covered: 0,
                total: 8,
                high_quality: 0.0
            }
        );
        let empty = mode_stats(&[], &modes);
        assert_eq!(
            empty,
            ModeStats {
                covered: 0,
                total: 8,
                high_quality: 0.0
            }
        );
    }

    #[test]
    fn thresholds() {
        assert_eq!(coverage_threshold(2500, 25), 20);
        assert_eq!(coverage_threshold(2500, 8), 63);
        assert_eq!(coverage_threshold(3, 8), 1);
        assert_eq!(coverage_threshold(10, 0), 1);
    }

    #[test]
    fn only_mixtures_have_modes() {
        assert_eq!(Toy::Gaussians8.modes().map(|m| m.centers.len()), Some(8));
        assert_eq!(Toy::Gaussians25.modes().map(|m| m.centers.len()), Some(25));
        assert!(Toy::Ring.modes().is_none() && Toy::SwissRoll.modes().is_none());
    }
}
