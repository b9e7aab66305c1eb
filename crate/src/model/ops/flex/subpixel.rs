//! The input gradient of a 4×4, stride-2, padding-1 convolution — and so the forward pass of
//! the transposed convolution that doubles a map — by sub-pixel decomposition: no `col2im`,
//! every pixel written once.
//!
//! With `dX [B, Ci, H, W]`, `dY [B, Co, Ho, Wo]` and `ih = 2·ho + i − 1`, an input row of parity
//! `r` (`ih = 2m + r`) receives only kernel rows `i = 3 − 2a − r` from output rows
//! `ho = m + a + r − 1`, `a ∈ {0, 1}`; columns likewise with `c`, `e`. Each of the four parities
//! `(r, c)` is therefore a stride-1 convolution of `dY` with a 2×2 sub-kernel, one GEMM per tile
//! of images:
//!
//! `dX_rc [Ci, t·Mr·Nc] = W_rc [Ci, Co·4] · col_rc(dY) [Co·4, t·Mr·Nc]`
//!
//! (`Mr`, `Nc` the rows and columns of that parity, rows `(co, a, e)` as everywhere in the
//! lowering), then stored at every other pixel of every other row of the output.

use super::super::kernels::{SubPixel, sub_pixel};
use super::dense::{Threads, gemm, matrix};
use super::geometry::{ConvGeometry, GEMM_READS_COLUMNS};
use super::parallel::{for_each_chunk, for_each_chunk_with_work, threads};
use super::scratch::{Scratch, zeroed};

/// The parities `(r, c)` in the order their sub-kernels and products are kept: `2r + c`.
const PARITIES: [(usize, usize); 4] = [(0, 0), (0, 1), (1, 0), (1, 1)];

/// Whether the sub-pixel kernel computes this geometry's input gradient: the 4×4 / 2 / 1
/// convolutions (any input size, odd ones too), when selected.
pub fn serves(g: &ConvGeometry) -> bool {
    let fits = (g.kh, g.kw, g.sh, g.sw, g.ph, g.pw) == (4, 4, 2, 2, 1, 1);
    fits && match sub_pixel() {
        SubPixel::Always => true,
        SubPixel::Never => false,
        SubPixel::Auto => faster_than_col2im(g),
    }
}

/// Where the sub-pixel kernel measured faster than the GEMM + `col2im` path: nowhere yet with
/// confidence, so `Auto` keeps `col2im` (the path before this kernel) until a quiet A/B.
///
/// Measured (`GANVAS_SUB_PIXEL_AB=1 ganvas bench --tasks layers --rounds 3 --peers torch`,
/// this kernel's first version, 2026-12-01, on a shared 2-core machine at load 7–10, so single
/// figures are noisy): ratio = col2im ms / sub-pixel ms (above 1: sub-pixel faster), batch 64 /
/// batch 1.
///
/// | layer (∂x for D, forward for G) | DCGAN-64 | DCGAN-32 grey | DCGAN-32 RGB |
/// |---|---:|---:|---:|
/// | G 4²→8² | 2.05 / 0.34 | 0.94 / 0.28 | |
/// | G 8²→16² | 0.92 / 0.29 | 0.97 / 1.96 | |
/// | G 16²→32² | 0.65 / 0.77 | 0.05 / 0.06 (1 channel out) | 0.07 / 0.17 (3) |
/// | G 32²→64² (3 channels out) | 0.22 / 0.34 | | |
/// | D's first layer (∂x of 1–3 channels) | 0.64 / 0.24 | 0.09 / 0.17 | 0.01 / 0.27 |
/// | D 32²→16² | 1.10 / 0.59 | | |
/// | D 16²→8² | 0.41 / 7.48 | 1.19 / 1.75 | |
/// | D 8²→4² | 1.92 / 0.32 | 1.60 / 0.73 | |
///
/// The few-channel layers lose everywhere (their parity GEMMs are 1–3 rows tall); at batch 1 the
/// rearrangement of the weights into sub-kernels (one thread, strided reads) costs about what
/// the GEMM does; the big layers at batch 64 split either way within the noise.
fn faster_than_col2im(_g: &ConvGeometry) -> bool {
    false
}

/// Rows (or columns) of parity `r` among `n`: `⌈(n − r) / 2⌉`.
fn half(n: usize, r: usize) -> usize {
    n.saturating_sub(r).div_ceil(2)
}

/// The four sub-kernels, each `[Ci, Co·4]`, one after the other:
/// `W_rc[ci, (co, a, e)] = W[co, ci, 3 − 2a − r, 3 − 2e − c]` (`W` is `[Co, Ci, 4, 4]`).
fn sub_kernels(g: &ConvGeometry, w: &[f32]) -> Vec<f32> {
    let k = 4 * g.c_out;
    let mut out = vec![0f32; 4 * g.c_in * k];
    for (parity, sub) in out.chunks_mut(g.c_in * k).enumerate() {
        let (r, c) = PARITIES[parity];
        for (ci, row) in sub.chunks_mut(k).enumerate() {
            for (co, taps) in row.chunks_mut(4).enumerate() {
                let kernel = &w[(co * g.c_in + ci) * 16..][..16];
                for (tap, v) in taps.iter_mut().enumerate() {
                    let (a, e) = (tap / 2, tap % 2);
                    *v = kernel[(3 - 2 * a - r) * 4 + 3 - 2 * e - c];
                }
            }
        }
    }
    out
}

/// The column matrix of parity `(r, c)` for images `b0 .. b0 + t` of `dY`: entry
/// `((co, a, e), (b, m, n))` is `dY[b0 + b, co, m + a + r − 1, n + e + c − 1]`, 0 outside.
fn columns(g: &ConvGeometry, dy: &[f32], b0: usize, t: usize, (r, c): (usize, usize)) -> Scratch {
    let (mr, nc, p) = (half(g.h_in, r), half(g.w_in, c), g.p_out());
    let mut col = zeroed(4 * g.c_out * t * mr * nc);
    for_each_chunk(&mut col, t * mr * nc, |row, out| {
        let (co, a, e) = (row / 4, (row / 2) % 2, row % 2);
        // Columns n with wo = n + e + c − 1 inside 0..Wo: one contiguous run per row.
        let shift = e + c;
        let first = usize::from(shift == 0);
        let end = nc.min((g.w_out + 1).saturating_sub(shift));
        let Some(len) = end.checked_sub(first).filter(|&len| len > 0) else {
            return;
        };
        let wo = first + shift - 1;
        for b in 0..t {
            let plane = &dy[((b0 + b) * g.c_out + co) * p..][..p];
            for m in 0..mr {
                let Some(ho) = (m + a + r).checked_sub(1).filter(|&ho| ho < g.h_out) else {
                    continue;
                };
                out[(b * mr + m) * nc + first..][..len]
                    .copy_from_slice(&plane[ho * g.w_out + wo..][..len]);
            }
        }
    });
    col
}

/// Writes a tile's four products (each `[Ci, t·Mr·Nc]`, `stride` floats apart in `products`)
/// into its `[t, Ci, H, W]` output: pixel `(2m + r, 2n + c)` of plane `(b, ci)` is entry
/// `(ci, (b, m, n))` of product `(r, c)`.
fn interleave(g: &ConvGeometry, products: &[f32], stride: usize, t: usize, out: &mut [f32]) {
    for_each_chunk(out, g.w_in, |row, dst| {
        let (plane, ih) = (row / g.h_in, row % g.h_in);
        let (b, ci) = (plane / g.c_in, plane % g.c_in);
        let (r, m) = (ih % 2, ih / 2);
        let mr = half(g.h_in, r);
        for c in 0..2 {
            let nc = half(g.w_in, c);
            let product = &products[(2 * r + c) * stride..];
            let src = &product[((ci * t + b) * mr + m) * nc..][..nc];
            for (d, &v) in dst.iter_mut().skip(c).step_by(2).zip(src) {
                *d = v;
            }
        }
    });
}

/// Images per tile: a parity's column matrix within the GEMM column budget, and at least one
/// tile per thread.
fn tile_images(g: &ConvGeometry) -> usize {
    let per_image = (4 * g.c_out * half(g.h_in, 0) * half(g.w_in, 0)).max(1);
    (GEMM_READS_COLUMNS / per_image).clamp(1, g.batch.div_ceil(threads()).max(1))
}

/// `dY [B, Co, Ho, Wo]` (dense values), `W [Co, Ci, 4, 4]` → `dX [B, Ci, H, W]`. Tiles of whole
/// images run in parallel, and within a tile the four parities (so a batch of one still uses
/// every thread), each GEMM on one thread.
pub fn input_grad(g: &ConvGeometry, dy: &[f32], w: &[f32]) -> Vec<f32> {
    let subs = sub_kernels(g, w);
    let k = 4 * g.c_out;
    let plane = g.c_in * g.p_in();
    let t = tile_images(g);
    let mut dx = vec![0f32; g.batch * plane];
    let work = g.batch * plane * g.c_out * 4;
    for_each_chunk_with_work(&mut dx, t * plane, work, |i, out| {
        let (b0, n) = (i * t, out.len() / plane);
        // Parity (0, 0) has the most rows and columns: every product fits its slot.
        let stride = g.c_in * n * half(g.h_in, 0) * half(g.w_in, 0);
        let mut products = zeroed(4 * stride);
        for_each_chunk_with_work(&mut products, stride, n * plane * k, |parity, product| {
            let (r, c) = PARITIES[parity];
            let cols = n * half(g.h_in, r) * half(g.w_in, c);
            let col = columns(g, dy, b0, n, (r, c));
            let sub = matrix(&subs[parity * g.c_in * k..][..g.c_in * k], g.c_in, k);
            gemm(
                &mut product[..g.c_in * cols],
                sub,
                matrix(&col, k, cols),
                false,
                Threads::One,
            );
        });
        interleave(g, &products, stride, n, out);
    });
    dx
}
