//! The three passes of a convolution, each lowered to one GEMM per tile of images
//! (see [`super::lowering`] for the matrix layouts). With `K = Ci·kh·kw`, `P = Ho·Wo`, `t` images:
//!
//! | pass | GEMM | then |
//! |---|---|---|
//! | forward | `W [Co, K] · col(x) [K, t·P]` | reorder to `[t, Co, Ho, Wo]` |
//! | input gradient | `Wᵀ [K, Co] · dY [Co, t·P]` | `col2im` to `[t, Ci, H, W]` |
//! | weight gradient | `Σ_tiles dY [Co, t·P] · col(x)ᵀ [t·P, K]` | is `[Co, Ci, kh, kw]` |
//!
//! A transposed convolution runs the same passes with roles swapped (see [`super`]).

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::FloatTensorOps;
use burn::tensor::Shape;

use super::dense::{dense, matmul, tensor, values};
use super::geometry::{COL2IM_READS_COLUMNS, ConvGeometry, GEMM_READS_COLUMNS};
use super::lowering::{col2im, from_channel_major, im2col, to_channel_major};
use super::parallel::for_each_chunk_with_work;

/// `[Co, Ci, kh, kw]` as the `[Co, K]` matrix (no copy when already contiguous).
fn weight_matrix(g: &ConvGeometry, weight: FlexTensor) -> FlexTensor {
    dense(weight).reshape(Shape::from([g.c_out, g.k()]))
}

/// `x [B, Ci, H, W]` → `y [B, Co, Ho, Wo]`.
pub fn forward(g: &ConvGeometry, x: FlexTensor, weight: FlexTensor) -> FlexTensor {
    let x = dense(x);
    let w = weight_matrix(g, weight);
    let p = g.p_out();
    let mut y = vec![0f32; g.batch * g.c_out * p];
    for (b0, t) in g.tiles(GEMM_READS_COLUMNS) {
        let col = tensor(im2col(g, values(&x), b0, t), &[g.k(), t * p]);
        let product = matmul(w.clone(), col); // [Co, t·P]
        let out = &mut y[b0 * g.c_out * p..(b0 + t) * g.c_out * p];
        from_channel_major(values(&product), g.c_out, t, p, out);
    }
    tensor(y, &[g.batch, g.c_out, g.h_out, g.w_out])
}

/// From this many pixels per image on, the input gradient runs one image per task (a GEMM
/// `P` columns wide, then `col2im` while the columns are still in cache), as Flex's own
/// transposed convolution does; below it, images are folded into wider GEMMs.
const PER_IMAGE_PIXELS: usize = 64;

/// `dY [B, Co, Ho, Wo]` → `dX [B, Ci, H, W]`.
pub fn input_grad(g: &ConvGeometry, grad: FlexTensor, weight: FlexTensor) -> FlexTensor {
    let grad = dense(grad);
    let w_t = weight_matrix(g, weight).transpose(0, 1); // [K, Co] view
    let (p, plane) = (g.p_out(), g.c_in * g.p_in());
    let mut dx = vec![0f32; g.batch * plane];
    if p >= PER_IMAGE_PIXELS {
        let work = g.batch * g.k() * p;
        for_each_chunk_with_work(&mut dx, plane, work, |b, out| {
            // One image's dY is already the channel-major [Co, P] matrix: a view, no copy.
            let dy = grad.narrow(0, b, 1).reshape(Shape::from([g.c_out, p]));
            let dcol = matmul(w_t.clone(), dy); // [K, P]
            col2im(g, values(&dcol), 1, out);
        });
        return tensor(dx, &[g.batch, g.c_in, g.h_in, g.w_in]);
    }
    for (b0, t) in g.tiles(COL2IM_READS_COLUMNS) {
        let dy = &values(&grad)[b0 * g.c_out * p..(b0 + t) * g.c_out * p];
        let dy = tensor(to_channel_major(dy, g.c_out, t, p), &[g.c_out, t * p]);
        let dcol = matmul(w_t.clone(), dy); // [K, t·P]
        col2im(g, values(&dcol), t, &mut dx[b0 * plane..(b0 + t) * plane]);
    }
    tensor(dx, &[g.batch, g.c_in, g.h_in, g.w_in])
}

/// `x [B, Ci, H, W]`, `dY [B, Co, Ho, Wo]` → `dW [Co, Ci, kh, kw]`.
pub fn weight_grad(g: &ConvGeometry, x: FlexTensor, grad: FlexTensor) -> FlexTensor {
    let (x, grad) = (dense(x), dense(grad));
    let p = g.p_out();
    let mut sum: Option<FlexTensor> = None;
    for (b0, t) in g.tiles(GEMM_READS_COLUMNS) {
        let col = tensor(im2col(g, values(&x), b0, t), &[g.k(), t * p]);
        let dy = &values(&grad)[b0 * g.c_out * p..(b0 + t) * g.c_out * p];
        let dy = tensor(to_channel_major(dy, g.c_out, t, p), &[g.c_out, t * p]);
        let part = matmul(dy, col.transpose(0, 1)); // [Co, K]
        sum = Some(match sum {
            Some(total) => Flex::float_add(total, part),
            None => part,
        });
    }
    let dw = sum.unwrap_or_else(|| tensor(vec![0f32; g.c_out * g.k()], &[g.c_out, g.k()]));
    dense(dw).reshape(Shape::from([g.c_out, g.c_in, g.kh, g.kw]))
}
