//! A small deterministic random number generator that ganvas owns.
//!
//! xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64. The whole state is four
//! `u64` words, so a training run can store it in a checkpoint and resume bit-exactly, and the
//! same code runs natively and on `wasm32`. Not for cryptography.
//!
//! The integer stream (`next_u64`, `below`, `shuffle`, `fork`) is identical on every platform.
//! `uniform` is exact too; `normal` goes through `f64::ln`/`cos`, whose last bit may differ
//! between the platform maths libraries, so compare normals with a tolerance across targets.

use serde::{Deserialize, Serialize};

/// xoshiro256** state. Create one with [`Rng::new`], save it with [`Rng::state`] (or serde) and
/// restore it with [`Rng::from_state`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rng {
    s: [u64; 4],
}

/// One step of splitmix64: advances `x` and returns the next output.
fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 2^-53, the spacing of the 53-bit floats in [0, 1).
const F64_UNIT: f64 = 1.0 / (1u64 << 53) as f64;

/// 2^-24, the spacing of the 24-bit floats in [0, 1).
const F32_UNIT: f32 = 1.0 / (1u32 << 24) as f32;

impl Rng {
    /// A generator whose state is four consecutive splitmix64 outputs of `seed`.
    /// Every seed, including 0, gives a valid (non-zero) state.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let s = [
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ];
        Self { s }
    }

    /// Restores a generator saved with [`Rng::state`]; it continues the same stream.
    ///
    /// The all-zero state is a fixed point of xoshiro (it would output zeros forever) and is
    /// never produced by this type; it is replaced by the state of `Rng::new(0)`.
    pub fn from_state(s: [u64; 4]) -> Self {
        if s == [0; 4] {
            Self::new(0)
        } else {
            Self { s }
        }
    }

    /// The current state, to store in a checkpoint.
    pub fn state(&self) -> [u64; 4] {
        self.s
    }

    /// The next 64 random bits (xoshiro256**).
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1), from the top 24 bits (every value is an exact multiple of 2^-24).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * F32_UNIT
    }

    /// Standard normal N(0, 1) by Box–Muller, computed in f64 from two 53-bit uniforms.
    ///
    /// Only the cosine branch is used, so no second value is cached and the state stays `s`.
    /// The largest magnitude it can return is about 8.57 (from u1 = 2^-53).
    pub fn normal(&mut self) -> f32 {
        // u1 in (0, 1] so that ln(u1) is finite; u2 in [0, 1).
        let u1 = ((self.next_u64() >> 11) + 1) as f64 * F64_UNIT;
        let u2 = (self.next_u64() >> 11) as f64 * F64_UNIT;
        let r = (-2.0 * u1.ln()).sqrt();
        (r * (std::f64::consts::TAU * u2).cos()) as f32
    }

    /// Uniform integer in `0..n` by widening multiply (Lemire's method without the rejection
    /// step; the bias is below n / 2^64, negligible for any dataset size). Returns 0 if `n == 0`.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Shuffles `v` in place (Fisher–Yates, from the back).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }

    /// A new generator seeded from this one's next output, for an independent stream
    /// (e.g. one for latents and one for batch order). Advances `self` by one step.
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_reference_xoshiro256starstar() {
        // Reference outputs of xoshiro256** from state [1, 2, 3, 4] (as in rand_xoshiro's tests).
        let mut rng = Rng::from_state([1, 2, 3, 4]);
        let expected: [u64; 10] = [
            11520,
            0,
            1509978240,
            1215971899390074240,
            1216172134540287360,
            607988272756665600,
            16172922978634559625,
            8476171486693032832,
            10595114339597558777,
            2904607092377533576,
        ];
        for e in expected {
            assert_eq!(rng.next_u64(), e);
        }
    }

    #[test]
    fn matches_reference_splitmix64() {
        // Reference outputs of splitmix64 for seed 1234567 (Vigna's splitmix64.c).
        let mut x = 1234567u64;
        let expected: [u64; 5] = [
            6457827717110365317,
            3203168211198807973,
            9817491932198370423,
            4593380528125082431,
            16408922859458223821,
        ];
        for e in expected {
            assert_eq!(splitmix64(&mut x), e);
        }
    }

    #[test]
    fn same_seed_same_stream_different_seed_different_stream() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let mut c = Rng::new(43);
        let xa: Vec<u64> = (0..100).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..100).map(|_| b.next_u64()).collect();
        let xc: Vec<u64> = (0..100).map(|_| c.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn uniform_is_in_range_with_mean_one_half() {
        let mut rng = Rng::new(1);
        let n = 100_000;
        let mut sum = 0.0f64;
        for _ in 0..n {
            let u = rng.uniform();
            assert!((0.0..1.0).contains(&u));
            sum += f64::from(u);
        }
        let mean = sum / n as f64;
        // Standard error of the mean is sqrt(1/12 / n) ≈ 0.0009; 0.005 is > 5 standard errors.
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
    }

    #[test]
    fn normal_has_mean_zero_and_unit_std() {
        let mut rng = Rng::new(2);
        let n = 100_000;
        let xs: Vec<f64> = (0..n).map(|_| f64::from(rng.normal())).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        // Standard errors: mean 1/sqrt(n) ≈ 0.0032, std ≈ 1/sqrt(2n) ≈ 0.0022; allow ~5 of them.
        assert!(mean.abs() < 0.016, "mean {mean}");
        assert!((var.sqrt() - 1.0).abs() < 0.012, "std {}", var.sqrt());
        assert!(xs.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn state_round_trip_continues_identically() {
        let mut a = Rng::new(7);
        for _ in 0..13 {
            a.next_u64();
        }
        let saved = a.state();
        let mut b = Rng::from_state(saved);
        for _ in 0..50 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_eq!(a.normal().to_bits(), b.normal().to_bits());
        assert_eq!(a, b);
    }

    #[test]
    fn all_zero_state_is_replaced() {
        let mut rng = Rng::from_state([0; 4]);
        assert_ne!(rng.next_u64() | rng.next_u64(), 0);
    }

    #[test]
    fn below_stays_in_range_and_hits_every_value() {
        let mut rng = Rng::new(3);
        let mut seen = [0usize; 7];
        for _ in 0..7000 {
            let k = rng.below(7);
            assert!(k < 7);
            seen[k] += 1;
        }
        // Each count is Binomial(7000, 1/7): mean 1000, std ≈ 29; 850 is > 5 std below.
        assert!(seen.iter().all(|&c| c > 850), "{seen:?}");
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn shuffle_is_a_deterministic_permutation() {
        let mut v: Vec<usize> = (0..100).collect();
        let mut w = v.clone();
        Rng::new(9).shuffle(&mut v);
        Rng::new(9).shuffle(&mut w);
        assert_eq!(v, w);
        assert_ne!(v, (0..100).collect::<Vec<_>>());
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        let mut empty: [u8; 0] = [];
        Rng::new(9).shuffle(&mut empty);
    }

    #[test]
    fn fork_gives_an_independent_deterministic_stream() {
        let mut a = Rng::new(5);
        let mut b = Rng::new(5);
        let mut fa = a.fork();
        let mut fb = b.fork();
        assert_eq!(fa, fb);
        assert_eq!(a, b);
        let parent: Vec<u64> = (0..10).map(|_| a.next_u64()).collect();
        let child: Vec<u64> = (0..10).map(|_| fa.next_u64()).collect();
        assert_ne!(parent, child);
        assert_eq!(fb.next_u64(), child[0]);
    }
}
