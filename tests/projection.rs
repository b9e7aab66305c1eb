//! Projection into the latent space (`ganvas::project`): on a shipped conditional model, a
//! target the generator can draw is found again, with a far lower error than the best random
//! start; bad targets and options are refused with one line each.

use burn::tensor::Device;
use ganvas::checkpoint::Checkpoint;
use ganvas::project::{ProjectError, ProjectOptions, Projector};
use ganvas::readback::block as block_on;
use ganvas::rng::Rng;
use ganvas::run::{RunConfig, Weights, load_generator};
use ganvas::sample::{Classes, SampleRequest};

const FASHION: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../www/models/fashion-dcgan32.safetensors"
);

fn fashion() -> (RunConfig, ganvas::model::Generator, Device) {
    let device = Device::flex();
    let checkpoint = Checkpoint::from_bytes(&std::fs::read(FASHION).unwrap()).unwrap();
    let (config, generator) = load_generator(&checkpoint, &device, Weights::Ema).unwrap();
    (config, generator, device)
}

#[test]
fn a_drawable_target_is_found_again() {
    let (config, generator, device) = fashion();
    let model = &config.model;
    // A sneaker (class 7) from latents the candidates do not contain (another seed).
    let request = SampleRequest::grid(model, 1, None, Classes::Only(7), &mut Rng::new(99));
    let target = generator
        .generate(&request, &device.clone().inner())
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let options = ProjectOptions {
        steps: 200,
        ..ProjectOptions::default()
    };
    let mut projector =
        block_on(Projector::new(&generator, model, &target, options, &device)).unwrap();
    let start = block_on(projector.read()).unwrap();
    projector.run(1000);
    let end = block_on(projector.read()).unwrap();
    println!(
        "start MSE {:.4} (class {:?}), end MSE {:.4} (class {:?}), {:.1} → {:.1} dB",
        start.mse,
        start.class,
        end.mse,
        end.class,
        start.psnr(),
        end.psnr()
    );
    assert_eq!(end.step, 200, "runs exactly the steps asked for");
    assert!(projector.done());
    assert_eq!(start.mse, start.start_mse);
    assert!(
        end.mse < 0.5 * start.mse,
        "refinement should at least halve the best random start's error: {} → {}",
        start.mse,
        end.mse
    );
    assert_eq!(end.image.len(), target.len());
    assert_eq!(end.latent.len(), model.latent_dim());
    // The latent stays on the sphere of radius √d where Gaussian latents lie.
    let norm = end.latent.iter().map(|v| v * v).sum::<f32>().sqrt();
    let expected = (model.latent_dim() as f32).sqrt();
    assert!(
        (norm - expected).abs() < 1e-3 * expected,
        "|z| = {norm}, √d = {expected}"
    );
    assert!(
        end.class.is_some(),
        "a conditional model's projection names its class"
    );
}

#[test]
fn a_fixed_class_is_kept() {
    let (config, generator, device) = fashion();
    let model = &config.model;
    let target = vec![0.0; model.sample_dim()];
    let options = ProjectOptions {
        steps: 5,
        class: Some(3),
        ..ProjectOptions::default()
    };
    let mut projector =
        block_on(Projector::new(&generator, model, &target, options, &device)).unwrap();
    projector.run(5);
    assert_eq!(block_on(projector.read()).unwrap().class, Some(3));
}

#[test]
fn bad_targets_and_options_are_refused() {
    let (config, generator, device) = fashion();
    let model = &config.model;
    let dim = model.sample_dim();
    let new = |target: &[f32], options: ProjectOptions| {
        block_on(Projector::new(&generator, model, target, options, &device)).err()
    };
    let ok = ProjectOptions::default;
    assert_eq!(
        new(&vec![0.0; dim - 1], ok()),
        Some(ProjectError::Target {
            expected: dim,
            got: dim - 1
        })
    );
    let mut nan = vec![0.0; dim];
    nan[5] = f32::NAN;
    assert_eq!(new(&nan, ok()), Some(ProjectError::NotFinite));
    let target = vec![0.0; dim];
    assert_eq!(
        new(
            &target,
            ProjectOptions {
                class: Some(10),
                ..ok()
            }
        ),
        Some(ProjectError::Class {
            class: 10,
            classes: 10
        })
    );
    for options in [
        ProjectOptions { steps: 0, ..ok() },
        ProjectOptions {
            starts: 300,
            ..ok()
        },
        ProjectOptions {
            candidates: 1 << 30,
            ..ok()
        },
        ProjectOptions {
            lr: f64::NAN,
            ..ok()
        },
    ] {
        let error =
            new(&target, options.clone()).unwrap_or_else(|| panic!("{options:?} was accepted"));
        assert!(!error.to_string().contains('\n'), "{error}");
    }
}
