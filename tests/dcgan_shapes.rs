//! DCGAN output shapes for every resolution × channels combination, with and without class
//! conditioning (concatenated or BatchNorm in G, projection or input class maps in D) and
//! spectral normalisation.

use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use ganvas::model::{DConditioning, DcganConfig, GConditioning, ModelConfig, ModelError};

#[test]
fn every_resolution_and_channel_count_has_the_documented_shapes() {
    let device = Device::flex();
    let batch = 3;
    for resolution in [28, 32, 64] {
        for channels in [1, 3] {
            for (classes, spectral_norm, g_conditioning, d_conditioning) in [
                (0, false, GConditioning::Concat, DConditioning::Projection),
                (5, true, GConditioning::Concat, DConditioning::Projection),
                (5, false, GConditioning::BatchNorm, DConditioning::Input),
            ] {
                let config = DcganConfig {
                    width: 8,
                    latent_dim: 16,
                    classes,
                    spectral_norm,
                    g_conditioning,
                    d_conditioning,
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

#[test]
fn multiply_adds_match_a_count_by_hand() {
    // DCGAN-64 (ngf = ndf = 64, nz = 100): G 100·512·16 + 512·256·16·4² + 256·128·16·8²
    // + 128·64·16·16² + 64·3·16·32²; D 3·64·16·32² + 64·128·16·16² + 128·256·16·8²
    // + 256·512·16·4² + 512·16.
    let c = DcganConfig::new(64, 3);
    assert_eq!(c.generator_macs().unwrap(), 104_628_224);
    assert_eq!(c.discriminator_macs().unwrap(), 103_817_216);
    // 28×28 starts from 7×7: G 100·128·49 + 128·64·16·7² + 64·1·16·14²; D mirrors it,
    // ending in a 7×7 convolution to one logit.
    let c = DcganConfig::new(28, 1);
    let g = 100 * 128 * 49 + 128 * 64 * 16 * 49 + 64 * 16 * 196;
    let d = 64 * 16 * 196 + 64 * 128 * 16 * 49 + 128 * 49;
    assert_eq!(c.generator_macs().unwrap(), g as u64);
    assert_eq!(c.discriminator_macs().unwrap(), d as u64);
    let bad = DcganConfig::new(48, 3);
    assert!(bad.generator_macs().is_err());
}
