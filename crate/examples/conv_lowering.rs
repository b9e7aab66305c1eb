//! Experiment behind the README's performance notes: how much of a DCGAN discriminator
//! convolution's CPU time is the backend's per-image lowering? Times a 4×4 stride-2 convolution
//! (padding 1), forward + backward, as Burn's `conv2d` (Flex lowers it image by image) and as
//! the same arithmetic written with batch-wide GEMMs: pad, space-to-depth by 2, then the 2×2
//! stride-1 convolution that remains as four shifted `[B·H·W, 4C] × [4C, C_out]` products.
//! Checks that both give the same output and gradients.
//!
//!     cargo run --release --example conv_lowering

use std::time::Instant;

use burn::tensor::module::conv2d;
use burn::tensor::ops::{ConvOptions, PadMode};
use burn::tensor::{Device, Distribution, Tensor};

/// `x` `[B, C, H, W]` (H, W even), `w` `[O, C, 4, 4]` → `[B, O, H/2, W/2]`.
fn conv_by_gemm(x: Tensor<4>, w: Tensor<4>) -> Tensor<4> {
    let [b, c, h, wd] = x.dims();
    let [o, _, _, _] = w.dims();
    let (h2, w2) = (h / 2 + 1, wd / 2 + 1); // blocks of the padded input
    let (oh, ow) = (h / 2, wd / 2);
    // Pad by 1, split into 2×2 blocks: [B, H2, W2, C·2·2] with (c, py, px) innermost.
    let blocks = x
        .pad((1, 1, 1, 1), PadMode::Constant(0.0))
        .reshape([b, c, h2, 2, w2, 2])
        .permute([0, 2, 4, 1, 3, 5])
        .reshape([b, h2, w2, c * 4]);
    // Kernel tap (ky, kx) = (2·dy + py, 2·dx + px): one [C·4, O] matrix per shift (dy, dx).
    let taps = w.reshape([o, c, 2, 2, 2, 2]).permute([2, 4, 1, 3, 5, 0]); // [dy, dx, c, py, px, o]
    let mut out: Option<Tensor<2>> = None;
    for dy in 0..2 {
        for dx in 0..2 {
            let patch = blocks
                .clone()
                .slice([0..b, dy..dy + oh, dx..dx + ow, 0..c * 4])
                .reshape([b * oh * ow, c * 4]);
            let matrix = taps
                .clone()
                .slice([dy..dy + 1, dx..dx + 1, 0..c, 0..2, 0..2, 0..o])
                .reshape([c * 4, o]);
            let term = patch.matmul(matrix);
            out = Some(match out {
                Some(sum) => sum + term,
                None => term,
            });
        }
    }
    out.expect("four terms")
        .reshape([b, oh, ow, o])
        .permute([0, 3, 1, 2])
}

fn time(mut f: impl FnMut(), reps: usize) -> f64 {
    f();
    let start = Instant::now();
    for _ in 0..reps {
        f();
    }
    start.elapsed().as_secs_f64() * 1000.0 / reps as f64
}

fn main() {
    let device = Device::flex().autodiff();
    println!("4×4 stride-2 convolution, forward + backward, batch 64 (ms; Flex CPU backend)");
    println!("| layer | conv2d | batch-wide GEMMs | speed-up | max |Δ| output, grad x, grad w |");
    println!("|---|---:|---:|---:|---|");
    for (c, o, side) in [(3, 64, 32), (64, 128, 16), (128, 256, 8), (256, 512, 4)] {
        let x = Tensor::<4>::random([64, c, side, side], Distribution::Normal(0.0, 1.0), &device)
            .require_grad();
        let w = Tensor::<4>::random([o, c, 4, 4], Distribution::Normal(0.0, 0.02), &device)
            .require_grad();
        let options = ConvOptions::new([2, 2], [1, 1], [1, 1], 1);
        let run = |gemm: bool| {
            let y = if gemm {
                conv_by_gemm(x.clone(), w.clone())
            } else {
                conv2d(x.clone(), w.clone(), None, options.clone())
            };
            let grads = y.clone().powi_scalar(2).sum().backward();
            let gx = x.grad(&grads).expect("grad x");
            let gw = w.grad(&grads).expect("grad w");
            (y.inner(), gx, gw)
        };
        let reference = run(false);
        let lowered = run(true);
        let diff = |a: Tensor<4>, b: Tensor<4>| -> f32 {
            let values: Vec<f32> = (a - b).abs().max().into_data().try_to_vec().expect("f32");
            values[0]
        };
        let errors = [
            diff(reference.0.clone(), lowered.0.clone()),
            diff(reference.1.clone(), lowered.1.clone()),
            diff(reference.2.clone(), lowered.2.clone()),
        ];
        let direct = time(|| drop(run(false).0.into_data()), 5);
        let gemm = time(|| drop(run(true).0.into_data()), 5);
        println!(
            "| {c}×{side}² → {o}×{}² | {direct:.1} | {gemm:.1} | {:.2}× | {:.1e}, {:.1e}, {:.1e} |",
            side / 2,
            direct / gemm,
            errors[0],
            errors[1],
            errors[2]
        );
    }
}
