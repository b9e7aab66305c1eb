//! `ganvas bench` without `--config`: the reference workloads of bench/README.md side by side
//! with PyTorch (and ONNX Runtime for sampling) on this machine. Rounds alternate between the
//! implementations (the order flips every round) and medians are reported, so a noisy machine
//! treats every side alike. Each figure also reads as a percentage of this machine's measured
//! SGEMM peak.

use std::path::PathBuf;
use std::time::Instant;

use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use ganvas::model::ops::{self, Kernels};
use ganvas::model::{Generator, ModelConfig};
use ganvas::readback::block;
use ganvas::rng::Rng;
use ganvas::run::RunConfig;
use ganvas::sample::{Classes, SampleRequest};
use ganvas::train::{Source, Trainer};
use serde_json::json;

use crate::bench_peer::Peer;
use crate::bench_timing::{images_per_s, median, synthetic, time_frechet, time_steps};
use crate::error::CliError;

/// What the suite runs.
pub struct Suite {
    /// Workload names: files `bench/configs/<name>.toml`.
    pub workloads: Vec<String>,
    /// `train`, `sample` (batch 1 and 64), `frechet`.
    pub tasks: Vec<String>,
    /// Peer runtimes: `torch`, `onnxruntime`, and `burn` (ganvas itself with Burn's CPU ops in
    /// place of our kernels: the speed-up of our op layer, measured in the same rounds).
    pub peers: Vec<String>,
    /// `layers` task: only the layers whose name contains this text.
    pub only: Option<String>,
    pub rounds: usize,
    /// Training steps (or sampling calls) per timing.
    pub reps: usize,
    pub threads: usize,
    pub python: PathBuf,
    /// The repository root (bench/ lives there).
    pub root: PathBuf,
    pub device: Device,
}

/// What one row times.
#[derive(Clone, Copy, PartialEq)]
enum Task {
    /// One training step at the workload's batch.
    Train,
    /// One sampling call of this many images.
    Sample(usize),
    /// Statistics and Fréchet distance of two 10k × 2048 feature sets.
    Frechet,
}

impl Task {
    fn describe(self, batch: usize) -> String {
        match self {
            Task::Train => format!("train, batch {batch}"),
            Task::Sample(n) => format!("sample, batch {n}"),
            Task::Frechet => "Fréchet distance, 10k v 10k".into(),
        }
    }
}

/// One timed figure: ganvas's times and each peer's, per round.
struct Row {
    workload: String,
    task: Task,
    /// `task` as printed.
    label: String,
    /// FLOPs per call (per step, per batch), when counted.
    flops: Option<f64>,
    /// Images per call.
    images: usize,
    ganvas: Vec<f64>,
    peers: Vec<(String, Vec<f64>)>,
}

/// The sampling batches timed: latency and throughput.
const SAMPLE_BATCHES: [usize; 2] = [1, 64];

impl Suite {
    /// The run config of workload `name` (`bench/configs/<name>.toml`).
    pub fn workload(&self, name: &str) -> Result<RunConfig, CliError> {
        let path = self.root.join(format!("bench/configs/{name}.toml"));
        RunConfig::load(&path, &[]).map_err(CliError::from)
    }
}

/// Runs and prints the suite's tables (train, sample, frechet); returns the peers it started
/// and the SGEMM peak in GFLOP/s, for the layer table ([`crate::bench_layers`]).
pub fn run(suite: &Suite) -> Result<(Vec<Peer>, f64), CliError> {
    let script = suite.root.join("bench/peers/torch_peer.py");
    let mut peers = Vec::new();
    let burn_ops = suite.peers.iter().any(|p| p == BURN);
    for runtime in suite.peers.iter().filter(|p| *p != BURN) {
        eprintln!("starting the {runtime} peer …");
        peers.push(Peer::start(&suite.python, &script, runtime, suite.threads)?);
    }
    let mut peak = sgemm_peak(suite, &mut peers)?;
    let mut rows = Vec::new();
    let mut ours = Vec::new();
    for name in &suite.workloads {
        let config = suite.workload(name)?;
        let (g_macs, d_macs) = macs(&config.model)?;
        let trainer = Trainer::new(config.model.clone(), config.train.clone(), 1, &suite.device)?;
        let data = synthetic(&config);
        let batch = config.train.batch;
        for task in &suite.tasks {
            match task.as_str() {
                // The PyTorch example's step: D on real, G forward, D on fake, D on the same
                // fake for G's update, G backward. Backward passes cost twice their forward.
                "train" => {
                    let flops = 2.0 * batch as f64 * (3.0 * g_macs + 9.0 * d_macs);
                    let images = config.train.images_per_step();
                    rows.push(row(name, Task::Train, batch, images, Some(flops)));
                }
                "sample" => {
                    for n in SAMPLE_BATCHES {
                        let flops = 2.0 * n as f64 * g_macs;
                        rows.push(row(name, Task::Sample(n), batch, n, Some(flops)));
                    }
                }
                "frechet" | "layers" => {}
                other => {
                    return Err(format!(
                        "unknown bench task `{other}` (train, sample, frechet, layers)"
                    )
                    .into());
                }
            }
        }
        ours.push((config, trainer, data));
    }
    if suite.tasks.iter().any(|t| t == "frechet") {
        rows.push(row("features 2048-d", Task::Frechet, 0, 0, None));
    }
    for row in &mut rows {
        // PyTorch runs everything; ONNX Runtime only samples.
        row.peers = peers
            .iter()
            .filter(|p| p.runtime == "torch" || matches!(row.task, Task::Sample(_)))
            .map(|p| (p.runtime.clone(), Vec::new()))
            .collect();
        if burn_ops && row.task != Task::Frechet {
            row.peers.push((BURN.to_string(), Vec::new()));
        }
    }

    for round in 0..suite.rounds {
        eprintln!("round {}/{} …", round + 1, suite.rounds);
        if round > 0 {
            // The peak is the best SGEMM seen in any round: a busy moment must not lower it.
            peak = peak.max(&sgemm_peak(suite, &mut peers)?);
        }
        for row in &mut rows {
            let peers_first = round % 2 == 1;
            if peers_first {
                time_peers(row, &mut peers, suite.reps)?;
                time_burn_ops(row, suite, &mut ours)?;
            }
            let ms = time_ours(row, suite, &mut ours)?;
            row.ganvas.push(ms);
            if !peers_first {
                time_burn_ops(row, suite, &mut ours)?;
                time_peers(row, &mut peers, suite.reps)?;
            }
        }
    }
    if !rows.is_empty() {
        print_table(&rows, suite, &peers, &peak);
    }
    Ok((peers, peak.best()))
}

fn row(workload: &str, task: Task, batch: usize, images: usize, flops: Option<f64>) -> Row {
    Row {
        workload: workload.into(),
        task,
        label: task.describe(batch),
        flops,
        images,
        ganvas: Vec::new(),
        peers: Vec::new(),
    }
}

/// Multiply-adds per image of G's and D's forward passes.
fn macs(model: &ModelConfig) -> Result<(f64, f64), CliError> {
    match model {
        ModelConfig::Dcgan(c) => Ok((c.generator_macs()? as f64, c.discriminator_macs()? as f64)),
        _ => Err("the bench workloads are DCGANs".into()),
    }
}

/// Milliseconds per call of ganvas on one row's task.
fn time_ours(
    row: &Row,
    suite: &Suite,
    ours: &mut [(RunConfig, Trainer, Box<dyn Source>)],
) -> Result<f64, CliError> {
    if row.task == Task::Frechet {
        let t = time_frechet(10_000, 2048)?;
        return Ok(t.statistics_ms + t.frechet_ms);
    }
    let index = suite
        .workloads
        .iter()
        .position(|w| *w == row.workload)
        .ok_or("workload vanished")?;
    let (config, trainer, data) = &mut ours[index];
    let reps = suite.reps;
    if row.task == Task::Train {
        if trainer.step == 0 {
            for _ in 0..2 {
                block(trainer.step(data.as_ref()).read())?; // warm-up: allocations, caches
            }
        }
        return Ok(time_steps(trainer, data.as_ref(), reps)?);
    }
    let generator = trainer.generator.valid();
    let mut rng = Rng::new(2);
    let mut call = || {
        sample_once(
            &generator,
            &config.model,
            row.images,
            &mut rng,
            &suite.device,
        )
    };
    call()?; // warm-up
    let start = Instant::now();
    for _ in 0..reps {
        call()?;
    }
    Ok(start.elapsed().as_secs_f64() * 1000.0 / reps as f64)
}

/// Latents, G in evaluation mode, values back in host memory: what the peers time too.
fn sample_once(
    generator: &Generator,
    model: &ModelConfig,
    batch: usize,
    rng: &mut Rng,
    device: &Device,
) -> Result<usize, CliError> {
    let request = SampleRequest::grid(model, batch, None, Classes::InTurn, rng);
    let values = crate::output::generate(generator, &request, device)?;
    Ok(values.len())
}

/// The in-process peer: ganvas with Burn's CPU ops instead of our kernels.
const BURN: &str = "burn";

/// Times the row with [`Kernels::Burn`] when the `burn` peer was asked for.
fn time_burn_ops(
    row: &mut Row,
    suite: &Suite,
    ours: &mut [(RunConfig, Trainer, Box<dyn Source>)],
) -> Result<(), CliError> {
    if !row.peers.iter().any(|(name, _)| name == BURN) {
        return Ok(());
    }
    ops::set_kernels(Kernels::Burn);
    let ms = time_ours(row, suite, ours);
    ops::set_kernels(Kernels::Ganvas);
    if let Some((_, times)) = row.peers.iter_mut().find(|(name, _)| name == BURN) {
        times.push(ms?);
    }
    Ok(())
}

fn time_peers(row: &mut Row, peers: &mut [Peer], reps: usize) -> Result<(), CliError> {
    for (runtime, times) in row.peers.iter_mut().filter(|(name, _)| name != BURN) {
        let peer = peers
            .iter_mut()
            .find(|p| p.runtime == *runtime)
            .ok_or("peer vanished")?;
        let request = match row.task {
            Task::Train => json!({"task": "train", "workload": row.workload, "reps": reps}),
            Task::Sample(n) => {
                json!({"task": "sample", "workload": row.workload, "batch": n, "reps": reps})
            }
            Task::Frechet => json!({"task": "frechet", "n": 10_000, "dim": 2048, "reps": 1}),
        };
        times.push(peer.number(&request, "ms")?);
    }
    Ok(())
}

/// The best of Burn's matmul on the bench device and the peers' `torch.mm`, in GFLOP/s.
fn sgemm_peak(suite: &Suite, peers: &mut [Peer]) -> Result<Peak, CliError> {
    let n = 2048;
    let a = Tensor::<2>::random([n, n], Distribution::Default, &suite.device);
    let b = Tensor::<2>::random([n, n], Distribution::Default, &suite.device);
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        let c = a.clone().matmul(b.clone());
        c.into_data();
        best = best.min(start.elapsed().as_secs_f64());
    }
    let ours = 2.0 * (n as f64).powi(3) / best / 1e9;
    let torch = match peers.iter_mut().find(|p| p.runtime == "torch") {
        Some(p) => Some(p.number(&json!({"task": "sgemm", "n": n, "reps": 5}), "gflops")?),
        None => None,
    };
    Ok(Peak { ours, torch })
}

struct Peak {
    ours: f64,
    torch: Option<f64>,
}

impl Peak {
    fn max(&self, other: &Peak) -> Peak {
        Peak {
            ours: self.ours.max(other.ours),
            torch: match (self.torch, other.torch) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
        }
    }

    fn best(&self) -> f64 {
        self.torch.map_or(self.ours, |t| t.max(self.ours))
    }
}

fn print_table(rows: &[Row], suite: &Suite, peers: &[Peer], peak: &Peak) {
    println!(
        "ganvas bench — {} threads, {} rounds × {} reps, medians; device {:?}",
        suite.threads, suite.rounds, suite.reps, suite.device
    );
    for peer in peers {
        println!("peer {}: {}", peer.runtime, peer.info);
    }
    if suite.peers.iter().any(|p| p == BURN) {
        println!(
            "peer {BURN}: ganvas with Burn 0.22.1's Flex ops and autodiff's generic backward (no op layer)"
        );
    }
    println!(
        "SGEMM 2048³ f32, best over rounds: ganvas (Burn matmul) {:.1} GFLOP/s{}; peak = {:.1} GFLOP/s",
        peak.ours,
        peak.torch
            .map_or(String::new(), |t| format!(", torch.mm {t:.1} GFLOP/s")),
        peak.best()
    );
    println!(
        "speed-up = peer time / ganvas time (above 1: ganvas is faster); % = FLOPs per second \
         as a share of the SGEMM peak"
    );
    println!(
        "| workload | task | GFLOP | ganvas ms | ganvas img/s | ganvas % peak | peer | peer ms | peer % peak | speed-up |"
    );
    println!("|---|---|---:|---:|---:|---:|---|---:|---:|---:|");
    let share = |flops: Option<f64>, ms: f64| {
        flops.map_or("–".to_string(), |f| {
            format!("{:.1}", 100.0 * f / (ms / 1000.0) / (peak.best() * 1e9))
        })
    };
    for row in rows {
        let ours = median(&row.ganvas);
        let gflop = row.flops.map_or("–".into(), |f| format!("{:.2}", f / 1e9));
        let rate = match row.images {
            0 => "–".to_string(),
            n => format!("{:.0}", images_per_s(n, ours)),
        };
        let ours_cells = format!(
            "| {} | {} | {gflop} | {} | {rate} | {} |",
            row.workload,
            row.label,
            milliseconds(ours),
            share(row.flops, ours)
        );
        if row.peers.is_empty() {
            println!("{ours_cells} – | – | – | – |");
        }
        for (runtime, times) in &row.peers {
            let theirs = median(times);
            println!(
                "{ours_cells} {runtime} | {} | {} | {:.2}× |",
                milliseconds(theirs),
                share(row.flops, theirs),
                theirs / ours
            );
        }
    }
}

/// Milliseconds with two decimals below 10 ms (batch-1 calls), one above.
fn milliseconds(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.1}")
    }
}
