//! `--device cpu|ndarray|wgpu|cuda[:N]` → a Burn device.

use burn::tensor::Device;

use crate::error::CliError;

/// Parses a device name. `cpu` is Burn's Flex backend (the faster CPU backend here; see the
/// README's performance notes), `ndarray` the older CPU backend.
pub fn parse(name: &str) -> Result<Device, CliError> {
    let (kind, index) = match name.split_once(':') {
        Some((kind, index)) => {
            let index = index
                .parse::<usize>()
                .map_err(|_| format!("device index `{index}` is not a number"))?;
            (kind, Some(index))
        }
        None => (name, None),
    };
    match kind {
        "cpu" | "flex" => Ok(Device::flex()),
        #[allow(deprecated)]
        "ndarray" => Ok(Device::ndarray()),
        "wgpu" => Ok(Device::wgpu(match index {
            Some(i) => burn::tensor::DeviceKind::DiscreteGpu(i),
            None => burn::tensor::DeviceKind::DefaultDevice,
        })),
        "cuda" => cuda(index.unwrap_or(0)),
        other => {
            Err(format!("unknown device `{other}`: use cpu, ndarray, wgpu or cuda[:N]").into())
        }
    }
}

#[cfg(feature = "cuda")]
fn cuda(index: usize) -> Result<Device, CliError> {
    Ok(Device::cuda(index))
}

#[cfg(not(feature = "cuda"))]
fn cuda(_index: usize) -> Result<Device, CliError> {
    Err("this ganvas was built without CUDA; rebuild with `--features cuda`".into())
}
