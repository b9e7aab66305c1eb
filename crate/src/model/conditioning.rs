//! How a conditional DCGAN is told the class: the choices (concatenated embedding or
//! class-conditional BatchNorm in G; projection or class maps at the input of D) and the two
//! pieces of arithmetic they add.

use burn::nn::Embedding;
use burn::tensor::{Int, Tensor};
use serde::{Deserialize, Serialize};

/// How a conditional generator is told the class to draw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GConditioning {
    /// A `label_dim` class embedding concatenated to the latent (the class and the latent then
    /// share the first BatchNorm's unit variance).
    #[default]
    Concat,
    /// Class-conditional BatchNorm (de Vries et al., 2017; BigGAN): every block's normalised
    /// features are scaled by `1 + γ[class]` and shifted by `β[class]` (both start at 0); the
    /// first layer sees the latent alone.
    BatchNorm,
}

/// How a conditional discriminator is told the class of an image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DConditioning {
    /// The inner product of a class embedding with D's sum-pooled last features, added to the
    /// logit (Miyato & Koyama, 2018).
    #[default]
    Projection,
    /// One constant map per class (one-hot) concatenated to the image's channels (the
    /// conditional DCGAN of Mirza & Osindero, 2014, applied at D's input).
    Input,
}

/// Class-conditional BatchNorm's affine part on normalised features `h` (`[B, C, H, W]`):
/// `h · (1 + γ[y]) + β[y]`, with `affine` holding `γ` then `β` per class (`[classes, 2C]`).
pub(super) fn class_affine(affine: &Embedding, h: Tensor<4>, labels: &Tensor<1, Int>) -> Tensor<4> {
    let [batch, channels, ..] = h.dims();
    // [B] → [B, 1, 2C] → [B, 2C, 1, 1]; γ then β
    let gb =
        affine
            .forward(labels.clone().reshape([batch, 1]))
            .reshape([batch, 2 * channels, 1, 1]);
    let gamma = gb.clone().narrow(1, 0, channels);
    let beta = gb.narrow(1, channels, channels);
    h.clone() + h * gamma + beta
}

/// `[B, C, R, R]` images → `[B, C + classes, R, R]`: one constant map per class appended, 1 for
/// the image's class and 0 elsewhere (all 0 without labels).
pub(super) fn with_class_maps(
    x: Tensor<4>,
    labels: Option<&Tensor<1, Int>>,
    classes: usize,
) -> Tensor<4> {
    let [batch, _, height, width] = x.dims();
    let maps = match labels {
        // [B] → [B, classes] one-hot → [B, classes, 1, 1] → [B, classes, R, R]. The one-hot
        // is a comparison with 0..classes on the device: Burn's `one_hot` checks the labels by
        // reading them back synchronously, which WebGPU in the browser cannot do.
        Some(y) => {
            let class_ids = Tensor::<1, Int>::arange(0..classes as i64, &y.device())
                .reshape([1, classes])
                .expand([batch, classes]);
            y.clone()
                .reshape([batch, 1])
                .expand([batch, classes])
                .equal(class_ids)
                .float()
                .reshape([batch, classes, 1, 1])
                .expand([batch, classes, height, width])
        }
        None => Tensor::zeros([batch, classes, height, width], &x.device()),
    };
    Tensor::cat(vec![x, maps], 1)
}

#[cfg(test)]
mod tests {
    use burn::nn::{EmbeddingConfig, Initializer};
    use burn::tensor::{Device, TensorData};

    use super::*;

    fn values(t: Tensor<4>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn class_maps_are_one_on_the_image_class_only() {
        let device = Device::flex();
        let x = Tensor::<4>::ones([2, 1, 2, 2], &device).mul_scalar(5.0);
        let y = Tensor::<1, Int>::from_data(TensorData::new(vec![2i64, 0], [2]), &device);
        let out = with_class_maps(x.clone(), Some(&y), 3);
        assert_eq!(out.dims(), [2, 4, 2, 2]);
        let v = values(out);
        // image 0: its pixels, then maps of classes 0, 1, 2 = 0, 0, 1
        assert_eq!(
            &v[..16],
            &[
                5., 5., 5., 5., 0., 0., 0., 0., 0., 0., 0., 0., 1., 1., 1., 1.
            ]
        );
        // image 1: class 0
        assert_eq!(
            &v[16..],
            &[
                5., 5., 5., 5., 1., 1., 1., 1., 0., 0., 0., 0., 0., 0., 0., 0.
            ]
        );
        assert!(
            values(with_class_maps(x, None, 3))[4..16]
                .iter()
                .all(|&m| m == 0.0)
        );
    }

    #[test]
    fn class_batchnorm_starts_as_the_identity_and_scales_and_shifts_per_class() {
        let device = Device::flex();
        let h = Tensor::<4>::from_data(TensorData::new(vec![1.0f32, -2.0], [2, 1, 1, 1]), &device);
        let y = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 1], [2]), &device);
        let zero = EmbeddingConfig::new(2, 2)
            .with_initializer(Initializer::Zeros)
            .init(&device);
        assert_eq!(values(class_affine(&zero, h.clone(), &y)), vec![1.0, -2.0]);
        // γ, β = (1, 0.5) for class 0 and (-1, 0) for class 1: 1·2 + 0.5 and −2·0 + 0
        let mut set = zero;
        set.weight = burn::module::Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![1.0f32, 0.5, -1.0, 0.0], [2, 2]),
            &device,
        ));
        assert_eq!(values(class_affine(&set, h, &y)), vec![2.5, 0.0]);
    }
}
