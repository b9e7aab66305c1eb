//! DiffAugment (Zhao et al., 2020): differentiable augmentations applied to real and fake
//! images alike before the discriminator, so that D cannot memorise a small training set.
//! Randomness comes from the trainer's [`Rng`], so augmented runs resume exactly.
//!
//! With a probability `p` (adaptive augmentation, see [`super::ada`]) each policy is applied to
//! each image independently with probability `p`: the image is blended with its augmented copy
//! by a per-image 0/1 weight drawn on the host and compared with `p` on the device, so that `p`
//! never has to be read back.

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::model::SampleShape;
use crate::rng::Rng;

/// One DiffAugment policy, with the reference implementation's strengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Augment {
    /// Random brightness (±0.5), saturation (×0…2) and contrast (×0.5…1.5) per image.
    Color,
    /// Random shift by up to 1/8 of the image side in each axis, zero padded.
    Translation,
    /// A zeroed square of half the image side at a random place.
    Cutout,
}

/// Applies `policies` in order to `[B, C·H·W]` images, each to every image, or with
/// `probability` (a `[1]` tensor in [0, 1]) to each image independently; points pass
/// through unchanged.
pub fn diff_augment(
    samples: Tensor<2>,
    shape: SampleShape,
    policies: &[Augment],
    probability: Option<&Tensor<1>>,
    rng: &mut Rng,
) -> Tensor<2> {
    let SampleShape::Image {
        channels,
        height,
        width,
    } = shape
    else {
        return samples;
    };
    if policies.is_empty() {
        return samples;
    }
    let [batch, dim] = samples.dims();
    let device = samples.device();
    let mut x = samples.reshape([batch, channels, height, width]);
    for policy in policies {
        let augmented = match policy {
            Augment::Color => color(x.clone(), rng, &device),
            Augment::Translation => translation(x.clone(), rng, &device),
            Augment::Cutout => cutout(x.clone(), rng, &device),
        };
        x = match probability {
            None => augmented,
            Some(p) => {
                // [B, 1, 1, 1]: 1 where this image is augmented (u < p), else 0
                let p = p.clone().reshape([1, 1, 1, 1]).expand([batch, 1, 1, 1]);
                let chosen = per_image(batch, rng, &device).lower(p).float();
                x.clone() + (augmented - x) * chosen
            }
        };
    }
    x.reshape([batch, dim])
}

/// `[B]` uniform draws in [0, 1) as a `[B, 1, 1, 1]` tensor.
fn per_image(batch: usize, rng: &mut Rng, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = (0..batch).map(|_| rng.uniform()).collect();
    Tensor::from_data(TensorData::new(values, [batch, 1, 1, 1]), device)
}

fn color(x: Tensor<4>, rng: &mut Rng, device: &Device) -> Tensor<4> {
    let [batch, ..] = x.dims();
    let x = x + per_image(batch, rng, device).sub_scalar(0.5); // brightness
    let mean = x.clone().mean_dim(1); // [B, 1, H, W]
    let x = (x - mean.clone()) * per_image(batch, rng, device).mul_scalar(2.0) + mean; // saturation
    let mean = x.clone().mean_dim(1).mean_dim(2).mean_dim(3); // [B, 1, 1, 1]
    (x - mean.clone()) * per_image(batch, rng, device).add_scalar(0.5) + mean // contrast
}

/// Shift matrices `[B, n, n]` with `S[b, i, k] = 1` where `k = i - shift_b` (zero elsewhere).
fn shift_matrices(shifts: &[i64], n: usize, device: &Device) -> Tensor<3> {
    let mut values = vec![0.0f32; shifts.len() * n * n];
    for (b, &shift) in shifts.iter().enumerate() {
        for i in 0..n {
            let k = i as i64 - shift;
            if (0..n as i64).contains(&k) {
                values[b * n * n + i * n + k as usize] = 1.0;
            }
        }
    }
    Tensor::from_data(TensorData::new(values, [shifts.len(), n, n]), device)
}

fn translation(x: Tensor<4>, rng: &mut Rng, device: &Device) -> Tensor<4> {
    let [batch, channels, height, width] = x.dims();
    let mut shifts = |side: usize| -> Vec<i64> {
        let max = ((side as f32) * 0.125 + 0.5) as i64;
        (0..batch)
            .map(|_| rng.below((2 * max + 1) as usize) as i64 - max)
            .collect()
    };
    let (dy, dx) = (shifts(height), shifts(width));
    let rows = shift_matrices(&dy, height, device)
        .reshape([batch, 1, height, height])
        .expand([batch, channels, height, height]);
    let cols = shift_matrices(&dx, width, device)
        .swap_dims(1, 2)
        .reshape([batch, 1, width, width])
        .expand([batch, channels, width, width]);
    rows.matmul(x).matmul(cols) // out[b, c, i, j] = x[b, c, i - dy, j - dx]
}

fn cutout(x: Tensor<4>, rng: &mut Rng, device: &Device) -> Tensor<4> {
    let [batch, _, height, width] = x.dims();
    let (ch, cw) = (
        (height as f32 * 0.5 + 0.5) as i64,
        (width as f32 * 0.5 + 0.5) as i64,
    );
    let mut mask = vec![1.0f32; batch * height * width];
    for b in 0..batch {
        let cy = rng.below(height + (1 - ch as usize % 2)) as i64;
        let cx = rng.below(width + (1 - cw as usize % 2)) as i64;
        for i in (cy - ch / 2).max(0)..(cy + ch - ch / 2).min(height as i64) {
            for j in (cx - cw / 2).max(0)..(cx + cw - cw / 2).min(width as i64) {
                mask[b * height * width + i as usize * width + j as usize] = 0.0;
            }
        }
    }
    x * Tensor::from_data(TensorData::new(mask, [batch, 1, height, width]), device)
}
