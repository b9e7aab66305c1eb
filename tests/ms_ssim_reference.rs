//! MS-SSIM against pytorch_msssim 1.0 on identical images. The images and reference values were
//! produced by `tests/reference/ms_ssim_fixtures.py`: the standard protocol through
//! `pytorch_msssim.ms_ssim`, the small-image protocol (7-pixel window, three scales) on real
//! Fashion-MNIST test images through the package's own `_ssim`. CI only reads the fixtures.

use ganvas::metrics::{ImageShape, MsSsimParams, ms_ssim};
use safetensors::SafeTensors;
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/ms-ssim");

#[test]
fn ms_ssim_matches_pytorch_msssim() {
    let bytes = std::fs::read(format!("{DIR}/images.safetensors")).expect("images");
    let images = SafeTensors::deserialize(&bytes).expect("safetensors");
    let text = std::fs::read_to_string(format!("{DIR}/expected.json")).expect("expected");
    let expected: Value = serde_json::from_str(&text).expect("json");
    let mut checked = 0;
    let mut worst: f64 = 0.0;
    for case in expected["cases"].as_array().expect("cases") {
        let a = images.tensor(case["a"].as_str().unwrap()).expect("a");
        let b = images.tensor(case["b"].as_str().unwrap()).expect("b");
        assert_eq!(a.dtype(), safetensors::Dtype::U8);
        let [n, c, h, w] = a.shape().try_into().expect("NCHW");
        let params = MsSsimParams {
            window: case["window"].as_u64().unwrap() as usize,
            sigma: case["sigma"].as_f64().unwrap(),
            weights: case["weights"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect(),
        };
        let size = c * h * w;
        for (i, want) in case["values"].as_array().unwrap().iter().enumerate() {
            let want = want.as_f64().unwrap();
            let got = ms_ssim(
                &a.data()[i * size..(i + 1) * size],
                &b.data()[i * size..(i + 1) * size],
                ImageShape {
                    channels: c,
                    height: h,
                    width: w,
                },
                &params,
            )
            .expect("ms-ssim");
            let err = (got - want).abs();
            worst = worst.max(err);
            assert!(
                err <= 1e-9,
                "{} pair {i}: ours {got}, pytorch_msssim {want}",
                case["name"]
            );
            checked += 1;
        }
        assert!(n > 0);
    }
    assert_eq!(checked, 14, "every fixture pair was compared");
    println!("MS-SSIM: {checked} pairs, max abs difference from pytorch_msssim {worst:.2e}");
}

#[test]
fn the_small_protocol_is_the_renormalised_standard_one() {
    let small = MsSsimParams::small();
    let standard = MsSsimParams::standard();
    let sum: f64 = small.weights.iter().sum();
    assert!((sum - 1.0).abs() < 1e-15);
    let ratio = small.weights[1] / small.weights[0];
    assert!((ratio - standard.weights[1] / standard.weights[0]).abs() < 1e-12);
    assert_eq!(standard.min_side(), 161);
}
