//! Checkpoints round-trip exactly, and a run interrupted and resumed gives the same statistics,
//! step for step, as an uninterrupted run with the same seed (CPU backend).

use burn::tensor::Device;
use ganvas::checkpoint::Checkpoint;
use ganvas::data::{ImageSet, Toy};
use ganvas::model::named;
use ganvas::readback::block;
use ganvas::rng::Rng;
use ganvas::run::{self, RunConfig, Snapshot};
use ganvas::train::{Source, StepStats, ToySource, Trainer};

const TOY: &str = r#"
name = "resume-toy"
[model]
kind = "mlp"
width = 32
[train]
batch = 32
ema_kimg = 0.5
[data]
kind = "toy"
distribution = "ring"
"#;

/// Everything at once: conditional DCGAN, spectral norm, BatchNorm in G, DiffAugment,
/// gradient accumulation, two critic steps, EMA.
const DCGAN: &str = r#"
name = "resume-dcgan"
[model]
kind = "dcgan"
resolution = 28
channels = 1
latent_dim = 8
width = 4
classes = 3
spectral_norm = true
[train]
loss = "hinge"
batch = 4
accumulate = 2
n_critic = 2
ema_kimg = 0.1
augment = ["color", "translation", "cutout"]
[data]
kind = "idx"
dir = "unused"
"#;

/// The other conditioning modes (class BatchNorm in G, class maps at D's input) with adaptive
/// augmentation moving fast enough (0.4 per update, a low target, a fast-learning D) to change
/// within the run.
const DCGAN_ADA: &str = r#"
name = "resume-dcgan-ada"
[model]
kind = "dcgan"
resolution = 28
channels = 1
latent_dim = 8
width = 4
classes = 3
g_conditioning = "batch-norm"
d_conditioning = "input"
[train]
lr_d = 0.01
batch = 4
n_critic = 2
ema_kimg = 0.1
augment = ["translation", "cutout"]
ada_target = 0.05
ada_kimg = 0.01
[data]
kind = "idx"
dir = "unused"
"#;

fn images() -> ImageSet {
    ImageSet::random(12, 1, 28, 28, 3, &mut Rng::new(5))
}

fn steps(trainer: &mut Trainer, source: &dyn Source, n: usize) -> Vec<StepStats> {
    (0..n)
        .map(|_| block(trainer.step(source).read()).unwrap())
        .collect()
}

fn roundtrip(trainer: &Trainer, config: &RunConfig) -> Trainer {
    let checkpoint = block(Snapshot::new(trainer, config).unwrap().read()).unwrap();
    let bytes = checkpoint.to_bytes().unwrap();
    let checkpoint = Checkpoint::from_bytes(&bytes).unwrap();
    let (back, restored) = run::restore(&checkpoint, &Device::flex()).unwrap();
    assert_eq!(&back, config);
    restored
}

fn check_exact_resume(text: &str, source: &dyn Source) -> Vec<StepStats> {
    let config = RunConfig::from_toml(text, &[]).unwrap();
    let new = || {
        Trainer::new(
            config.model.clone(),
            config.train.clone(),
            7,
            &Device::flex(),
        )
        .unwrap()
    };

    let mut straight = new();
    let expected = steps(&mut straight, source, 6);

    let mut first = new();
    let mut got = steps(&mut first, source, 3);
    let mut resumed = roundtrip(&first, &config);
    assert_eq!(resumed.step, 3);
    got.extend(steps(&mut resumed, source, 3));

    assert_eq!(
        got, expected,
        "resumed run diverged from the uninterrupted one"
    );
    // The weights agree bit for bit too.
    let a = block(Snapshot::new(&straight, &config).unwrap().read()).unwrap();
    let b = block(Snapshot::new(&resumed, &config).unwrap().read()).unwrap();
    let differing: Vec<&String> = a
        .arrays
        .keys()
        .filter(|k| a.arrays.get(*k) != b.arrays.get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "tensors differ after resuming: {differing:?}"
    );
    assert_eq!(a.arrays.len(), b.arrays.len());
    got
}

#[test]
fn toy_run_resumes_exactly() {
    check_exact_resume(TOY, &ToySource(Toy::Ring));
}

#[test]
fn dcgan_run_with_every_feature_resumes_exactly() {
    check_exact_resume(DCGAN, &images());
}

#[test]
fn dcgan_run_with_adaptive_augmentation_and_class_batchnorm_resumes_exactly() {
    let stats = check_exact_resume(DCGAN_ADA, &images());
    let p: Vec<f32> = stats.iter().map(|s| s.augment_p).collect();
    assert!(p.iter().all(|p| (0.0..=1.0).contains(p)), "{p:?}");
    assert!(p.windows(2).any(|w| w[0] != w[1]), "p never adapted: {p:?}");
}

#[test]
fn checkpoint_round_trip_restores_every_tensor() {
    let config = RunConfig::from_toml(DCGAN, &[]).unwrap();
    let mut trainer = Trainer::new(
        config.model.clone(),
        config.train.clone(),
        3,
        &Device::flex(),
    )
    .unwrap();
    steps(&mut trainer, &images(), 2);
    let checkpoint = block(Snapshot::new(&trainer, &config).unwrap().read()).unwrap();
    let restored = roundtrip(&trainer, &config);
    let again = block(Snapshot::new(&restored, &config).unwrap().read()).unwrap();
    assert_eq!(checkpoint, again);
    // G, D, EMA and both Adam states are all present, with the documented names.
    for prefix in [
        "g.Dcgan.blocks.0.conv.weight",
        "d.Dcgan.out.u",
        "ema.Dcgan.embed.weight",
        "opt_g.m.Dcgan.out.weight",
        "opt_d.v.Dcgan.blocks.0.conv.weight",
    ] {
        assert!(
            checkpoint.arrays.contains_key(prefix),
            "missing {prefix}: {:?}",
            checkpoint.arrays.keys().take(60).collect::<Vec<_>>()
        );
    }
    assert_eq!(
        named::names(&trainer.generator).len(),
        checkpoint.section("g").len()
    );
}

#[test]
fn a_checkpoint_of_another_architecture_is_refused() {
    let config = RunConfig::from_toml(TOY, &[]).unwrap();
    let trainer = Trainer::new(
        config.model.clone(),
        config.train.clone(),
        3,
        &Device::flex(),
    )
    .unwrap();
    let mut checkpoint = block(Snapshot::new(&trainer, &config).unwrap().read()).unwrap();
    let wider = RunConfig::from_toml(TOY, &["model.width=64".into()]).unwrap();
    checkpoint
        .metadata
        .insert("config".into(), wider.to_toml().unwrap());
    let err = run::restore(&checkpoint, &Device::flex())
        .err()
        .expect("must not load");
    let message = err.to_string();
    assert!(
        message.contains("does not fit") && message.contains("shape"),
        "{message}"
    );
}
