//! Domain classifiers (the feature extractors of the domain metrics): the shipped weights load
//! and do what their metadata and `www/models/domain-classifiers.md` claim; training reduces
//! the loss; bad files give clear errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use ganvas::checkpoint::Checkpoint;
use ganvas::data::{FASHION_MNIST_CLASSES, ImageSet, Split, load_idx_dataset};
use ganvas::metrics::domain::{
    self, ClassifierTrainer, DomainClassifier, DomainConfig, DomainError, DomainExtractor,
    DomainMeta, FORMAT,
};
use ganvas::model::named::FitError;
use ganvas::readback::block;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

/// The accuracies `www/models/domain-classifiers.md` promises on the 10 000 test images.
const CLAIMS: [(&str, f64); 2] = [("fashion-mnist", 0.90), ("mnist", 0.985)];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shipped(set: &str) -> Vec<u8> {
    let path = root().join(format!("www/models/domain-{set}.safetensors"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture() -> ImageSet {
    let dir = root().join("tests/fixtures/fashion-mnist");
    load_idx_dataset(&dir, Split::Test, Some(&FASHION_MNIST_CLASSES)).expect("fixture loads")
}

fn images(set: &ImageSet, indices: &[usize], device: &Device) -> Tensor<4> {
    let shape = [indices.len(), set.channels, set.height, set.width];
    Tensor::from_data(TensorData::new(set.batch_f32(indices), shape), device)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().expect("f32 values")
}

#[test]
fn shipped_classifiers_load_and_record_the_claimed_accuracy() {
    let notes = std::fs::read_to_string(root().join("www/models/domain-classifiers.md"))
        .expect("www/models/domain-classifiers.md exists");
    for (set, claim) in CLAIMS {
        let bytes = shipped(set);
        assert!(bytes.len() < 1_000_000, "{set}: {} bytes", bytes.len());
        let extractor = DomainExtractor::from_bytes(&bytes, &Device::flex()).expect("loads");
        assert_eq!(extractor.name(), format!("domain-{set}"));
        assert_eq!((extractor.dim(), extractor.classes()), (128, 10));
        assert_eq!(extractor.meta.class_names.len(), 10);
        let meta = &extractor.meta;
        assert_eq!(
            meta.test_images, 10_000,
            "{set}: measured on the whole t10k split"
        );
        assert!(
            meta.test_accuracy >= claim,
            "{set}: recorded test accuracy {} is below the claimed {claim}",
            meta.test_accuracy
        );
        // The notes quote the recorded number (to 0.01 %).
        let quoted = format!("{:.2} %", meta.test_accuracy * 100.0);
        assert!(
            notes.contains(&quoted),
            "{set}: domain-classifiers.md does not quote the recorded accuracy {quoted}"
        );
        let training = meta.training.as_ref().expect("training is recorded");
        assert_eq!(training.train_images, 60_000);
    }
}

#[test]
fn shipped_emoji_classifier_scores_the_nine_categories_at_32_pixels() {
    let notes = std::fs::read_to_string(root().join("www/models/domain-classifiers.md"))
        .expect("www/models/domain-classifiers.md exists");
    let extractor = DomainExtractor::from_bytes(&shipped("emoji"), &Device::flex()).expect("loads");
    assert_eq!(extractor.name(), "domain-emoji");
    assert_eq!((extractor.dim(), extractor.classes()), (128, 9));
    assert_eq!(
        extractor.meta.class_names,
        ganvas::data::emoji::EMOJI_CATEGORIES.map(String::from)
    );
    let meta = &extractor.meta;
    // Every tenth of the 3,781 categorised images (Component left out) is held out.
    assert_eq!(meta.test_images, 379);
    assert!(meta.test_accuracy > 0.8, "{}", meta.test_accuracy);
    let quoted = format!("{:.2} %", meta.test_accuracy * 100.0);
    assert!(notes.contains(&quoted), "the notes quote {quoted}");
    // A 32×32 RGB batch goes through; a 28×28 grey one is refused with a clear error.
    let device = Device::flex();
    let rgb = Tensor::<4>::zeros([2, 3, 32, 32], &device);
    let features = values(extractor.classifier.features(rgb).expect("features"));
    assert!(features.len() == 2 * 128 && features.iter().all(|v| v.is_finite()));
    let grey = Tensor::<4>::zeros([2, 1, 28, 28], &device);
    assert!(extractor.classifier.features(grey).is_err());
}

#[test]
fn shipped_fashion_classifier_classifies_real_test_images_at_its_recorded_rate() {
    let device = Device::flex();
    let extractor = DomainExtractor::from_bytes(&shipped("fashion-mnist"), &device).expect("loads");
    let set = fixture();
    assert_eq!(set.len(), 300);
    let measured = block(domain::accuracy(&extractor.classifier, &set, 128)).expect("evaluates");
    assert_eq!(measured.total, 300);
    let p = extractor.meta.test_accuracy;
    // The fixture is 300 of the 10 000 images the recorded rate was measured on: its rate
    // differs from the recorded one by sampling alone with σ = √(p(1−p)/300) ≈ 1.7 points at
    // p = 0.9. Three σ (≈ 5 points) is the margin; a broken loader or a preprocessing change
    // (e.g. [0, 1] instead of [-1, 1] inputs) costs tens of points.
    let margin = 3.0 * (p * (1.0 - p) / 300.0).sqrt();
    eprintln!(
        "fixture: {} of 300 correct ({:.2} %), recorded {:.2} %",
        measured.correct,
        measured.rate() * 100.0,
        p * 100.0
    );
    assert!(
        (measured.rate() - p).abs() <= margin,
        "fixture accuracy {:.4} vs recorded {p:.4} (margin {margin:.4})",
        measured.rate()
    );

    // Features and logits of one pass agree with the separate calls.
    let batch: Vec<usize> = (0..16).collect();
    let out = extractor
        .forward(images(&set, &batch, &device))
        .expect("right shape");
    assert_eq!(out.features.dims(), [16, 128]);
    assert_eq!(out.logits.dims(), [16, 10]);
    let features = values(out.features);
    assert!(
        features.iter().all(|v| v.is_finite() && *v >= 0.0),
        "ReLU features"
    );
    assert!(features.iter().any(|v| *v > 0.0));
    let alone = values(
        extractor
            .features(images(&set, &batch, &device))
            .expect("right shape"),
    );
    assert_eq!(features, alone);
    let logits = values(
        extractor
            .logits(images(&set, &batch, &device))
            .expect("right shape"),
    );
    assert_eq!(values(out.logits), logits);

    // Wrong input shapes are errors, not panics.
    let rgb = Tensor::<4>::zeros([2, 3, 28, 28], &device);
    assert!(matches!(
        extractor.features(rgb),
        Err(DomainError::Input { .. })
    ));
}

#[test]
fn a_few_training_steps_on_real_images_reduce_the_loss() {
    let device = Device::flex();
    let set = fixture();
    let config = DomainConfig {
        width: 8,
        ..DomainConfig::mnist_family()
    };
    domain::check_set(&set, &config).expect("fixture suits the config");
    let all: Vec<usize> = (0..set.len()).collect();
    let run = |steps: usize| -> Vec<f32> {
        let mut trainer = ClassifierTrainer::new(&config, 7, 2e-3, &device).expect("trainer");
        (0..steps)
            .map(|_| {
                trainer
                    .step(&set, &all)
                    .and_then(|p| block(p.read()))
                    .expect("step")
                    .loss
            })
            .collect()
    };
    let losses = run(12);
    eprintln!("losses: {losses:?}");
    assert!(losses.iter().all(|l| l.is_finite()));
    // Ten classes at random start near ln 10 ≈ 2.3; twelve full-batch Adam steps at 2e-3 on
    // 300 images must cut that substantially (a broken gradient or update leaves it flat).
    let (first, last) = (losses[0], losses[losses.len() - 1]);
    assert!((1.5..3.5).contains(&first), "first loss {first}");
    assert!(last < 0.75 * first, "loss went {first} → {last}");
    // Seeded: the same seed gives the same trajectory.
    assert_eq!(run(3), losses[..3].to_vec());
}

/// A small untrained extractor and its bytes.
fn small(width: usize) -> (DomainExtractor, Vec<u8>) {
    let config = DomainConfig {
        width,
        ..DomainConfig::mnist_family()
    };
    let classifier = DomainClassifier::new(&config, 1, &Device::flex()).expect("classifier");
    let meta = DomainMeta {
        dataset: "fashion-mnist".into(),
        class_names: FASHION_MNIST_CLASSES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        test_accuracy: 0.1,
        test_images: 10,
        training: None,
    };
    let extractor = DomainExtractor::new(classifier, meta).expect("consistent");
    let bytes = extractor.to_bytes().expect("serialises");
    (extractor, bytes)
}

/// Re-serialises the tensors of `bytes` after `edit`, with `metadata`.
fn rewrite(
    bytes: &[u8],
    metadata: HashMap<String, String>,
    edit: impl Fn(&mut Vec<(String, Vec<usize>, Vec<u8>)>),
) -> Vec<u8> {
    let parsed = SafeTensors::deserialize(bytes).expect("valid");
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = parsed
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, view.shape().to_vec(), view.data().to_vec()))
        .collect();
    edit(&mut tensors);
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .map(|(n, s, d)| {
            (
                n.clone(),
                TensorView::new(Dtype::F32, s.clone(), d).expect("view"),
            )
        })
        .collect();
    safetensors::serialize(views, Some(metadata)).expect("serialises")
}

fn metadata_of(bytes: &[u8]) -> HashMap<String, String> {
    let (_, header) = SafeTensors::read_metadata(bytes).expect("valid");
    header.metadata().clone().unwrap_or_default()
}

#[test]
fn round_trip_keeps_the_function() {
    let device = Device::flex();
    let (extractor, bytes) = small(4);
    let back = DomainExtractor::from_bytes(&bytes, &device).expect("loads");
    assert_eq!(back.meta, extractor.meta);
    assert_eq!(back.config(), extractor.config());
    let set = fixture();
    let batch: Vec<usize> = (0..8).collect();
    let a = values(extractor.logits(images(&set, &batch, &device)).expect("ok"));
    let b = values(back.logits(images(&set, &batch, &device)).expect("ok"));
    assert_eq!(a, b);
}

#[test]
fn bad_bytes_give_clear_errors() {
    let device = Device::flex();
    let load = |bytes: &[u8]| DomainExtractor::from_bytes(bytes, &device).err();
    let (_, good) = small(4);

    let garbage = load(b"not a model at all").expect("garbage is refused");
    assert!(matches!(garbage, DomainError::Corrupt(_)), "{garbage}");
    assert!(garbage.to_string().contains("not a safetensors file"));

    let truncated = load(&good[..good.len() - 100]).expect("truncation is refused");
    assert!(matches!(truncated, DomainError::Corrupt(_)), "{truncated}");
    assert!(load(&good[..20]).is_some_and(|e| matches!(e, DomainError::Corrupt(_))));
    assert!(load(&[]).is_some_and(|e| matches!(e, DomainError::Corrupt(_))));

    // A GAN checkpoint is a safetensors file of another kind.
    let checkpoint = Checkpoint::new().to_bytes().expect("serialises");
    let wrong_kind = load(&checkpoint).expect("a checkpoint is refused");
    assert_eq!(
        wrong_kind,
        DomainError::Format(Some("ganvas-checkpoint/1".into()))
    );
    assert!(
        wrong_kind
            .to_string()
            .contains("not a ganvas domain classifier"),
        "{wrong_kind}"
    );
    let no_metadata = rewrite(&good, HashMap::new(), |_| {});
    assert_eq!(load(&no_metadata), Some(DomainError::Format(None)));

    let meta = metadata_of(&good);
    assert_eq!(meta.get("format").map(String::as_str), Some(FORMAT));

    let missing = rewrite(&good, meta.clone(), |t| {
        t.retain(|(n, _, _)| n != "fc1.bias")
    });
    assert_eq!(
        load(&missing),
        Some(DomainError::Weights(FitError::Missing("fc1.bias".into())))
    );
    let message = load(&missing).map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("`fc1.bias` is missing"), "{message}");

    // Weights of a wider network under a narrower config.
    let (_, wide) = small(8);
    let mismatched = rewrite(&wide, meta.clone(), |_| {});
    let err = load(&mismatched).expect("shape mismatch is refused");
    assert!(
        matches!(&err, DomainError::Weights(FitError::Shape { name, .. }) if name == "conv1.weight"),
        "{err}"
    );
    assert!(err.to_string().contains("has shape [8, 1, 3, 3]"), "{err}");

    let mut bad_config = meta.clone();
    bad_config.insert("config".into(), "{\"resolution\": 28}".into());
    let err = load(&rewrite(&good, bad_config, |_| {})).expect("bad config is refused");
    assert!(
        matches!(&err, DomainError::Metadata { key, .. } if key == "config"),
        "{err}"
    );

    let mut no_classes = meta.clone();
    no_classes.remove("class_names");
    let err = load(&rewrite(&good, no_classes, |_| {})).expect("missing key is refused");
    assert_eq!(
        err.to_string(),
        "domain classifier metadata `class_names` is missing or invalid: missing"
    );

    let mut bad_accuracy = meta;
    bad_accuracy.insert("test_accuracy".into(), "93".into());
    let err = load(&rewrite(&good, bad_accuracy, |_| {})).expect("a percentage is refused");
    assert!(
        matches!(&err, DomainError::Metadata { key, .. } if key == "test_accuracy"),
        "{err}"
    );
}
