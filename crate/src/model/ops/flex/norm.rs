//! BatchNorm over `[B, C, …]` as per-channel loops on the NCHW layout (Burn's default swaps the
//! batch and channel axes first, a full transposing copy each way). Statistics accumulate in f64.

use burn::backend::flex::FlexTensor;

use super::dense::{dense, tensor, values};
use super::parallel::{for_each_chunk, for_each_chunk_with_work};

/// `(batch, channels, pixels per channel and image)` of a `[B, C, …]` tensor.
fn layout(x: &FlexTensor) -> Option<(usize, usize, usize)> {
    let shape = x.layout().shape().to_vec();
    let (&batch, rest) = shape.split_first()?;
    let (&channels, pixels) = rest.split_first()?;
    Some((batch, channels, pixels.iter().product()))
}

/// Whether `x` is `[B, C, …]` and every other tensor is `[C]`.
pub fn fits(x: &FlexTensor, per_channel: &[&FlexTensor]) -> bool {
    match layout(x) {
        Some((_, c, _)) => per_channel
            .iter()
            .all(|t| t.layout().shape().to_vec() == [c]),
        None => false,
    }
}

/// `out[c] = f(c, the B planes of channel c)` for every channel.
fn per_channel(
    x: &[f32],
    (b, c, p): (usize, usize, usize),
    f: impl Fn(usize, &mut dyn Iterator<Item = &[f32]>) -> f32 + Sync + Send,
) -> Vec<f32> {
    let mut out = vec![0f32; c];
    for_each_chunk_with_work(&mut out, 1, b * c * p, |ch, o| {
        let mut planes = (0..b).map(|i| &x[(i * c + ch) * p..][..p]);
        o[0] = f(ch, &mut planes);
    });
    out
}

/// `y[b, c, …] = x[b, c, …] · scale[c] + shift[c]`.
fn affine(x: &[f32], (b, c, p): (usize, usize, usize), scale: &[f32], shift: &[f32]) -> Vec<f32> {
    let mut y = vec![0f32; b * c * p];
    for_each_chunk(&mut y, p.max(1), |plane, out| {
        let ch = plane % c;
        let src = &x[plane * p..][..out.len()];
        for (o, &v) in out.iter_mut().zip(src) {
            *o = v * scale[ch] + shift[ch];
        }
    });
    y
}

fn inv_std(variance: &[f32], epsilon: f64) -> Vec<f32> {
    variance
        .iter()
        .map(|&v| (1.0 / (v as f64 + epsilon).sqrt()) as f32)
        .collect()
}

/// Per channel, `scale = gamma·(variance + ε)^−½` and `shift = beta − mean·scale`, so that
/// BatchNorm is `x·scale + shift`.
fn scale_shift(
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f64,
) -> (Vec<f32>, Vec<f32>) {
    let scale: Vec<f32> = gamma
        .iter()
        .zip(inv_std(variance, epsilon))
        .map(|(g, i)| g * i)
        .collect();
    let shift = beta
        .iter()
        .zip(mean)
        .zip(&scale)
        .map(|((b, m), s)| b - m * s)
        .collect();
    (scale, shift)
}

/// `(output, mean, biased variance)` with the batch's statistics.
pub fn train(
    x: FlexTensor,
    gamma: FlexTensor,
    beta: FlexTensor,
    epsilon: f64,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let shape = x.layout().shape().to_vec();
    let dims = layout(&x).unwrap_or((0, 0, 0));
    let (b, c, p) = dims;
    let n = (b * p).max(1) as f64;
    let (x, gamma, beta) = (dense(x), dense(gamma), dense(beta));
    let xs = values(&x);
    let mean = per_channel(xs, dims, |_, planes| {
        (planes
            .map(|pl| pl.iter().map(|&v| v as f64).sum::<f64>())
            .sum::<f64>()
            / n) as f32
    });
    let variance = per_channel(xs, dims, |ch, planes| {
        let m = mean[ch] as f64;
        (planes
            .map(|pl| pl.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>())
            .sum::<f64>()
            / n) as f32
    });
    let (scale, shift) = scale_shift(values(&gamma), values(&beta), &mean, &variance, epsilon);
    let y = affine(xs, dims, &scale, &shift);
    (
        tensor(y, &shape),
        tensor(mean, &[c]),
        tensor(variance, &[c]),
    )
}

/// `(∂x, ∂gamma, ∂beta)`: with `x̂ = (x − μ)·σ⁻¹`, `∂beta = Σ dy`, `∂gamma = Σ dy·x̂`,
/// `∂x = gamma·σ⁻¹·(dy − ∂beta/n − x̂·∂gamma/n)` (sums per channel over `n = B·pixels`).
pub fn train_backward(
    x: FlexTensor,
    gamma: FlexTensor,
    mean: FlexTensor,
    variance: FlexTensor,
    epsilon: f64,
    grad: FlexTensor,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let shape = x.layout().shape().to_vec();
    let dims = layout(&x).unwrap_or((0, 0, 0));
    let (b, c, p) = dims;
    let n = (b * p).max(1) as f64;
    let (x, gamma, mean, variance, grad) = (
        dense(x),
        dense(gamma),
        dense(mean),
        dense(variance),
        dense(grad),
    );
    let (xs, gs, mu) = (values(&x), values(&grad), values(&mean));
    let inv = inv_std(values(&variance), epsilon);
    let dbeta = per_channel(gs, dims, |_, planes| {
        planes
            .map(|pl| pl.iter().map(|&v| v as f64).sum::<f64>())
            .sum::<f64>() as f32
    });
    // Σ dy·(x − μ), then scaled by σ⁻¹: the planes of x and dy of one channel walked together.
    let dgamma = {
        let mut out = vec![0f32; c];
        for_each_chunk_with_work(&mut out, 1, 2 * b * c * p, |ch, o| {
            let m = mu[ch] as f64;
            let mut sum = 0f64;
            for i in 0..b {
                let at = (i * c + ch) * p;
                for (&v, &d) in xs[at..at + p].iter().zip(&gs[at..at + p]) {
                    sum += (v as f64 - m) * d as f64;
                }
            }
            o[0] = (sum * inv[ch] as f64) as f32;
        });
        out
    };
    let g = values(&gamma);
    let mut dx = vec![0f32; b * c * p];
    for_each_chunk_with_work(&mut dx, p.max(1), 2 * b * c * p, |plane, out| {
        let ch = plane % c;
        let at = plane * p;
        let scale = g[ch] * inv[ch];
        let mean_dy = (dbeta[ch] as f64 / n) as f32;
        let mean_dy_xhat = (dgamma[ch] as f64 / n) as f32;
        for ((o, &v), &d) in out.iter_mut().zip(&xs[at..]).zip(&gs[at..]) {
            let xhat = (v - mu[ch]) * inv[ch];
            *o = scale * (d - mean_dy - xhat * mean_dy_xhat);
        }
    });
    (
        tensor(dx, &shape),
        tensor(dgamma, &[c]),
        tensor(dbeta, &[c]),
    )
}

/// Inference: `(x − mean)·(variance + ε)^−½·gamma + beta` in one pass.
pub fn inference(
    x: FlexTensor,
    gamma: FlexTensor,
    beta: FlexTensor,
    mean: FlexTensor,
    variance: FlexTensor,
    epsilon: f64,
) -> FlexTensor {
    let shape = x.layout().shape().to_vec();
    let dims = layout(&x).unwrap_or((0, 0, 0));
    let (x, gamma, beta, mean) = (dense(x), dense(gamma), dense(beta), dense(mean));
    let variance = dense(variance);
    let (scale, shift) = scale_shift(
        values(&gamma),
        values(&beta),
        values(&mean),
        values(&variance),
        epsilon,
    );
    tensor(affine(values(&x), dims, &scale, &shift), &shape)
}
