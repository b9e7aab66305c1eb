//! What the metrics need from a feature extractor, and the batched extraction loop.

use burn::tensor::{Device, Tensor, TensorData};

use super::MetricError;
use super::evaluate::FeatureSet;
use crate::data::ImageSet;
use crate::model::{Generator, ModelConfig, SampleShape};
use crate::rng::Rng;
use crate::sample::{Classes, SampleRequest};

/// A network that turns images into feature vectors (and optionally class logits).
pub trait Extractor {
    /// Name recorded in every result's protocol, e.g. `domain-fashion-mnist`.
    fn name(&self) -> String;
    /// Features per image.
    fn dim(&self) -> usize;
    /// Classes of the logits head; 0 without one.
    fn classes(&self) -> usize;
    /// Features (`N × dim`) and, with a head, logits (`N × classes`) of `images`: NCHW, values
    /// in [-1, 1], at whatever resolution the images have (the extractor adapts them to its
    /// input, or says why not). Tensors stay on the device: natively they are read back with
    /// [`extract_set`], in the browser asynchronously.
    fn extract(&self, images: Tensor<4>) -> Result<(Tensor<2>, Option<Tensor<2>>), MetricError>;
}

/// Features of every image of `set`, `batch` at a time, calling `progress(done)` after each
/// batch.
pub fn extract_set(
    extractor: &dyn Extractor,
    set: &ImageSet,
    batch: usize,
    device: &Device,
    mut progress: impl FnMut(usize),
) -> Result<FeatureSet, MetricError> {
    let mut out = FeatureSet::new(extractor.dim(), extractor.classes());
    let indices: Vec<usize> = (0..set.len()).collect();
    for chunk in indices.chunks(batch.max(1)) {
        let data = TensorData::new(
            set.batch_f32(chunk),
            [chunk.len(), set.channels, set.height, set.width],
        );
        let (features, logits) = extractor.extract(Tensor::from_data(data, device))?;
        let logits = match logits {
            Some(l) => to_vec(l)?,
            None => Vec::new(),
        };
        out.extend(&to_vec(features)?, &logits);
        progress(out.len());
    }
    Ok(out)
}

/// [`extract_set`] with asynchronous read-backs, for the browser's WebGPU device.
pub async fn extract_set_async(
    extractor: &dyn Extractor,
    set: &ImageSet,
    batch: usize,
    device: &Device,
    progress: &mut dyn FnMut(usize),
) -> Result<FeatureSet, MetricError> {
    let mut out = FeatureSet::new(extractor.dim(), extractor.classes());
    let indices: Vec<usize> = (0..set.len()).collect();
    for chunk in indices.chunks(batch.max(1)) {
        let data = TensorData::new(
            set.batch_f32(chunk),
            [chunk.len(), set.channels, set.height, set.width],
        );
        extend_async(&mut out, extractor, Tensor::from_data(data, device)).await?;
        progress(out.len());
    }
    Ok(out)
}

/// Runs `extractor` on `images` and appends their features (and logits), read back
/// asynchronously, to `out`.
async fn extend_async(
    out: &mut FeatureSet,
    extractor: &dyn Extractor,
    images: Tensor<4>,
) -> Result<(), MetricError> {
    let (features, logits) = extractor.extract(images)?;
    let logits = match logits {
        Some(l) => to_vec_async(l).await?,
        None => Vec::new(),
    };
    out.extend(&to_vec_async(features).await?, &logits);
    Ok(())
}

/// Features of `n` samples of `generator` (latents from `seed`, classes in turn for
/// conditional models), quantised to 8-bit levels as saved images would be, with
/// asynchronous read-backs, calling `progress(done)` after each batch.
#[allow(clippy::too_many_arguments)]
pub async fn extract_generated_async(
    extractor: &dyn Extractor,
    model: &ModelConfig,
    generator: &Generator,
    n: usize,
    seed: u64,
    batch: usize,
    device: &Device,
    progress: &mut dyn FnMut(usize),
) -> Result<FeatureSet, MetricError> {
    let SampleShape::Image {
        channels,
        height,
        width,
    } = model.sample_shape()
    else {
        return Err(MetricError::Shape("metrics need an image model".into()));
    };
    let request = SampleRequest::grid(model, n, None, Classes::InTurn, &mut Rng::new(seed));
    let mut out = FeatureSet::new(extractor.dim(), extractor.classes());
    for part in request.batches(batch) {
        let count = part.len();
        let images = generator
            .generate(&part, device)
            .reshape([count, channels, height, width])
            .clamp(-1.0, 1.0)
            .add_scalar(1.0)
            .mul_scalar(127.5)
            .round()
            .div_scalar(127.5)
            .sub_scalar(1.0);
        extend_async(&mut out, extractor, images).await?;
        progress(out.len());
    }
    Ok(out)
}

async fn to_vec_async<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, MetricError> {
    tensor
        .into_data_async()
        .await
        .map_err(|e| MetricError::Numeric(format!("reading features from the device: {e:?}")))?
        .try_to_vec::<f32>()
        .map_err(|e| MetricError::Numeric(format!("reading features from the device: {e:?}")))
}

/// Reads a tensor's values back to the host.
pub fn to_vec<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, MetricError> {
    tensor
        .try_into_data()
        .map_err(|e| MetricError::Numeric(format!("reading features from the device: {e:?}")))?
        .try_to_vec::<f32>()
        .map_err(|e| MetricError::Numeric(format!("reading features from the device: {e:?}")))
}

/// `images` centre-cropped or zero-padded (the value -1, black) to `size × size`: the inverse of
/// the padding that puts 28×28 digits into a 32×32 frame.
pub fn fit_square(images: Tensor<4>, size: usize) -> Tensor<4> {
    let [n, c, h, w] = images.dims();
    if h == size && w == size {
        return images;
    }
    if h >= size && w >= size {
        let (top, left) = ((h - size) / 2, (w - size) / 2);
        return images.slice([0..n, 0..c, top..top + size, left..left + size]);
    }
    let device = images.device();
    let canvas = Tensor::<4>::full([n, c, size.max(h), size.max(w)], -1.0, &device);
    let (top, left) = ((size.max(h) - h) / 2, (size.max(w) - w) / 2);
    let padded = canvas.slice_assign([0..n, 0..c, top..top + h, left..left + w], images);
    fit_square(padded, size)
}

impl Extractor for super::domain::DomainExtractor {
    fn name(&self) -> String {
        super::domain::DomainExtractor::name(self)
    }

    fn dim(&self) -> usize {
        super::domain::DomainExtractor::dim(self)
    }

    fn classes(&self) -> usize {
        super::domain::DomainExtractor::classes(self)
    }

    /// Centre-crops or pads to the classifier's resolution (32×32 GAN output → the 28×28
    /// digits it was trained on), then one forward pass.
    fn extract(&self, images: Tensor<4>) -> Result<(Tensor<2>, Option<Tensor<2>>), MetricError> {
        let config = self.config();
        let [_, channels, _, _] = images.dims();
        if channels != config.channels {
            return Err(MetricError::Shape(format!(
                "{} takes {}-channel images, these have {channels}",
                self.name(),
                config.channels
            )));
        }
        let out = self
            .forward(fit_square(images, config.resolution))
            .map_err(|e| MetricError::Shape(e.to_string()))?;
        Ok((out.features, Some(out.logits)))
    }
}

impl Extractor for super::inception::Inception {
    fn name(&self) -> String {
        super::inception::EXTRACTOR.into()
    }

    fn dim(&self) -> usize {
        super::inception::FEATURES
    }

    /// pool3 only: the reference network has no logits head.
    fn classes(&self) -> usize {
        0
    }

    /// `[-1, 1]` values become 8-bit levels (`(x + 1) · 127.5`; the network rounds them),
    /// grey images are repeated to RGB; resizing to 299 happens inside (see the module docs).
    fn extract(&self, images: Tensor<4>) -> Result<(Tensor<2>, Option<Tensor<2>>), MetricError> {
        let [n, channels, h, w] = images.dims();
        let rgb = match channels {
            3 => images,
            1 => images.expand([n, 3, h, w]),
            c => {
                return Err(MetricError::Shape(format!(
                    "Inception takes 1- or 3-channel images, these have {c}"
                )));
            }
        };
        let levels = rgb.add_scalar(1.0).mul_scalar(127.5);
        let features = self
            .features(levels)
            .map_err(|e| MetricError::Shape(e.to_string()))?;
        Ok((features, None))
    }
}
