//! Legacy-TF bilinear resizing (no half-pixel centres, no antialiasing), the reference's
//! `nv_bilinear` mode.

use burn::tensor::{Int, Tensor, TensorData};

/// For each output index along one axis: the two input indices and the weight of the second.
struct Taps {
    low: Vec<i64>,
    high: Vec<i64>,
    weight: Vec<f32>,
}

/// Output pixel `j` samples the input at `min(j · input/output, input − 1)`.
fn taps(input: usize, output: usize) -> Taps {
    let scale = input as f64 / output as f64;
    let last = (input - 1) as f64;
    let mut taps = Taps {
        low: Vec::with_capacity(output),
        high: Vec::with_capacity(output),
        weight: Vec::with_capacity(output),
    };
    for j in 0..output {
        let source = (j as f64 * scale).min(last);
        let low = source.floor();
        taps.low.push(low as i64);
        taps.high.push((low + 1.0).min(last) as i64);
        taps.weight.push((source - low) as f32);
    }
    taps
}

/// Interpolates along `dim` (2 = rows, 3 = columns) of `[N, C, H, W]` to `output` samples.
fn along(x: Tensor<4>, dim: usize, output: usize) -> Tensor<4> {
    let device = x.device();
    let t = taps(x.dims()[dim], output);
    let index = |v: Vec<i64>| Tensor::<1, Int>::from_data(TensorData::new(v, [output]), &device);
    let mut shape = [1; 4];
    shape[dim] = output;
    let weights = |v: Vec<f32>| Tensor::<1>::from_data(TensorData::new(v, [output]), &device);
    let keep: Vec<f32> = t.weight.iter().map(|w| 1.0 - w).collect();
    let low = x.clone().select(dim, index(t.low)) * weights(keep).reshape(shape);
    let high = x.select(dim, index(t.high)) * weights(t.weight).reshape(shape);
    low + high // (1 − w)·low + w·high, [N, C, output, W] or [N, C, H, output]
}

/// `[N, C, H, W]` → `[N, C, size, size]`. `H` and `W` must be at least 1.
pub(crate) fn bilinear_tf(x: Tensor<4>, size: usize) -> Tensor<4> {
    along(along(x, 2, size), 3, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_follow_the_legacy_tf_grid() {
        let t = taps(2, 4); // sources 0, 0.5, 1, 1.5 → clamped to 1
        assert_eq!(t.low, [0, 0, 1, 1]);
        assert_eq!(t.high, [1, 1, 1, 1]);
        assert_eq!(t.weight, [0.0, 0.5, 0.0, 0.0]);
        let same = taps(5, 5);
        assert_eq!(same.low, [0, 1, 2, 3, 4]);
        assert!(same.weight.iter().all(|w| *w == 0.0));
    }
}
