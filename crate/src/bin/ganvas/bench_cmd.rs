//! `ganvas bench`: times the training step of a config on synthetic data of the right shape
//! (so no data set is needed), as medians over rounds.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use ganvas::data::ImageSet;
use ganvas::model::SampleShape;
use ganvas::rng::Rng;
use ganvas::run::RunConfig;
use ganvas::train::{Source, ToySource, Trainer};

#[derive(Args)]
pub struct BenchArgs {
    /// Run config whose model and training settings are timed.
    #[arg(long)]
    config: PathBuf,
    /// Override one config field (repeatable), e.g. --set train.batch=64.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    /// Devices to compare, comma-separated (cpu, ndarray, wgpu, cuda[:N]).
    #[arg(long, default_value = "cpu")]
    devices: String,
    /// Timed steps per round.
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Rounds (the median is reported); devices alternate within each round.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

pub fn run(args: BenchArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.config)
        .map_err(|e| format!("{}: {e}", args.config.display()))?;
    let config = RunConfig::from_toml(&text, &args.overrides).map_err(|e| e.to_string())?;
    let source = synthetic(&config);
    let names: Vec<&str> = args.devices.split(',').map(str::trim).collect();
    let mut trainers = Vec::new();
    for name in &names {
        let device = crate::device::parse(name)?;
        let mut trainer = Trainer::new(config.model.clone(), config.train.clone(), 1, &device)
            .map_err(|e| e.to_string())?;
        trainer
            .check_source(source.as_ref())
            .map_err(|e| e.to_string())?;
        for _ in 0..2 {
            trainer.step(source.as_ref()).read(); // warm-up (kernels, allocations)
        }
        trainers.push(trainer);
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for _ in 0..args.rounds {
        for (trainer, times) in trainers.iter_mut().zip(&mut times) {
            let start = Instant::now();
            for _ in 0..args.steps {
                trainer.step(source.as_ref()).read();
            }
            times.push(start.elapsed().as_secs_f64() * 1000.0 / args.steps as f64);
        }
    }
    let batch = config.train.effective_batch();
    println!(
        "{} — batch {batch}, n_critic {}, {} steps × {} rounds, median",
        config.name, config.train.n_critic, args.steps, args.rounds
    );
    println!("{:<10} {:>10} {:>12}", "device", "ms/step", "images/s");
    for (name, times) in names.iter().zip(&mut times) {
        times.sort_by(f64::total_cmp);
        let ms = times[times.len() / 2];
        println!("{name:<10} {ms:>10.1} {:>12.0}", batch as f64 * 1000.0 / ms);
    }
    Ok(())
}

/// Random data of the model's sample shape (and classes).
fn synthetic(config: &RunConfig) -> Box<dyn Source> {
    match config.model.sample_shape() {
        SampleShape::Points { .. } => Box::new(ToySource(ganvas::data::Toy::Gaussians8)),
        SampleShape::Image {
            channels,
            height,
            width,
        } => Box::new(ImageSet::random(
            256,
            channels,
            height,
            width,
            config.model.classes(),
            &mut Rng::new(1),
        )),
    }
}

/// `ganvas bench-metrics`: the FID maths on synthetic features, timed.
pub fn metrics(n: usize, dim: usize) -> Result<(), String> {
    let origin = Instant::now();
    let now = || origin.elapsed().as_secs_f64() * 1000.0;
    let t = ganvas::metrics::bench::time_frechet(n, dim, 1, &now).map_err(|e| e.to_string())?;
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
