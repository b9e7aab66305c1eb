//! Our op layer: the layers the models use (convolution, transposed convolution, BatchNorm,
//! leaky ReLU) as
//! a Burn backend extension ([`GanOps`]).
//!
//! On the CPU backend (Flex) the ops run our kernels, which fold the whole batch into each
//! matrix multiply (see [`flex`]); autodiff gets hand-written backward nodes ([`autodiff`]) that
//! call our backward kernels. Every other backend (ndarray, wgpu/WebGPU, CUDA) keeps Burn's own
//! ops through the trait's default bodies. The functions here take and return ordinary
//! `Tensor`s, so models call them in place of `burn::tensor::module::conv2d` and friends and keep
//! their parameters (and so every checkpoint) unchanged.

mod autodiff;
mod extension;
#[cfg(feature = "flex")]
mod flex;
mod kernels;
pub mod lowered;

pub use extension::GanOps;
/// Threads our CPU kernels spread over: rayon's pool natively and in the browser's threaded
/// module, 1 in the single-threaded wasm build.
#[cfg(feature = "flex")]
pub use flex::cpu_threads;
pub use kernels::{
    CubeConvs, Kernels, SubPixel, cube_convs, kernel_calls, kernels, set_cube_convs, set_kernels,
    set_sub_pixel, sub_pixel, sub_pixel_calls,
};

use burn::backend::Dispatch;
use burn::nn::BatchNorm;
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Device, Tensor};

/// `[B, Ci, H, W]` ⊛ `[Co, Ci, k, k]` → `[B, Co, (H + 2p − k)/s + 1, …]`, no bias.
pub fn conv2d(x: Tensor<4>, weight: Tensor<4>, stride: usize, padding: usize) -> Tensor<4> {
    conv2d_padded(x, weight, stride, [padding; 2])
}

/// [`conv2d`] with a `[Co, Ci, kh, kw]` kernel and `[rows, columns]` zeros on each side, for
/// rectangular kernels such as Inception's 1×7 and 7×1.
pub fn conv2d_padded(
    x: Tensor<4>,
    weight: Tensor<4>,
    stride: usize,
    [ph, pw]: [usize; 2],
) -> Tensor<4> {
    let options = ConvOptions::new_with_padding([stride; 2], [(ph, ph), (pw, pw)], [1, 1], 1);
    if lowers(&x.device(), || {
        lowered::conv2d_positions(&x, &weight, &options)
    }) {
        return lowered::conv2d(x, weight, &options);
    }
    Tensor::from_dispatch(<Dispatch as GanOps>::gan_conv2d(
        x.into_dispatch(),
        weight.into_dispatch(),
        options,
    ))
}

/// `[B, Ci, H, W]` with a `[Ci, Co, k, k]` kernel → `[B, Co, (H − 1)s − 2p + k, …]`, no bias
/// (PyTorch's `conv_transpose2d` with `output_padding = 0`).
pub fn conv_transpose2d(
    x: Tensor<4>,
    weight: Tensor<4>,
    stride: usize,
    padding: usize,
) -> Tensor<4> {
    let options = ConvTransposeOptions {
        stride: [stride; 2],
        padding: [padding; 2],
        padding_out: [0; 2],
        dilation: [1; 2],
        groups: 1,
    };
    if lowers(&x.device(), || {
        lowered::conv_transpose2d_positions(&x, &weight, &options)
    }) {
        return lowered::conv_transpose2d(x, weight, &options);
    }
    Tensor::from_dispatch(<Dispatch as GanOps>::gan_conv_transpose2d(
        x.into_dispatch(),
        weight.into_dispatch(),
        options,
    ))
}

/// Whether a convolution on `device` producing `positions()` output positions (`B·Ho·Wo`) runs
/// as [`lowered`] matrix multiplies: on the GPU backends (Cube) while our kernels and
/// [`CubeConvs::Lowered`] are selected (counted as our calls), from [`lowered::MIN_POSITIONS`]
/// on. Small calls (batch-1 sampling) keep Burn's direct kernel, one dispatch where the lowering
/// takes about ten. Burn's Cube convolutions stay one switch away ([`Kernels::Burn`],
/// [`CubeConvs::Direct`]).
fn lowers(device: &Device, positions: impl FnOnce() -> usize) -> bool {
    #[cfg(any(feature = "wgpu", feature = "webgpu", feature = "cuda"))]
    {
        let device = device.clone().inner();
        let cube = matches!(device.as_dispatch(), burn::backend::DispatchDevice::Cube(_));
        let lower = cube
            && kernels() == Kernels::Ganvas
            && cube_convs() == CubeConvs::Lowered
            && positions() >= lowered::MIN_POSITIONS;
        if lower {
            kernels::count_call();
        }
        lower
    }
    #[cfg(not(any(feature = "wgpu", feature = "webgpu", feature = "cuda")))]
    {
        let _ = (device, positions);
        false
    }
}

/// `norm.forward(x)` through our op layer, with Burn's semantics: on an autodiff device while the
/// layer trains, the batch's statistics normalise and move the running averages (by `momentum`,
/// biased variance, as Burn does); otherwise the running statistics normalise. `x` is `[B, C, …]`.
pub fn batch_norm<const D: usize>(norm: &BatchNorm, x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    if device.is_autodiff() && norm.training.is_enabled() {
        let (output, mean, variance) = <Dispatch as GanOps>::gan_batch_norm_train(
            x.into_dispatch(),
            norm.gamma.val().into_dispatch(),
            norm.beta.val().into_dispatch(),
            norm.epsilon,
        );
        let momentum = norm.momentum;
        let blend = |running: Tensor<1>, batch: Tensor<1>| {
            running
                .to_device(&device)
                .mul_scalar(1.0 - momentum)
                .add(batch.detach().mul_scalar(momentum))
                .detach()
        };
        let mean = Tensor::<1>::from_dispatch(mean);
        let variance = Tensor::<1>::from_dispatch(variance);
        norm.running_mean
            .update(blend(norm.running_mean.value_sync(), mean));
        norm.running_var
            .update(blend(norm.running_var.value_sync(), variance));
        Tensor::from_dispatch(output)
    } else {
        Tensor::from_dispatch(<Dispatch as GanOps>::gan_batch_norm(
            x.into_dispatch(),
            norm.gamma.val().into_dispatch(),
            norm.beta.val().into_dispatch(),
            norm.running_mean.value().to_device(&device).into_dispatch(),
            norm.running_var.value().to_device(&device).into_dispatch(),
            norm.epsilon,
        ))
    }
}

/// `x` where `x ≥ 0`, `slope · x` elsewhere; any shape.
pub fn leaky_relu<const D: usize>(x: Tensor<D>, slope: f64) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as GanOps>::gan_leaky_relu(
        x.into_dispatch(),
        slope,
    ))
}
