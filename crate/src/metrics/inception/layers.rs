//! The building blocks shared by every Inception block: a convolution with folded BatchNorm and
//! ReLU, and the two 3×3 stride-1 pools.

use burn::module::{Module, Param};
use burn::tensor::Tensor;
use burn::tensor::activation::relu;
use burn::tensor::module::{avg_pool2d, max_pool2d};
use burn::tensor::ops::{AvgPoolOptions, MaxPoolOptions};

use crate::model::ops::conv2d_padded;

/// Zero padding of a convolution.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pad {
    /// None.
    Valid,
    /// `(kH / 2, kW / 2)`: keeps the size of stride-1 convolutions with odd kernels.
    Same,
}

/// `relu(conv(x) + bias)`: a TF `conv2d` + BatchNorm (folded into weight and bias) + ReLU.
#[derive(Module, Debug)]
pub(crate) struct BasicConv {
    /// `[C_out, C_in, kH, kW]`, BatchNorm scale folded in.
    weight: Param<Tensor<4>>,
    /// `[C_out]`: BatchNorm shift minus scaled mean.
    bias: Param<Tensor<1>>,
    stride: usize,
    /// `[rows, columns]` zeros on each side.
    padding: [usize; 2],
}

impl BasicConv {
    pub(crate) fn new(
        weight: Param<Tensor<4>>,
        bias: Param<Tensor<1>>,
        stride: usize,
        pad: Pad,
    ) -> Self {
        let [_, _, kernel_h, kernel_w] = weight.dims();
        let padding = match pad {
            Pad::Valid => [0, 0],
            Pad::Same => [kernel_h / 2, kernel_w / 2],
        };
        Self {
            weight,
            bias,
            stride,
            padding,
        }
    }

    /// `[N, C_in, H, W]` → `[N, C_out, H', W']`.
    pub(crate) fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        // Our op layer's convolution (on the CPU: tiles of the batch, buffers reused), then the
        // bias over the channel axis.
        let y = conv2d_padded(x, self.weight.val(), self.stride, self.padding);
        let channels = self.bias.dims()[0];
        relu(y + self.bias.val().reshape([1, channels, 1, 1]))
    }
}

/// 3×3 average pool, stride 1, padding 1, averaging only the values inside the image
/// (`count_include_pad = false`, as TF's `SAME` average pool): `[N, C, H, W]` → same shape.
pub(crate) fn avg_pool_3x3(x: Tensor<4>) -> Tensor<4> {
    let options = AvgPoolOptions::new([3, 3])
        .with_stride([1, 1])
        .with_padding([1, 1])
        .with_count_include_pad(false);
    avg_pool2d(x, options)
}

/// 3×3 max pool, stride 1, padding 1: `[N, C, H, W]` → same shape.
pub(crate) fn max_pool_3x3(x: Tensor<4>) -> Tensor<4> {
    max_pool2d(
        x,
        MaxPoolOptions::new([3, 3])
            .with_stride([1, 1])
            .with_padding([1, 1]),
    )
}

/// 3×3 max pool, stride 2, no padding: `[N, C, H, W]` → `[N, C, (H − 3) / 2 + 1, (W − 3) / 2 + 1]`.
pub(crate) fn max_pool_3x3_stride_2(x: Tensor<4>) -> Tensor<4> {
    max_pool2d(x, MaxPoolOptions::new([3, 3]).with_stride([2, 2]))
}
