//! Flex tensors as flat f32 buffers and back, and the matrix multiply our kernels lower to
//! (Flex's own: the `gemm` crate with its AVX-512/AVX2/simd128 kernels, strided operands).

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::FloatTensorOps;
use burn::tensor::TensorData;

/// `t` with a contiguous, zero-offset layout (copied only if it is not already).
pub fn dense(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() { t } else { t.to_contiguous() }
}

/// The values of a tensor returned by [`dense`] (empty for any other tensor).
pub fn values(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().unwrap_or(&[])
}

/// A contiguous tensor owning `values`.
pub fn tensor(values: Vec<f32>, shape: &[usize]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.to_vec()))
}

/// `a · b` for 2-D `a: [m, k]`, `b: [k, n]` (either may be a transposed view) → dense `[m, n]`.
pub fn matmul(a: FlexTensor, b: FlexTensor) -> FlexTensor {
    dense(Flex::float_matmul(a, b))
}
