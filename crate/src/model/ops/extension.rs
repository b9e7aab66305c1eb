//! The backend extension trait. Default bodies are Burn's own ops, so a backend that does not
//! override a method behaves exactly as it did before the op layer existed.

// Burn 0.22 deprecates its ndarray backend; ganvas still offers it (`--device ndarray`) and the
// op tests use it as the reference, so the extension routes it.
#![allow(deprecated)]

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, TensorMetadata, backend_extension, get_or_init_device_settings};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};

/// The ops of ganvas's models. Forward ops and the backward ops autodiff calls, so that a backend
/// can replace either or both.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Cube: cfg(any(feature = "wgpu", feature = "webgpu", feature = "cuda")),
    Autodiff
)]
pub trait GanOps: Backend {
    /// Convolution without bias: `[B, Ci, H, W]`, `[Co, Ci, kh, kw]` → `[B, Co, Ho, Wo]`.
    fn gan_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d(x, weight, None, options)
    }

    /// ∂L/∂x of [`GanOps::gan_conv2d`] given ∂L/∂y: `[B, Ci, H, W]`.
    fn gan_conv2d_x_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d_x_backward(x, weight, grad, options)
    }

    /// ∂L/∂W of [`GanOps::gan_conv2d`] given ∂L/∂y: `[Co, Ci, kh, kw]`.
    fn gan_conv2d_weight_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d_weight_backward(x, weight, grad, options)
    }

    /// Transposed convolution without bias: `[B, Ci, H, W]`, `[Ci, Co, kh, kw]` → `[B, Co, Ho, Wo]`.
    fn gan_conv_transpose2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvTransposeOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv_transpose2d(x, weight, None, options)
    }

    /// ∂L/∂x of [`GanOps::gan_conv_transpose2d`] given ∂L/∂y: `[B, Ci, H, W]`.
    fn gan_conv_transpose2d_x_backward(
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        options: ConvTransposeOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv_transpose2d_x_backward(weight, grad, options)
    }

    /// ∂L/∂W of [`GanOps::gan_conv_transpose2d`] given ∂L/∂y: `[Ci, Co, kh, kw]`.
    fn gan_conv_transpose2d_weight_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        options: ConvTransposeOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv_transpose2d_weight_backward(x, weight, grad, options)
    }

    /// BatchNorm with the batch's own statistics: `[B, C, …]` → `(output, mean [C], biased
    /// variance [C])`, as Burn's `batch_norm_train`.
    fn gan_batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let result = Self::batch_norm_train(x, gamma, beta, epsilon);
        (result.output, result.mean, result.variance)
    }

    /// Gradients `(∂x, ∂gamma, ∂beta)` of [`GanOps::gan_batch_norm_train`] given ∂L/∂output.
    fn gan_batch_norm_train_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let g = Self::batch_norm_train_backward(x, gamma, mean, variance, epsilon, grad);
        (g.x_grad, g.gamma_grad, g.beta_grad)
    }

    /// BatchNorm with given statistics (inference): `(x − mean) / √(variance + ε) · gamma + beta`.
    fn gan_batch_norm(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        Self::batch_norm(x, gamma, beta, mean, variance, epsilon)
    }

    /// `x` where `x ≥ 0`, `slope · x` elsewhere.
    fn gan_leaky_relu(x: FloatTensor<Self>, slope: f64) -> FloatTensor<Self> {
        Self::leaky_relu(x, slope.into())
    }

    /// ∂L/∂x of [`GanOps::gan_leaky_relu`]: `grad` where `x ≥ 0`, `slope · grad` elsewhere
    /// (the gradient at 0 is 1, as Burn's and PyTorch's).
    fn gan_leaky_relu_backward(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        slope: f64,
    ) -> FloatTensor<Self> {
        leaky_relu_backward_by_ops::<Self>(x, grad, slope)
    }
}

/// [`GanOps::gan_leaky_relu_backward`] out of Burn's tensor ops on any backend: the trait's
/// default body, and the CPU backend's fallback for tensors its kernel does not take.
pub(super) fn leaky_relu_backward_by_ops<B: Backend>(
    x: FloatTensor<B>,
    grad: FloatTensor<B>,
    slope: f64,
) -> FloatTensor<B> {
    let bool_dtype = get_or_init_device_settings::<B>(&x.device()).bool_dtype;
    let negative = B::float_lower_elem(x, 0f32.into(), bool_dtype);
    let scaled = B::float_mul_scalar(grad.clone(), slope.into());
    B::float_mask_where(grad, negative, scaled)
}

#[cfg(feature = "ndarray")]
impl GanOps for burn::backend::NdArray {}

#[cfg(any(feature = "wgpu", feature = "webgpu", feature = "cuda"))]
impl GanOps for burn::backend::Cube {}
