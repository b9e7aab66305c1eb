//! Choosing the browser backend: WebGPU when the browser offers an adapter, else the CPU
//! (WASM) backend, with the reason reported to the page.

use burn::tensor::Device;

use crate::model::ops::cpu_threads;
use serde::Serialize;

/// Which backend a session runs on, as shown in every view.
#[derive(Clone, Debug, Serialize)]
pub struct BackendInfo {
    /// "webgpu" or "cpu".
    pub kind: String,
    /// The WebGPU adapter's description, or "Flex (WASM)" on the CPU.
    pub adapter: String,
    /// Why WebGPU is not used, when it is not.
    pub fallback_reason: Option<String>,
    /// Threads the CPU backend computes on (1 but in the threaded module).
    pub threads: usize,
}

fn cpu(reason: Option<String>) -> (Device, BackendInfo) {
    let info = BackendInfo {
        kind: "cpu".into(),
        adapter: match cpu_threads() {
            1 => "Flex (WASM, CPU)".into(),
            n => format!("Flex (WASM, CPU, {n} threads)"),
        },
        fallback_reason: reason,
        threads: cpu_threads(),
    };
    (Device::flex(), info)
}

/// Initialises `prefer` ("webgpu" or "cpu").
pub async fn select(prefer: &str) -> (Device, BackendInfo) {
    if prefer == "cpu" {
        return cpu(Some("the CPU backend was requested".into()));
    }
    webgpu().await
}

/// The WebGPU device, or the CPU with the reason it is not used.
#[cfg(feature = "webgpu")]
async fn webgpu() -> (Device, BackendInfo) {
    match Device::wgpu_options().init_with_setup_async().await {
        Ok((device, setup)) => {
            let info = setup.adapter.get_info();
            let mut adapter = [
                info.name.as_str(),
                info.driver.as_str(),
                info.driver_info.as_str(),
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" — ");
            if adapter.is_empty() {
                adapter = kind_of(&format!("{:?}", info.device_type)).into();
            }
            (
                device,
                BackendInfo {
                    kind: "webgpu".into(),
                    adapter,
                    fallback_reason: None,
                    threads: 1,
                },
            )
        }
        // The wgpu error text is Rust debug output: the page gets a sentence.
        Err(_) => cpu(Some("WebGPU could not start in this browser".into())),
    }
}

/// The threaded module has no WebGPU backend (see the `threads` feature).
#[cfg(not(feature = "webgpu"))]
async fn webgpu() -> (Device, BackendInfo) {
    cpu(Some(
        "this is the CPU-only threaded module; WebGPU runs in the single-threaded one".into(),
    ))
}

/// The adapter's kind in words (from wgpu's `DeviceType` variant name, which reaches us only
/// through the backend), for an adapter that gives no name.
#[cfg(feature = "webgpu")]
fn kind_of(device_type: &str) -> &'static str {
    match device_type {
        "DiscreteGpu" => "discrete GPU",
        "IntegratedGpu" => "integrated GPU",
        "VirtualGpu" => "virtual GPU",
        "Cpu" => "software renderer (CPU)",
        _ => "graphics adapter",
    }
}
