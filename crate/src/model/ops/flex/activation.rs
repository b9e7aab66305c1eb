//! Leaky ReLU in one pass each way (Burn's default is a compare, a multiply and a select
//! forward, two `zeros` and a select backward).

use burn::backend::flex::FlexTensor;

use super::dense::{dense, tensor, values};
use super::parallel::for_each_chunk;

/// Elements per parallel task.
const CHUNK: usize = 1 << 14;

/// `x` where `x ≥ 0`, `slope · x` elsewhere.
pub fn leaky_relu(x: FlexTensor, slope: f32) -> FlexTensor {
    let shape = x.layout().shape().to_vec();
    let x = dense(x);
    let src = values(&x);
    let mut y = vec![0f32; src.len()];
    for_each_chunk(&mut y, CHUNK, |c, out| {
        let src = &src[c * CHUNK..][..out.len()];
        for (o, &v) in out.iter_mut().zip(src) {
            *o = if v < 0.0 { v * slope } else { v };
        }
    });
    tensor(y, &shape)
}

/// `grad` where `x ≥ 0`, `slope · grad` elsewhere (`x` and `grad` of one shape). Written over
/// `grad` when nothing else holds it (the usual case in a backward pass: no new buffer).
pub fn leaky_relu_backward(x: FlexTensor, grad: FlexTensor, slope: f32) -> FlexTensor {
    let shape = x.layout().shape().to_vec();
    let (x, mut grad) = (dense(x), dense(grad));
    let xs = values(&x);
    let len = values(&grad).len();
    if let Some(gs) = grad
        .try_storage_mut::<f32>()
        .filter(|gs| gs.len() == len && len == xs.len())
    {
        for_each_chunk(gs, CHUNK, |c, out| {
            let xs = &xs[c * CHUNK..][..out.len()];
            for (o, &v) in out.iter_mut().zip(xs) {
                if v < 0.0 {
                    *o *= slope;
                }
            }
        });
        return grad;
    }
    let gs = values(&grad);
    let mut dx = vec![0f32; xs.len()];
    for_each_chunk(&mut dx, CHUNK, |c, out| {
        let xs = &xs[c * CHUNK..][..out.len()];
        let gs = &gs[c * CHUNK..][..out.len()];
        for ((o, &v), &g) in out.iter_mut().zip(xs).zip(gs) {
            *o = if v < 0.0 { g * slope } else { g };
        }
    });
    tensor(dx, &shape)
}
