//! Our op layer (`ganvas::model::ops`) against Burn's own implementation: every op's forward
//! pass and each gradient, our kernels on the CPU backend (Flex) against Burn's ndarray backend,
//! on the layer geometries the models build plus odd sizes; and a whole DCGAN training run with
//! our kernels against Burn's Flex ops from the same seed.

use burn::tensor::{Device, Tensor, TensorData};
use ganvas::data::ImageSet;
use ganvas::model::ops::{self, Kernels, SubPixel};
use ganvas::readback::block;
use ganvas::rng::Rng;
use ganvas::run::RunConfig;
use ganvas::train::Trainer;

/// Relative tolerance: max |ours − Burn's| over max |Burn's|. Both sides sum up to
/// `Ci·k² · B·Ho·Wo` f32 products in different orders (blocked GEMM v. Burn's loops); with
/// ≤ 10⁵ terms the rounding of either side stays well below 1e-5 of the largest value, so 1e-4
/// fails on any indexing error (which moves whole values) and never on summation order.
const TOLERANCE: f32 = 1e-4;

/// The kernel switch is process-wide: every test holds this lock so that none runs while
/// another has switched to Burn's kernels.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn random(shape: &[usize], seed: u64) -> TensorData {
    let mut rng = Rng::new(seed);
    let n = shape.iter().product();
    let values: Vec<f32> = (0..n).map(|_| rng.normal()).collect();
    TensorData::new(values, shape.to_vec())
}

fn flex() -> Device {
    Device::flex().autodiff()
}

#[allow(deprecated)] // burn-ndarray: deprecated in Burn 0.22, still its reference CPU implementation
fn reference() -> Device {
    Device::ndarray().autodiff()
}

fn assert_close(what: &str, ours: TensorData, burn: TensorData) {
    assert_eq!(ours.shape(), burn.shape(), "{what}: shape");
    let (a, b) = (
        ours.try_to_vec::<f32>().unwrap(),
        burn.try_to_vec::<f32>().unwrap(),
    );
    let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
    let error = a
        .iter()
        .zip(&b)
        .fold(0f32, |m, (x, y)| m.max((x - y).abs()))
        / scale;
    assert!(
        error <= TOLERANCE,
        "{what}: relative error {error:e} > {TOLERANCE:e}"
    );
    assert!(
        scale > 1e-6,
        "{what}: the reference is all zeros, the check would be empty"
    );
}

/// `(y, ∂L/∂x, ∂L/∂w)` for `L = Σ y · dy` on `device`.
fn run(
    op: fn(Tensor<4>, Tensor<4>, usize, usize) -> Tensor<4>,
    (x, w, dy): (&TensorData, &TensorData, &TensorData),
    (stride, padding): (usize, usize),
    device: &Device,
) -> [TensorData; 3] {
    let x = Tensor::<4>::from_data(x.clone(), device).require_grad();
    let w = Tensor::<4>::from_data(w.clone(), device).require_grad();
    let y = op(x.clone(), w.clone(), stride, padding);
    let dy = Tensor::<4>::from_data(dy.clone(), device);
    let grads = (y.clone() * dy).sum().backward();
    [
        y.into_data(),
        x.grad(&grads).expect("x has a gradient").into_data(),
        w.grad(&grads).expect("w has a gradient").into_data(),
    ]
}

struct Case {
    batch: usize,
    c_in: usize,
    c_out: usize,
    /// Input height and width.
    side: (usize, usize),
    kernel: usize,
    stride: usize,
    padding: usize,
}

/// The paths our kernels have for a case's input gradient (the transposed op's forward):
/// 4×4 / 2 / 1 layers have two, each checked on its own, with the number of calls the
/// sub-pixel kernel must serve in the three passes.
fn input_grad_paths(c: &Case) -> Vec<(SubPixel, u64)> {
    if (c.kernel, c.stride, c.padding) == (4, 2, 1) {
        vec![(SubPixel::Always, 1), (SubPixel::Never, 0)]
    } else {
        vec![(SubPixel::Auto, 0)]
    }
}

fn check(transposed: bool, c: Case) {
    for (path, sub_pixel_calls) in input_grad_paths(&c) {
        ops::set_sub_pixel(path);
        check_path(transposed, &c, path, sub_pixel_calls);
    }
    ops::set_sub_pixel(SubPixel::Auto);
}

fn check_path(transposed: bool, c: &Case, path: SubPixel, sub_pixel_calls: u64) {
    let &Case {
        batch,
        c_in,
        c_out,
        side: (h, w),
        kernel,
        stride,
        padding,
    } = c;
    let (op, w_shape): (fn(_, _, _, _) -> _, _) = if transposed {
        (
            ops::conv_transpose2d as fn(_, _, _, _) -> _,
            [c_in, c_out, kernel, kernel],
        )
    } else {
        (
            ops::conv2d as fn(_, _, _, _) -> _,
            [c_out, c_in, kernel, kernel],
        )
    };
    let out = |side: usize| {
        if transposed {
            (side - 1) * stride + kernel - 2 * padding
        } else {
            (side + 2 * padding - kernel) / stride + 1
        }
    };
    let seed = (batch * 1000 + c_in * 100 + c_out * 10 + h + 7 * w) as u64;
    let x = random(&[batch, c_in, h, w], seed);
    let weight = random(&w_shape, seed + 1);
    let dy = random(&[batch, c_out, out(h), out(w)], seed + 2);
    let (before, sub_pixel_before) = (ops::kernel_calls(), ops::sub_pixel_calls());
    let ours = run(op, (&x, &weight, &dy), (stride, padding), &flex());
    // Forward, input gradient, weight gradient: all three served by our kernels, the input
    // gradient (the transposed op's forward) by the path under test.
    assert_eq!(
        ops::kernel_calls() - before,
        3,
        "our kernels ran the three passes"
    );
    assert_eq!(
        ops::sub_pixel_calls() - sub_pixel_before,
        sub_pixel_calls,
        "calls served by the sub-pixel kernel ({path:?})"
    );
    let burn = run(op, (&x, &weight, &dy), (stride, padding), &reference());
    let name = if transposed {
        "conv_transpose2d"
    } else {
        "conv2d"
    };
    let geometry = format!(
        "{name} B{batch} {c_in}→{c_out} {h}×{w}px k{kernel} s{stride} p{padding} ({path:?})"
    );
    for (part, (a, b)) in ["forward", "dx", "dw"]
        .iter()
        .zip(ours.into_iter().zip(burn))
    {
        assert_close(&format!("{geometry} {part}"), a, b);
    }
}

fn case(
    batch: usize,
    c_in: usize,
    c_out: usize,
    side: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
) -> Case {
    Case {
        batch,
        c_in,
        c_out,
        side: (side, side),
        kernel,
        stride,
        padding,
    }
}

/// A 4×4 / 2 / 1 layer on an `h × w` input.
fn strided(batch: usize, c_in: usize, c_out: usize, h: usize, w: usize) -> Case {
    Case {
        side: (h, w),
        ..case(batch, c_in, c_out, 0, 4, 2, 1)
    }
}

#[test]
fn discriminator_convolutions_match_burn() {
    let _serial = serial();
    for c in [
        // DCGAN-32/64 blocks (4×4, stride 2, pad 1) at test widths, RGB and grey inputs.
        case(4, 3, 8, 64, 4, 2, 1),
        case(3, 1, 5, 32, 4, 2, 1),
        case(2, 8, 16, 16, 4, 2, 1),
        case(1, 12, 24, 8, 4, 2, 1),
        case(2, 6, 12, 14, 4, 2, 1), // 28×28 models: 28 → 14 → 7
        case(2, 6, 12, 7, 4, 2, 1),
        // The last layer: the whole base×base map → one logit.
        case(5, 24, 1, 4, 4, 1, 0),
        case(3, 12, 1, 7, 7, 1, 0),
        // 65 images over more than one tile of the column matrix (64 images per tile here).
        case(65, 64, 3, 16, 4, 2, 1),
        // Odd geometry: 3×3 kernel, stride 1, pad 1.
        case(3, 5, 7, 9, 3, 1, 1),
        // Input gradients by both paths on odd and rectangular inputs (odd rows and columns
        // have one parity more than the other), one image, 1 and 3 channels, and DCGAN-64's
        // widest layer at its own width.
        strided(1, 1, 5, 9, 9),
        strided(3, 3, 13, 7, 10),
        strided(65, 5, 6, 6, 5),
        strided(2, 256, 512, 8, 8),
    ] {
        check(false, c);
    }
}

#[test]
fn generator_transposed_convolutions_match_burn() {
    let _serial = serial();
    for c in [
        // 1×1 latent → base×base map.
        case(4, 20, 16, 1, 4, 1, 0),
        case(3, 13, 12, 1, 7, 1, 0),
        // 4×4 stride-2 doublings up to 64×64, and 7 → 14 → 28.
        case(2, 16, 8, 4, 4, 2, 1),
        case(1, 24, 12, 8, 4, 2, 1),
        case(3, 8, 3, 32, 4, 2, 1),
        case(2, 6, 1, 14, 4, 2, 1),
        case(65, 10, 3, 8, 4, 2, 1),
        // 4×4 maps fold images into one GEMM: 65 images make two column tiles (64 + 1).
        case(65, 8, 16, 4, 4, 2, 1),
        case(3, 5, 7, 9, 3, 1, 1),
        // The sub-pixel forward on the remaining doublings (7 → 14, 16 → 32), rectangular and
        // odd maps, one image, 1 and 3 output channels, and DCGAN-64's widest layer.
        case(3, 13, 5, 7, 4, 2, 1),
        case(1, 6, 3, 16, 4, 2, 1),
        strided(1, 5, 1, 3, 5),
        strided(3, 12, 3, 5, 8),
        strided(2, 512, 256, 4, 4),
    ] {
        check(true, c);
    }
}

/// BatchNorm as Burn's module computes it: output, gradients of x, gamma and beta, the running
/// averages it leaves behind, and inference with them.
#[test]
fn batch_norm_matches_burn_in_training_and_inference() {
    use burn::module::Module;
    use burn::nn::BatchNormConfig;
    let _serial = serial();
    for shape in [[4, 6, 5, 5], [1, 3, 8, 8], [65, 2, 4, 4], [3, 5, 1, 1]] {
        let c = shape[1];
        let x = random(&shape, 11);
        let dy = random(&shape, 12);
        let gamma = random(&[c], 13);
        let beta = random(&[c], 14);
        let run = |device: &Device| {
            let mut norm = BatchNormConfig::new(c).init(device);
            norm.gamma = norm
                .gamma
                .map(|_| Tensor::from_data(gamma.clone(), device).require_grad());
            norm.beta = norm
                .beta
                .map(|_| Tensor::from_data(beta.clone(), device).require_grad());
            let input = Tensor::<4>::from_data(x.clone(), device).require_grad();
            let y = ops::batch_norm(&norm, input.clone());
            let grads = (y.clone() * Tensor::from_data(dy.clone(), device))
                .sum()
                .backward();
            let out = [
                y.into_data(),
                input.grad(&grads).expect("x has a gradient").into_data(),
                norm.gamma
                    .grad(&grads)
                    .expect("gamma has a gradient")
                    .into_data(),
                norm.beta
                    .grad(&grads)
                    .expect("beta has a gradient")
                    .into_data(),
                norm.running_mean.value_sync().into_data(),
                norm.running_var.value_sync().into_data(),
            ];
            let inner = norm.valid();
            let inference = ops::batch_norm(
                &inner,
                Tensor::<4>::from_data(dy.clone(), &device.clone().inner()),
            );
            (out, inference.into_data())
        };
        let before = ops::kernel_calls();
        let (ours, ours_inference) = run(&flex());
        // Training forward, its backward, inference.
        assert_eq!(
            ops::kernel_calls() - before,
            3,
            "our kernels ran batch norm"
        );
        let (burn, burn_inference) = run(&reference());
        let names = [
            "output",
            "dx",
            "dgamma",
            "dbeta",
            "running mean",
            "running var",
        ];
        for ((name, a), b) in names.iter().zip(ours).zip(burn) {
            assert_close(&format!("batch norm {shape:?} {name}"), a, b);
        }
        assert_close(
            &format!("batch norm {shape:?} inference"),
            ours_inference,
            burn_inference,
        );
    }
}

#[test]
fn leaky_relu_matches_burn_forward_and_backward() {
    let _serial = serial();
    let x = random(&[3, 5, 7, 9], 4);
    let dy = random(&[3, 5, 7, 9], 5);
    let run = |device: &Device| {
        let x = Tensor::<4>::from_data(x.clone(), device).require_grad();
        let y = ops::leaky_relu(x.clone(), 0.2);
        let grads = (y.clone() * Tensor::from_data(dy.clone(), device))
            .sum()
            .backward();
        (
            y.into_data(),
            x.grad(&grads).expect("x has a gradient").into_data(),
        )
    };
    let before = ops::kernel_calls();
    let (y, dx) = run(&flex());
    assert_eq!(
        ops::kernel_calls() - before,
        2,
        "our kernels ran leaky ReLU both ways"
    );
    let (y_ref, dx_ref) = run(&reference());
    // Elementwise with one multiply each side: the results are bit-identical.
    assert_eq!(
        y.try_to_vec::<f32>().unwrap(),
        y_ref.try_to_vec::<f32>().unwrap()
    );
    assert_eq!(
        dx.try_to_vec::<f32>().unwrap(),
        dx_ref.try_to_vec::<f32>().unwrap()
    );
}

const DCGAN: &str = r#"
name = "ops"
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

fn losses(kernels: Kernels, spectral: bool) -> Vec<[f32; 2]> {
    ops::set_kernels(kernels);
    let mut overrides = vec![];
    if spectral {
        overrides.push("model.spectral_norm=true".to_string());
    }
    let config = RunConfig::from_toml(DCGAN, &overrides).unwrap();
    let mut trainer = Trainer::new(
        config.model.clone(),
        config.train.clone(),
        7,
        &Device::flex(),
    )
    .unwrap();
    let data = ImageSet::random(48, 3, 32, 32, 3, &mut Rng::new(5));
    let out = (0..5)
        .map(|_| {
            let s = block(trainer.step(&data).read()).unwrap();
            [s.d_loss, s.g_loss]
        })
        .collect();
    ops::set_kernels(Kernels::Ganvas);
    out
}

#[test]
fn five_dcgan_steps_with_our_kernels_match_burns_flex_ops() {
    let _serial = serial();
    for spectral in [false, true] {
        let before = ops::kernel_calls();
        let ours = losses(Kernels::Ganvas, spectral);
        assert!(ops::kernel_calls() > before, "the steps ran our kernels");
        let before = ops::kernel_calls();
        let burn = losses(Kernels::Burn, spectral);
        assert_eq!(
            ops::kernel_calls(),
            before,
            "Kernels::Burn runs none of ours"
        );
        for (step, (a, b)) in ours.iter().zip(&burn).enumerate() {
            for (x, y) in a.iter().zip(b) {
                // Same tolerance as the ops, relative to the loss.
                assert!(
                    (x - y).abs() <= TOLERANCE * y.abs().max(1.0),
                    "spectral {spectral}, step {}: {a:?} vs {b:?}",
                    step + 1
                );
            }
        }
    }
}

/// Sampling (no autodiff) runs our kernels too: every transposed convolution and BatchNorm of a
/// DCGAN generator in evaluation mode.
#[test]
fn an_inference_generator_runs_our_kernels() {
    use burn::module::Module;
    use ganvas::model::{DcganConfig, ModelConfig};
    let _serial = serial();
    let mut config = DcganConfig::new(32, 3);
    config.width = 8;
    let (generator, _) = ModelConfig::Dcgan(config).init(&flex()).unwrap();
    let generator = generator.valid();
    let device = Device::flex();
    let z = Tensor::<2>::from_data(random(&[5, 100], 21), &device);
    let before = ops::kernel_calls();
    let images = generator.forward(z, None);
    assert_eq!(images.dims(), [5, 3 * 32 * 32]);
    // Four transposed convolutions and three BatchNorms.
    assert_eq!(ops::kernel_calls() - before, 7, "sampling ran our kernels");
}
