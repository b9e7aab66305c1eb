//! What the metrics need from a feature extractor: the trait, the two kinds of extractor and
//! their implementations. The batched loops that feed them are in [`super::pipeline`].

use burn::tensor::Tensor;
use serde::Serialize;

use super::MetricError;

/// The two families of feature extractor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExtractorKind {
    /// A small classifier trained by `ganvas classifier` on one data set (`domain-<set>`):
    /// fast, for training-time and in-browser metrics; never comparable to Inception numbers.
    Domain,
    /// The TF Inception-v3 (2015-12-05, pool3) of standard FID.
    Inception,
}

impl ExtractorKind {
    /// `domain` or `inception`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Domain => "domain",
            Self::Inception => "inception",
        }
    }
}

impl std::str::FromStr for ExtractorKind {
    type Err = MetricError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "domain" => Ok(Self::Domain),
            "inception" => Ok(Self::Inception),
            other => Err(MetricError::UnknownName {
                what: "extractor",
                name: other.into(),
                known: "domain, inception".into(),
            }),
        }
    }
}

/// The images an extractor is built for: what folders are read at when nothing else says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtractorInput {
    pub channels: usize,
    /// Side in pixels of the square input.
    pub size: usize,
}

/// A network that turns images into feature vectors (and optionally class logits).
pub trait Extractor {
    /// Name recorded in every result's protocol, e.g. `domain-fashion-mnist`.
    fn name(&self) -> String;
    /// Features per image.
    fn dim(&self) -> usize;
    /// Classes of the logits head; 0 without one.
    fn classes(&self) -> usize;
    /// Which family the extractor belongs to.
    fn kind(&self) -> ExtractorKind;
    /// Channels and side of the images the network itself takes (other sizes are adapted).
    fn input(&self) -> ExtractorInput;
    /// Features (`N × dim`) and, with a head, logits (`N × classes`) of `images`: NCHW, values
    /// in [-1, 1], at whatever resolution the images have (the extractor adapts them to its
    /// input, or says why not). Tensors stay on the device; [`super::pipeline`] reads them
    /// back.
    fn extract(&self, images: Tensor<4>) -> Result<(Tensor<2>, Option<Tensor<2>>), MetricError>;
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

    fn kind(&self) -> ExtractorKind {
        ExtractorKind::Domain
    }

    /// The classifier's own resolution and channels (28×28 grey for the MNIST family).
    fn input(&self) -> ExtractorInput {
        let config = self.config();
        ExtractorInput {
            channels: config.channels,
            size: config.resolution,
        }
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

    fn kind(&self) -> ExtractorKind {
        ExtractorKind::Inception
    }

    /// 299×299 RGB; grey images are repeated to RGB and other sizes resized inside.
    fn input(&self) -> ExtractorInput {
        ExtractorInput {
            channels: 3,
            size: super::inception::INPUT_SIZE,
        }
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
