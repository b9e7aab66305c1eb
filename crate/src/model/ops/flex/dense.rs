//! Flex tensors as flat f32 buffers and back, and the matrix multiply our kernels lower to:
//! faer's, on row-major slices and their transposes (safe strided views; natively its AVX-512
//! kernels and rayon, in the browser's wasm build simd128, on the threads [`product`] gives
//! it). Measured on the layers' own shapes (`ganvas bench --tasks layers`), it matches Flex's
//! matmul on plain operands and is about three times faster where one operand is a transposed
//! view (every weight gradient).

use burn::backend::flex::FlexTensor;
use burn::tensor::TensorData;
use faer::{Accum, MatMut, MatRef};

use super::product::product;

/// `t` with a contiguous, zero-offset layout (copied only if it is not already).
pub fn dense(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

/// The values of a tensor returned by [`dense`] (empty for any other tensor).
pub fn values(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().unwrap_or(&[])
}

/// A contiguous tensor owning `values`.
pub fn tensor(values: Vec<f32>, shape: &[usize]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.to_vec()))
}

/// The row-major `[rows, cols]` matrix held by `data` (exactly `rows · cols` values).
pub fn matrix(data: &[f32], rows: usize, cols: usize) -> MatRef<'_, f32> {
    MatRef::from_row_major_slice(data, rows, cols)
}

/// Threads for one product.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// The whole pool (one large product at a time).
    All,
    /// The calling thread (products that already run one per task).
    One,
}

/// Below this many multiply-adds a product runs on one thread whatever it was offered: waking
/// the pool and meeting at its barriers costs more than the second core saves (batch-1 layers).
const SERIAL_MACS: usize = 1 << 21;

/// `out = a · b` (or `out += a · b` with `accumulate`), `out` row-major `[a.nrows(), b.ncols()]`.
pub fn gemm(
    out: &mut [f32],
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    accumulate: bool,
    threads: Threads,
) {
    let macs = a
        .nrows()
        .saturating_mul(a.ncols())
        .saturating_mul(b.ncols());
    let threads = if macs < SERIAL_MACS {
        Threads::One
    } else {
        threads
    };
    let out = MatMut::from_row_major_slice_mut(out, a.nrows(), b.ncols());
    let accum = if accumulate {
        Accum::Add
    } else {
        Accum::Replace
    };
    product(out, accum, a, b, threads == Threads::All);
}
