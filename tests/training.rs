//! Properties of the training step beyond resuming: the generator average and the two halves
//! of a step.

use burn::tensor::Device;
use ganvas::data::ImageSet;
use ganvas::model::named;
use ganvas::readback::block;
use ganvas::rng::Rng;
use ganvas::run::RunConfig;
use ganvas::train::Trainer;

const DCGAN: &str = r#"
name = "ema"
[model]
kind = "dcgan"
resolution = 28
channels = 1
latent_dim = 8
width = 4
[train]
batch = 8
ema_kimg = 1.0
[data]
kind = "idx"
dir = "unused"
"#;

fn images() -> ImageSet {
    ImageSet::random(16, 1, 28, 28, 0, &mut Rng::new(9))
}

fn values(
    tensors: &std::collections::BTreeMap<String, burn::tensor::Tensor<1>>,
    name: &str,
) -> Vec<f32> {
    tensors[name]
        .clone()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap()
}

#[test]
fn the_average_blends_weights_and_copies_batchnorm_statistics() {
    let config = RunConfig::from_toml(DCGAN, &[]).unwrap();
    let mut trainer = Trainer::new(
        config.model.clone(),
        config.train.clone(),
        1,
        &Device::flex(),
    )
    .unwrap();
    let initial = named::by_name(&trainer.generator);
    let data = images();
    for _ in 0..3 {
        block(trainer.step(&data).read()).unwrap();
    }
    let g = named::by_name(&trainer.generator);
    let ema = named::by_name(&trainer.ema);
    let weight = "Dcgan.out.weight";
    let (w0, wg, we) = (
        values(&initial, weight),
        values(&g, weight),
        values(&ema, weight),
    );
    // β = 0.5^(8/1000) per step: the average moved from the start towards G, but not all the way.
    let towards: f32 = w0
        .iter()
        .zip(&wg)
        .zip(&we)
        .map(|((a, b), e)| (e - a) * (b - a))
        .sum();
    assert!(towards > 0.0, "the average follows G");
    assert_ne!(we, wg, "weights are averaged, not copied");
    for stat in [
        "Dcgan.blocks.0.norm.running_mean",
        "Dcgan.blocks.1.norm.running_var",
    ] {
        assert_eq!(
            values(&ema, stat),
            values(&g, stat),
            "{stat} is copied from G"
        );
    }
}

#[test]
fn a_step_is_a_discriminator_half_then_a_generator_half() {
    let config = RunConfig::from_toml(DCGAN, &["train.n_critic=2".into()]).unwrap();
    let new = || {
        Trainer::new(
            config.model.clone(),
            config.train.clone(),
            4,
            &Device::flex(),
        )
        .unwrap()
    };
    let data = images();
    let mut whole = new();
    let stats = block(whole.step(&data).read()).unwrap();
    let mut halves = new();
    let d = halves
        .update_discriminator(&data)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let g = halves
        .update_generator(&data)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    assert_eq!(halves.step, 1);
    assert_eq!(
        [d[0], g[0], d[1], d[2], d[3], g[1]],
        [
            stats.d_loss,
            stats.g_loss,
            stats.d_real,
            stats.d_fake,
            stats.grad_norm_d,
            stats.grad_norm_g
        ]
    );
}
