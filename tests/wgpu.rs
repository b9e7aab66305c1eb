//! The networks and the training step on a Cube backend natively: Burn's wgpu backend on
//! whatever Vulkan adapter the machine has — on a machine without a GPU, Debian's lavapipe
//! (`mesa-vulkan-drivers`, a CPU Vulkan), which `scripts/test.sh` installs and then runs these
//! with `--include-ignored`. From the same seed, the discriminator's scores and their gradient
//! and the generator's images match the CPU backend (our kernels there, Burn's Cube kernels
//! here), and training steps run.

use burn::tensor::{Device, Int, Tensor, TensorData};
use ganvas::data::ImageSet;
use ganvas::readback::{block, floats};
use ganvas::rng::Rng;
use ganvas::run::{RunConfig, Snapshot, restore};
use ganvas::sample::{Classes, SampleRequest};
use ganvas::train::Trainer;

/// Relative to the largest value, as in tests/ops.rs: the backends sum in different orders
/// (lavapipe measured 4e-7 here), while a wrong index moves whole values.
const TOLERANCE: f32 = 1e-4;

const DCGAN: &str = r#"
name = "wgpu"
[model]
kind = "dcgan"
resolution = 32
channels = 3
latent_dim = 16
width = 6
classes = 3
[train]
batch = 12
[data]
kind = "idx"
dir = "unused"
"#;

fn wgpu() -> Device {
    Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)
}

fn config(spectral: bool) -> RunConfig {
    let overrides = if spectral {
        vec!["model.spectral_norm=true".to_string()]
    } else {
        vec![]
    };
    RunConfig::from_toml(DCGAN, &overrides).unwrap()
}

fn trainer(device: &Device, spectral: bool) -> Trainer {
    let config = config(spectral);
    Trainer::new(config.model.clone(), config.train.clone(), 7, device).unwrap()
}

/// The same networks on the CPU backend and on wgpu: initialised on the CPU (each backend
/// draws its own initial weights), moved to wgpu through a checkpoint.
fn pair(spectral: bool) -> (Trainer, Trainer) {
    let cpu = trainer(&Device::flex(), spectral);
    let checkpoint = block(Snapshot::new(&cpu, &config(spectral)).unwrap().read()).unwrap();
    let (_, gpu) = restore(&checkpoint, &wgpu()).unwrap();
    (cpu, gpu)
}

/// `range`: the smallest scale to compare against (1 for images in [-1, 1], whose untrained
/// values may all be tiny; the largest value otherwise).
fn assert_close(what: &str, wgpu: &[f32], cpu: &[f32], range: f32) {
    assert_eq!(wgpu.len(), cpu.len(), "{what}: lengths");
    let scale = cpu.iter().fold(range.max(1e-6), |m, v| m.max(v.abs()));
    let worst = wgpu
        .iter()
        .zip(cpu)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    println!("{what}: largest difference {worst:e} of max |value| {scale:e}");
    assert!(
        worst <= TOLERANCE * scale,
        "{what}: largest difference {worst} v max {scale}"
    );
}

/// The discriminator's scores on a fixed batch and their gradient with respect to the images
/// (training mode: BatchNorm on batch statistics), read back.
fn discriminator_pass(trainer: &Trainer) -> (Vec<f32>, Vec<f32>) {
    let device = &trainer.device().clone();
    let data = ImageSet::random(12, 3, 32, 32, 3, &mut Rng::new(5));
    let indices: Vec<usize> = (0..12).collect();
    let x = Tensor::<2>::from_data(
        TensorData::new(data.batch_f32(&indices), [12, 3 * 32 * 32]),
        device,
    )
    .require_grad();
    let labels: Vec<i64> = (0..12).map(|i| i % 3).collect();
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [12]), device);
    let scores = trainer.discriminator.forward(x.clone(), Some(labels));
    let grads = scores.clone().sum().backward();
    let dx = x.grad(&grads).expect("the images have a gradient");
    (
        block(floats(scores.inner())).unwrap(),
        block(floats(dx)).unwrap(),
    )
}

#[test]
#[ignore = "needs a Vulkan adapter (Debian: mesa-vulkan-drivers, which scripts/test.sh installs)"]
fn discriminator_scores_and_gradients_on_wgpu_match_the_cpu_backend() {
    for spectral in [false, true] {
        let (cpu, gpu) = pair(spectral);
        let (cpu_scores, cpu_dx) = discriminator_pass(&cpu);
        let (gpu_scores, gpu_dx) = discriminator_pass(&gpu);
        assert_close(
            &format!("D scores (spectral {spectral})"),
            &gpu_scores,
            &cpu_scores,
            0.0,
        );
        assert_close(
            &format!("dD/dx (spectral {spectral})"),
            &gpu_dx,
            &cpu_dx,
            0.0,
        );
    }
}

#[test]
#[ignore = "needs a Vulkan adapter (Debian: mesa-vulkan-drivers, which scripts/test.sh installs)"]
fn sampling_on_wgpu_matches_the_cpu_backend() {
    let (cpu, gpu) = pair(false);
    let sample = |trainer: &Trainer| {
        let request =
            SampleRequest::grid(&trainer.model, 9, None, Classes::InTurn, &mut Rng::new(3));
        let images = trainer
            .ema
            .generate(&request, &trainer.device().clone().inner());
        block(floats(images)).unwrap()
    };
    // tanh outputs in [-1, 1]: a wrong index moves values by O(1).
    assert_close("generated images", &sample(&gpu), &sample(&cpu), 1.0);
}

#[test]
#[ignore = "needs a Vulkan adapter (Debian: mesa-vulkan-drivers, which scripts/test.sh installs)"]
fn training_steps_on_wgpu_stay_finite() {
    let mut trainer = trainer(&wgpu(), true);
    let data = ImageSet::random(48, 3, 32, 32, 3, &mut Rng::new(5));
    for _ in 0..3 {
        let stats = block(trainer.step(&data).read()).unwrap();
        assert!(stats.is_finite(), "{stats:?}");
    }
    assert_eq!(trainer.step, 3);
}
