//! DCGAN output shapes for every resolution × channels combination, with and without class
//! conditioning and spectral normalisation.

use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use ganvas::model::{DcganConfig, ModelConfig, ModelError};

#[test]
fn every_resolution_and_channel_count_has_the_documented_shapes() {
    let device = Device::flex();
    let batch = 3;
    for resolution in [28, 32, 64] {
        for channels in [1, 3] {
            for (classes, spectral_norm) in [(0, false), (5, true)] {
                let config = DcganConfig {
                    width: 8,
                    latent_dim: 16,
                    classes,
                    spectral_norm,
                    ..DcganConfig::new(resolution, channels)
                };
                let model = ModelConfig::Dcgan(config);
                let (g, d) = model.init(&device).unwrap();
                let z = Tensor::<2>::random([batch, 16], Distribution::Normal(0.0, 1.0), &device);
                let labels = (classes > 0).then(|| {
                    Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 4, 2], [batch]), &device)
                });
                let images = g.forward(z, labels.clone());
                let dim = channels * resolution * resolution;
                assert_eq!(
                    images.dims(),
                    [batch, dim],
                    "{resolution}×{resolution}×{channels}"
                );
                assert_eq!(model.sample_dim(), dim);
                let values = images.clone().into_data().try_to_vec::<f32>().unwrap();
                assert!(
                    values.iter().all(|v| (-1.0..=1.0).contains(v)),
                    "tanh output range"
                );
                assert!(
                    values.iter().any(|v| *v != values[0]),
                    "output is not constant"
                );
                let logits = d.forward(images, labels);
                assert_eq!(logits.dims(), [batch]);
            }
        }
    }
}

#[test]
fn unsupported_shapes_are_refused_with_a_reason() {
    let device = Device::flex();
    let err = ModelConfig::Dcgan(DcganConfig::new(48, 1))
        .init(&device)
        .unwrap_err();
    assert_eq!(err, ModelError::Resolution(48));
    let err = ModelConfig::Dcgan(DcganConfig::new(32, 4))
        .init(&device)
        .unwrap_err();
    assert_eq!(err, ModelError::Channels(4));
}
