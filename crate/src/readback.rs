//! Reading values back from the device. Every read is written once, as an async body (the
//! browser's WebGPU cannot block); the native shells run it to completion with [`block`], as
//! wgpu's own examples branch once between native and wasm. A failed read is an error, never a
//! NaN that would later read as divergence.

use burn::tensor::Tensor;

/// A device read that failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("reading values back from the device failed: {0}")]
pub struct ReadError(pub String);

/// The values of `tensor` as f32, row-major.
pub async fn floats<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ReadError> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| ReadError(format!("{e:?}")))?;
    data.try_into_vec_as::<f32>()
        .map_err(|e| ReadError(format!("{e:?}")))
}

/// Runs `future` to completion on this thread (native shells and tests).
#[cfg(not(target_arch = "wasm32"))]
pub fn block<F: std::future::Future>(future: F) -> F::Output {
    futures_lite::future::block_on(future)
}
