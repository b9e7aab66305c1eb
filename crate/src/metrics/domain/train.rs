//! Training a domain classifier: one step (forward, cross-entropy, backward, Adam; no I/O) and
//! the accuracy over a labelled set. The native `ganvas classifier` loop and a browser loop
//! both drive [`ClassifierTrainer::step`].

use std::collections::BTreeMap;

use burn::module::Module;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{DomainClassifier, DomainConfig, DomainError};
use crate::data::ImageSet;
use crate::model::named;
use crate::train::{Adam, AdamConfig};

/// Learning rate at `step` (0-based) of `total`: cosine annealing from `base` down to 0
/// (`base · ½(1 + cos(π · step / total))`), which ends training on small steps.
pub fn cosine_lr(base: f64, step: u64, total: u64) -> f64 {
    if total == 0 {
        return base;
    }
    let progress = (step.min(total) as f64) / total as f64;
    base * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

/// A classifier being trained, with its optimiser.
pub struct ClassifierTrainer {
    /// The network, on an autodiff device.
    pub model: DomainClassifier,
    /// Adam's moments (named after the classifier's tensors).
    pub adam: Adam,
    /// Adam's hyper-parameters; `lr` may be changed between steps (see [`cosine_lr`]).
    pub adam_config: AdamConfig,
    /// Updates done.
    pub steps: u64,
}

/// Loss and accuracy of one step, still on the device: read them with
/// [`PendingClassifierStats::read`] (natively through [`crate::readback::block`]).
pub struct PendingClassifierStats {
    /// `[2]`: mean cross-entropy (nats), fraction of the batch classified correctly.
    values: Tensor<1>,
    batch: usize,
}

/// Loss and accuracy of one step, measured on its batch before the update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassifierStepStats {
    /// Mean cross-entropy over the batch, in nats.
    pub loss: f32,
    /// Fraction of the batch whose arg-max logit is the label, in [0, 1].
    pub accuracy: f32,
    /// Images in the batch.
    pub batch: usize,
}

impl PendingClassifierStats {
    /// Reads the statistics once the device has finished the step.
    pub async fn read(self) -> Result<ClassifierStepStats, DomainError> {
        let values = crate::readback::floats(self.values.clone())
            .await
            .map_err(|e| DomainError::Read(e.0))?;
        match values[..] {
            [loss, accuracy] => Ok(ClassifierStepStats {
                loss,
                accuracy,
                batch: self.batch,
            }),
            _ => Err(DomainError::Read(format!(
                "expected 2 step statistics, got {}",
                values.len()
            ))),
        }
    }
}

impl ClassifierTrainer {
    /// A fresh classifier initialised from `seed` (see [`DomainClassifier::new`]) on `device`
    /// with autodiff, and Adam (β = 0.9, 0.999, ε = 1e-8) at learning rate `lr`.
    pub fn new(
        config: &DomainConfig,
        seed: u64,
        lr: f64,
        device: &Device,
    ) -> Result<Self, DomainError> {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(DomainError::Config(format!(
                "learning rate {lr} must be a positive number"
            )));
        }
        let model = DomainClassifier::new(config, seed, &device.clone().autodiff())?;
        Ok(Self {
            model,
            adam: Adam::default(),
            adam_config: AdamConfig {
                lr,
                beta1: 0.9,
                beta2: 0.999,
                epsilon: 1e-8,
            },
            steps: 0,
        })
    }

    /// The classifier without autodiff, for evaluation and saving.
    pub fn classifier(&self) -> DomainClassifier {
        self.model.valid()
    }

    /// One update on the images of `set` at `indices` (see [`check_set`] for what the set must
    /// be; the CLI checks once before the loop).
    pub fn step(
        &mut self,
        set: &ImageSet,
        indices: &[usize],
    ) -> Result<PendingClassifierStats, DomainError> {
        let labels = set
            .labels
            .as_ref()
            .ok_or_else(|| DomainError::Data("the set has no labels".into()))?;
        if let Some(&bad) = indices.iter().find(|&&i| i >= set.len()) {
            return Err(DomainError::Data(format!(
                "image index {bad} but the set holds {}",
                set.len()
            )));
        }
        let c = self.model.config();
        if (set.channels, set.height, set.width) != (c.channels, c.resolution, c.resolution) {
            return Err(shape_error(set, c));
        }
        let batch_labels: Vec<u32> = indices.iter().map(|&i| labels[i]).collect();
        let images = images_tensor(set, indices, &self.model.device());
        self.step_batch(images, &batch_labels)
    }

    /// One update on `[B, C, R, R]` images in [-1, 1] with their `B` labels: forward,
    /// mean cross-entropy, backward, Adam. Returns the batch's loss and accuracy before the
    /// update.
    pub fn step_batch(
        &mut self,
        images: Tensor<4>,
        labels: &[u32],
    ) -> Result<PendingClassifierStats, DomainError> {
        let classes = self.model.classes();
        let [batch, ..] = images.dims();
        if labels.len() != batch {
            return Err(DomainError::Data(format!(
                "{} labels for a batch of {batch} images",
                labels.len()
            )));
        }
        if let Some(bad) = labels.iter().find(|&&l| l as usize >= classes) {
            return Err(DomainError::Data(format!(
                "label {bad} but the classifier has {classes} classes"
            )));
        }
        let device = self.model.device();
        let out = self.model.forward(images)?;
        let targets = one_hot(labels, classes, &device); // [B, classes]
        // Mean over the batch of −log softmax(logits)[label].
        let log_p = log_softmax(out.logits.clone(), 1); // [B, classes]
        let loss = (log_p * targets).sum().neg().div_scalar(batch as f64); // [1]
        let correct = correct_count(out.logits.detach().inner(), labels, &device.clone().inner());
        let mut grads = loss.backward();
        let grads: BTreeMap<String, Tensor<1>> = named::gradients(&self.model, &mut grads);
        let model = self.model.clone();
        self.model = self.adam.step(&self.adam_config, model, &grads);
        self.steps += 1;
        let values = Tensor::cat(
            vec![loss.detach().inner(), correct.div_scalar(batch as f64)],
            0,
        );
        Ok(PendingClassifierStats { values, batch })
    }
}

/// Checks that `set` is labelled with labels below the classifier's class count and holds
/// images of its shape.
pub fn check_set(set: &ImageSet, config: &DomainConfig) -> Result<(), DomainError> {
    let labels = set
        .labels
        .as_ref()
        .ok_or_else(|| DomainError::Data("the set has no labels".into()))?;
    if (set.channels, set.height, set.width)
        != (config.channels, config.resolution, config.resolution)
    {
        return Err(shape_error(set, config));
    }
    if let Some(bad) = labels.iter().find(|&&l| l as usize >= config.classes) {
        return Err(DomainError::Data(format!(
            "label {bad} but the classifier has {} classes",
            config.classes
        )));
    }
    if set.is_empty() {
        return Err(DomainError::Data("the set holds no image".into()));
    }
    Ok(())
}

/// Images classified correctly out of how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accuracy {
    /// Images whose arg-max logit is their label.
    pub correct: usize,
    /// Images evaluated.
    pub total: usize,
}

impl Accuracy {
    /// `correct / total` (0 for an empty set).
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

/// Accuracy of `model` on every image of the labelled `set`, `batch` images at a time, with one
/// read-back from the device at the end (natively through [`crate::readback::block`]).
pub async fn accuracy(
    model: &DomainClassifier,
    set: &ImageSet,
    batch: usize,
) -> Result<Accuracy, DomainError> {
    let correct = correct_on_device(model, set, batch)?;
    let values = crate::readback::floats(correct)
        .await
        .map_err(|e| DomainError::Read(e.0))?;
    let total = set.len();
    let correct = values
        .first()
        .copied()
        .ok_or_else(|| DomainError::Read("no value read back".into()))?;
    Ok(Accuracy {
        correct: correct.round() as usize,
        total,
    })
}

/// `[1]` number of correctly classified images of `set` (an exact integer in f32 below 2^24).
fn correct_on_device(
    model: &DomainClassifier,
    set: &ImageSet,
    batch: usize,
) -> Result<Tensor<1>, DomainError> {
    check_set(set, model.config())?;
    let model = model.valid();
    let device = model.device();
    let labels = set.labels.as_deref().unwrap_or_default();
    let indices: Vec<usize> = (0..set.len()).collect();
    let mut total: Option<Tensor<1>> = None;
    for chunk in indices.chunks(batch.max(1)) {
        let logits = model
            .forward_unchecked(images_tensor(set, chunk, &device))
            .logits;
        let chunk_labels: Vec<u32> = chunk.iter().map(|&i| labels[i]).collect();
        let correct = correct_count(logits, &chunk_labels, &device);
        total = Some(match total {
            Some(t) => t + correct,
            None => correct,
        });
    }
    Ok(total.unwrap_or_else(|| Tensor::zeros([1], &device)))
}

/// `[1]` how many rows of `[B, classes]` logits have their arg-max at the label.
fn correct_count(logits: Tensor<2>, labels: &[u32], device: &Device) -> Tensor<1> {
    let n = labels.len();
    let labels: Vec<i64> = labels.iter().map(|&l| i64::from(l)).collect();
    let labels = Tensor::<2, Int>::from_data(TensorData::new(labels, [n, 1]), device);
    logits.argmax(1).equal(labels).float().sum() // [B, 1] → [1]
}

/// `[B, classes]` one-hot rows for `labels`.
fn one_hot(labels: &[u32], classes: usize, device: &Device) -> Tensor<2> {
    let mut values = vec![0.0f32; labels.len() * classes];
    for (row, &label) in labels.iter().enumerate() {
        values[row * classes + label as usize] = 1.0;
    }
    Tensor::from_data(TensorData::new(values, [labels.len(), classes]), device)
}

/// `[B, C, H, W]` floats in [-1, 1] for the images of `set` at `indices`.
fn images_tensor(set: &ImageSet, indices: &[usize], device: &Device) -> Tensor<4> {
    let values = set.batch_f32(indices);
    let shape = [indices.len(), set.channels, set.height, set.width];
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn shape_error(set: &ImageSet, c: &DomainConfig) -> DomainError {
    DomainError::Data(format!(
        "images are {}×{}×{} (C×H×W) but the classifier takes {}×{}×{}",
        set.channels, set.height, set.width, c.channels, c.resolution, c.resolution
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_schedule_runs_from_base_to_zero() {
        assert_eq!(cosine_lr(1e-3, 0, 100), 1e-3);
        assert!((cosine_lr(1e-3, 50, 100) - 5e-4).abs() < 1e-12);
        assert!(cosine_lr(1e-3, 100, 100).abs() < 1e-12);
        assert_eq!(cosine_lr(1e-3, 5, 0), 1e-3);
    }

    #[test]
    fn one_hot_and_correct_count() {
        let device = Device::flex();
        let t = one_hot(&[2, 0], 3, &device);
        assert_eq!(
            t.into_data().try_into_vec_as::<f32>().ok(),
            Some(vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0])
        );
        let logits = Tensor::<2>::from_data(
            TensorData::new(vec![0.1f32, 0.2, 3.0, 0.0, 1.0, -1.0], [2, 3]),
            &device,
        );
        let correct = correct_count(logits, &[2, 0], &device);
        assert_eq!(
            crate::readback::block(crate::readback::floats(correct)).ok(),
            Some(vec![1.0])
        );
    }
}
