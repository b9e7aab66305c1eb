//! A 2-D convolution with optional spectral normalisation (Miyato et al., 2018).
//!
//! With normalisation on, the weight `W` (viewed as a matrix `[out, in·k·k]`) is divided by an
//! estimate of its largest singular value `σ = uᵀ W v`, where `u` is a persistent vector refined
//! by one power iteration per discriminator update ([`NormConv2d::power_iterate`]) and
//! `v = normalise(Wᵀ u)`. `u` and `v` are constants for the gradient, as in the reference.

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::nn::conv::Conv2dConfig;
use burn::tensor::{Device, Distribution, Tensor};

use super::ops::conv2d;

/// A convolution `[B, in, H, W] → [B, out, H', W']` with square kernel, stride and padding.
#[derive(Module, Debug)]
pub struct NormConv2d {
    /// `[out, in, k, k]`
    weight: Param<Tensor<4>>,
    /// `[out]`
    bias: Param<Tensor<1>>,
    /// `[out]` left singular vector estimate; present only with spectral normalisation.
    u: Option<Param<Tensor<1>>>,
    stride: usize,
    padding: usize,
}

/// Geometry of a [`NormConv2d`].
#[derive(Clone, Copy, Debug)]
pub struct ConvShape {
    pub channels_in: usize,
    pub channels_out: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
}

impl NormConv2d {
    /// Initialises weights from N(0, 0.02) as in DCGAN; `spectral` adds the `u` vector.
    pub fn new(shape: ConvShape, spectral: bool, device: &Device) -> Self {
        let conv = Conv2dConfig::new([shape.channels_in, shape.channels_out], [shape.kernel; 2])
            .with_initializer(Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            })
            .init(device);
        let bias = conv
            .bias
            .unwrap_or_else(|| Param::from_tensor(Tensor::zeros([shape.channels_out], device)));
        let u = spectral.then(|| {
            let u = Tensor::random([shape.channels_out], Distribution::Normal(0.0, 1.0), device);
            Param::from_tensor(normalise(u)).set_require_grad(false)
        });
        Self {
            weight: conv.weight,
            bias,
            u,
            stride: shape.stride,
            padding: shape.padding,
        }
    }

    /// `[B, in, H, W]` → `[B, out, (H + 2p - k)/s + 1, …]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let weight = match &self.u {
            Some(u) => {
                let weight = self.weight.val();
                let [out, inp, kh, kw] = weight.dims();
                let matrix = weight.clone().reshape([out, inp * kh * kw]); // [out, in·k·k]
                let u = u.val().detach().reshape([1, out]); // [1, out]
                let v = normalise(u.clone().matmul(matrix.clone().detach())); // [1, in·k·k]
                let sigma = u.matmul(matrix.matmul(v.transpose())); // [1, 1]
                weight / sigma.reshape([1, 1, 1, 1])
            }
            None => self.weight.val(),
        };
        let out = self.bias.dims()[0];
        conv2d(input, weight, self.stride, self.padding) + self.bias.val().reshape([1, out, 1, 1])
    }

    /// One power iteration: `u ← normalise(W normalise(Wᵀ u))`, outside the autodiff graph.
    pub fn power_iterate(mut self) -> Self {
        if let Some(u) = self.u.take() {
            let weight = self.weight.val().detach();
            let [out, inp, kh, kw] = weight.dims();
            let matrix = weight.reshape([out, inp * kh * kw]);
            let v = normalise(u.val().detach().reshape([1, out]).matmul(matrix.clone()));
            let next = normalise(v.matmul(matrix.transpose())).reshape([out]);
            self.u = Some(u.map(|_| next));
        }
        self
    }
}

/// `t / ‖t‖₂` over all elements (with a tiny floor so a zero vector stays finite).
fn normalise<const D: usize>(t: Tensor<D>) -> Tensor<D> {
    let norm = t.clone().powf_scalar(2.0).sum().sqrt().add_scalar(1e-12);
    let shape = [1; D];
    t / norm.reshape(shape)
}
