//! Writing pictures and reading tensors back, for the CLI.

use std::path::Path;

use burn::tensor::Device;
use ganvas::files::write_atomic;
use ganvas::model::{Generator, ModelConfig, SampleShape};
use ganvas::readback::{block, floats};
use ganvas::rng::Rng;
use ganvas::sample::{self, Picture, SampleRequest};

use crate::error::CliError;

/// Encodes `picture` as PNG and writes it atomically.
pub fn write_png(path: &Path, picture: &Picture) -> Result<(), CliError> {
    let mut bytes = Vec::new();
    let image = image::RgbaImage::from_raw(
        picture.width as u32,
        picture.height as u32,
        picture.rgba.clone(),
    )
    .ok_or("picture buffer has the wrong size")?;
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|e| CliError::file(&path, e))?;
    write_atomic(path, &bytes).map_err(CliError::from)
}

/// Runs `generator` on `request` and reads the samples back: `[n, D]` values.
pub fn generate(
    generator: &Generator,
    request: &SampleRequest,
    device: &Device,
) -> Result<Vec<f32>, CliError> {
    Ok(block(floats(generator.generate(request, device)))?)
}

/// A picture of samples: a grid for images, a scatter plot (over `real` points) for 2-D data.
pub fn picture(values: &[f32], shape: SampleShape, real: &[f32], columns: usize) -> Picture {
    match shape {
        SampleShape::Image {
            channels,
            height,
            width,
        } => sample::grid(
            &sample::images_to_rgba(values, channels, height, width),
            height,
            width,
            columns,
        ),
        SampleShape::Points { .. } => sample::scatter(real, values, 512, 3.0),
    }
}

/// Samples a text model with one row of `per_prompt` images per prompt (same latents in every
/// row) and writes the grid to `path`.
pub fn write_prompt_grid(
    generator: &Generator,
    model: &ModelConfig,
    prompts: &[String],
    per_prompt: usize,
    rng: &mut Rng,
    path: &Path,
    device: &Device,
) -> Result<(), CliError> {
    let samples =
        ganvas::prompt::prompt_grid(generator, model, prompts, per_prompt, None, rng, device)
            .map_err(|e| e.to_string())?;
    let values = block(floats(samples))?;
    write_png(
        path,
        &picture(&values, model.sample_shape(), &[], per_prompt),
    )
}
