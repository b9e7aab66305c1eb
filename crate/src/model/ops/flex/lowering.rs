//! Moving between images and the matrices the GEMMs see, for a tile of `t` images.
//!
//! The column matrix of a tile is `[Ci·kh·kw, t·Ho·Wo]`: rows ordered `(ci, i, j)` so that an
//! OIHW weight `[Co, Ci, kh, kw]` is already the `[Co, Ci·kh·kw]` left operand, columns ordered
//! `(image, ho, wo)` so that one GEMM covers the whole tile.

use super::geometry::ConvGeometry;
use super::parallel::for_each_chunk;
use super::scratch::{Scratch, zeroed};

/// The tile's column matrix: entry `((ci, i, j), (b, ho, wo))` is
/// `x[b0 + b, ci, ho·sh − ph + i, wo·sw − pw + j]`, 0 in the padding. `x` is `[B, Ci, H, W]`.
pub fn im2col(g: &ConvGeometry, x: &[f32], b0: usize, t: usize) -> Scratch {
    let p = g.p_out();
    let plane = g.p_in();
    let mut col = zeroed(g.k() * t * p);
    for_each_chunk(&mut col, t * p, |row, out| {
        let (ci, i, j) = (row / (g.kh * g.kw), (row / g.kw) % g.kh, row % g.kw);
        let columns = g.valid_w(j);
        for b in 0..t {
            let src = &x[((b0 + b) * g.c_in + ci) * plane..][..plane];
            let dst = &mut out[b * p..(b + 1) * p];
            for ho in 0..g.h_out {
                let Some(ih) = g.input_row(ho, i) else { continue };
                let src_row = &src[ih * g.w_in..(ih + 1) * g.w_in];
                let dst_row = &mut dst[ho * g.w_out..(ho + 1) * g.w_out];
                for wo in columns.clone() {
                    dst_row[wo] = src_row[wo * g.sw + j - g.pw];
                }
            }
        }
    });
    col
}

/// The adjoint of [`im2col`]: adds every column entry back onto the pixel it was read from.
/// `col` is the tile's `[Ci·kh·kw, t·Ho·Wo]`, `out` the tile's `[t, Ci, H, W]` (zeroed).
pub fn col2im(g: &ConvGeometry, col: &[f32], t: usize, out: &mut [f32]) {
    let p = g.p_out();
    // One task per (image, channel) plane: planes are disjoint, so no two tasks write one pixel.
    for_each_chunk(out, g.p_in(), |index, plane| {
        let (b, ci) = (index / g.c_in, index % g.c_in);
        for i in 0..g.kh {
            for j in 0..g.kw {
                let row = (ci * g.kh + i) * g.kw + j;
                let src = &col[row * t * p + b * p..][..p];
                let columns = g.valid_w(j);
                for ho in 0..g.h_out {
                    let Some(ih) = g.input_row(ho, i) else { continue };
                    let dst_row = &mut plane[ih * g.w_in..(ih + 1) * g.w_in];
                    let src_row = &src[ho * g.w_out..(ho + 1) * g.w_out];
                    for wo in columns.clone() {
                        dst_row[wo * g.sw + j - g.pw] += src_row[wo];
                    }
                }
            }
        }
    });
}

/// `[t, c, p]` (images, channels, pixels) → `[c, t·p]`: the channel-major matrix of a tile.
pub fn to_channel_major(x: &[f32], c: usize, t: usize, p: usize) -> Scratch {
    let mut out = zeroed(c * t * p);
    for_each_chunk(&mut out, t * p, |ci, row| {
        for b in 0..t {
            row[b * p..(b + 1) * p].copy_from_slice(&x[(b * c + ci) * p..][..p]);
        }
    });
    out
}

/// `[c, t·p]` → `[t, c, p]` written into `out`.
pub fn from_channel_major(m: &[f32], c: usize, t: usize, p: usize, out: &mut [f32]) {
    for_each_chunk(out, p, |index, dst| {
        let (b, ci) = (index / c, index % c);
        dst.copy_from_slice(&m[ci * t * p + b * p..][..p]);
    });
}
