//! Cross-checks of our metrics against the reference implementations, on identical feature
//! sets. The features and the reference values were produced by
//! `tests/reference/metrics_fixtures.py` with pytorch-fid 0.3.0, torch-fidelity 0.4.0 and
//! prdc 0.2 (see tests/reference/requirements.txt); CI only reads the fixtures.

use std::collections::HashMap;

use ganvas::metrics::kid::{gather, mmd2_unbiased};
use ganvas::metrics::{
    Gaussian, KidParams, MetricError, frechet_distance, inception_score, kid, prdc,
};
use safetensors::SafeTensors;
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/metrics");

struct Fixture {
    tensors: HashMap<String, (Vec<usize>, Vec<u8>, safetensors::Dtype)>,
    expected: Value,
}

impl Fixture {
    fn load() -> Self {
        let bytes = std::fs::read(format!("{DIR}/features.safetensors")).expect("features");
        let st = SafeTensors::deserialize(&bytes).expect("safetensors");
        let tensors = st
            .tensors()
            .into_iter()
            .map(|(name, view)| {
                (
                    name,
                    (view.shape().to_vec(), view.data().to_vec(), view.dtype()),
                )
            })
            .collect();
        let json = std::fs::read_to_string(format!("{DIR}/expected.json")).expect("expected");
        Self {
            tensors,
            expected: serde_json::from_str(&json).expect("json"),
        }
    }

    /// A float32 tensor: (values, columns).
    fn f32(&self, name: &str) -> (Vec<f32>, usize) {
        let (shape, data, dtype) = &self.tensors[name];
        assert_eq!(*dtype, safetensors::Dtype::F32, "{name}");
        let values = data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        (values, shape[1])
    }

    fn i64(&self, name: &str) -> Vec<usize> {
        let (_, data, dtype) = &self.tensors[name];
        assert_eq!(*dtype, safetensors::Dtype::I64, "{name}");
        data.chunks_exact(8)
            .map(|b| i64::from_le_bytes(b.try_into().unwrap()) as usize)
            .collect()
    }

    fn num(&self, path: &[&str]) -> f64 {
        let mut v = &self.expected;
        for p in path {
            v = &v[*p];
        }
        v.as_f64()
            .unwrap_or_else(|| panic!("no number at {path:?}"))
    }
}

fn rel(ours: f64, theirs: f64) -> f64 {
    (ours - theirs).abs() / theirs.abs().max(1e-300)
}

#[test]
fn frechet_distance_matches_pytorch_fid() {
    let fx = Fixture::load();
    for (case, rel_tol, abs_tol) in [
        ("basic", 1e-6, 0.0),
        ("unequal", 1e-6, 0.0),
        // 40 and 50 rows in 64 dimensions: the null space eigenvalues are ±1e-15 noise whose
        // square roots (≈3e-8 each) make every route differ by ~1e-7 (see expected.json).
        ("rank_deficient", 1e-6, 1e-5),
    ] {
        let (real, dim) = fx.f32(&format!("{case}.real"));
        let (fake, _) = fx.f32(&format!("{case}.fake"));
        let a = Gaussian::of(&real, dim).unwrap();
        let b = Gaussian::of(&fake, dim).unwrap();
        let ours = frechet_distance(&a, &b).unwrap();
        let theirs = fx.num(&["fid", case, "routes", "pytorch_fid", "value"]);
        let mean_term = fx.num(&["fid", case, "debug", "mean_diff_sq"]);
        let trace_a = fx.num(&["fid", case, "debug", "trace_sigma_real"]);
        println!(
            "FID {case}: ours {:.15} pytorch-fid {theirs:.15} relative error {:.2e} \
             (mean term rel {:.1e}, tr Σ₁ rel {:.1e}, most negative clamped eigenvalue {:.1e})",
            ours.value,
            rel(ours.value, theirs),
            rel(ours.mean_term, mean_term),
            rel(ours.trace_a, trace_a),
            ours.clamped,
        );
        assert!(
            rel(ours.value, theirs) <= rel_tol || (ours.value - theirs).abs() <= abs_tol,
            "{case}: {} vs {theirs}",
            ours.value
        );
        assert!(rel(ours.mean_term, mean_term) < 1e-9);
        assert!(rel(ours.trace_a, trace_a) < 1e-9);
    }
}

#[test]
fn frechet_distance_of_identical_sets_is_zero() {
    let fx = Fixture::load();
    let (real, dim) = fx.f32("identical.real");
    let (fake, _) = fx.f32("identical.fake");
    let ours = frechet_distance(
        &Gaussian::of(&real, dim).unwrap(),
        &Gaussian::of(&fake, dim).unwrap(),
    )
    .unwrap();
    let theirs = fx.num(&["fid", "identical", "routes", "pytorch_fid", "value"]);
    println!(
        "FID identical: ours {:.3e}, pytorch-fid {theirs:.3e}",
        ours.value
    );
    assert!(ours.value.abs() < 1e-6, "{}", ours.value);
}

#[test]
fn kid_matches_torch_fidelity() {
    let fx = Fixture::load();
    let (real, dim) = fx.f32("basic.real");
    let (fake, _) = fx.f32("basic.fake");
    // Subsets as large as the sets: every subset is the whole set, whatever the draw, so the
    // estimate is deterministic and comparable with torch-fidelity's.
    let params = KidParams {
        subsets: 100,
        subset_size: 600,
        seed: 7,
    };
    let ours = kid(&real, &fake, dim, &params).unwrap();
    let mean = fx.num(&["kid", "torch_fidelity", "mean"]);
    println!(
        "KID full set: ours {:.15} ± {:.1e}, torch-fidelity {mean:.15}, relative error {:.2e}",
        ours.mean,
        ours.std,
        rel(ours.mean, mean)
    );
    assert!(rel(ours.mean, mean) <= 1e-6);
    assert!(ours.std < 1e-9);
    assert_eq!(ours.subset_size, 600);

    // The per-subset estimator on three explicit subsets of 200.
    for i in 0..3 {
        let r = gather(&real, dim, &fx.i64(&format!("kid.subset{i}.real_idx")));
        let f = gather(&fake, dim, &fx.i64(&format!("kid.subset{i}.fake_idx")));
        let ours = mmd2_unbiased(r.as_ref(), f.as_ref());
        let theirs = fx.expected["kid"]["explicit_subsets"][i]["mmd2_torch_fidelity_kernel_mmd"]
            .as_f64()
            .unwrap();
        println!(
            "MMD² subset {i}: ours {ours:.15}, torch-fidelity {theirs:.15}, rel {:.2e}",
            rel(ours, theirs)
        );
        assert!(rel(ours, theirs) <= 1e-9);
    }
}

#[test]
fn kid_on_random_subsets_is_close_to_the_full_set_value() {
    let fx = Fixture::load();
    let (real, dim) = fx.f32("basic.real");
    let (fake, _) = fx.f32("basic.fake");
    let full = fx.num(&["kid", "torch_fidelity", "mean"]);
    let ours = kid(
        &real,
        &fake,
        dim,
        &KidParams {
            subset_size: 200,
            ..KidParams::default()
        },
    )
    .unwrap();
    println!(
        "KID 100 subsets of 200: {:.4} ± {:.4} (full set {full:.4})",
        ours.mean, ours.std
    );
    assert!(
        ours.std > 0.0,
        "different subsets must give different estimates"
    );
    assert!((ours.mean - full).abs() < 3.0 * ours.std / 10.0 + 0.05 * full);
}

#[test]
fn prdc_counts_match_the_prdc_package_exactly() {
    let fx = Fixture::load();
    for (key, case, k) in [
        ("basic.k3", "basic", 3),
        ("basic.k5", "basic", 5),
        ("unequal.k3", "unequal", 3),
        ("unequal.k5", "unequal", 5),
        ("identical.k5", "identical", 5),
    ] {
        let (real, dim) = fx.f32(&format!("{case}.real"));
        let (fake, _) = fx.f32(&format!("{case}.fake"));
        let ours = prdc(&real, &fake, dim, k).unwrap();
        let count = |name: &str| fx.num(&["prdc", key, "counts", name]) as usize;
        let theirs = (
            count("precision_count"),
            count("recall_count"),
            count("density_pair_count"),
            count("coverage_count"),
        );
        println!(
            "PRDC {key}: ours P {:.4} R {:.4} D {:.4} C {:.4}, counts {:?}, prdc {:?}",
            ours.precision,
            ours.recall,
            ours.density,
            ours.coverage,
            (
                ours.precision_count,
                ours.recall_count,
                ours.density_count,
                ours.coverage_count
            ),
            theirs
        );
        assert_eq!(
            (
                ours.precision_count,
                ours.recall_count,
                ours.density_count,
                ours.coverage_count
            ),
            theirs,
            "{key}"
        );
        for m in ["precision", "recall", "density", "coverage"] {
            let theirs = fx.num(&["prdc", key, "prdc", m]);
            let ours = match m {
                "precision" => ours.precision,
                "recall" => ours.recall,
                "density" => ours.density,
                _ => ours.coverage,
            };
            assert!(
                (ours - theirs).abs() < 1e-12,
                "{key} {m}: {ours} vs {theirs}"
            );
        }
    }
}

#[test]
fn inception_score_matches_torch_fidelity() {
    let fx = Fixture::load();
    let (logits, classes) = fx.f32("isc.logits");
    let ours = inception_score(&logits, classes, 10).unwrap();
    let mean = fx.num(&["isc", "torch_fidelity", "mean"]);
    let std = fx.num(&["isc", "torch_fidelity", "std"]);
    println!(
        "IS: ours {:.15} ± {:.15}, torch-fidelity {mean:.15} ± {std:.15}, rel {:.2e} / {:.2e}",
        ours.mean,
        ours.std,
        rel(ours.mean, mean),
        rel(ours.std, std)
    );
    assert!(rel(ours.mean, mean) <= 1e-9);
    assert!(rel(ours.std, std) <= 1e-6);
}

#[test]
fn shuffled_inception_score_matches_torch_fidelitys_default() {
    // torch-fidelity's default (shuffle=True, rng_seed=2020) on the same logits. The expected
    // values come from a numpy transcription of `isc_features_to_metric` (float64 log-softmax,
    // `RandomState(2020).permutation`), run with numpy 2.4.6 because torch was not at hand;
    // tests/reference/metrics_fixtures.py now records the torch-fidelity call itself.
    let fx = Fixture::load();
    let (logits, classes) = fx.f32("isc.logits");
    let ours = ganvas::metrics::inception_score_shuffled(&logits, classes, 10, 2020).unwrap();
    let (mean, std) = (2.471_912_533_427_985, 0.140_692_622_504_614_76);
    assert!(rel(ours.mean, mean) <= 1e-12, "{} vs {mean}", ours.mean);
    assert!(rel(ours.std, std) <= 1e-9, "{} vs {std}", ours.std);
    // The fixture's logits are in no particular order, yet shuffling changes the splits.
    let plain = inception_score(&logits, classes, 10).unwrap();
    assert_ne!(plain.std, ours.std);
}

#[test]
fn constant_features_have_zero_covariance_and_fid_is_the_mean_term() {
    let a = vec![1.0_f32; 10 * 4];
    let b: Vec<f32> = (0..10 * 4)
        .map(|i| if i % 4 == 0 { 3.0 } else { 1.0 })
        .collect();
    let fid =
        frechet_distance(&Gaussian::of(&a, 4).unwrap(), &Gaussian::of(&b, 4).unwrap()).unwrap();
    assert_eq!(fid.trace_a, 0.0);
    assert!((fid.value - 4.0).abs() < 1e-12, "{}", fid.value);
}

#[test]
fn non_finite_features_are_a_clear_error() {
    let mut rows = vec![0.5_f32; 6 * 3];
    rows[7] = f32::NAN;
    let err = Gaussian::of(&rows, 3).unwrap_err();
    assert!(
        matches!(err, MetricError::NonFinite { row: 2, col: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("row 2, column 1"), "{err}");
    rows[7] = f32::INFINITY;
    assert!(prdc(&rows, &[0.0; 18], 3, 2).is_err());
    assert!(kid(&[0.0; 18], &rows, 3, &KidParams::default()).is_err());
    // wrong row length and too few rows
    assert!(matches!(
        Gaussian::of(&[0.0; 7], 3),
        Err(MetricError::Shape(_))
    ));
    assert!(matches!(
        Gaussian::of(&[0.0; 3], 3),
        Err(MetricError::TooFew { .. })
    ));
    assert!(matches!(
        prdc(&[0.0; 9], &[0.0; 9], 3, 5),
        Err(MetricError::TooFew { .. })
    ));
}
