//! A seeded MLP GAN on 8 Gaussians, trained on the CPU with the committed preset, must cover at
//! least 7 of the 8 modes with at least 80 % of its samples within 3σ of a mode.

use burn::tensor::{Device, Tensor, TensorData};
use ganvas::data::{Toy, mode_stats};
use ganvas::readback::block;
use ganvas::rng::Rng;
use ganvas::run::{DataConfig, RunConfig};
use ganvas::sample;
use ganvas::train::{ToySource, Trainer};

#[test]
fn eight_gaussians_preset_covers_the_modes() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../configs/toy-8gaussians.toml"
    ))
    .expect("preset exists");
    let config = RunConfig::from_toml(&text, &[]).expect("preset parses");
    let DataConfig::Toy { distribution } = config.data else {
        panic!("toy preset")
    };
    assert_eq!(distribution, Toy::Gaussians8);
    let device = Device::flex();
    let mut trainer = Trainer::new(
        config.model.clone(),
        config.train.clone(),
        config.run.seed,
        &device,
    )
    .unwrap();
    let source = ToySource(distribution);
    let mut last = None;
    while trainer.step < config.run.steps {
        last = Some(block(trainer.step(&source).read()).unwrap());
    }
    let last = last.unwrap();
    assert!(last.is_finite(), "{last:?}");

    let n = 2000;
    let latents = sample::latents(&config.model, n, None, &mut Rng::new(99));
    let z = Tensor::<2>::from_data(
        TensorData::new(latents, [n, config.model.latent_dim()]),
        &device,
    );
    let points = trainer
        .ema
        .forward(z, None)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let stats = mode_stats(&points, &distribution.modes().unwrap());
    println!(
        "8 Gaussians after {} steps: {}/{} modes covered, {:.1}% of {n} samples within 3σ",
        trainer.step,
        stats.covered,
        stats.total,
        stats.high_quality * 100.0
    );
    assert!(stats.covered >= 7, "{stats:?}");
    assert!(stats.high_quality >= 0.8, "{stats:?}");
}
