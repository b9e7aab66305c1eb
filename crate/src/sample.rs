//! Latents, truncation, interpolation (lerp/slerp), sampling requests (latents + labels: grids,
//! interpolation strips, the latent plane) and the generator run on them, and pictures of
//! samples (image grids and scatter plots of 2-D points), all as plain values so the CLI and the
//! browser share them; the shells only read back and encode.

use std::ops::Range;

use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::model::{Generator, ModelConfig, Noise};
use crate::rng::Rng;

/// `n × latent_dim` latent values (row-major). With `truncation = Some(t)` a Gaussian latent is
/// drawn from the normal truncated to `[-t, t]` by redrawing components outside it (the BigGAN
/// truncation trick), and a uniform latent is scaled by `min(t, 1)`. See [`truncated_latents`]
/// for what happens when `t` is so small that redrawing does not succeed.
pub fn latents(model: &ModelConfig, n: usize, truncation: Option<f32>, rng: &mut Rng) -> Vec<f32> {
    truncated_latents(model, n, truncation, rng).values
}

/// Draws of one Gaussian component before truncation falls back to clamping. At `t = 0.5`
/// (acceptance 38 %) the fallback happens with probability 1e-21; at `t = 1e-30` it always does.
pub const MAX_REDRAWS: usize = 100;

/// Latents and how many of their components had to be clamped.
#[derive(Clone, Debug, PartialEq)]
pub struct Latents {
    /// `n × latent_dim` values, row-major.
    pub values: Vec<f32>,
    /// Components still outside `[-t, t]` after [`MAX_REDRAWS`] draws, clamped to `±t` (0
    /// unless the threshold is tiny); callers say so when it is not 0.
    pub clamped: usize,
}

/// [`latents`], reporting clamping: a Gaussian component is redrawn at most [`MAX_REDRAWS`]
/// times, then clamped to `[-t, t]`, so that no threshold makes sampling hang.
pub fn truncated_latents(
    model: &ModelConfig,
    n: usize,
    truncation: Option<f32>,
    rng: &mut Rng,
) -> Latents {
    let count = n.saturating_mul(model.latent_dim());
    let mut clamped = 0;
    let values = match model.noise() {
        Noise::Gaussian => (0..count)
            .map(|_| match truncation {
                Some(t) if t > 0.0 => {
                    let mut z = rng.normal();
                    for _ in 1..MAX_REDRAWS {
                        if z.abs() <= t {
                            return z;
                        }
                        z = rng.normal();
                    }
                    if z.abs() <= t {
                        return z;
                    }
                    clamped += 1;
                    z.clamp(-t, t)
                }
                _ => rng.normal(),
            })
            .collect(),
        Noise::Uniform => {
            let scale = truncation.map_or(1.0, |t| t.clamp(0.0, 1.0));
            (0..count)
                .map(|_| (rng.uniform() * 2.0 - 1.0) * scale)
                .collect()
        }
    };
    Latents { values, clamped }
}

/// How to walk between two latents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interpolation {
    /// Straight line.
    Lerp,
    /// Great circle (keeps the norm typical of Gaussian latents; White, 2016).
    #[default]
    Slerp,
}

/// `frames` latents from `a` to `b` inclusive, row-major `[frames, dim]`.
pub fn interpolate(a: &[f32], b: &[f32], frames: usize, mode: Interpolation) -> Vec<f32> {
    let mut out = Vec::with_capacity(frames * a.len());
    for f in 0..frames {
        let t = if frames > 1 {
            f as f32 / (frames - 1) as f32
        } else {
            0.0
        };
        match mode {
            Interpolation::Lerp => out.extend(a.iter().zip(b).map(|(x, y)| x + (y - x) * t)),
            Interpolation::Slerp => out.extend(slerp(a, b, t)),
        }
    }
    out
}

fn slerp(a: &[f32], b: &[f32], t: f32) -> Vec<f32> {
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    let cos = if na > 0.0 && nb > 0.0 {
        (a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / (na * nb)).clamp(-1.0, 1.0)
    } else {
        1.0
    };
    let omega = cos.acos();
    if omega.abs() < 1e-4 {
        return a.iter().zip(b).map(|(x, y)| x + (y - x) * t).collect();
    }
    let (wa, wb) = (
        ((1.0 - t) * omega).sin() / omega.sin(),
        (t * omega).sin() / omega.sin(),
    );
    a.iter().zip(b).map(|(x, y)| wa * x + wb * y).collect()
}

/// Which class each sample of a request is drawn from (conditional models only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Classes {
    /// Classes in turn: sample `i` (in interpolation strips, strip `i`) is of class
    /// `i % classes`.
    #[default]
    InTurn,
    /// Every sample of this class (taken modulo the model's classes).
    Only(usize),
}

/// What to ask a generator for: `n` latents and, for a conditional model, one class label each.
/// Built by [`SampleRequest::grid`], [`SampleRequest::strips`] or
/// [`SampleRequest::latent_plane`]; run by [`Generator::generate`].
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRequest {
    /// `n × latent_dim` values, row-major.
    pub latents: Vec<f32>,
    /// Values per latent.
    pub latent_dim: usize,
    /// `n` class labels for a conditional model; `None` for an unconditional one.
    pub labels: Option<Vec<u32>>,
    /// Latent components that truncation had to clamp (see [`Latents::clamped`]); callers say
    /// so when it is not 0.
    pub clamped: usize,
}

impl SampleRequest {
    /// `n` latents drawn as [`truncated_latents`] draws them, with labels `classes`.
    pub fn grid(
        model: &ModelConfig,
        n: usize,
        truncation: Option<f32>,
        classes: Classes,
        rng: &mut Rng,
    ) -> Self {
        let drawn = truncated_latents(model, n, truncation, rng);
        Self {
            latents: drawn.values,
            latent_dim: model.latent_dim(),
            labels: labels(model, n, 1, classes),
            clamped: drawn.clamped,
        }
    }

    /// `strips` interpolation strips of `frames` latents each (strip after strip), each
    /// walking with `mode` between a pair of latents drawn as [`truncated_latents`] draws them;
    /// with [`Classes::InTurn`] strip `i` is of class `i % classes`.
    pub fn strips(
        model: &ModelConfig,
        strips: usize,
        frames: usize,
        truncation: Option<f32>,
        mode: Interpolation,
        classes: Classes,
        rng: &mut Rng,
    ) -> Self {
        let dim = model.latent_dim();
        let mut latents = Vec::new();
        let mut clamped = 0;
        for _ in 0..strips {
            let ends = truncated_latents(model, 2, truncation, rng);
            clamped += ends.clamped;
            let ends = ends.values;
            latents.extend(interpolate(&ends[..dim], &ends[dim..], frames, mode));
        }
        Self {
            latents,
            latent_dim: dim,
            labels: labels(model, strips.saturating_mul(frames), frames, classes),
            clamped,
        }
    }

    /// The latent plane of the teaching view: a `size × size` grid over `[-extent, extent]²`
    /// in the first two latent dimensions (the others 0), row-major from the top-left corner
    /// (the first component grows to the right, the second upwards). Unlabelled.
    pub fn latent_plane(model: &ModelConfig, size: usize, extent: f32) -> Self {
        let dim = model.latent_dim();
        let mut latents = vec![0.0f32; size * size * dim];
        for (latent, point) in latents
            .chunks_exact_mut(dim.max(1))
            .zip(plane(size, extent))
        {
            let n = dim.min(2);
            latent[..n].copy_from_slice(&point[..n]);
        }
        Self {
            latents,
            latent_dim: dim,
            labels: None,
            clamped: 0,
        }
    }

    /// Number of samples asked for.
    pub fn len(&self) -> usize {
        self.latents.len() / self.latent_dim.max(1)
    }

    /// Whether no sample is asked for.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The request in consecutive parts of at most `size` samples, each latent with its label.
    pub fn batches(&self, size: usize) -> impl Iterator<Item = SampleRequest> + '_ {
        let size = size.max(1);
        (0..self.len()).step_by(size).map(move |start| {
            let end = (start + size).min(self.len());
            self.part(start..end)
        })
    }

    /// Samples `rows` of the request (each latent with its label), or `None` when the range is
    /// reversed or runs past the end. A part's samples are the whole request's: the browser's
    /// CPU workers each draw one part of a grid and the parts join into the same grid.
    pub fn rows(&self, rows: Range<usize>) -> Option<SampleRequest> {
        (rows.start <= rows.end && rows.end <= self.len()).then(|| self.part(rows))
    }

    /// [`SampleRequest::rows`] for a range known to be inside the request.
    fn part(&self, rows: Range<usize>) -> SampleRequest {
        let dim = self.latent_dim;
        SampleRequest {
            latents: self.latents[rows.start * dim..rows.end * dim].to_vec(),
            latent_dim: dim,
            labels: self.labels.as_ref().map(|l| l[rows.clone()].to_vec()),
            clamped: 0,
        }
    }
}

/// A `size × size` grid of points over `[-extent, extent]²`, row-major from the top-left
/// corner (x grows to the right, y upwards; both edges included): the teaching view's latent
/// plane and the points its discriminator field is evaluated at.
pub fn plane(size: usize, extent: f32) -> impl Iterator<Item = [f32; 2]> {
    let last = (size.max(2) - 1) as f32;
    let at = move |i: usize| 2.0 * extent * i as f32 / last;
    (0..size).flat_map(move |row| (0..size).map(move |col| [-extent + at(col), extent - at(row)]))
}

/// The one label rule: for a conditional model, sample `i` is of class `i / per % classes`
/// (`per` samples in a row share a class: 1 for grids, the frames of a strip), or all of one.
fn labels(model: &ModelConfig, n: usize, per: usize, which: Classes) -> Option<Vec<u32>> {
    let classes = model.classes();
    (classes > 0).then(|| {
        (0..n)
            .map(|i| {
                let class = match which {
                    Classes::InTurn => i / per.max(1),
                    Classes::Only(class) => class,
                };
                (class % classes) as u32
            })
            .collect()
    })
}

impl Generator {
    /// Runs the generator on `request`: latents `[n, latent_dim]` (+ labels `[n]` for a
    /// conditional model) → samples `[n, D]`, left on `device` for the caller to read back.
    pub fn generate(&self, request: &SampleRequest, device: &Device) -> Tensor<2> {
        let n = request.len();
        let z = Tensor::<2>::from_data(
            TensorData::new(request.latents.clone(), [n, request.latent_dim]),
            device,
        );
        let y = request.labels.as_ref().map(|labels| {
            let labels: Vec<i64> = labels.iter().map(|&l| i64::from(l)).collect();
            Tensor::<1, Int>::from_data(TensorData::new(labels, [n]), device)
        });
        self.forward(z, y)
    }
}

/// An RGBA picture.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    pub width: usize,
    pub height: usize,
    /// `width × height × 4` bytes, row-major.
    pub rgba: Vec<u8>,
}

/// A value in [-1, 1] as an 8-bit level (clamped, rounded): how samples are saved as images.
pub fn to_byte(v: f32) -> u8 {
    ((v.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8
}

/// Converts `[n, C·H·W]` channel-planar images in [-1, 1] to `n` RGBA images (row-major,
/// 4 bytes per pixel, opaque), as `n × H × W × 4` bytes.
pub fn images_to_rgba(values: &[f32], channels: usize, height: usize, width: usize) -> Vec<u8> {
    let plane = height * width;
    let size = channels * plane;
    let byte = to_byte;
    let mut out = Vec::with_capacity(values.len() / size.max(1) * plane * 4);
    for image in values.chunks_exact(size.max(1)) {
        for p in 0..plane {
            let (r, g, b) = match channels {
                3 => (image[p], image[plane + p], image[2 * plane + p]),
                _ => (image[p], image[p], image[p]),
            };
            out.extend([byte(r), byte(g), byte(b), 255]);
        }
    }
    out
}

/// Lays out `n` RGBA images of `height × width` in a grid of `columns` with a 2-pixel border.
pub fn grid(rgba: &[u8], height: usize, width: usize, columns: usize) -> Picture {
    const PAD: usize = 2;
    let image_bytes = height * width * 4;
    let n = if image_bytes == 0 {
        0
    } else {
        rgba.len() / image_bytes
    };
    let columns = columns.clamp(1, n.max(1));
    let rows = n.div_ceil(columns).max(1);
    let (gw, gh) = (columns * (width + PAD) + PAD, rows * (height + PAD) + PAD);
    let mut out = vec![40u8; gw * gh * 4];
    for px in out.chunks_exact_mut(4) {
        px[3] = 255;
    }
    for i in 0..n {
        let (x0, y0) = (
            PAD + (i % columns) * (width + PAD),
            PAD + (i / columns) * (height + PAD),
        );
        for y in 0..height {
            let src = &rgba[i * image_bytes + y * width * 4..][..width * 4];
            let dst = ((y0 + y) * gw + x0) * 4;
            out[dst..dst + width * 4].copy_from_slice(src);
        }
    }
    Picture {
        width: gw,
        height: gh,
        rgba: out,
    }
}

/// A scatter plot of 2-D points (real in blue, generated in orange) over `[-extent, extent]²`.
pub fn scatter(real: &[f32], fake: &[f32], size: usize, extent: f32) -> Picture {
    let mut rgba = vec![255u8; size * size * 4];
    let mut plot = |points: &[f32], colour: [u8; 3]| {
        for p in points.chunks_exact(2) {
            let to_px = |v: f32| ((v / extent + 1.0) * 0.5 * (size as f32 - 1.0)).round();
            let (x, y) = (to_px(p[0]), to_px(-p[1]));
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (px, py) = (x + dx as f32, y + dy as f32);
                if px >= 0.0 && py >= 0.0 && (px as usize) < size && (py as usize) < size {
                    let at = (py as usize * size + px as usize) * 4;
                    rgba[at..at + 3].copy_from_slice(&colour);
                }
            }
        }
    };
    plot(real, [60, 110, 220]);
    plot(fake, [240, 130, 30]);
    Picture {
        width: size,
        height: size,
        rgba,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MlpConfig;

    #[test]
    fn truncated_latents_stay_within_the_threshold() {
        let model = ModelConfig::Mlp(MlpConfig::default());
        let z = latents(&model, 100, Some(0.7), &mut Rng::new(3));
        assert_eq!(z.len(), 100 * model.latent_dim());
        assert!(z.iter().all(|v| v.abs() <= 0.7));
        let full = latents(&model, 100, None, &mut Rng::new(3));
        assert!(full.iter().any(|v| v.abs() > 0.7));
    }

    #[test]
    fn a_tiny_truncation_clamps_instead_of_hanging() {
        let model = ModelConfig::Mlp(MlpConfig::default());
        let z = truncated_latents(&model, 50, Some(1e-30), &mut Rng::new(3));
        assert_eq!(z.values.len(), 50 * model.latent_dim());
        assert_eq!(z.clamped, z.values.len());
        assert!(z.values.iter().all(|v| v.abs() <= 1e-30));
        let usual = truncated_latents(&model, 50, Some(0.5), &mut Rng::new(3));
        assert_eq!(usual.clamped, 0);
    }

    #[test]
    fn interpolation_ends_at_both_latents() {
        let (a, b) = ([1.0, 0.0, 2.0], [0.0, 1.0, -1.0]);
        for mode in [Interpolation::Lerp, Interpolation::Slerp] {
            let path = interpolate(&a, &b, 5, mode);
            assert_eq!(path.len(), 15);
            for (x, y) in path[..3].iter().zip(&a).chain(path[12..].iter().zip(&b)) {
                assert!((x - y).abs() < 1e-5, "{mode:?}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn slerp_keeps_the_norm_of_orthogonal_unit_vectors() {
        let path = interpolate(&[1.0, 0.0], &[0.0, 1.0], 3, Interpolation::Slerp);
        let mid = (path[2] * path[2] + path[3] * path[3]).sqrt();
        assert!((mid - 1.0).abs() < 1e-5);
        let lerp = interpolate(&[1.0, 0.0], &[0.0, 1.0], 3, Interpolation::Lerp);
        assert!(
            ((lerp[2] * lerp[2] + lerp[3] * lerp[3]).sqrt() - std::f32::consts::FRAC_1_SQRT_2)
                .abs()
                < 1e-3
        );
    }

    fn conditional(classes: usize) -> ModelConfig {
        let mut config = crate::model::DcganConfig::new(32, 1);
        config.classes = classes;
        config.latent_dim = 4;
        ModelConfig::Dcgan(config)
    }

    fn lerp_strips(model: &ModelConfig, strips: usize, frames: usize, seed: u64) -> SampleRequest {
        let (lerp, in_turn) = (Interpolation::Lerp, Classes::InTurn);
        SampleRequest::strips(
            model,
            strips,
            frames,
            None,
            lerp,
            in_turn,
            &mut Rng::new(seed),
        )
    }

    #[test]
    fn requests_take_classes_in_turn_per_sample_or_per_strip() {
        let model = conditional(3);
        let grid = SampleRequest::grid(&model, 7, None, Classes::InTurn, &mut Rng::new(1));
        assert_eq!(grid.labels, Some(vec![0, 1, 2, 0, 1, 2, 0]));
        assert_eq!(grid.len(), 7);
        let only = SampleRequest::grid(&model, 3, None, Classes::Only(4), &mut Rng::new(1));
        assert_eq!(only.labels, Some(vec![1, 1, 1]));
        let strips = lerp_strips(&model, 4, 2, 1);
        assert_eq!(strips.labels, Some(vec![0, 0, 1, 1, 2, 2, 0, 0]));
        let plain = ModelConfig::Mlp(MlpConfig::default());
        let grid = SampleRequest::grid(&plain, 5, None, Classes::InTurn, &mut Rng::new(1));
        assert_eq!(grid.labels, None);
    }

    #[test]
    fn a_grid_is_the_latents_drawn_at_once_and_its_batches_put_it_back_together() {
        let model = conditional(10);
        let grid = SampleRequest::grid(&model, 9, Some(0.8), Classes::InTurn, &mut Rng::new(5));
        assert_eq!(
            grid.latents,
            latents(&model, 9, Some(0.8), &mut Rng::new(5))
        );
        let parts: Vec<SampleRequest> = grid.batches(4).collect();
        assert_eq!(
            parts.iter().map(SampleRequest::len).collect::<Vec<_>>(),
            [4, 4, 1]
        );
        let latents: Vec<f32> = parts.iter().flat_map(|p| p.latents.clone()).collect();
        let labels: Vec<u32> = parts
            .iter()
            .flat_map(|p| p.labels.clone().unwrap())
            .collect();
        assert_eq!(
            (Some(latents), Some(labels)),
            (Some(grid.latents), grid.labels)
        );
    }

    #[test]
    fn rows_of_a_request_are_its_samples_and_out_of_range_rows_are_none() {
        let model = conditional(10);
        let dim = model.latent_dim();
        let grid = SampleRequest::grid(&model, 9, None, Classes::InTurn, &mut Rng::new(3));
        let part = grid.rows(2..7).unwrap();
        assert_eq!(part.len(), 5);
        assert_eq!(part.latents, grid.latents[2 * dim..7 * dim]);
        assert_eq!(part.labels.unwrap(), grid.labels.as_ref().unwrap()[2..7]);
        let halves: Vec<f32> = [0..4, 4..9]
            .into_iter()
            .flat_map(|r| grid.rows(r).unwrap().latents)
            .collect();
        assert_eq!(halves, grid.latents);
        let (end, past, before) = (9, 10, 4);
        assert_eq!(grid.rows(end..end).map(|p| p.len()), Some(0));
        assert_eq!(grid.rows(3..past), None);
        assert_eq!(grid.rows(5..before), None);
    }

    #[test]
    fn strips_start_at_the_drawn_pairs() {
        let model = conditional(0);
        let dim = model.latent_dim();
        let strips = lerp_strips(&model, 2, 5, 9);
        assert_eq!(strips.len(), 10);
        let ends = latents(&model, 4, None, &mut Rng::new(9));
        assert_eq!(strips.latents[..dim], ends[..dim]);
        assert_eq!(strips.latents[5 * dim..6 * dim], ends[2 * dim..3 * dim]);
    }

    #[test]
    fn the_latent_plane_runs_from_the_top_left_corner() {
        let model = conditional(0);
        let plane = SampleRequest::latent_plane(&model, 3, 2.0);
        assert_eq!(plane.len(), 9);
        assert_eq!(plane.latents[..4], [-2.0, 2.0, 0.0, 0.0]);
        assert_eq!(plane.latents[4..6], [0.0, 2.0]);
        assert_eq!(plane.latents[8 * 4..8 * 4 + 2], [2.0, -2.0]);
        assert_eq!(plane.labels, None);
        let points: Vec<[f32; 2]> = super::plane(48, 2.5).collect();
        assert_eq!(points.len(), 48 * 48);
        assert_eq!((points[0], points[48 * 48 - 1]), ([-2.5, 2.5], [2.5, -2.5]));
    }

    #[test]
    fn grid_places_each_image() {
        // Two 1×1 grey images: black (-1) and white (1).
        let rgba = images_to_rgba(&[-1.0, 1.0], 1, 1, 1);
        assert_eq!(rgba, vec![0, 0, 0, 255, 255, 255, 255, 255]);
        let picture = grid(&rgba, 1, 1, 2);
        assert_eq!((picture.width, picture.height), (8, 5));
        let px = |x: usize, y: usize| &picture.rgba[(y * picture.width + x) * 4..][..4];
        assert_eq!(px(2, 2), [0, 0, 0, 255]);
        assert_eq!(px(5, 2), [255, 255, 255, 255]);
        assert_eq!(px(0, 0), [40, 40, 40, 255]);
    }
}
