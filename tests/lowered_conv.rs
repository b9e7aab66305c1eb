//! The GPU backends' convolutions as matrix multiplies (`ganvas::model::ops::lowered`) against
//! Burn's own convolutions: forward passes and both gradients (through Burn's autodiff of the
//! lowering's tensor ops), on the geometries the models build and on odd ones (strides that do
//! not divide the kernel, rectangular kernels and padding, output padding, batch 1).
//!
//! The lowering is written in tensor ops, so it runs on any device: the CPU tests here use
//! Burn's ndarray backend for both sides; the `#[ignore]`d Vulkan test (run by scripts/test.sh
//! on lavapipe) checks the routing on a Cube device, where `ops::conv2d` takes the lowering.

use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Device, Tensor, TensorData};
use ganvas::model::ops::{self, CubeConvs, Kernels, lowered};
use ganvas::readback::block;
use ganvas::rng::Rng;

/// Relative to the largest value, as in tests/ops.rs: summation order moves results by ~1e-6,
/// a wrong index moves whole values.
const TOLERANCE: f32 = 1e-4;

fn random(shape: [usize; 4], seed: u64) -> TensorData {
    let mut rng = Rng::new(seed);
    let values: Vec<f32> = (0..shape.iter().product()).map(|_| rng.normal()).collect();
    TensorData::new(values, shape.to_vec())
}

#[allow(deprecated)] // burn-ndarray: deprecated in Burn 0.22, still its reference CPU backend
fn cpu() -> Device {
    Device::ndarray().autodiff()
}

fn values(t: Tensor<4>) -> Vec<f32> {
    block(t.into_data_async())
        .unwrap()
        .try_to_vec::<f32>()
        .unwrap()
}

fn assert_close(what: &str, ours: &[f32], burn: &[f32]) {
    assert_eq!(ours.len(), burn.len(), "{what}: size");
    let scale = burn.iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(scale > 1e-6, "{what}: the reference is all zeros");
    let error = ours
        .iter()
        .zip(burn)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()))
        / scale;
    assert!(error <= TOLERANCE, "{what}: relative error {error:e}");
}

/// `[y, ∂L/∂x, ∂L/∂w]` of `L = Σ y · r` for a random `r`, `op` applied on `device`.
fn pass(
    op: &dyn Fn(Tensor<4>, Tensor<4>) -> Tensor<4>,
    x: &TensorData,
    w: &TensorData,
    device: &Device,
) -> [Vec<f32>; 3] {
    let x = Tensor::<4>::from_data(x.clone(), device).require_grad();
    let w = Tensor::<4>::from_data(w.clone(), device).require_grad();
    let y = op(x.clone(), w.clone());
    let r = Tensor::<4>::from_data(random(y.dims(), 99), device);
    let grads = (y.clone() * r).sum().backward();
    let gx = x.grad(&grads).expect("x has a gradient");
    let gw = w.grad(&grads).expect("w has a gradient");
    [values(y), values(gx), values(gw)]
}

fn compare(
    what: &str,
    ours: &dyn Fn(Tensor<4>, Tensor<4>) -> Tensor<4>,
    burn: &dyn Fn(Tensor<4>, Tensor<4>) -> Tensor<4>,
    (x, w): ([usize; 4], [usize; 4]),
    device: &Device,
) {
    let (x, w) = (random(x, 1), random(w, 2));
    let ours = pass(ours, &x, &w, device);
    let burn = pass(burn, &x, &w, device);
    for (i, part) in ["forward", "∂x", "∂w"].iter().enumerate() {
        assert_close(&format!("{what} {part}"), &ours[i], &burn[i]);
    }
}

/// `(x shape, w shape, stride, padding per axis)` of convolutions: DCGAN's D layers (4×4/2/1,
/// and the last 4×4 valid on 4×4), Inception's 3×3/2 valid on odd sides and its 1×7 / 7×1, a
/// 1×1 stride 2 (kernel smaller than the stride), 5×5/3/2 (stride not dividing the kernel).
const CONVS: &[([usize; 4], [usize; 4], [usize; 2], [usize; 2])] = &[
    ([3, 3, 32, 32], [8, 3, 4, 4], [2, 2], [1, 1]),
    ([2, 16, 4, 4], [1, 16, 4, 4], [1, 1], [0, 0]),
    ([2, 3, 15, 15], [5, 3, 3, 3], [2, 2], [0, 0]),
    ([2, 4, 9, 9], [6, 4, 1, 7], [1, 1], [0, 3]),
    ([2, 4, 9, 9], [6, 4, 7, 1], [1, 1], [3, 0]),
    ([1, 5, 8, 7], [4, 5, 1, 1], [2, 2], [0, 0]),
    ([2, 3, 13, 11], [4, 3, 5, 5], [3, 3], [2, 2]),
    ([1, 2, 6, 10], [3, 2, 3, 3], [1, 2], [1, 0]),
];

#[test]
fn convolutions_as_matrix_multiplies_match_burns_convolution_and_its_gradients() {
    let device = cpu();
    for &(x, w, stride, [ph, pw]) in CONVS {
        let options = ConvOptions::new_with_padding(stride, [(ph, ph), (pw, pw)], [1, 1], 1);
        compare(
            &format!("conv x{x:?} w{w:?} s{stride:?} p[{ph},{pw}]"),
            &|x, w| lowered::conv2d(x, w, &options),
            &|x, w| conv2d(x, w, None, options.clone()),
            (x, w),
            &device,
        );
    }
}

/// `(x shape, w shape [Ci, Co, kh, kw], stride, padding, output padding)` of transposed
/// convolutions: DCGAN's G layers (4×4/1/0 from 1×1, 4×4/2/1), a stride not dividing the kernel
/// (3×3/2/1 with output padding 1, 5×5/3/2), a rectangular one and batch 1.
const TRANSPOSED: &[([usize; 4], [usize; 4], [usize; 2], [usize; 2], [usize; 2])] = &[
    ([3, 8, 1, 1], [8, 6, 4, 4], [1, 1], [0, 0], [0, 0]),
    ([3, 6, 8, 8], [6, 3, 4, 4], [2, 2], [1, 1], [0, 0]),
    ([1, 4, 5, 7], [4, 3, 4, 4], [2, 2], [1, 1], [0, 0]),
    ([2, 3, 5, 5], [3, 4, 3, 3], [2, 2], [1, 1], [1, 1]),
    ([2, 3, 4, 6], [3, 2, 5, 5], [3, 3], [2, 2], [0, 0]),
    ([2, 3, 4, 5], [3, 2, 2, 3], [1, 2], [0, 1], [0, 1]),
];

#[test]
fn transposed_convolutions_as_one_product_of_all_phases_match_burns_and_their_gradients() {
    let device = cpu();
    for &(x, w, stride, padding, padding_out) in TRANSPOSED {
        let options = ConvTransposeOptions::new(stride, padding, padding_out, [1, 1], 1);
        compare(
            &format!("transposed x{x:?} w{w:?} s{stride:?} p{padding:?} op{padding_out:?}"),
            &|x, w| lowered::conv_transpose2d(x, w, &options),
            &|x, w| conv_transpose2d(x, w, None, options.clone()),
            (x, w),
            &device,
        );
    }
}

/// On a Cube device the models' convolutions (`ops::conv2d`, `ops::conv_transpose2d`) take the
/// lowering while our kernels are selected, and give Burn's Cube convolutions' values and
/// gradients; with `Kernels::Burn` or `CubeConvs::Direct` they are Burn's again (and not counted
/// as ours), and so are calls below the lowering's size threshold.
#[test]
#[ignore = "needs a Vulkan adapter (scripts/test.sh installs lavapipe and runs it)"]
fn the_models_convolutions_on_a_cube_device_take_the_lowering() {
    let device = Device::wgpu(burn::tensor::DeviceKind::DefaultDevice).autodiff();
    let conv = |x, w| ops::conv2d(x, w, 2, 1);
    let transposed = |x, w| ops::conv_transpose2d(x, w, 2, 1);
    for (what, op, shapes) in [
        // 16 images of 16² outputs each: 4,096 positions, the lowering's threshold.
        (
            "conv",
            &conv as &dyn Fn(_, _) -> _,
            ([16, 3, 32, 32], [8, 3, 4, 4]),
        ),
        ("transposed", &transposed, ([16, 8, 8, 8], [8, 3, 4, 4])),
    ] {
        let (x, w) = (random(shapes.0, 1), random(shapes.1, 2));
        let before = ops::kernel_calls();
        let ours = pass(op, &x, &w, &device);
        assert!(
            ops::kernel_calls() > before,
            "{what}: the lowering did not run"
        );
        ops::set_kernels(Kernels::Burn);
        let before = ops::kernel_calls();
        let burn = pass(op, &x, &w, &device);
        let counted = ops::kernel_calls() - before;
        ops::set_kernels(Kernels::Ganvas);
        assert_eq!(counted, 0, "{what}: Kernels::Burn still lowered");
        // CubeConvs::Direct (the browser's default) keeps Burn's Cube convolutions too.
        ops::set_cube_convs(CubeConvs::Direct);
        let before = ops::kernel_calls();
        pass(op, &x, &w, &device);
        let counted = ops::kernel_calls() - before;
        ops::set_cube_convs(CubeConvs::Lowered);
        assert_eq!(counted, 0, "{what}: CubeConvs::Direct still lowered");
        for (i, part) in ["forward", "∂x", "∂w"].iter().enumerate() {
            assert_close(&format!("{what} {part}"), &ours[i], &burn[i]);
        }
    }
    let (x, w) = (random([1, 8, 8, 8], 1), random([8, 3, 4, 4], 2));
    let before = ops::kernel_calls();
    pass(&transposed, &x, &w, &device);
    assert_eq!(
        ops::kernel_calls(),
        before,
        "batch 1 (256 positions) was lowered"
    );
}
