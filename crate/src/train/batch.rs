//! Training data as the step sees it: something that draws a batch of samples (and labels).
//!
//! Batches are drawn with replacement from the trainer's [`Rng`], so the data order is part of
//! the checkpointed RNG state and a resumed run sees exactly the batches it would have seen.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::data::{ImageSet, PointSet, Toy};
use crate::model::SampleShape;
use crate::rng::Rng;

/// A batch on the device.
pub struct Batch {
    /// `[B, D]` flattened samples.
    pub samples: Tensor<2>,
    /// `[B]` class labels, for labelled data; `[B·ids]` caption token ids, for captioned data.
    pub labels: Option<Tensor<1, Int>>,
}

/// A source of training batches.
pub trait Source {
    /// Shape of one sample.
    fn shape(&self) -> SampleShape;
    /// Number of classes (0 when unlabelled).
    fn classes(&self) -> usize;
    /// Draws `n` samples.
    fn batch(&self, n: usize, rng: &mut Rng, device: &Device) -> Batch;
    /// Token ids per caption, for captioned data (0 otherwise).
    fn text_ids(&self) -> usize {
        0
    }
    /// `[n·ids]` token ids of `n` captions of random samples, to condition generated samples
    /// on (captioned data only).
    fn captions(&self, _n: usize, _rng: &mut Rng, _device: &Device) -> Option<Tensor<1, Int>> {
        None
    }
}

/// Fresh points from a 2-D toy distribution every batch.
pub struct ToySource(pub Toy);

impl Source for ToySource {
    fn shape(&self) -> SampleShape {
        SampleShape::Points { dim: 2 }
    }

    fn classes(&self) -> usize {
        0
    }

    fn batch(&self, n: usize, rng: &mut Rng, device: &Device) -> Batch {
        let points = self.0.sample(n, rng);
        Batch {
            samples: Tensor::from_data(TensorData::new(points, [n, 2]), device),
            labels: None,
        }
    }
}

/// Hand-drawn points, each draw blurred by a small Gaussian (see [`PointSet::sample`]).
impl Source for PointSet {
    fn shape(&self) -> SampleShape {
        SampleShape::Points { dim: 2 }
    }

    fn classes(&self) -> usize {
        0
    }

    fn batch(&self, n: usize, rng: &mut Rng, device: &Device) -> Batch {
        let points = self.sample(n, rng);
        Batch {
            samples: Tensor::from_data(TensorData::new(points, [n, 2]), device),
            labels: None,
        }
    }
}

impl Source for ImageSet {
    fn shape(&self) -> SampleShape {
        SampleShape::Image {
            channels: self.channels,
            height: self.height,
            width: self.width,
        }
    }

    fn classes(&self) -> usize {
        if self.labels.is_some() {
            self.class_names.len().max(1)
        } else {
            0
        }
    }

    fn batch(&self, n: usize, rng: &mut Rng, device: &Device) -> Batch {
        let indices: Vec<usize> = (0..n).map(|_| rng.below(self.len())).collect();
        let samples = self.batch_f32(&indices);
        let dim = self.channels * self.height * self.width;
        let labels = self.labels_of(&indices).map(|labels| {
            let labels: Vec<i64> = labels.into_iter().map(i64::from).collect();
            Tensor::from_data(TensorData::new(labels, [n]), device)
        });
        Batch {
            samples: Tensor::from_data(TensorData::new(samples, [n, dim]), device),
            labels,
        }
    }
}
