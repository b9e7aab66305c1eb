//! Moving between images and the matrices the GEMMs see, for a tile of `t` images.
//!
//! The column matrix of a tile is `[Ci·kh·kw, t·Ho·Wo]`: rows ordered `(ci, i, j)` so that an
//! OIHW weight `[Co, Ci, kh, kw]` is already the `[Co, Ci·kh·kw]` left operand, columns ordered
//! `(image, ho, wo)` so that one GEMM covers the whole tile.
//!
//! With a horizontal stride `s > 1`, consecutive output columns read every `s`-th input pixel.
//! Image rows are therefore split by phase first (pixels `r, r+s, r+2s, …` side by side for
//! each `r < s`, what space-to-depth does to a row), so that every run the column matrix
//! reads or writes is contiguous in both buffers: plain copies and vector adds.

use super::geometry::ConvGeometry;
use super::parallel::for_each_chunk;
use super::scratch::{Scratch, zeroed};

/// Where a kernel column's run of output columns starts in a (phase-split) image row.
struct Run {
    /// First valid output column.
    wo: usize,
    /// Valid output columns.
    len: usize,
    /// Offset of the first input pixel in the row as laid out (phase-split when `s > 1`).
    at: usize,
}

/// Row length as laid out: `s` phases of `ceil(W / s)` pixels, or `W` when `s = 1`.
fn row_len(g: &ConvGeometry) -> usize {
    if g.sw > 1 {
        g.sw * g.w_in.div_ceil(g.sw)
    } else {
        g.w_in
    }
}

/// The run of output columns that kernel column `j` maps inside the image, if any.
fn run(g: &ConvGeometry, j: usize) -> Option<Run> {
    let columns = g.valid_w(j);
    if columns.is_empty() {
        return None;
    }
    let iw = columns.start * g.sw + j - g.pw;
    let at = if g.sw > 1 {
        (iw % g.sw) * g.w_in.div_ceil(g.sw) + iw / g.sw
    } else {
        iw
    };
    Some(Run {
        wo: columns.start,
        len: columns.len(),
        at,
    })
}

/// `rows` image rows of width `w` split by phase: `x[row, q·s + r]` lands at `row·s·⌈w/s⌉ + r·⌈w/s⌉ + q`.
fn phase_split(x: &[f32], w: usize, s: usize) -> Scratch {
    let wq = w.div_ceil(s);
    let rows = x.len() / w.max(1);
    let mut out = zeroed(rows * s * wq);
    for_each_chunk(&mut out, s * wq, |row, dst| {
        let src = &x[row * w..(row + 1) * w];
        for (r, phase) in dst.chunks_mut(wq).enumerate() {
            for (d, &v) in phase.iter_mut().zip(src.iter().skip(r).step_by(s)) {
                *d = v;
            }
        }
    });
    out
}

/// The tile's column matrix: entry `((ci, i, j), (b, ho, wo))` is
/// `x[b0 + b, ci, ho·sh − ph + i, wo·sw − pw + j]`, 0 in the padding. `x` is `[B, Ci, H, W]`.
pub fn im2col(g: &ConvGeometry, x: &[f32], b0: usize, t: usize) -> Scratch {
    let p = g.p_out();
    let tile = &x[b0 * g.c_in * g.p_in()..(b0 + t) * g.c_in * g.p_in()];
    let phased = (g.sw > 1).then(|| phase_split(tile, g.w_in, g.sw));
    let source = phased.as_deref().unwrap_or(tile);
    let (row_len, plane) = (row_len(g), g.h_in * row_len(g));
    let mut col = zeroed(g.k() * t * p);
    for_each_chunk(&mut col, t * p, |row, out| {
        let (ci, i, j) = (row / (g.kh * g.kw), (row / g.kw) % g.kh, row % g.kw);
        let Some(run) = run(g, j) else { return };
        for b in 0..t {
            let src = &source[(b * g.c_in + ci) * plane..][..plane];
            let dst = &mut out[b * p..(b + 1) * p];
            for ho in 0..g.h_out {
                let Some(ih) = g.input_row(ho, i) else {
                    continue;
                };
                dst[ho * g.w_out + run.wo..][..run.len]
                    .copy_from_slice(&src[ih * row_len + run.at..][..run.len]);
            }
        }
    });
    col
}

/// The adjoint of [`im2col`]: adds every column entry back onto the pixel it was read from.
/// `col` is the tile's `[Ci·kh·kw, t·Ho·Wo]`, `out` the tile's `[t, Ci, H, W]` (zeroed).
pub fn col2im(g: &ConvGeometry, col: &[f32], t: usize, out: &mut [f32]) {
    let p = g.p_out();
    let row_len = row_len(g);
    // One task per (image, channel) plane: planes are disjoint, so no two tasks write one pixel.
    for_each_chunk(out, g.p_in(), |index, plane| {
        let (b, ci) = (index / g.c_in, index % g.c_in);
        let add_runs = |acc: &mut [f32]| {
            for i in 0..g.kh {
                for j in 0..g.kw {
                    let Some(run) = run(g, j) else { continue };
                    let row = (ci * g.kh + i) * g.kw + j;
                    let src = &col[row * t * p + b * p..][..p];
                    for ho in 0..g.h_out {
                        let Some(ih) = g.input_row(ho, i) else {
                            continue;
                        };
                        let dst = &mut acc[ih * row_len + run.at..][..run.len];
                        let src = &src[ho * g.w_out + run.wo..][..run.len];
                        dst.iter_mut().zip(src).for_each(|(d, s)| *d += s);
                    }
                }
            }
        };
        if g.sw == 1 {
            add_runs(plane);
            return;
        }
        let mut phased = zeroed(g.h_in * row_len);
        add_runs(&mut phased);
        let wq = g.w_in.div_ceil(g.sw);
        for (dst, src) in plane.chunks_mut(g.w_in).zip(phased.chunks(row_len)) {
            for (r, phase) in src.chunks(wq).enumerate() {
                for (d, &v) in dst.iter_mut().skip(r).step_by(g.sw).zip(phase) {
                    *d = v;
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
