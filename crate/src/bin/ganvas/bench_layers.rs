//! `ganvas bench --tasks layers`: every convolution of the reference workloads timed alone,
//! forward, input gradient and weight gradient, with our kernels, with Burn's own ops (the
//! `burn` peer) and with PyTorch's same layer (the `torch` peer), rounds alternating. This is
//! the table that says where a training step's time goes and which layer bounds it.

use std::time::Instant;

use burn::tensor::{Device, Distribution, Tensor};
use ganvas::model::ops::{self, Kernels, SubPixel};
use ganvas::model::{ConvLayer, ModelConfig};
use serde_json::json;

use crate::bench_peer::Peer;
use crate::bench_suite::Suite;
use crate::bench_timing::median;
use crate::error::CliError;

/// The three passes of a layer, in the order times are kept.
const PASSES: [&str; 3] = ["forward", "∂x", "∂W"];

/// One layer's timings: per side, per round, `[forward, ∂x, ∂W]` in milliseconds.
struct LayerRow {
    workload: String,
    layer: ConvLayer,
    batch: usize,
    ours: Vec<[f64; 3]>,
    burn: Vec<[f64; 3]>,
    torch: Vec<[f64; 3]>,
    /// With [`SUB_PIXEL_AB`] set, per round and per batch in [`ab_batches`], the pass that has
    /// two paths timed on each: `[sub-pixel, col2im]` in milliseconds.
    ab: Vec<Vec<[f64; 2]>>,
}

/// Set (to anything) to time the input-gradient pass of every 4×4 / 2 / 1 layer (the transposed
/// convolutions' forward, the convolutions' ∂x) on both of our paths, sub-pixel and GEMM +
/// `col2im`, in the same rounds, at the workload's batch and at batch 1 (sampling), and print
/// them side by side: the measurement behind `SubPixel::Auto`'s choice per layer.
const SUB_PIXEL_AB: &str = "GANVAS_SUB_PIXEL_AB";

/// The batches the A/B times a layer at: the workload's, and 1.
fn ab_batches(batch: usize) -> [usize; 2] {
    [batch, 1]
}

/// Whether a layer's input gradient has both paths (the sub-pixel kernel's geometry).
fn has_two_paths(l: &ConvLayer) -> bool {
    (l.kernel, l.stride, l.padding) == (4, 2, 1)
}

/// The pass the two paths compute: the forward of a transposed convolution, ∂x of a convolution.
fn two_path_pass(l: &ConvLayer) -> usize {
    if l.transposed { 0 } else { 1 }
}

pub fn run(suite: &Suite, peers: &mut [Peer], peak: f64) -> Result<(), CliError> {
    let mut rows: Vec<LayerRow> = Vec::new();
    for name in &suite.workloads {
        let config = suite.workload(name)?;
        let ModelConfig::Dcgan(model) = &config.model else {
            return Err(format!("bench workload {name} is not a DCGAN").into());
        };
        let batch = config.train.batch;
        for layer in model.conv_layers()? {
            // A layer two workloads share is timed once, under the first one's name.
            let wanted = suite
                .only
                .as_ref()
                .is_none_or(|o| layer.name().contains(o.as_str()));
            if wanted && !rows.iter().any(|r| r.layer == layer && r.batch == batch) {
                rows.push(LayerRow {
                    workload: name.clone(),
                    layer,
                    batch,
                    ours: Vec::new(),
                    burn: Vec::new(),
                    torch: Vec::new(),
                    ab: Vec::new(),
                });
            }
        }
    }
    if let (true, Some(only)) = (rows.is_empty(), &suite.only) {
        return Err(format!(
            "--only {only:?}: no layer of {} has that in its name",
            suite.workloads.join(", ")
        )
        .into());
    }
    // Gradients need the autodiff wrapper of the bench device.
    let device = suite.device.clone().autodiff();
    let burn_ops = suite.peers.iter().any(|p| p == "burn");
    let mut torch = peers.iter_mut().find(|p| p.runtime == "torch");
    let ab = std::env::var_os(SUB_PIXEL_AB).is_some();
    // Round 0 warms every side up (oneDNN builds its primitives, allocators grow) and is not kept.
    for round in 0..=suite.rounds {
        eprintln!(
            "layers: round {}/{} {}…",
            round,
            suite.rounds,
            if round == 0 { "(warm-up) " } else { "" }
        );
        for row in &mut rows {
            let theirs_first = round % 2 == 1;
            let mut theirs = |row: &mut LayerRow| -> Result<(), CliError> {
                if burn_ops {
                    ops::set_kernels(Kernels::Burn);
                    let t = time_layer(&row.layer, row.batch, suite.reps, &device);
                    ops::set_kernels(Kernels::Ganvas);
                    row.burn.push(t);
                }
                if let Some(peer) = torch.as_deref_mut() {
                    row.torch
                        .push(time_torch(peer, &row.layer, row.batch, suite.reps)?);
                }
                Ok(())
            };
            if theirs_first {
                theirs(row)?;
            }
            row.ours
                .push(time_layer(&row.layer, row.batch, suite.reps, &device));
            if !theirs_first {
                theirs(row)?;
            }
            if ab && has_two_paths(&row.layer) {
                let times = ab_batches(row.batch).map(|batch| {
                    let time = |path| {
                        ops::set_sub_pixel(path);
                        let t = time_layer(&row.layer, batch, suite.reps, &device);
                        t[two_path_pass(&row.layer)]
                    };
                    let pair = if theirs_first {
                        let col2im = time(SubPixel::Never);
                        [time(SubPixel::Always), col2im]
                    } else {
                        let sub_pixel = time(SubPixel::Always);
                        [sub_pixel, time(SubPixel::Never)]
                    };
                    ops::set_sub_pixel(SubPixel::Auto);
                    pair
                });
                row.ab.push(times.to_vec());
            }
            if round == 0 {
                row.ours.clear();
                row.burn.clear();
                row.torch.clear();
                row.ab.clear();
            }
        }
    }
    print_table(&rows, peak);
    if ab {
        print_ab(&rows);
    }
    Ok(())
}

/// The sub-pixel A/B table (see [`SUB_PIXEL_AB`]).
fn print_ab(rows: &[LayerRow]) {
    println!();
    println!(
        "Input-gradient paths of the 4×4 / 2 / 1 layers, same rounds: medians; ratio = col2im / sub-pixel (above 1: sub-pixel faster)"
    );
    println!("| workload | layer | pass | batch | sub-pixel ms | col2im ms | ratio |");
    println!("|---|---|---|---:|---:|---:|---:|");
    for row in rows.iter().filter(|r| !r.ab.is_empty()) {
        for (i, batch) in ab_batches(row.batch).into_iter().enumerate() {
            let path = |p: usize| median(&row.ab.iter().map(|t| t[i][p]).collect::<Vec<_>>());
            let (sub_pixel, col2im) = (path(0), path(1));
            println!(
                "| {} | {} | {} | {batch} | {sub_pixel:.3} | {col2im:.3} | {:.2} |",
                row.workload,
                row.layer.name(),
                PASSES[two_path_pass(&row.layer)],
                col2im / sub_pixel
            );
        }
    }
}

/// Milliseconds of (forward, input gradient, weight gradient) per call, each over `reps`
/// calls; a gradient's time is that of forward + backward minus the forward's.
fn time_layer(l: &ConvLayer, batch: usize, reps: usize, device: &Device) -> [f64; 3] {
    let x = Tensor::<4>::random(
        [batch, l.c_in, l.side, l.side],
        Distribution::Normal(0.0, 1.0),
        device,
    );
    let w_shape = if l.transposed {
        [l.c_in, l.c_out, l.kernel, l.kernel]
    } else {
        [l.c_out, l.c_in, l.kernel, l.kernel]
    };
    let w = Tensor::<4>::random(w_shape, Distribution::Normal(0.0, 0.02), device);
    let op = if l.transposed {
        ops::conv_transpose2d
    } else {
        ops::conv2d
    };
    let forward = |x: Tensor<4>, w: Tensor<4>| op(x, w, l.stride, l.padding);
    let dy = Tensor::<4>::random(
        forward(x.clone(), w.clone()).dims(),
        Distribution::Normal(0.0, 1.0),
        device,
    );
    let per_call = |f: &dyn Fn()| {
        f(); // warm-up: allocations, caches
        let start = Instant::now();
        for _ in 0..reps {
            f();
        }
        start.elapsed().as_secs_f64() * 1000.0 / reps as f64
    };
    let fwd = per_call(&|| drop(forward(x.clone(), w.clone()).into_data()));
    let with_grad = |wrt_x: bool| {
        per_call(&|| {
            let (xa, wa) = if wrt_x {
                (x.clone().require_grad(), w.clone())
            } else {
                (x.clone(), w.clone().require_grad())
            };
            let grads = (forward(xa.clone(), wa.clone()) * dy.clone())
                .sum()
                .backward();
            let g = if wrt_x {
                xa.grad(&grads)
            } else {
                wa.grad(&grads)
            };
            drop(g.map(|g| g.into_data()));
        })
    };
    [
        fwd,
        (with_grad(true) - fwd).max(0.0),
        (with_grad(false) - fwd).max(0.0),
    ]
}

/// The same three figures from the PyTorch peer (`torch.nn.functional`, same method).
fn time_torch(
    peer: &mut Peer,
    l: &ConvLayer,
    batch: usize,
    reps: usize,
) -> Result<[f64; 3], CliError> {
    let answer = peer.ask(&json!({
        "task": "layer", "transposed": l.transposed, "c_in": l.c_in, "c_out": l.c_out,
        "side": l.side, "kernel": l.kernel, "stride": l.stride, "padding": l.padding,
        "batch": batch, "reps": reps,
    }))?;
    let field = |name: &str| {
        answer[name]
            .as_f64()
            .ok_or_else(|| format!("torch peer answered {answer} without `{name}`"))
    };
    Ok([field("forward")?, field("dx")?, field("dw")?])
}

fn print_table(rows: &[LayerRow], peak: f64) {
    let Some(first) = rows.first() else { return };
    println!();
    println!(
        "Per layer, batch {} (DCGAN-32 workloads at their own batch): medians; % of the {peak:.1} \
         GFLOP/s SGEMM peak; speed-up = their time / ganvas time",
        first.batch
    );
    println!(
        "| workload | layer | pass | GFLOP | ganvas ms | ganvas % peak | torch ms | torch % peak | vs torch | Burn ops ms | vs Burn ops |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let pass_median = |times: &[[f64; 3]], pass: usize| {
        median(&times.iter().map(|t| t[pass]).collect::<Vec<_>>())
    };
    let mut totals: Vec<(String, [f64; 3])> = Vec::new();
    for row in rows {
        let flop = 2.0 * (row.batch as f64) * row.layer.macs() as f64;
        let share = |ms: f64| 100.0 * flop / (ms / 1000.0) / (peak * 1e9);
        for (pass, name) in PASSES.iter().enumerate() {
            let ours = pass_median(&row.ours, pass);
            let torch = pass_median(&row.torch, pass);
            let burn = pass_median(&row.burn, pass);
            let cell = |ms: f64, text: String| if ms.is_nan() { "–".to_string() } else { text };
            println!(
                "| {} | {} | {name} | {:.3} | {ours:.2} | {:.1} | {} | {} | {} | {} | {} |",
                row.workload,
                row.layer.name(),
                flop / 1e9,
                share(ours),
                cell(torch, format!("{torch:.2}")),
                cell(torch, format!("{:.1}", share(torch))),
                cell(torch, format!("{:.2}×", torch / ours)),
                cell(burn, format!("{burn:.2}")),
                cell(burn, format!("{:.2}×", burn / ours)),
            );
            let index = match totals.iter().position(|(w, _)| *w == row.workload) {
                Some(i) => i,
                None => {
                    totals.push((row.workload.clone(), [0.0; 3]));
                    totals.len() - 1
                }
            };
            let total = &mut totals[index].1;
            total[0] += ours;
            total[1] += torch;
            total[2] += burn;
        }
    }
    for (workload, [ours, torch, burn]) in totals {
        let ratio = |theirs: f64| {
            if theirs.is_nan() {
                "–".to_string()
            } else {
                format!("{theirs:.1} ms, {:.2}×", theirs / ours)
            }
        };
        println!(
            "{workload}: its layers above, all passes: ganvas {ours:.1} ms; torch {}; Burn ops {}",
            ratio(torch),
            ratio(burn)
        );
    }
}
