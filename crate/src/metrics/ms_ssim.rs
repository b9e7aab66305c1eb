//! Multi-scale structural similarity (Wang, Simoncelli & Bovik, 2003) between images, and its
//! use as a diversity measure: the mean MS-SSIM of random pairs of generated images (Odena et
//! al., 2017). Lower means more varied; a collapsed generator scores near 1. Compare with the
//! same figure on real images.
//!
//! The arithmetic follows `pytorch_msssim` 1.0: a separable Gaussian window applied without
//! padding ("valid"), `K = (0.01, 0.03)`, contrast-structure terms clamped at 0 (`relu`) at
//! every scale, 2×2 average pooling between scales (an odd side is zero-padded by one pixel on
//! both ends and padding counts in the average, PyTorch's `count_include_pad` default),
//! per-channel values averaged over channels. Images are 8-bit levels with `data_range = 255`.
//!
//! Five scales of an 11-pixel window need images wider than 160 pixels; GAN images here are
//! 28–64 pixels, so the default protocol ([`MsSsimParams::small`]) uses a 7-pixel window
//! (σ = 1.5) over three scales with the first three standard weights renormalised to sum to 1.
//! [`MsSsimParams::standard`] is the original protocol for large images.

use super::MetricError;
use super::protocol::{MetricResult, Protocol};
use crate::rng::Rng;

/// Channels and size of the images compared (channel-major bytes, `len()` per image).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageShape {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl ImageShape {
    /// Bytes per image.
    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Window, scales and weights of an MS-SSIM protocol.
#[derive(Clone, Debug, PartialEq)]
pub struct MsSsimParams {
    /// Side of the Gaussian window (odd).
    pub window: usize,
    pub sigma: f64,
    /// One exponent per scale, finest first.
    pub weights: Vec<f64>,
}

/// Exponents of the five scales of Wang et al. (2003).
const STANDARD_WEIGHTS: [f64; 5] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
const K1: f64 = 0.01;
const K2: f64 = 0.03;
const DATA_RANGE: f64 = 255.0;

impl MsSsimParams {
    /// The original protocol: 11-pixel window, σ = 1.5, five scales.
    pub fn standard() -> Self {
        Self {
            window: 11,
            sigma: 1.5,
            weights: STANDARD_WEIGHTS.to_vec(),
        }
    }

    /// The protocol for 28–64 pixel images: 7-pixel window, σ = 1.5, three scales with the
    /// first three standard weights renormalised.
    pub fn small() -> Self {
        let total: f64 = STANDARD_WEIGHTS[..3].iter().sum();
        Self {
            window: 7,
            sigma: 1.5,
            weights: STANDARD_WEIGHTS[..3].iter().map(|w| w / total).collect(),
        }
    }

    /// `name=value` pairs for a result's protocol.
    pub fn describe(&self) -> Vec<(String, String)> {
        vec![
            ("window".into(), self.window.to_string()),
            ("sigma".into(), self.sigma.to_string()),
            ("scales".into(), self.weights.len().to_string()),
        ]
    }

    /// Smallest image side this protocol accepts: the window must fit the coarsest scale.
    pub fn min_side(&self) -> usize {
        let mut side = self.window;
        for _ in 1..self.weights.len() {
            side = side * 2 - 1; // ceil-halving of `side * 2 - 1` gives back `side`
        }
        side
    }

    fn kernel(&self) -> Vec<f64> {
        let half = (self.window / 2) as f64;
        let raw: Vec<f64> = (0..self.window)
            .map(|i| {
                let x = i as f64 - half;
                (-(x * x) / (2.0 * self.sigma * self.sigma)).exp()
            })
            .collect();
        let sum: f64 = raw.iter().sum();
        raw.into_iter().map(|v| v / sum).collect()
    }

    fn check(&self, height: usize, width: usize) -> Result<(), MetricError> {
        if self.window % 2 == 0 || self.weights.is_empty() {
            return Err(MetricError::Shape(format!(
                "MS-SSIM needs an odd window and at least one scale (window {}, {} scales)",
                self.window,
                self.weights.len()
            )));
        }
        let min = self.min_side();
        if height.min(width) < min {
            return Err(MetricError::Shape(format!(
                "MS-SSIM with a {}-pixel window over {} scales needs images of at least \
                 {min}×{min} pixels, got {height}×{width}",
                self.window,
                self.weights.len()
            )));
        }
        Ok(())
    }
}

/// One channel plane in f64.
#[derive(Clone)]
struct Plane {
    h: usize,
    w: usize,
    v: Vec<f64>,
}

impl Plane {
    /// "Valid" separable filtering with `k`.
    fn filter(&self, k: &[f64]) -> Plane {
        let n = k.len();
        let (h, w) = (self.h, self.w - n + 1);
        let mut rows = vec![0.0; self.h * w];
        for y in 0..self.h {
            let src = &self.v[y * self.w..(y + 1) * self.w];
            for x in 0..w {
                rows[y * w + x] = k.iter().zip(&src[x..x + n]).map(|(a, b)| a * b).sum();
            }
        }
        let h2 = h - n + 1;
        let mut out = vec![0.0; h2 * w];
        for y in 0..h2 {
            for x in 0..w {
                out[y * w + x] = (0..n).map(|i| k[i] * rows[(y + i) * w + x]).sum();
            }
        }
        Plane { h: h2, w, v: out }
    }

    fn map2(&self, other: &Plane, f: impl Fn(f64, f64) -> f64) -> Plane {
        Plane {
            h: self.h,
            w: self.w,
            v: self
                .v
                .iter()
                .zip(&other.v)
                .map(|(&a, &b)| f(a, b))
                .collect(),
        }
    }

    /// 2×2 average pooling with stride 2, padding odd sides by one on both ends and dividing by
    /// the full window (PyTorch's `avg_pool2d(kernel_size=2, padding=s % 2)`).
    fn pool(&self) -> Plane {
        let (ph, pw) = (self.h % 2, self.w % 2);
        let h = (self.h + 2 * ph - 2) / 2 + 1;
        let w = (self.w + 2 * pw - 2) / 2 + 1;
        let mut v = vec![0.0; h * w];
        for y in 0..h {
            for x in 0..w {
                let mut sum = 0.0;
                for dy in 0..2 {
                    for dx in 0..2 {
                        let sy = (2 * y + dy) as isize - ph as isize;
                        let sx = (2 * x + dx) as isize - pw as isize;
                        if sy >= 0 && sx >= 0 && (sy as usize) < self.h && (sx as usize) < self.w {
                            sum += self.v[sy as usize * self.w + sx as usize];
                        }
                    }
                }
                v[y * w + x] = sum / 4.0;
            }
        }
        Plane { h, w, v }
    }
}

/// `(ssim, cs)` of two planes: the means of the SSIM and contrast-structure maps.
fn ssim_cs(x: &Plane, y: &Plane, k: &[f64]) -> (f64, f64) {
    let c1 = (K1 * DATA_RANGE).powi(2);
    let c2 = (K2 * DATA_RANGE).powi(2);
    let mu1 = x.filter(k);
    let mu2 = y.filter(k);
    let xx = x.map2(x, |a, b| a * b).filter(k);
    let yy = y.map2(y, |a, b| a * b).filter(k);
    let xy = x.map2(y, |a, b| a * b).filter(k);
    let (mut ssim, mut cs) = (0.0, 0.0);
    for i in 0..mu1.v.len() {
        let (m1, m2) = (mu1.v[i], mu2.v[i]);
        let s1 = xx.v[i] - m1 * m1;
        let s2 = yy.v[i] - m2 * m2;
        let s12 = xy.v[i] - m1 * m2;
        let c = (2.0 * s12 + c2) / (s1 + s2 + c2);
        cs += c;
        ssim += (2.0 * m1 * m2 + c1) / (m1 * m1 + m2 * m2 + c1) * c;
    }
    let n = mu1.v.len() as f64;
    (ssim / n, cs / n)
}

/// MS-SSIM of two images of 8-bit levels (channel-major), the mean over channels.
pub fn ms_ssim(
    a: &[u8],
    b: &[u8],
    shape: ImageShape,
    params: &MsSsimParams,
) -> Result<f64, MetricError> {
    let ImageShape {
        channels,
        height,
        width,
    } = shape;
    params.check(height, width)?;
    let size = shape.len();
    if a.len() != size || b.len() != size {
        return Err(MetricError::Shape(format!(
            "MS-SSIM: images of {} and {} values for {channels}×{height}×{width}",
            a.len(),
            b.len()
        )));
    }
    let k = params.kernel();
    let plane = |img: &[u8], c: usize| Plane {
        h: height,
        w: width,
        v: img[c * height * width..(c + 1) * height * width]
            .iter()
            .map(|&p| f64::from(p))
            .collect(),
    };
    let mut total = 0.0;
    for c in 0..channels {
        let (mut x, mut y) = (plane(a, c), plane(b, c));
        let mut value = 1.0;
        for (scale, weight) in params.weights.iter().enumerate() {
            let (ssim, cs) = ssim_cs(&x, &y, &k);
            let last = scale + 1 == params.weights.len();
            let term = if last { ssim } else { cs };
            value *= term.max(0.0).powf(*weight);
            if !last {
                x = x.pool();
                y = y.pool();
            }
        }
        total += value;
    }
    Ok(total / channels as f64)
}

/// Mean MS-SSIM over `pairs` random pairs of distinct images (`pixels`: whole images of
/// `shape`, one after the other), drawn with `seed`.
pub fn mean_pairwise_ms_ssim(
    pixels: &[u8],
    shape: ImageShape,
    pairs: usize,
    seed: u64,
    params: &MsSsimParams,
) -> Result<f64, MetricError> {
    let size = shape.len();
    if size == 0 || pixels.len() % size != 0 {
        return Err(MetricError::Shape(format!(
            "{} bytes are not whole {}×{}×{} images",
            pixels.len(),
            shape.channels,
            shape.height,
            shape.width
        )));
    }
    let n = pixels.len() / size;
    if n < 2 || pairs == 0 {
        return Err(MetricError::TooFew {
            what: "images for pairwise MS-SSIM".into(),
            got: n,
            need: 2,
        });
    }
    let image = |i: usize| &pixels[i * size..(i + 1) * size];
    let mut rng = Rng::new(seed);
    let mut sum = 0.0;
    for _ in 0..pairs {
        let i = rng.below(n);
        let j = (i + 1 + rng.below(n - 1)) % n; // any other image
        sum += ms_ssim(image(i), image(j), shape, params)?;
    }
    Ok(sum / pairs as f64)
}

/// Pixel diversity of a real and a generated set under `params` ([`MsSsimParams::small`] for
/// GAN-sized images): `ms_ssim` (mean MS-SSIM of `pairs` random fake pairs) and `ms_ssim_real`
/// (the same on real pairs, the level to compare with), keyed `ms_ssim@pixels/0vN`.
pub fn diversity_results(
    real: &[u8],
    fake: &[u8],
    shape: ImageShape,
    pairs: usize,
    seed: u64,
    params: &MsSsimParams,
) -> Result<Vec<MetricResult>, MetricError> {
    let size = shape.len().max(1);
    let mut out = Vec::with_capacity(2);
    for (metric, pixels, is_real) in [("ms_ssim", fake, false), ("ms_ssim_real", real, true)] {
        let value = mean_pairwise_ms_ssim(pixels, shape, pairs, seed, params)?;
        let mut settings = params.describe();
        settings.push(("pairs".into(), pairs.to_string()));
        let n = pixels.len() / size;
        let protocol = Protocol {
            name: String::new(),
            extractor: "pixels".into(),
            n_real: if is_real { n } else { 0 },
            n_fake: if is_real { 0 } else { n },
            params: settings,
        };
        out.push(MetricResult::new(metric, value, None, protocol));
    }
    Ok(out)
}

/// Random pairs for the MS-SSIM diversity of image sets.
pub const DIVERSITY_PAIRS: usize = 1000;

/// [`diversity_results`] of two image sets of one size, on [`DIVERSITY_PAIRS`] pairs, with
/// the standard parameters for images above 160 px and [`MsSsimParams::small`] below.
pub fn image_set_diversity(
    real: &crate::data::ImageSet,
    fake: &crate::data::ImageSet,
    seed: u64,
) -> Result<Vec<MetricResult>, MetricError> {
    if (real.width, real.height, real.channels) != (fake.width, fake.height, fake.channels) {
        return Err(MetricError::Shape(format!(
            "MS-SSIM diversity needs real and fake images of one size ({}×{} vs {}×{})",
            real.width, real.height, fake.width, fake.height
        )));
    }
    let params = if real.height.min(real.width) > 160 {
        MsSsimParams::standard()
    } else {
        MsSsimParams::small()
    };
    let shape = ImageShape {
        channels: real.channels,
        height: real.height,
        width: real.width,
    };
    diversity_results(
        &real.pixels,
        &fake.pixels,
        shape,
        DIVERSITY_PAIRS,
        seed,
        &params,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(channels: usize, side: usize) -> ImageShape {
        ImageShape {
            channels,
            height: side,
            width: side,
        }
    }

    fn noise(seed: u64, len: usize) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        (0..len).map(|_| rng.below(256) as u8).collect()
    }

    #[test]
    fn an_image_is_identical_to_itself() {
        let a = noise(1, 3 * 32 * 32);
        let v = ms_ssim(&a, &a, shape(3, 32), &MsSsimParams::small()).unwrap();
        assert!((v - 1.0).abs() < 1e-12, "{v}");
    }

    #[test]
    fn independent_noise_is_dissimilar_and_symmetric() {
        let (a, b) = (noise(1, 28 * 28), noise(2, 28 * 28));
        let p = MsSsimParams::small();
        let ab = ms_ssim(&a, &b, shape(1, 28), &p).unwrap();
        let ba = ms_ssim(&b, &a, shape(1, 28), &p).unwrap();
        assert!(ab < 0.2, "{ab}");
        assert!((ab - ba).abs() < 1e-12);
    }

    #[test]
    fn collapsed_sets_score_higher_than_varied_ones() {
        let one = noise(3, 32 * 32);
        let collapsed: Vec<u8> = (0..20).flat_map(|_| one.clone()).collect();
        let varied = noise(4, 20 * 32 * 32);
        let p = MsSsimParams::small();
        let c = mean_pairwise_ms_ssim(&collapsed, shape(1, 32), 30, 0, &p).unwrap();
        let v = mean_pairwise_ms_ssim(&varied, shape(1, 32), 30, 0, &p).unwrap();
        assert!((c - 1.0).abs() < 1e-12 && v < 0.2, "{c} {v}");
    }

    #[test]
    fn small_images_and_bad_shapes_are_named_errors() {
        let p = MsSsimParams::small();
        assert_eq!(p.min_side(), 25);
        let a = noise(1, 20 * 20);
        let e = ms_ssim(&a, &a, shape(1, 20), &p).unwrap_err().to_string();
        assert!(e.contains("at least 25×25"), "{e}");
        let e = ms_ssim(&a, &a[..10], shape(1, 20), &MsSsimParams { window: 3, ..p })
            .unwrap_err()
            .to_string();
        assert!(e.contains("10 values"), "{e}");
        let e = mean_pairwise_ms_ssim(&a, shape(1, 20), 5, 0, &MsSsimParams::small())
            .unwrap_err()
            .to_string();
        assert!(e.contains("MS-SSIM"), "{e}");
    }
}
