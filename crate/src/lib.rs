//! ganvas: small GANs that train natively (CPU, wgpu, CUDA) and in the browser on WebGPU.
//!
//! One model definition, one training step and one checkpoint format serve the native CLI
//! (`src/bin/ganvas`) and the WebAssembly module alike.

pub mod checkpoint;
pub mod data;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod project;
pub mod prompt;
pub mod readback;
pub mod rng;
pub mod run;
pub mod sample;
pub mod tensor_file;
pub mod train;

#[cfg(not(target_arch = "wasm32"))]
pub mod file_io;
#[cfg(not(target_arch = "wasm32"))]
pub mod files;

#[cfg(target_arch = "wasm32")]
pub mod web;
