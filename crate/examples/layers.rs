//! Per-layer benchmark of the op layer: every convolution of the reference workloads
//! (bench/configs: DCGAN-64 with width 64 at batch 64; DCGAN-32's layers are its 4²…32² ones),
//! forward, input gradient and weight gradient, with our CPU kernels and with Burn's Flex ops
//! (autodiff's generic backward), in alternating rounds; milliseconds, GFLOP/s and % of this
//! machine's SGEMM peak (the best of five 2048³ products in this run).
//!
//!     cargo run --release --example layers [-- --rounds 5 --batch 64 --only "D 32" --ours-only]
//!
//! `--only TEXT` keeps the layers whose name contains TEXT; `--ours-only` skips Burn's side (for
//! profiling our kernels alone).

use std::time::Instant;

use burn::tensor::{Device, Distribution, Tensor};
use ganvas::model::ops::{self, Kernels};

/// One layer: `transposed` = a generator layer (`[B, c_in, side, side]` → a larger map).
struct Layer {
    name: &'static str,
    transposed: bool,
    c_in: usize,
    c_out: usize,
    side: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
}

#[allow(clippy::too_many_arguments)]
const fn layer(
    name: &'static str,
    transposed: bool,
    c_in: usize,
    c_out: usize,
    side: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
) -> Layer {
    Layer { name, transposed, c_in, c_out, side, kernel, stride, padding }
}

const LAYERS: [Layer; 10] = [
    layer("G z→4²", true, 100, 512, 1, 4, 1, 0),
    layer("G 4²→8²", true, 512, 256, 4, 4, 2, 1),
    layer("G 8²→16²", true, 256, 128, 8, 4, 2, 1),
    layer("G 16²→32²", true, 128, 64, 16, 4, 2, 1),
    layer("G 32²→64² RGB", true, 64, 3, 32, 4, 2, 1),
    layer("D 64²→32² RGB", false, 3, 64, 64, 4, 2, 1),
    layer("D 32²→16²", false, 64, 128, 32, 4, 2, 1),
    layer("D 16²→8²", false, 128, 256, 16, 4, 2, 1),
    layer("D 8²→4²", false, 256, 512, 8, 4, 2, 1),
    layer("D 4²→logit", false, 512, 1, 4, 4, 1, 0),
];

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

fn text(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Milliseconds of (forward, input gradient, weight gradient) for one layer; a gradient's time
/// is that of forward + backward minus the forward's.
fn time_layer(l: &Layer, batch: usize, device: &Device) -> [f64; 3] {
    let x = Tensor::<4>::random([batch, l.c_in, l.side, l.side], Distribution::Normal(0.0, 1.0), device);
    let w_shape = if l.transposed {
        [l.c_in, l.c_out, l.kernel, l.kernel]
    } else {
        [l.c_out, l.c_in, l.kernel, l.kernel]
    };
    let w = Tensor::<4>::random(w_shape, Distribution::Normal(0.0, 0.02), device);
    let op = if l.transposed { ops::conv_transpose2d } else { ops::conv2d };
    let forward = |x: Tensor<4>, w: Tensor<4>| op(x, w, l.stride, l.padding);
    let dy = Tensor::<4>::random(forward(x.clone(), w.clone()).dims(), Distribution::Normal(0.0, 1.0), device);
    let start = Instant::now();
    drop(forward(x.clone(), w.clone()).into_data());
    let fwd = start.elapsed().as_secs_f64() * 1000.0;
    let grad_ms = |wrt_x: bool| {
        let (xa, wa) = if wrt_x {
            (x.clone().require_grad(), w.clone())
        } else {
            (x.clone(), w.clone().require_grad())
        };
        let start = Instant::now();
        let grads = (forward(xa.clone(), wa.clone()) * dy.clone()).sum().backward();
        let g = if wrt_x { xa.grad(&grads) } else { wa.grad(&grads) };
        drop(g.map(|g| g.into_data()));
        (start.elapsed().as_secs_f64() * 1000.0 - fwd).max(0.0)
    };
    [fwd, grad_ms(true), grad_ms(false)]
}

fn sgemm_peak(device: &Device) -> f64 {
    let n = 2048;
    let a = Tensor::<2>::random([n, n], Distribution::Default, device);
    let b = Tensor::<2>::random([n, n], Distribution::Default, device);
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        drop(a.clone().matmul(b.clone()).into_data());
        best = best.min(start.elapsed().as_secs_f64());
    }
    2.0 * (n as f64).powi(3) / best / 1e9
}

fn main() {
    let rounds = arg("--rounds", 5).max(1);
    let batch = arg("--batch", 64).max(1);
    let device = Device::flex().autodiff();
    let peak = sgemm_peak(&device);
    println!("Per-layer times, batch {batch}, medians of {rounds} alternating rounds (Flex CPU backend)");
    println!("SGEMM 2048³ f32 (Burn's matmul), best of 5: {peak:.1} GFLOP/s");
    println!("| layer | pass | GFLOP | ganvas ms | ganvas GFLOP/s | % peak | Burn ops ms | speed-up |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    let mut totals = [0f64; 2];
    let only = text("--only");
    let ours_only = flag("--ours-only");
    for l in LAYERS.iter().filter(|l| only.as_ref().is_none_or(|o| l.name.contains(o.as_str()))) {
        let out_side = if l.transposed {
            (l.side - 1) * l.stride + l.kernel - 2 * l.padding
        } else {
            (l.side + 2 * l.padding - l.kernel) / l.stride + 1
        };
        // Multiply-adds: per output pixel of a convolution, per input pixel of a transposed one.
        let pixels = if l.transposed { l.side * l.side } else { out_side * out_side };
        let flop = 2.0 * (batch * pixels * l.c_in * l.c_out * l.kernel * l.kernel) as f64;
        let (mut ours, mut burn) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let order = if round % 2 == 0 { [true, false] } else { [false, true] };
            for is_ours in order {
                if ours_only && !is_ours {
                    burn.push([f64::NAN; 3]);
                    continue;
                }
                ops::set_kernels(if is_ours { Kernels::Ganvas } else { Kernels::Burn });
                let t = time_layer(l, batch, &device);
                if is_ours { ours.push(t) } else { burn.push(t) }
            }
        }
        ops::set_kernels(Kernels::Ganvas);
        for (pass, name) in ["forward", "∂x", "∂W"].iter().enumerate() {
            let o = median(ours.iter().map(|t| t[pass]).collect());
            let b = median(burn.iter().map(|t| t[pass]).collect());
            totals[0] += o;
            totals[1] += b;
            let rate = flop / (o / 1000.0) / 1e9;
            println!(
                "| {} | {name} | {:.3} | {o:.2} | {rate:.1} | {:.1} | {b:.2} | {:.2}× |",
                l.name,
                flop / 1e9,
                100.0 * rate / peak,
                b / o
            );
        }
    }
    println!("| all layers | | | {:.1} | | | {:.1} | {:.2}× |", totals[0], totals[1], totals[1] / totals[0]);
}
