//! Training the scorer: a batch of distinct images, a random caption of each, and the symmetric
//! contrastive loss of CLIP (Radford et al., 2021) with a fixed temperature: every image must
//! pick its own caption among the batch's, and every caption its own image.

use burn::module::Module;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};

use super::{ScorerConfig, ScorerError, TextImageScorer};
use crate::model::named;
use crate::rng::Rng;
use crate::train::{Adam, AdamConfig, Augment, CaptionedImages, Source, diff_augment};

/// Cosine similarities are multiplied by this before the softmax (CLIP's 1/τ, fixed here).
const SCALE: f64 = 10.0;

/// The symmetric contrastive loss of `[B, E]` unit image and text embeddings where row `i` of
/// each belongs with row `i` of the other → `[1]` (nats, mean of both directions).
pub fn contrastive_loss(images: Tensor<2>, texts: Tensor<2>) -> Tensor<1> {
    let [b, _] = images.dims();
    let logits = images.matmul(texts.transpose()).mul_scalar(SCALE); // [B, B]
    let eye = Tensor::<2>::from_data(
        TensorData::new(
            (0..b * b)
                .map(|k| if k / b == k % b { 1.0f32 } else { 0.0 })
                .collect::<Vec<_>>(),
            [b, b],
        ),
        &logits.device(),
    );
    let rows = (log_softmax(logits.clone(), 1) * eye.clone()).sum(); // Σ log p(text i | image i)
    let cols = (log_softmax(logits, 0) * eye).sum(); // Σ log p(image i | text i)
    (rows + cols).mul_scalar(-0.5 / b as f64)
}

/// A scorer being trained, with its optimiser and random draws.
pub struct ScorerTrainer {
    /// The network, on an autodiff device.
    pub model: TextImageScorer,
    adam: Adam,
    /// Adam's settings; `lr` may change between steps (cosine schedule in the CLI).
    pub adam_config: AdamConfig,
    rng: Rng,
    /// The autodiff device it trains on.
    device: Device,
    /// Updates done.
    pub steps: u64,
}

impl ScorerTrainer {
    /// A fresh scorer from `seed` on `device` (autodiff is added here), Adam at `lr`.
    pub fn new(
        config: &ScorerConfig,
        seed: u64,
        lr: f64,
        device: &Device,
    ) -> Result<Self, ScorerError> {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(ScorerError::Config(format!(
                "learning rate {lr} must be a positive number"
            )));
        }
        let device = device.clone().autodiff();
        Ok(Self {
            model: TextImageScorer::new(config, seed, &device)?,
            adam: Adam::default(),
            adam_config: AdamConfig {
                lr,
                beta1: 0.9,
                beta2: 0.999,
                epsilon: 1e-8,
            },
            rng: Rng::new(seed ^ 0x5c0e),
            device,
            steps: 0,
        })
    }

    /// The scorer without autodiff.
    pub fn scorer(&self) -> TextImageScorer {
        self.model.valid()
    }

    /// One update on `batch` distinct images of `data` (shifted by up to 1/8 of their side)
    /// with a random caption each; returns the loss before the update, still on the device.
    pub fn step(&mut self, data: &CaptionedImages, batch: usize) -> Tensor<1> {
        let n = batch.min(data.len()).max(2);
        let mut order: Vec<usize> = (0..data.len()).collect();
        for j in 0..n.min(order.len()) {
            let other = j + self.rng.below(order.len() - j);
            order.swap(j, other);
        }
        order.truncate(n);
        let set = data.images();
        let device = self.device.clone();
        let images = Tensor::from_data(
            TensorData::new(set.batch_f32(&order), [n, set.image_len()]),
            &device,
        );
        let images = diff_augment(
            images,
            set.shape(),
            &[Augment::Translation],
            None,
            &mut self.rng,
        );
        let ids: Vec<i64> = order
            .iter()
            .flat_map(|&i| data.caption_ids(i, &mut self.rng))
            .collect();
        let len = ids.len();
        let ids = Tensor::from_data(TensorData::new(ids, [len]), &device);
        let loss = contrastive_loss(self.model.embed_images(images), self.model.embed_ids(ids));
        let mut grads = loss.backward();
        let grads = named::gradients(&self.model, &mut grads);
        let model = self.model.clone();
        self.model = self.adam.step(&self.adam_config, model, &grads);
        self.steps += 1;
        loss.detach().inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(values: &[f32], n: usize) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(values.to_vec(), [n, values.len() / n]),
            &Device::flex(),
        )
    }

    fn value(x: Tensor<1>) -> f32 {
        x.into_data().try_to_vec::<f32>().unwrap()[0]
    }

    #[test]
    fn matched_pairs_cost_less_than_swapped_ones() {
        let images = rows(&[1.0, 0.0, 0.0, 1.0], 2);
        let matched = value(contrastive_loss(
            images.clone(),
            rows(&[1.0, 0.0, 0.0, 1.0], 2),
        ));
        let swapped = value(contrastive_loss(images, rows(&[0.0, 1.0, 1.0, 0.0], 2)));
        // Matched: each row's softmax over [10, 0] → −log(1/(1+e⁻¹⁰)) ≈ 4.54e-5.
        assert!(
            (matched - (1.0f32 + (-10.0f32).exp()).ln()).abs() < 1e-5,
            "{matched}"
        );
        assert!(
            (swapped - (1.0f32 + 10.0f32.exp()).ln()).abs() < 1e-3,
            "{swapped}"
        );
    }
}
