//! Values handed to JavaScript.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::model::SampleShape;
use crate::run::{RunConfig, RunError};
use crate::train::Trainer;

/// Converts any serialisable value to a plain JavaScript object.
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// What the page needs to know about the loaded run.
#[derive(Serialize)]
pub struct RunInfo {
    pub name: String,
    pub step: u64,
    /// "points" or "image".
    pub kind: &'static str,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub classes: usize,
    pub class_names: Vec<String>,
    pub latent_dim: usize,
    /// Whether the model is conditioned on text (sampled from prompts).
    pub text: bool,
    /// The run config as TOML.
    pub config: String,
    /// The `[train]` section, for the hyper-parameter form.
    pub train: crate::train::TrainConfig,
    /// Real images drawn per training step, for images/s
    /// ([`crate::train::TrainConfig::images_per_step`]).
    pub images_per_step: usize,
}

impl RunInfo {
    pub fn new(config: &RunConfig, trainer: &Trainer) -> Result<Self, RunError> {
        let (kind, channels, height, width) = match config.model.sample_shape() {
            SampleShape::Points { dim } => ("points", 1, 1, dim),
            SampleShape::Image {
                channels,
                height,
                width,
            } => ("image", channels, height, width),
        };
        let class_names = match &config.data {
            crate::run::DataConfig::Idx { class_names, .. } => class_names.clone(),
            _ => Vec::new(),
        };
        Ok(Self {
            name: config.name.clone(),
            step: trainer.step,
            kind,
            channels,
            height,
            width,
            classes: config.model.classes(),
            class_names,
            latent_dim: config.model.latent_dim(),
            text: config.model.text().is_some(),
            config: config.to_toml()?,
            train: trainer.config.clone(),
            images_per_step: trainer.config.images_per_step(),
        })
    }
}
