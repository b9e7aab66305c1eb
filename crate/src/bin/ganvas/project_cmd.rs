//! `ganvas project`: the latent (and class) whose sample comes closest to an image, saved as a
//! picture of the target, the best random start and the reconstruction side by side.

use std::path::PathBuf;

use clap::Args;
use ganvas::data::folder::load_image_files;
use ganvas::files::read_checkpoint;
use ganvas::project::{ProjectOptions, Projector};
use ganvas::readback::block;
use ganvas::run::{self, Weights};
use ganvas::sample::{Picture, grid, images_to_rgba};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;
use crate::output;

#[derive(Args)]
pub struct ProjectArgs {
    /// The checkpoint (.safetensors) written by `ganvas train`.
    #[arg(long)]
    checkpoint: PathBuf,
    /// The image to project (PNG or JPEG; centre-cropped and resized to the model's size).
    #[arg(long)]
    image: PathBuf,
    /// Gradient steps.
    #[arg(long, default_value_t = 300)]
    steps: usize,
    /// Random latents scored to choose where to start.
    #[arg(long, default_value_t = 256)]
    candidates: usize,
    /// Best candidates refined side by side.
    #[arg(long, default_value_t = 4)]
    starts: usize,
    /// Adam's step size on the latent.
    #[arg(long, default_value_t = 0.05)]
    lr: f64,
    /// The class to project into (conditional models; default: search every class).
    #[arg(long)]
    class: Option<usize>,
    /// Seed of the candidate latents.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output PNG: target | best random start | reconstruction.
    #[arg(long, default_value = "projection.png")]
    out: PathBuf,
    /// Also write the latent and class as JSON here.
    #[arg(long)]
    latent_out: Option<PathBuf>,
    /// cpu, ndarray, wgpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
}

pub fn run(args: ProjectArgs) -> Result<(), CliError> {
    let device = crate::device::parse(&args.device)?;
    let checkpoint = read_checkpoint(&args.checkpoint)?;
    let (config, generator) = run::load_generator(&checkpoint, &device, Weights::Ema)
        .map_err(|e| CliError::file(&args.checkpoint, e))?;
    let model = &config.model;
    let Some([channels, height, width]) = model.sample_shape().image() else {
        return Err("projection needs an image model; this checkpoint draws 2-D points".into());
    };
    let target = load_image_files(std::slice::from_ref(&args.image), height, channels, None)
        .map_err(|e| CliError::file(&args.image, e))?
        .batch_f32(&[0]);
    let options = ProjectOptions {
        steps: args.steps,
        candidates: args.candidates,
        starts: args.starts,
        lr: args.lr,
        class: args.class,
        seed: args.seed,
    };
    let mut projector = block(Projector::new(&generator, model, &target, options, &device))?;
    let start = block(projector.read())?;
    let bar = ProgressBar::new(args.steps as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps  {msg}")
            .map_err(|e| e.to_string())?,
    );
    while !projector.done() {
        projector.run(25);
        let now = block(projector.read())?;
        bar.set_position(now.step as u64);
        bar.set_message(format!("MSE {:.4}", now.mse));
    }
    bar.finish_and_clear();
    let end = block(projector.read())?;

    let strip: Vec<f32> = [&target[..], &start.image, &end.image].concat();
    let rgba = images_to_rgba(&strip, channels, height, width);
    let picture: Picture = grid(&rgba, height, width, 3);
    output::write_png(&args.out, &picture)?;
    if let Some(path) = &args.latent_out {
        let json = serde_json::json!({ "latent": end.latent, "class": end.class, "mse": end.mse });
        std::fs::write(path, json.to_string()).map_err(|e| CliError::file(path, e))?;
    }
    let class = end.class.map_or(String::new(), |c| format!(", class {c}"));
    println!(
        "projected {} in {} steps{class}: MSE {:.4} → {:.4} (PSNR {:.1} → {:.1} dB); wrote {}",
        args.image.display(),
        end.step,
        start.mse,
        end.mse,
        start.psnr(),
        end.psnr(),
        args.out.display()
    );
    Ok(())
}
