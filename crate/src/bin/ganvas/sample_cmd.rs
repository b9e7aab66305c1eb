//! `ganvas sample`: a grid of samples or latent interpolation strips from a checkpoint; for a
//! text model, a row per `--prompt` or prompt-to-prompt strips (`--prompt-to`).

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
    /// Text models: a row of --n samples for this prompt (repeatable; the same latents in
    /// every row).
    #[arg(long)]
    prompt: Vec<String>,
    /// Text models, with one --prompt: --n strips of --frames walking from --prompt to this.
    #[arg(long)]
    prompt_to: Option<String>,
    /// Use the raw generator instead of its moving average.
    #[arg(long)]
    raw: bool,
    /// cpu, ndarray, wgpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
}

/// Refuses a `--truncation` that is not a positive finite number (`ganvas sample` and `eval`).
pub fn check_truncation(truncation: Option<f32>) -> Result<(), CliError> {
    match truncation.filter(|t| !(*t > 0.0 && t.is_finite())) {
        Some(t) => Err(format!("--truncation must be a positive number, got {t}").into()),
        None => Ok(()),
    }
}

pub fn run(args: SampleArgs) -> Result<(), CliError> {
    if args.n == 0 {
        return Err("--n must be at least 1".into());
    }
    check_truncation(args.truncation)?;
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
    if model.text().is_some() || !args.prompt.is_empty() || args.prompt_to.is_some() {
        return sample_prompts(&args, &generator, model, &device);
    }
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

/// `--prompt` rows or `--prompt-to` strips of a text model.
fn sample_prompts(
    args: &SampleArgs,
    generator: &ganvas::model::Generator,
    model: &ganvas::model::ModelConfig,
    device: &burn::tensor::Device,
) -> Result<(), CliError> {
    if model.text().is_none() {
        return Err(
            "--prompt needs a text model (model.kind = \"text-dcgan\"); this one is not".into(),
        );
    }
    let mut rng = Rng::new(args.seed);
    let (samples, columns) = match (&args.prompt[..], &args.prompt_to) {
        ([], _) => return Err("this is a text model: give --prompt \"…\" (repeatable)".into()),
        ([from], Some(to)) => {
            let frames = args.frames.max(2);
            limits::at_most(
                "--n × --frames",
                args.n.saturating_mul(frames) as u64,
                limits::GRID_SAMPLES as u64,
            )?;
            let strips = ganvas::prompt::prompt_strips(
                generator,
                model,
                from,
                to,
                args.n,
                frames,
                args.truncation,
                &mut rng,
                device,
            );
            (strips, frames)
        }
        (_, Some(_)) => return Err("--prompt-to needs exactly one --prompt to start from".into()),
        (prompts, None) => {
            limits::at_most(
                "--n × prompts",
                args.n.saturating_mul(prompts.len()) as u64,
                limits::GRID_SAMPLES as u64,
            )?;
            let grid = ganvas::prompt::prompt_grid(
                generator,
                model,
                prompts,
                args.n,
                args.truncation,
                &mut rng,
                device,
            );
            (grid, args.columns.unwrap_or(args.n))
        }
    };
    let samples = samples.map_err(|e| e.to_string())?;
    let values = ganvas::readback::block(ganvas::readback::floats(samples))?;
    let picture = output::picture(&values, model.sample_shape(), &[], columns);
    output::write_png(&args.out, &picture)?;
    println!(
        "wrote {} ({}×{} px, {} samples)",
        args.out.display(),
        picture.width,
        picture.height,
        values.len() / model.sample_dim().max(1)
    );
    Ok(())
}
