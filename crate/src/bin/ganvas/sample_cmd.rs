//! `ganvas sample`: a grid of samples or latent interpolation strips from a checkpoint.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use ganvas::files::read_checkpoint;
use ganvas::limits;
use ganvas::model::SampleShape;
use ganvas::rng::Rng;
use ganvas::run::{self, DataConfig, Weights};
use ganvas::sample::{self, Classes, Interpolation, SampleRequest};

use crate::error::CliError;
use crate::output;

#[derive(Clone, Copy, ValueEnum)]
enum Walk {
    Lerp,
    Slerp,
}

#[derive(Args)]
pub struct SampleArgs {
    /// The checkpoint (.safetensors) written by `ganvas train`.
    #[arg(long)]
    checkpoint: PathBuf,
    /// Number of samples (with --interpolate: number of strips).
    #[arg(long, default_value_t = 64)]
    n: usize,
    /// Truncation threshold for Gaussian latents (redraw |z| > t); none by default.
    #[arg(long, allow_negative_numbers = true)]
    truncation: Option<f32>,
    /// Seed of the latents.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Class of every sample (conditional models; default: classes in turn).
    #[arg(long)]
    class: Option<usize>,
    /// Output PNG.
    #[arg(long, default_value = "samples.png")]
    out: PathBuf,
    /// Images per row (default: square grid, or one class per column).
    #[arg(long)]
    columns: Option<usize>,
    /// Write interpolation strips between random latent pairs instead of a grid.
    #[arg(long, value_enum)]
    interpolate: Option<Walk>,
    /// Frames per interpolation strip.
    #[arg(long, default_value_t = 8)]
    frames: usize,
    /// Use the raw generator instead of its moving average.
    #[arg(long)]
    raw: bool,
    /// cpu, ndarray, wgpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
}

pub fn run(args: SampleArgs) -> Result<(), CliError> {
    if args.n == 0 {
        return Err("--n must be at least 1".into());
    }
    if let Some(t) = args.truncation.filter(|t| !(*t > 0.0 && t.is_finite())) {
        return Err(format!("--truncation must be a positive number, got {t}").into());
    }
    let limit = |field: &str, value: usize, max: usize| {
        limits::at_most(field, value as u64, max as u64).map_err(CliError::from)
    };
    limit("--n", args.n, limits::GRID_SAMPLES)?;
    if args.interpolate.is_some() {
        limit("--frames", args.frames, limits::FRAMES)?;
        limit(
            "--n × --frames",
            args.n.saturating_mul(args.frames),
            limits::GRID_SAMPLES,
        )?;
    }
    let device = crate::device::parse(&args.device)?;
    let checkpoint = read_checkpoint(&args.checkpoint)?;
    let weights = if args.raw { Weights::Raw } else { Weights::Ema };
    let (config, generator) = run::load_generator(&checkpoint, &device, weights)
        .map_err(|e| CliError::file(&args.checkpoint, e))?;
    let model = &config.model;
    let classes = model.classes();
    if let Some(class) = args.class {
        if class >= classes {
            return Err(match classes {
                0 => "--class needs a class-conditional model; this one is unconditional".into(),
                n => format!(
                    "--class {class} is out of range: this model has classes 0..{}",
                    n - 1
                ),
            }
            .into());
        }
    }
    let mut rng = Rng::new(args.seed);
    let which = args.class.map_or(Classes::InTurn, Classes::Only);
    let (request, columns) = match args.interpolate {
        None => {
            let columns = args
                .columns
                .unwrap_or(if classes > 0 && args.class.is_none() {
                    classes
                } else {
                    (args.n as f64).sqrt().ceil() as usize
                });
            let request = SampleRequest::grid(model, args.n, args.truncation, which, &mut rng);
            (request, columns)
        }
        Some(walk) => {
            if !matches!(model.sample_shape(), SampleShape::Image { .. }) {
                return Err("interpolation strips need an image model".into());
            }
            let mode = match walk {
                Walk::Lerp => Interpolation::Lerp,
                Walk::Slerp => Interpolation::Slerp,
            };
            let frames = args.frames.max(2);
            let request = SampleRequest::strips(
                model,
                args.n,
                frames,
                args.truncation,
                mode,
                which,
                &mut rng,
            );
            (request, frames)
        }
    };
    if let Some(t) = args.truncation.filter(|_| request.clamped > 0) {
        eprintln!(
            "note: --truncation {t:?} could not be met by redrawing ({} draws each): {} of \
             {} latent values were clamped to ±{t:?}",
            sample::MAX_REDRAWS,
            request.clamped,
            request.latents.len(),
        );
    }
    let rows = request.len();
    let values = output::generate(&generator, &request, &device)?;
    let real = match &config.data {
        DataConfig::Toy { distribution } => distribution.sample(1000, &mut Rng::new(args.seed + 1)),
        _ => Vec::new(),
    };
    let picture = output::picture(&values, model.sample_shape(), &real, columns);
    output::write_png(&args.out, &picture)?;
    println!(
        "wrote {} ({}×{} px, {rows} samples)",
        args.out.display(),
        picture.width,
        picture.height
    );
    Ok(())
}
