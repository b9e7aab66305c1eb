//! `ganvas bench`: without `--config`, the reference workloads of bench/README.md side by side
//! with PyTorch and ONNX Runtime ([`crate::bench_suite`], and per convolution
//! [`crate::bench_layers`]); with `--config`, the training step of that config on one or more
//! devices. Data are synthetic, of the right shape, so no data set is needed; figures are
//! medians over rounds ([`crate::bench_timing`]).

use std::path::PathBuf;

use clap::Args;
use ganvas::readback::block;
use ganvas::run::RunConfig;
use ganvas::train::Trainer;

use crate::bench_suite::Suite;
use crate::bench_timing::{images_per_s, median, synthetic, time_frechet, time_steps};
use crate::error::CliError;

#[derive(Args)]
pub struct BenchArgs {
    /// Time this run config's training step on --devices instead of running the reference
    /// suite against the peers.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Override one config field (repeatable), e.g. --set train.batch=64.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    /// Devices to compare, comma-separated (cpu, ndarray, wgpu, cuda[:N]); the suite uses the
    /// first.
    #[arg(long, default_value = "cpu")]
    devices: String,
    /// Timed steps (or sampling calls) per round.
    #[arg(long, default_value_t = 5)]
    steps: usize,
    /// Rounds (the median is reported); implementations alternate within each round.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Suite: workloads, comma-separated (files bench/configs/<name>.toml).
    #[arg(long, default_value = "dcgan32-grey,dcgan32-rgb,dcgan64")]
    workloads: String,
    /// Suite: tasks, comma-separated: train, sample, frechet, layers (every convolution of the
    /// workloads alone, forward and both gradients).
    #[arg(long, default_value = "train,sample,frechet")]
    tasks: String,
    /// Suite: peers, comma-separated: torch, onnxruntime, burn (ganvas on Burn's own CPU ops,
    /// in-process); empty: ganvas alone.
    #[arg(long, default_value = "torch,onnxruntime,burn")]
    peers: String,
    /// Suite, --tasks layers: keep the layers whose name contains this text (e.g. "D 32²").
    #[arg(long)]
    only: Option<String>,
    /// Suite: CPU threads for ganvas and the peers (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Suite: the Python that runs the peers (`bash bench/peers/setup.sh` makes it).
    #[arg(long)]
    python: Option<PathBuf>,
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

pub fn run(args: BenchArgs) -> Result<(), CliError> {
    let Some(config_path) = args.config.clone() else {
        return suite(args);
    };
    let config = RunConfig::load(&config_path, &args.overrides)?;
    let source = synthetic(&config);
    let names: Vec<&str> = args.devices.split(',').map(str::trim).collect();
    let mut trainers = Vec::new();
    for name in &names {
        let device = crate::device::parse(name)?;
        let mut trainer = Trainer::new(config.model.clone(), config.train.clone(), 1, &device)?;
        trainer.check_source(source.as_ref())?;
        for _ in 0..2 {
            block(trainer.step(source.as_ref()).read())?; // warm-up (kernels, allocations)
        }
        trainers.push(trainer);
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for _ in 0..args.rounds {
        for (trainer, times) in trainers.iter_mut().zip(&mut times) {
            times.push(time_steps(trainer, source.as_ref(), args.steps)?);
        }
    }
    let images = config.train.images_per_step();
    println!(
        "{} — batch {}, n_critic {}, {} steps × {} rounds, median",
        config.name,
        config.train.effective_batch(),
        config.train.n_critic,
        args.steps,
        args.rounds
    );
    println!("{:<10} {:>10} {:>12}", "device", "ms/step", "images/s");
    for (name, times) in names.iter().zip(&times) {
        let ms = median(times);
        println!("{name:<10} {ms:>10.1} {:>12.0}", images_per_s(images, ms));
    }
    Ok(())
}

/// The reference suite against the peers.
fn suite(args: BenchArgs) -> Result<(), CliError> {
    let threads = args.threads.unwrap_or_else(rayon_threads);
    // Burn's CPU backend and faer share rayon's global pool.
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| format!("cannot size the thread pool: {e}"))?;
    let root = std::env::current_dir()?;
    if !root.join("bench/configs").is_dir() {
        return Err("run `ganvas bench` from the repository root (it reads bench/configs/)".into());
    }
    let python = args.python.clone().unwrap_or_else(|| {
        let home = std::env::var_os("HOME").unwrap_or_default();
        PathBuf::from(home).join(".cache/ganvas-py/venv/bin/python")
    });
    let device_name = list(&args.devices)
        .into_iter()
        .next()
        .unwrap_or("cpu".into());
    let suite = Suite {
        workloads: list(&args.workloads),
        tasks: list(&args.tasks),
        peers: list(&args.peers),
        only: args.only.clone(),
        rounds: args.rounds.max(1),
        reps: args.steps.max(1),
        threads,
        python,
        root,
        device: crate::device::parse(&device_name)?,
    };
    let (mut peers, peak) = crate::bench_suite::run(&suite)?;
    if suite.tasks.iter().any(|t| t == "layers") {
        crate::bench_layers::run(&suite, &mut peers, peak)?;
    }
    Ok(())
}

/// `ganvas bench-metrics`: the FID maths on synthetic features, timed.
pub fn metrics(n: usize, dim: usize) -> Result<(), CliError> {
    if n < 2 {
        return Err(format!("--n must be at least 2 (feature rows per set), got {n}").into());
    }
    if dim == 0 {
        return Err("--dim must be at least 1".into());
    }
    ganvas::limits::at_most("--n", n as u64, ganvas::limits::FEATURE_ROWS as u64).and_then(
        |()| ganvas::limits::at_most("--dim", dim as u64, ganvas::limits::FEATURE_DIM as u64),
    )?;
    let t = time_frechet(n, dim)?;
    println!(
        "Fréchet distance, {dim}-d, {n} vs {n} (f64, {} threads): statistics {:.0} ms, \
         distance {:.0} ms, total {:.0} ms (value {:.3})",
        rayon_threads(),
        t.statistics_ms,
        t.frechet_ms,
        t.statistics_ms + t.frechet_ms,
        t.value
    );
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
