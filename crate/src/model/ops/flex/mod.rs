//! [`GanOps`] on the CPU backend (Flex): our kernels for f32 tensors with the geometry our
//! models use (no dilation, one group, symmetric padding); Burn's Flex ops for anything else and
//! whenever [`Kernels::Burn`] is selected.
//!
//! Every convolution pass is lowered to matrix multiplies that cover many images at once, the
//! way oneDNN and XNNPACK fold the batch (see [`conv`]), instead of one small GEMM per image.

mod activation;
mod conv;
mod dense;
mod geometry;
mod lowering;
mod norm;
mod parallel;
mod product;
mod scratch;
mod subpixel;

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::{ActivationOps, ModuleOps};
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};

use super::extension::leaky_relu_backward_by_ops;
use super::kernels::count_call;
use super::{GanOps, Kernels, kernels};
use geometry::ConvGeometry;
pub use parallel::threads as cpu_threads;

/// Whether our kernels serve a call on these tensors (counted when they do); callers also check
/// the geometry first, so a `true` here is always followed by our kernel.
fn ours(tensors: &[&FlexTensor]) -> bool {
    let ours = kernels() == Kernels::Ganvas && tensors.iter().all(|t| t.dtype() == DType::F32);
    if ours {
        count_call();
    }
    ours
}

impl GanOps for Flex {
    fn gan_conv2d(x: FlexTensor, weight: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
        match ConvGeometry::conv(&x, &weight, &options) {
            Some(g) if ours(&[&x, &weight]) => conv::forward(&g, x, weight),
            _ => Flex::conv2d(x, weight, None, options),
        }
    }

    fn gan_conv2d_x_backward(
        x: FlexTensor,
        weight: FlexTensor,
        grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        match ConvGeometry::conv(&x, &weight, &options) {
            Some(g) if ours(&[&x, &weight, &grad]) => conv::input_grad(&g, grad, weight),
            _ => Flex::conv2d_x_backward(x, weight, grad, options),
        }
    }

    fn gan_conv2d_weight_backward(
        x: FlexTensor,
        weight: FlexTensor,
        grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        match ConvGeometry::conv(&x, &weight, &options) {
            Some(g) if ours(&[&x, &weight, &grad]) => conv::weight_grad(&g, x, grad),
            _ => Flex::conv2d_weight_backward(x, weight, grad, options),
        }
    }

    // A transposed convolution is the adjoint of the convolution whose input is its output:
    // forward = that convolution's input gradient, input gradient = its forward, weight gradient
    // = its weight gradient with the roles of input and output swapped. The weight layouts agree
    // (`[Ci, Co, k, k]` of the transposed op is `[out, in, k, k]` of the convolution).

    fn gan_conv_transpose2d(
        x: FlexTensor,
        weight: FlexTensor,
        options: ConvTransposeOptions<2>,
    ) -> FlexTensor {
        match ConvGeometry::transposed(&x, &weight, &options) {
            Some(g) if ours(&[&x, &weight]) => conv::input_grad(&g, x, weight),
            _ => Flex::conv_transpose2d(x, weight, None, options),
        }
    }

    fn gan_conv_transpose2d_x_backward(
        weight: FlexTensor,
        grad: FlexTensor,
        options: ConvTransposeOptions<2>,
    ) -> FlexTensor {
        match ConvGeometry::transposed_from_output(&grad, &weight, &options) {
            Some(g) if ours(&[&weight, &grad]) => conv::forward(&g, grad, weight),
            _ => Flex::conv_transpose2d_x_backward(weight, grad, options),
        }
    }

    fn gan_conv_transpose2d_weight_backward(
        x: FlexTensor,
        weight: FlexTensor,
        grad: FlexTensor,
        options: ConvTransposeOptions<2>,
    ) -> FlexTensor {
        match ConvGeometry::transposed(&x, &weight, &options) {
            Some(g) if ours(&[&x, &weight, &grad]) => conv::weight_grad(&g, grad, x),
            _ => Flex::conv_transpose2d_weight_backward(x, weight, grad, options),
        }
    }

    fn gan_batch_norm_train(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        if norm::fits(&x, &[&gamma, &beta]) && ours(&[&x, &gamma, &beta]) {
            norm::train(x, gamma, beta, epsilon)
        } else {
            let r = Flex::batch_norm_train(x, gamma, beta, epsilon);
            (r.output, r.mean, r.variance)
        }
    }

    fn gan_batch_norm_train_backward(
        x: FlexTensor,
        gamma: FlexTensor,
        mean: FlexTensor,
        variance: FlexTensor,
        epsilon: f64,
        grad: FlexTensor,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let same = x.layout().shape() == grad.layout().shape();
        if same
            && norm::fits(&x, &[&gamma, &mean, &variance])
            && ours(&[&x, &gamma, &mean, &variance, &grad])
        {
            norm::train_backward(x, gamma, mean, variance, epsilon, grad)
        } else {
            let g = Flex::batch_norm_train_backward(x, gamma, mean, variance, epsilon, grad);
            (g.x_grad, g.gamma_grad, g.beta_grad)
        }
    }

    fn gan_batch_norm(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        mean: FlexTensor,
        variance: FlexTensor,
        epsilon: f64,
    ) -> FlexTensor {
        if norm::fits(&x, &[&gamma, &beta, &mean, &variance])
            && ours(&[&x, &gamma, &beta, &mean, &variance])
        {
            norm::inference(x, gamma, beta, mean, variance, epsilon)
        } else {
            Flex::batch_norm(x, gamma, beta, mean, variance, epsilon)
        }
    }

    fn gan_leaky_relu(x: FloatTensor<Self>, slope: f64) -> FloatTensor<Self> {
        if ours(&[&x]) {
            activation::leaky_relu(x, slope as f32)
        } else {
            Flex::leaky_relu(x, slope.into())
        }
    }

    fn gan_leaky_relu_backward(x: FlexTensor, grad: FlexTensor, slope: f64) -> FlexTensor {
        if x.layout().shape() == grad.layout().shape() && ours(&[&x, &grad]) {
            activation::leaky_relu_backward(x, grad, slope as f32)
        } else {
            leaky_relu_backward_by_ops::<Flex>(x, grad, slope)
        }
    }
}
