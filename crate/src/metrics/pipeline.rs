//! From images or a generator to features: the one evaluation pipeline both shells run.
//!
//! The bodies are async because the browser reads the device back asynchronously; the CLI
//! blocks on them (`futures_lite::future::block_on`), as wgpu's examples branch once between
//! native and wasm. Fakes are quantised to 8-bit levels, as saved images would be, so that a
//! checkpoint and a folder of its saved samples score alike.

use burn::tensor::{Device, Tensor, TensorData};

use super::MetricError;
use super::evaluate::FeatureSet;
use super::extractor::Extractor;
use crate::data::ImageSet;
use crate::model::{Generator, ModelConfig};
use crate::rng::Rng;
use crate::sample::{self, Classes, SampleRequest};

/// Which fakes [`generator_features`] makes, and how many at a time.
#[derive(Clone, Copy, Debug)]
pub struct Fakes {
    /// Images to generate.
    pub n: usize,
    /// Seed of the latents (classes go in turn for conditional models).
    pub seed: u64,
    /// Images per generator and extractor batch (results do not depend on it).
    pub batch: usize,
    /// Also return the quantised images (for pixel metrics such as MS-SSIM diversity).
    pub keep_images: bool,
    /// The truncation trick's threshold on the latents (see [`sample::latents`]); `None` samples
    /// the full prior, as training does.
    pub truncation: Option<f32>,
}

/// Features of every image of `set`, `batch` at a time, calling `progress(done)` after each
/// batch.
pub async fn image_features(
    extractor: &dyn Extractor,
    set: &ImageSet,
    batch: usize,
    device: &Device,
    progress: &mut dyn FnMut(usize),
) -> Result<FeatureSet, MetricError> {
    let mut out = FeatureSet::new(extractor.dim(), extractor.classes());
    let indices: Vec<usize> = (0..set.len()).collect();
    for chunk in indices.chunks(batch.max(1)) {
        let shape = [chunk.len(), set.channels, set.height, set.width];
        extend(&mut out, extractor, set.batch_f32(chunk), shape, device).await?;
        progress(out.len());
    }
    Ok(out)
}

/// Features of `fakes.n` samples of `generator` (a `model`), quantised to 8-bit levels as
/// saved images would be, calling `progress(done)` after each batch; with
/// `fakes.keep_images`, the quantised images too.
pub async fn generator_features(
    extractor: &dyn Extractor,
    model: &ModelConfig,
    generator: &Generator,
    fakes: Fakes,
    device: &Device,
    progress: &mut dyn FnMut(usize),
) -> Result<(FeatureSet, Option<ImageSet>), MetricError> {
    let Some([channels, height, width]) = model.sample_shape().image() else {
        return Err(MetricError::Shape(
            "metrics need an image model (2-D models report mode coverage)".into(),
        ));
    };
    let request = SampleRequest::grid(
        model,
        fakes.n,
        fakes.truncation,
        Classes::InTurn,
        &mut Rng::new(fakes.seed),
    );
    let mut out = FeatureSet::new(extractor.dim(), extractor.classes());
    let mut kept = Vec::new();
    for part in request.batches(fakes.batch.max(1)) {
        let values = read_back(generator.generate(&part, device)).await?;
        let bytes: Vec<u8> = values.iter().map(|&v| sample::to_byte(v)).collect();
        let levels = bytes.iter().map(|&b| f32::from(b) / 127.5 - 1.0).collect();
        let shape = [part.len(), channels, height, width];
        extend(&mut out, extractor, levels, shape, device).await?;
        if fakes.keep_images {
            kept.extend_from_slice(&bytes);
        }
        progress(out.len());
    }
    let images = fakes.keep_images.then(|| ImageSet {
        width,
        height,
        channels,
        pixels: kept,
        labels: request.labels.clone(),
        class_names: Vec::new(),
    });
    Ok((out, images))
}

/// Runs `extractor` on `values` (NCHW in [-1, 1]) and appends their features (and logits) to
/// `out`.
async fn extend(
    out: &mut FeatureSet,
    extractor: &dyn Extractor,
    values: Vec<f32>,
    shape: [usize; 4],
    device: &Device,
) -> Result<(), MetricError> {
    let images = Tensor::from_data(TensorData::new(values, shape), device);
    let (features, logits) = extractor.extract(images)?;
    let logits = match logits {
        Some(l) => read_back(l).await?,
        None => Vec::new(),
    };
    out.extend(&read_back(features).await?, &logits);
    Ok(())
}

/// A tensor's values on the host; a failed read is an error, never NaN.
async fn read_back<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, MetricError> {
    crate::readback::floats(tensor)
        .await
        .map_err(|e| MetricError::Numeric(e.to_string()))
}
