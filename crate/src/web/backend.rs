//! Choosing the browser backend: WebGPU when the browser offers an adapter, else the CPU
//! (WASM) backend, with the reason reported to the page.

use burn::tensor::Device;

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
    /// On WebGPU, how convolutions run ("direct" or "lowered", [`crate::model::ops::cube_convs`]
    /// when the info is read); absent on the CPU.
    pub convs: Option<&'static str>,
    /// Whether this module runs Burn's operation fusion on WebGPU (the `fusion` feature).
    pub fusion: bool,
}

impl BackendInfo {
    /// This info with `convs` as the op layer has it now (`setCubeConvs` may change it).
    pub fn now(&self) -> Self {
        let mut info = self.clone();
        if info.kind == "webgpu" {
            info.convs = Some(crate::model::ops::cube_convs().name());
        }
        info
    }
}

/// The CPU (Flex) backend, chosen for `reason`.
#[cfg(feature = "flex")]
fn cpu(reason: String) -> Result<(Device, BackendInfo), String> {
    use crate::model::ops::cpu_threads;
    let info = BackendInfo {
        kind: "cpu".into(),
        adapter: match cpu_threads() {
            1 => "Flex (WASM, CPU)".into(),
            n => format!("Flex (WASM, CPU, {n} threads)"),
        },
        fallback_reason: Some(reason),
        threads: cpu_threads(),
        convs: None,
        fusion: false,
    };
    Ok((Device::flex(), info))
}

/// The WebGPU module with fusion (`pkg/fusion/`) has no CPU backend: the page loads the main
/// module instead.
#[cfg(not(feature = "flex"))]
fn cpu(reason: String) -> Result<(Device, BackendInfo), String> {
    Err(format!(
        "{reason}, and this WebGPU-only module has no CPU backend (the main module has)"
    ))
}

/// Initialises `prefer` ("webgpu" or "cpu"); an error only in a module without the CPU backend.
pub async fn select(prefer: &str) -> Result<(Device, BackendInfo), String> {
    if prefer == "cpu" {
        return cpu("the CPU backend was requested".into());
    }
    webgpu().await
}

/// The WebGPU device, or the CPU with the reason it is not used.
#[cfg(feature = "webgpu")]
async fn webgpu() -> Result<(Device, BackendInfo), String> {
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
            Ok((
                device,
                BackendInfo {
                    kind: "webgpu".into(),
                    adapter,
                    fallback_reason: None,
                    threads: 1,
                    convs: None,
                    fusion: cfg!(feature = "fusion"),
                },
            ))
        }
        // The wgpu error text is Rust debug output: the page gets a sentence.
        Err(_) => cpu("WebGPU could not start in this browser".into()),
    }
}

/// The threaded module has no WebGPU backend (see the `threads` feature).
#[cfg(not(feature = "webgpu"))]
async fn webgpu() -> Result<(Device, BackendInfo), String> {
    cpu("this is the CPU-only threaded module; WebGPU runs in the single-threaded one".into())
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
