//! The five Inception block types. Tensor names in the weights file are
//! `<block>.<branch>.<layer>`, e.g. `mixed_4.tower_1.conv_3`, as in the reference.

use burn::module::Module;
use burn::tensor::Tensor;

use super::InceptionError;
use super::layers::{BasicConv, Pad, avg_pool_3x3, max_pool_3x3, max_pool_3x3_stride_2};
use super::weights::Weights;

/// Applies `convs` one after the other.
fn chain(convs: &[BasicConv], x: Tensor<4>) -> Tensor<4> {
    convs.iter().fold(x, |x, c| c.forward(x))
}

/// 35×35 block (`mixed` … `mixed_2`): 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | avg-pool→1×1.
#[derive(Module, Debug)]
pub(crate) struct BlockA {
    /// `conv`: 64 channels.
    branch_1x1: BasicConv,
    /// `tower.conv`, `tower.conv_1`: 48 → 64 channels.
    branch_5x5: Vec<BasicConv>,
    /// `tower_1.conv` … `tower_1.conv_2`: 64 → 96 → 96 channels.
    branch_3x3_double: Vec<BasicConv>,
    /// `tower_2.conv` after the average pool.
    branch_pool: BasicConv,
}

impl BlockA {
    pub(crate) fn build(
        w: &mut Weights,
        name: &str,
        channels: usize,
        pool_features: usize,
    ) -> Result<Self, InceptionError> {
        let c = channels;
        Ok(Self {
            branch_1x1: w.conv(&format!("{name}.conv"), [64, c, 1, 1], 1, Pad::Valid)?,
            branch_5x5: vec![
                w.conv(&format!("{name}.tower.conv"), [48, c, 1, 1], 1, Pad::Valid)?,
                w.conv(
                    &format!("{name}.tower.conv_1"),
                    [64, 48, 5, 5],
                    1,
                    Pad::Same,
                )?,
            ],
            branch_3x3_double: vec![
                w.conv(
                    &format!("{name}.tower_1.conv"),
                    [64, c, 1, 1],
                    1,
                    Pad::Valid,
                )?,
                w.conv(
                    &format!("{name}.tower_1.conv_1"),
                    [96, 64, 3, 3],
                    1,
                    Pad::Same,
                )?,
                w.conv(
                    &format!("{name}.tower_1.conv_2"),
                    [96, 96, 3, 3],
                    1,
                    Pad::Same,
                )?,
            ],
            branch_pool: w.conv(
                &format!("{name}.tower_2.conv"),
                [pool_features, c, 1, 1],
                1,
                Pad::Valid,
            )?,
        })
    }

    /// `[N, C, 35, 35]` → `[N, 224 + pool_features, 35, 35]`.
    pub(crate) fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        Tensor::cat(
            vec![
                self.branch_1x1.forward(x.clone()),
                chain(&self.branch_5x5, x.clone()),
                chain(&self.branch_3x3_double, x.clone()),
                self.branch_pool.forward(avg_pool_3x3(x)),
            ],
            1,
        )
    }
}

/// Reduction 35×35 → 17×17 (`mixed_3`): 3×3/2 | 1×1→3×3→3×3/2 | max-pool/2.
#[derive(Module, Debug)]
pub(crate) struct BlockB {
    /// `conv`: 384 channels, stride 2.
    branch_3x3: BasicConv,
    /// `tower.conv` … `tower.conv_2`: 64 → 96 → 96 channels, the last with stride 2.
    branch_3x3_double: Vec<BasicConv>,
}

impl BlockB {
    pub(crate) fn build(w: &mut Weights, name: &str) -> Result<Self, InceptionError> {
        Ok(Self {
            branch_3x3: w.conv(&format!("{name}.conv"), [384, 288, 3, 3], 2, Pad::Valid)?,
            branch_3x3_double: vec![
                w.conv(
                    &format!("{name}.tower.conv"),
                    [64, 288, 1, 1],
                    1,
                    Pad::Valid,
                )?,
                w.conv(
                    &format!("{name}.tower.conv_1"),
                    [96, 64, 3, 3],
                    1,
                    Pad::Same,
                )?,
                w.conv(
                    &format!("{name}.tower.conv_2"),
                    [96, 96, 3, 3],
                    2,
                    Pad::Valid,
                )?,
            ],
        })
    }

    /// `[N, 288, 35, 35]` → `[N, 768, 17, 17]`.
    pub(crate) fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        Tensor::cat(
            vec![
                self.branch_3x3.forward(x.clone()),
                chain(&self.branch_3x3_double, x.clone()),
                max_pool_3x3_stride_2(x),
            ],
            1,
        )
    }
}

/// 17×17 block with factorised 7×7 convolutions (`mixed_4` … `mixed_7`):
/// 1×1 | 1×1→1×7→7×1 | 1×1→7×1→1×7→7×1→1×7 | avg-pool→1×1.
#[derive(Module, Debug)]
pub(crate) struct BlockC {
    /// `conv`: 192 channels.
    branch_1x1: BasicConv,
    /// `tower.conv` … `tower.conv_2`: c7 → c7 → 192 channels.
    branch_7x7: Vec<BasicConv>,
    /// `tower_1.conv` … `tower_1.conv_4`: c7 → c7 → c7 → c7 → 192 channels.
    branch_7x7_double: Vec<BasicConv>,
    /// `tower_2.conv` after the average pool: 192 channels.
    branch_pool: BasicConv,
}

impl BlockC {
    pub(crate) fn build(w: &mut Weights, name: &str, c7: usize) -> Result<Self, InceptionError> {
        let (row, col) = ([1, 7], [7, 1]);
        let mut conv = |layer: &str, out: usize, inp: usize, k: [usize; 2]| {
            w.conv(
                &format!("{name}.{layer}"),
                [out, inp, k[0], k[1]],
                1,
                Pad::Same,
            )
        };
        Ok(Self {
            branch_1x1: conv("conv", 192, 768, [1, 1])?,
            branch_7x7: vec![
                conv("tower.conv", c7, 768, [1, 1])?,
                conv("tower.conv_1", c7, c7, row)?,
                conv("tower.conv_2", 192, c7, col)?,
            ],
            branch_7x7_double: vec![
                conv("tower_1.conv", c7, 768, [1, 1])?,
                conv("tower_1.conv_1", c7, c7, col)?,
                conv("tower_1.conv_2", c7, c7, row)?,
                conv("tower_1.conv_3", c7, c7, col)?,
                conv("tower_1.conv_4", 192, c7, row)?,
            ],
            branch_pool: conv("tower_2.conv", 192, 768, [1, 1])?,
        })
    }

    /// `[N, 768, 17, 17]` → `[N, 768, 17, 17]`.
    pub(crate) fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        Tensor::cat(
            vec![
                self.branch_1x1.forward(x.clone()),
                chain(&self.branch_7x7, x.clone()),
                chain(&self.branch_7x7_double, x.clone()),
                self.branch_pool.forward(avg_pool_3x3(x)),
            ],
            1,
        )
    }
}

/// Reduction 17×17 → 8×8 (`mixed_8`): 1×1→3×3/2 | 1×1→1×7→7×1→3×3/2 | max-pool/2.
#[derive(Module, Debug)]
pub(crate) struct BlockD {
    /// `tower.conv`, `tower.conv_1`: 192 → 320 channels, the last with stride 2.
    branch_3x3: Vec<BasicConv>,
    /// `tower_1.conv` … `tower_1.conv_3`: 192 channels, the last with stride 2.
    branch_7x7x3: Vec<BasicConv>,
}

impl BlockD {
    pub(crate) fn build(w: &mut Weights, name: &str) -> Result<Self, InceptionError> {
        Ok(Self {
            branch_3x3: vec![
                w.conv(
                    &format!("{name}.tower.conv"),
                    [192, 768, 1, 1],
                    1,
                    Pad::Valid,
                )?,
                w.conv(
                    &format!("{name}.tower.conv_1"),
                    [320, 192, 3, 3],
                    2,
                    Pad::Valid,
                )?,
            ],
            branch_7x7x3: vec![
                w.conv(
                    &format!("{name}.tower_1.conv"),
                    [192, 768, 1, 1],
                    1,
                    Pad::Valid,
                )?,
                w.conv(
                    &format!("{name}.tower_1.conv_1"),
                    [192, 192, 1, 7],
                    1,
                    Pad::Same,
                )?,
                w.conv(
                    &format!("{name}.tower_1.conv_2"),
                    [192, 192, 7, 1],
                    1,
                    Pad::Same,
                )?,
                w.conv(
                    &format!("{name}.tower_1.conv_3"),
                    [192, 192, 3, 3],
                    2,
                    Pad::Valid,
                )?,
            ],
        })
    }

    /// `[N, 768, 17, 17]` → `[N, 1280, 8, 8]`.
    pub(crate) fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        Tensor::cat(
            vec![
                chain(&self.branch_3x3, x.clone()),
                chain(&self.branch_7x7x3, x.clone()),
                max_pool_3x3_stride_2(x),
            ],
            1,
        )
    }
}

/// 8×8 block with split 3×3 convolutions (`mixed_9`, `mixed_10`):
/// 1×1 | 1×1→(1×3, 3×1) | 1×1→3×3→(1×3, 3×1) | pool→1×1. The pool averages in `mixed_9`
/// and takes the maximum in `mixed_10`, as in the TF graph.
#[derive(Module, Debug)]
pub(crate) struct BlockE {
    /// `conv`: 320 channels.
    branch_1x1: BasicConv,
    /// `tower_conv`: 384 channels, then split in two.
    branch_3x3: BasicConv,
    /// `tower_mixed_conv` (1×3), `tower_mixed_conv_1` (3×1): 384 channels each.
    branch_3x3_split: Vec<BasicConv>,
    /// `tower_1_conv` (1×1, 448), `tower_1_conv_1` (3×3, 384), then split in two.
    branch_3x3_double: Vec<BasicConv>,
    /// `tower_1_mixed_conv` (1×3), `tower_1_mixed_conv_1` (3×1): 384 channels each.
    branch_3x3_double_split: Vec<BasicConv>,
    /// `tower_2_conv` after the pool: 192 channels.
    branch_pool: BasicConv,
    /// Max pool (`mixed_10`) instead of average pool (`mixed_9`).
    max_pool: bool,
}

impl BlockE {
    pub(crate) fn build(
        w: &mut Weights,
        name: &str,
        channels: usize,
        max_pool: bool,
    ) -> Result<Self, InceptionError> {
        let c = channels;
        let mut conv = |layer: &str, out: usize, inp: usize, k: [usize; 2]| {
            w.conv(
                &format!("{name}.{layer}"),
                [out, inp, k[0], k[1]],
                1,
                Pad::Same,
            )
        };
        Ok(Self {
            branch_1x1: conv("conv", 320, c, [1, 1])?,
            branch_3x3: conv("tower_conv", 384, c, [1, 1])?,
            branch_3x3_split: vec![
                conv("tower_mixed_conv", 384, 384, [1, 3])?,
                conv("tower_mixed_conv_1", 384, 384, [3, 1])?,
            ],
            branch_3x3_double: vec![
                conv("tower_1_conv", 448, c, [1, 1])?,
                conv("tower_1_conv_1", 384, 448, [3, 3])?,
            ],
            branch_3x3_double_split: vec![
                conv("tower_1_mixed_conv", 384, 384, [1, 3])?,
                conv("tower_1_mixed_conv_1", 384, 384, [3, 1])?,
            ],
            branch_pool: conv("tower_2_conv", 192, c, [1, 1])?,
            max_pool,
        })
    }

    /// `[N, C, 8, 8]` → `[N, 2048, 8, 8]`.
    pub(crate) fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let a = self.branch_3x3.forward(x.clone()); // [N, 384, 8, 8]
        let b = chain(&self.branch_3x3_double, x.clone()); // [N, 384, 8, 8]
        let pooled = if self.max_pool {
            max_pool_3x3(x.clone())
        } else {
            avg_pool_3x3(x.clone())
        };
        let mut parts = vec![self.branch_1x1.forward(x)];
        parts.extend(self.branch_3x3_split.iter().map(|c| c.forward(a.clone())));
        parts.extend(
            self.branch_3x3_double_split
                .iter()
                .map(|c| c.forward(b.clone())),
        );
        parts.push(self.branch_pool.forward(pooled));
        Tensor::cat(parts, 1) // 320 + 2·384 + 2·384 + 192
    }
}
