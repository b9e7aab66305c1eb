//! The shape of one convolution, in the convolution's own direction (input → output). A
//! transposed convolution is described by the convolution it is the adjoint of.

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};

/// Images per tile are chosen so that one tile's column matrix stays below a budget of floats.
/// A GEMM that reads the columns (forward, weight gradient) packs them itself, so its budget
/// only keeps the GEMM wide and the buffer reusable (4 MB); columns that `col2im` reads right
/// after the GEMM wrote them should still be in L2 then (1 MB).
pub const GEMM_READS_COLUMNS: usize = 1 << 20;
/// See [`GEMM_READS_COLUMNS`].
pub const COL2IM_READS_COLUMNS: usize = 1 << 18;

/// `[B, Ci, H, W]` ⊛ `[Co, Ci, kh, kw]` (stride `sh, sw`, zero padding `ph, pw`) → `[B, Co, Ho, Wo]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    pub batch: usize,
    pub c_in: usize,
    pub h_in: usize,
    pub w_in: usize,
    pub c_out: usize,
    pub h_out: usize,
    pub w_out: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
}

fn dims4(t: &FlexTensor) -> Option<[usize; 4]> {
    let shape = t.shape();
    shape.as_slice().try_into().ok()
}

/// Output side of a convolution, `None` when the kernel does not fit the padded input.
fn conv_out(input: usize, kernel: usize, stride: usize, padding: usize) -> Option<usize> {
    Some((input + 2 * padding).checked_sub(kernel)? / stride + 1)
}

/// No dilation and one group: the only convolutions our kernels lower.
fn plain(dilation: [usize; 2], groups: usize) -> bool {
    dilation == [1, 1] && groups == 1
}

impl ConvGeometry {
    /// The convolution of a `[batch, c_in, h_in, w_in]` input with a `[c_out, c_in, kh, kw]`
    /// kernel, its output side computed here; `None` when it does not fit or is not supported.
    fn from_input(
        [batch, c_in, h_in, w_in]: [usize; 4],
        c_out: usize,
        [kh, kw]: [usize; 2],
        [sh, sw]: [usize; 2],
        [ph, pw]: [usize; 2],
    ) -> Option<Self> {
        Some(Self {
            batch,
            c_in,
            h_in,
            w_in,
            c_out,
            h_out: conv_out(h_in, kh, sh, ph)?,
            w_out: conv_out(w_in, kw, sw, pw)?,
            kh,
            kw,
            sh,
            sw,
            ph,
            pw,
        })
        .filter(|g| g.is_supported())
    }

    /// The geometry of `conv2d(x, weight, options)`, or `None` when our kernels do not cover it
    /// (dilation, groups, asymmetric padding, mismatched channels).
    pub fn conv(x: &FlexTensor, weight: &FlexTensor, options: &ConvOptions<2>) -> Option<Self> {
        let [batch, c_in, h_in, w_in] = dims4(x)?;
        let [c_out, c_in_w, kh, kw] = dims4(weight)?;
        let [(ph, ph_end), (pw, pw_end)] = options.padding;
        if !plain(options.dilation, options.groups) || c_in != c_in_w {
            return None;
        }
        if ph != ph_end || pw != pw_end {
            return None;
        }
        Self::from_input(
            [batch, c_in, h_in, w_in],
            c_out,
            [kh, kw],
            options.stride,
            [ph, pw],
        )
    }

    /// The convolution whose input gradient is `conv_transpose2d(x, weight, options)`:
    /// its input is the transposed op's output, its output the transposed op's input.
    pub fn transposed(
        x: &FlexTensor,
        weight: &FlexTensor,
        options: &ConvTransposeOptions<2>,
    ) -> Option<Self> {
        let [batch, c_in_t, h, w] = dims4(x)?;
        let [c_in_w, c_out_t, kh, kw] = dims4(weight)?;
        if !plain(options.dilation, options.groups) || c_in_t != c_in_w {
            return None;
        }
        let [sh, sw] = options.stride;
        let [ph, pw] = options.padding;
        let [oh, ow] = options.padding_out;
        if oh >= sh || ow >= sw {
            return None;
        }
        let side = |input: usize, stride: usize, kernel: usize, pad: usize, out_pad: usize| {
            ((input.checked_sub(1)? * stride) + kernel + out_pad).checked_sub(2 * pad)
        };
        let input = [
            batch,
            c_out_t,
            side(h, sh, kh, ph, oh)?,
            side(w, sw, kw, pw, ow)?,
        ];
        // The convolution over the transposed op's output must land back on its input.
        Self::from_input(input, c_in_t, [kh, kw], [sh, sw], [ph, pw])
            .filter(|g| g.h_out == h && g.w_out == w)
    }

    /// As [`ConvGeometry::transposed`], from the gradient of the transposed op's output.
    pub fn transposed_from_output(
        grad: &FlexTensor,
        weight: &FlexTensor,
        options: &ConvTransposeOptions<2>,
    ) -> Option<Self> {
        let [batch, c_out_t, h_in, w_in] = dims4(grad)?;
        let [c_in_t, c_out_w, kh, kw] = dims4(weight)?;
        if !plain(options.dilation, options.groups) || c_out_t != c_out_w {
            return None;
        }
        if options.padding_out != [0, 0] {
            return None;
        }
        Self::from_input(
            [batch, c_out_t, h_in, w_in],
            c_in_t,
            [kh, kw],
            options.stride,
            options.padding,
        )
    }

    /// Padding smaller than the kernel (so every output pixel sees at least one input pixel)
    /// and non-zero strides and sizes.
    fn is_supported(&self) -> bool {
        self.sh > 0
            && self.sw > 0
            && self.ph < self.kh
            && self.pw < self.kw
            && self.kh > 0
            && self.kw > 0
    }

    /// A kernel covering the whole unpadded input, so one output pixel: `x [B, Ci, H, W]` is
    /// already the `[B, Ci·kh·kw]` matrix a dense layer multiplies.
    pub fn is_dense(&self) -> bool {
        self.h_out == 1
            && self.w_out == 1
            && self.ph == 0
            && self.pw == 0
            && self.kh == self.h_in
            && self.kw == self.w_in
    }

    /// Rows of the column matrix: `Ci·kh·kw`.
    pub fn k(&self) -> usize {
        self.c_in * self.kh * self.kw
    }

    /// Output pixels per image and channel.
    pub fn p_out(&self) -> usize {
        self.h_out * self.w_out
    }

    /// Input pixels per image and channel.
    pub fn p_in(&self) -> usize {
        self.h_in * self.w_in
    }

    /// Images per tile of the batch: as many as a column budget in floats allows, but no more
    /// than leaves every one of `threads` threads a tile of its own.
    pub fn tile_images(&self, budget: usize, threads: usize) -> usize {
        let per_image = (self.k() * self.p_out())
            .max(self.c_out * self.p_out())
            .max(1);
        (budget / per_image).clamp(1, self.batch.div_ceil(threads.max(1)).max(1))
    }

    /// Output columns `wo` whose input column `wo·sw + j − pw` lies inside the image.
    pub fn valid_w(&self, j: usize) -> std::ops::Range<usize> {
        valid(self.w_in, self.w_out, self.sw, self.pw, j)
    }

    /// The input row under output row `ho` and kernel row `i`, if inside the image.
    pub fn input_row(&self, ho: usize, i: usize) -> Option<usize> {
        (ho * self.sh + i)
            .checked_sub(self.ph)
            .filter(|&ih| ih < self.h_in)
    }
}

fn valid(
    input: usize,
    output: usize,
    stride: usize,
    pad: usize,
    j: usize,
) -> std::ops::Range<usize> {
    let lo = pad.saturating_sub(j).div_ceil(stride);
    let hi = (input + pad).saturating_sub(j).div_ceil(stride).min(output);
    lo..hi.max(lo)
}

#[cfg(test)]
mod tests {
    use super::valid;

    #[test]
    fn valid_columns_match_a_direct_scan() {
        for (input, kernel, stride, pad) in [
            (8, 4, 2, 1),
            (5, 3, 1, 1),
            (4, 4, 1, 0),
            (7, 4, 2, 1),
            (1, 4, 1, 2),
        ] {
            let output = (input + 2 * pad - kernel) / stride + 1;
            for j in 0..kernel {
                let expected: Vec<usize> = (0..output)
                    .filter(|&wo| {
                        let iw = (wo * stride + j) as isize - pad as isize;
                        iw >= 0 && (iw as usize) < input
                    })
                    .collect();
                let got: Vec<usize> = valid(input, output, stride, pad, j).collect();
                assert_eq!(
                    got, expected,
                    "input {input} kernel {kernel} stride {stride} pad {pad} j {j}"
                );
            }
        }
    }
}
