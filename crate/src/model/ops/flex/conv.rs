//! The three passes of a convolution, each lowered to one GEMM per tile of images
//! (see [`super::lowering`] for the matrix layouts). With `K = Ci·kh·kw`, `P = Ho·Wo`, `t` images:
//!
//! | pass | GEMM | then |
//! |---|---|---|
//! | forward | `W [Co, K] · col(x) [K, t·P]` | reorder to `[t, Co, Ho, Wo]` |
//! | input gradient | `Wᵀ [K, Co] · dY [Co, t·P]` | `col2im` to `[t, Ci, H, W]` |
//! | … of a 4×4 / 2 / 1 layer | four `W_rc [Ci, Co·4] · col_rc(dY)` | strided stores (see [`subpixel`]) |
//! | weight gradient | `Σ_tiles dY [Co, t·P] · col(x)ᵀ [t·P, K]` | is `[Co, Ci, kh, kw]` |
//!
//! Tiles run in parallel, one GEMM on one thread each, whenever there are at least as many
//! tiles as threads: no thread waits on another inside a product, and a tile's columns stay
//! in its own core's cache. A batch too small for that runs its tile's GEMM on every thread.
//!
//! A kernel that covers the whole unpadded input (the DCGANs' latent → 4×4 and 4×4 → logit
//! ends) is a dense layer: the passes are single GEMMs on the tensors as they lie.
//!
//! A transposed convolution runs the same passes with roles swapped (see [`super`]).

use burn::backend::flex::FlexTensor;

use super::super::kernels::count_sub_pixel_call;
use super::dense::{Threads, dense, gemm, matrix, tensor, values};
use super::geometry::{COL2IM_READS_COLUMNS, ConvGeometry, GEMM_READS_COLUMNS};
use super::lowering::{col2im, from_channel_major, im2col, to_channel_major};
use super::parallel::{for_each_chunk_with_work, sum_of, threads};
use super::scratch::zeroed;
use super::subpixel;

/// Images per tile for a column budget, and the threads each tile's GEMM should use.
fn tiling(g: &ConvGeometry, budget: usize) -> (usize, Threads) {
    let t = g.tile_images(budget, threads());
    (t, threads_per_tile(g, t))
}

/// One thread per product when the tiles of `t` images keep every thread busy, all otherwise.
fn threads_per_tile(g: &ConvGeometry, t: usize) -> Threads {
    if g.batch.div_ceil(t) >= threads() {
        Threads::One
    } else {
        Threads::All
    }
}

/// Calls `f` with images `b0 .. b0 + n` of `dY` as the channel-major `[Co, n·P]` matrix (one
/// image's `[Co, P]` block already is one: no copy then).
fn with_channel_major<R>(
    g: &ConvGeometry,
    grad: &[f32],
    b0: usize,
    n: usize,
    f: impl FnOnce(&[f32]) -> R,
) -> R {
    let p = g.p_out();
    let dy = &grad[b0 * g.c_out * p..(b0 + n) * g.c_out * p];
    if n == 1 {
        return f(dy);
    }
    f(&to_channel_major(dy, g.c_out, n, p))
}

/// `x [B, Ci, H, W]` → `y [B, Co, Ho, Wo]`.
pub fn forward(g: &ConvGeometry, x: FlexTensor, weight: FlexTensor) -> FlexTensor {
    let (x, weight) = (dense(x), dense(weight));
    let w = matrix(values(&weight), g.c_out, g.k());
    if g.is_dense() {
        // y [B, Co] = x [B, K] · Wᵀ
        let mut y = vec![0f32; g.batch * g.c_out];
        gemm(
            &mut y,
            matrix(values(&x), g.batch, g.k()),
            w.transpose(),
            false,
            Threads::All,
        );
        return tensor(y, &[g.batch, g.c_out, 1, 1]);
    }
    let (p, image) = (g.p_out(), g.c_out * g.p_out());
    let (t, inner) = tiling(g, GEMM_READS_COLUMNS);
    let mut y = vec![0f32; g.batch * image];
    let work = g.batch * g.k() * p;
    for_each_chunk_with_work(&mut y, t * image, work, |i, out| {
        let (b0, n) = (i * t, out.len() / image);
        let col = im2col(g, values(&x), b0, n);
        let mut product = zeroed(g.c_out * n * p);
        gemm(&mut product, w, matrix(&col, g.k(), n * p), false, inner); // [Co, n·P]
        from_channel_major(&product, g.c_out, n, p, out);
    });
    tensor(y, &[g.batch, g.c_out, g.h_out, g.w_out])
}

/// From this many pixels per image on, the input gradient runs one image per task (a GEMM
/// `P` columns wide, then `col2im` while the columns are still in cache), as Flex's own
/// transposed convolution does; below it, images are folded into wider GEMMs.
const PER_IMAGE_PIXELS: usize = 64;

/// `dY [B, Co, Ho, Wo]` → `dX [B, Ci, H, W]`.
pub fn input_grad(g: &ConvGeometry, grad: FlexTensor, weight: FlexTensor) -> FlexTensor {
    let (grad, weight) = (dense(grad), dense(weight));
    let w = matrix(values(&weight), g.c_out, g.k());
    if g.is_dense() {
        // dX [B, K] = dY [B, Co] · W [Co, K]
        let mut dx = vec![0f32; g.batch * g.k()];
        gemm(
            &mut dx,
            matrix(values(&grad), g.batch, g.c_out),
            w,
            false,
            Threads::All,
        );
        return tensor(dx, &[g.batch, g.c_in, g.h_in, g.w_in]);
    }
    if subpixel::serves(g) {
        count_sub_pixel_call();
        let dx = subpixel::input_grad(g, values(&grad), values(&weight));
        return tensor(dx, &[g.batch, g.c_in, g.h_in, g.w_in]);
    }
    let w_t = w.transpose(); // [K, Co]
    let (p, plane) = (g.p_out(), g.c_in * g.p_in());
    let (t, inner) = if p >= PER_IMAGE_PIXELS {
        (1, threads_per_tile(g, 1))
    } else {
        tiling(g, COL2IM_READS_COLUMNS)
    };
    let mut dx = vec![0f32; g.batch * plane];
    let work = g.batch * g.k() * p;
    for_each_chunk_with_work(&mut dx, t * plane, work, |i, out| {
        let (b0, n) = (i * t, out.len() / plane);
        let mut dcol = zeroed(g.k() * n * p);
        with_channel_major(g, values(&grad), b0, n, |dy| {
            gemm(&mut dcol, w_t, matrix(dy, g.c_out, n * p), false, inner); // [K, n·P]
        });
        col2im(g, &dcol, n, out);
    });
    tensor(dx, &[g.batch, g.c_in, g.h_in, g.w_in])
}

/// `x [B, Ci, H, W]`, `dY [B, Co, Ho, Wo]` → `dW [Co, Ci, kh, kw]`.
pub fn weight_grad(g: &ConvGeometry, x: FlexTensor, grad: FlexTensor) -> FlexTensor {
    let (x, grad) = (dense(x), dense(grad));
    if g.is_dense() {
        // dW [Co, K] = dYᵀ [Co, B] · x [B, K]
        let mut dw = vec![0f32; g.c_out * g.k()];
        let dy_t = matrix(values(&grad), g.batch, g.c_out).transpose();
        gemm(
            &mut dw,
            dy_t,
            matrix(values(&x), g.batch, g.k()),
            false,
            Threads::All,
        );
        return tensor(dw, &[g.c_out, g.c_in, g.kh, g.kw]);
    }
    let p = g.p_out();
    let (t, inner) = tiling(g, GEMM_READS_COLUMNS);
    let dw = sum_of(g.batch.div_ceil(t), g.c_out * g.k(), |i, dw| {
        let (b0, n) = (i * t, t.min(g.batch - i * t));
        let col = im2col(g, values(&x), b0, n);
        let col_t = matrix(&col, g.k(), n * p).transpose(); // [n·P, K]
        with_channel_major(g, values(&grad), b0, n, |dy| {
            gemm(dw, matrix(dy, g.c_out, n * p), col_t, true, inner); // += [Co, K]
        });
    });
    tensor(dw, &[g.c_out, g.c_in, g.kh, g.kw])
}
