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
}

fn cpu(reason: Option<String>) -> (Device, BackendInfo) {
    let info = BackendInfo {
        kind: "cpu".into(),
        adapter: "Flex (WASM, CPU)".into(),
        fallback_reason: reason,
    };
    (Device::flex(), info)
}

/// Initialises `prefer` ("webgpu" or "cpu").
pub async fn select(prefer: &str) -> (Device, BackendInfo) {
    if prefer == "cpu" {
        return cpu(Some("the CPU backend was requested".into()));
    }
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
                },
            )
        }
        // The wgpu error text is Rust debug output: the page gets a sentence.
        Err(_) => cpu(Some("WebGPU could not start in this browser".into())),
    }
}

/// The adapter's kind in words (from wgpu's `DeviceType` variant name, which reaches us only
/// through the backend), for an adapter that gives no name.
fn kind_of(device_type: &str) -> &'static str {
    match device_type {
        "DiscreteGpu" => "discrete GPU",
        "IntegratedGpu" => "integrated GPU",
        "VirtualGpu" => "virtual GPU",
        "Cpu" => "software renderer (CPU)",
        _ => "graphics adapter",
    }
}
