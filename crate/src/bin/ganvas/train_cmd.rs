//! `ganvas train`: the native training loop around the library's step.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::Args;
use ganvas::data::{self, ImageSet, Split, Toy};
use ganvas::files::{read_checkpoint, write_checkpoint};
use ganvas::model::SampleShape;
use ganvas::rng::Rng;
use ganvas::run::{self, DataConfig, RunConfig, Snapshot};
use ganvas::sample;
use ganvas::train::{Source, StepStats, ToySource, Trainer};
use indicatif::{ProgressBar, ProgressStyle};

use crate::output;
use crate::train_eval::TrainEval;

#[derive(Args)]
pub struct TrainArgs {
    /// Run config (TOML). Optional with --resume, which reads the config from the checkpoint.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Total generator updates (overrides run.steps).
    #[arg(long)]
    steps: Option<u64>,
    /// Override one config field, e.g. --set train.lr_g=1e-4 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    /// cpu, ndarray, wgpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Output folder (overrides run.out_dir).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue from a checkpoint (default: OUT/checkpoint.safetensors).
    #[arg(long, num_args = 0..=1, default_missing_value = "")]
    resume: Option<String>,
    /// Evaluate the EMA generator every N steps (0 = never): domain FID, KID, precision and
    /// recall against the test split, logged to log.jsonl.
    #[arg(long, default_value_t = 0)]
    eval_every: u64,
    /// Keep OUT/best.safetensors by this metric: fid, kid, precision or recall.
    #[arg(long, default_value = "fid")]
    eval_metric: String,
    /// Images per set at each evaluation.
    #[arg(long, default_value_t = 2000)]
    eval_n: usize,
    /// Feature extractor of the evaluations.
    #[arg(long, value_enum, default_value = "domain")]
    eval_extractor: crate::eval_cmd::ExtractorKind,
}

/// Set by Ctrl-C: the loop saves a checkpoint and stops.
static STOP: AtomicBool = AtomicBool::new(false);

pub fn run(args: TrainArgs) -> Result<(), String> {
    let device = crate::device::parse(&args.device)?;
    let mut overrides = args.overrides.clone();
    if let Some(steps) = args.steps {
        overrides.push(format!("run.steps={steps}"));
    }
    if let Some(out) = &args.out {
        overrides.push(format!("run.out_dir={:?}", out.display().to_string()));
    }

    let (config, mut trainer) = match &args.resume {
        Some(path) => resume(path, &args, &overrides, &device)?,
        None => {
            let path = args
                .config
                .as_ref()
                .ok_or("give --config FILE (or --resume)")?;
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let config = RunConfig::from_toml(&text, &overrides)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let trainer = Trainer::new(
                config.model.clone(),
                config.train.clone(),
                config.run.seed,
                &device,
            )
            .map_err(|e| e.to_string())?;
            (config, trainer)
        }
    };

    let source = load_source(&config)?;
    trainer
        .check_source(source.as_ref())
        .map_err(|e| e.to_string())?;
    let out = PathBuf::from(config.out_dir());
    std::fs::create_dir_all(out.join("samples")).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(
        out.join("config.toml"),
        config.to_toml().map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("{}: {e}", out.display()))?;

    // Without a handler Ctrl-C kills the process at once; the last checkpoint still stands.
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));

    let preview = Preview::new(&config);
    let mut eval = TrainEval::new(
        args.eval_every,
        &args.eval_metric,
        args.eval_n,
        args.eval_extractor,
        &config,
        &device,
    )?;
    train_loop(
        &config,
        &mut trainer,
        source.as_ref(),
        &out,
        &preview,
        eval.as_mut(),
    )?;
    report_modes(&config, &trainer, &device)
}

fn resume(
    path: &str,
    args: &TrainArgs,
    overrides: &[String],
    device: &burn::tensor::Device,
) -> Result<(RunConfig, Trainer), String> {
    let path = if path.is_empty() {
        let out = match (&args.out, &args.config) {
            (Some(out), _) => out.clone(),
            (None, Some(config)) => {
                let text = std::fs::read_to_string(config)
                    .map_err(|e| format!("{}: {e}", config.display()))?;
                let config = RunConfig::from_toml(&text, overrides)
                    .map_err(|e| format!("{}: {e}", config.display()))?;
                PathBuf::from(config.out_dir())
            }
            (None, None) => return Err("--resume without a path needs --out or --config".into()),
        };
        out.join("checkpoint.safetensors")
    } else {
        PathBuf::from(path)
    };
    let checkpoint = read_checkpoint(&path).map_err(|e| e.to_string())?;
    let (_, mut trainer) =
        run::restore(&checkpoint, device).map_err(|e| format!("{}: {e}", path.display()))?;
    // The stored config, with this command line's overrides (e.g. more steps) on top.
    let stored = checkpoint.meta("config").map_err(|e| e.to_string())?;
    let config = RunConfig::from_toml(stored, overrides).map_err(|e| e.to_string())?;
    if config.model != trainer.model {
        return Err("--set cannot change the model of a run being resumed".into());
    }
    trainer.config = config.train.clone();
    eprintln!("resuming {} at step {}", path.display(), trainer.step);
    Ok((config, trainer))
}

/// The training data of `config`.
pub fn load_source(config: &RunConfig) -> Result<Box<dyn Source>, String> {
    let shape = config.model.sample_shape();
    let fetch_hint = |dir: &str| {
        let name = Path::new(dir)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        match name.as_deref() {
            Some(set @ ("fashion-mnist" | "mnist" | "emoji")) => {
                format!(" (run `ganvas data fetch {set}` first)")
            }
            _ => String::new(),
        }
    };
    match &config.data {
        DataConfig::Toy { distribution } => Ok(Box::new(ToySource(*distribution))),
        DataConfig::Idx { dir, class_names } => {
            let names: Vec<&str> = class_names.iter().map(String::as_str).collect();
            let names = (!names.is_empty()).then_some(names.as_slice());
            let set = data::load_idx_dataset(Path::new(dir), Split::Train, names)
                .map_err(|e| format!("{e}{}", fetch_hint(dir)))?;
            Ok(Box::new(fit(set, shape)))
        }
        DataConfig::Folder { dir } => {
            let SampleShape::Image {
                channels, height, ..
            } = shape
            else {
                return Err("an image folder needs an image model (kind = \"dcgan\")".into());
            };
            let set = data::load_image_folder(Path::new(dir), height, channels)
                .map_err(|e| format!("{e}{}", fetch_hint(dir)))?;
            Ok(Box::new(set))
        }
    }
}

fn fit(set: ImageSet, shape: SampleShape) -> ImageSet {
    match shape {
        SampleShape::Image { height, .. } => data::fit_resolution(&set, height),
        SampleShape::Points { .. } => set,
    }
}

/// Fixed latents (and labels) for the sample grids, and real points for toy plots.
struct Preview {
    latents: Vec<f32>,
    labels: Option<Vec<i64>>,
    real: Vec<f32>,
}

impl Preview {
    fn new(config: &RunConfig) -> Self {
        let mut rng = Rng::new(config.run.seed ^ 0x9e37_79b9_7f4a_7c15);
        let n = match config.model.sample_shape() {
            SampleShape::Points { .. } => 1000,
            SampleShape::Image { .. } => config.run.grid,
        };
        let latents = sample::latents(&config.model, n, None, &mut rng);
        let classes = config.model.classes();
        let labels = (classes > 0).then(|| (0..n).map(|i| (i % classes) as i64).collect());
        let real = match &config.data {
            DataConfig::Toy { distribution } => distribution.sample(1000, &mut rng),
            _ => Vec::new(),
        };
        Self {
            latents,
            labels,
            real,
        }
    }

    fn write(&self, config: &RunConfig, trainer: &Trainer, path: &Path) -> Result<(), String> {
        let device = trainer.device().clone().inner();
        let values = output::generate(
            &trainer.ema,
            &self.latents,
            config.model.latent_dim(),
            self.labels.as_deref(),
            &device,
        )?;
        let columns = match config.model.classes() {
            0 => (config.run.grid as f64).sqrt().ceil() as usize,
            classes => classes,
        };
        let picture = output::picture(&values, config.model.sample_shape(), &self.real, columns);
        output::write_png(path, &picture)
    }
}

fn train_loop(
    config: &RunConfig,
    trainer: &mut Trainer,
    source: &dyn Source,
    out: &Path,
    preview: &Preview,
    mut eval: Option<&mut TrainEval>,
) -> Result<(), String> {
    let total = config.run.steps;
    let checkpoint_path = out.join("checkpoint.safetensors");
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out.join("log.jsonl"))
        .map_err(|e| format!("{}: {e}", out.display()))?;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} ({eta} left) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(trainer.step);
    let interactive = !bar.is_hidden();
    let images_per_step = (config.train.effective_batch() * (config.train.n_critic + 1)) as f64;
    let started = Instant::now();
    let first_step = trainer.step;
    let save = |trainer: &Trainer| -> Result<(), String> {
        let snapshot = Snapshot::new(trainer, config).map_err(|e| e.to_string())?;
        let checkpoint = snapshot.read().map_err(|e| e.to_string())?;
        write_checkpoint(&checkpoint_path, &checkpoint).map_err(|e| e.to_string())
    };

    while trainer.step < total {
        if STOP.load(Ordering::SeqCst) {
            save(trainer)?;
            bar.abandon();
            eprintln!(
                "interrupted: saved step {} to {}",
                trainer.step,
                checkpoint_path.display()
            );
            return Ok(());
        }
        let stats = trainer.step(source).read();
        if !stats.is_finite() {
            bar.abandon();
            return Err(format!(
                "training diverged at step {} (d_loss {}, g_loss {}); stopped without saving — the last good checkpoint is {}",
                stats.step,
                stats.d_loss,
                stats.g_loss,
                checkpoint_path.display()
            ));
        }
        let elapsed = started.elapsed().as_secs_f64();
        let rate = (trainer.step - first_step) as f64 * images_per_step / elapsed.max(1e-9);
        bar.set_position(trainer.step);
        bar.set_message(format!(
            "D {:.3} G {:.3} D(x) {:.2} D(G(z)) {:.2} {:.0} img/s",
            stats.d_loss, stats.g_loss, stats.d_real, stats.d_fake, rate
        ));
        let step = trainer.step;
        if step % config.run.log_every.max(1) == 0 || step == total {
            write_log(&mut log, &stats, rate, elapsed)?;
            if !interactive && (step % (total / 10).max(1) == 0 || step == total) {
                eprintln!(
                    "step {step}/{total}: d_loss {:.4} g_loss {:.4} D(x) {:.3} D(G(z)) {:.3} {:.0} img/s",
                    stats.d_loss, stats.g_loss, stats.d_real, stats.d_fake, rate
                );
            }
        }
        if config.run.sample_every > 0 && (step % config.run.sample_every == 0 || step == total) {
            let path = out.join("samples").join(format!("step-{step:06}.png"));
            preview.write(config, trainer, &path)?;
        }
        if (config.run.checkpoint_every > 0 && step % config.run.checkpoint_every == 0)
            || step == total
        {
            save(trainer)?;
        }
        if let Some(eval) = eval.as_deref_mut() {
            let snapshot = || -> Result<_, String> {
                Snapshot::new(trainer, config)
                    .and_then(Snapshot::read)
                    .map_err(|e| e.to_string())
            };
            if let Some(report) = eval.maybe_run(config, trainer, snapshot, out, &mut log)? {
                bar.println(report);
            }
        }
    }
    bar.finish();
    eprintln!(
        "trained to step {} in {:.1}s; checkpoint {}",
        trainer.step,
        started.elapsed().as_secs_f64(),
        checkpoint_path.display()
    );
    Ok(())
}

fn write_log(
    log: &mut std::fs::File,
    stats: &StepStats,
    rate: f64,
    elapsed: f64,
) -> Result<(), String> {
    let mut line = serde_json::to_value(stats).map_err(|e| e.to_string())?;
    if let Some(map) = line.as_object_mut() {
        map.insert("images_per_s".into(), serde_json::json!(rate));
        map.insert("elapsed_s".into(), serde_json::json!(elapsed));
    }
    writeln!(log, "{line}").map_err(|e| format!("log.jsonl: {e}"))
}

/// For mixtures of Gaussians: how many modes the generator covers (printed at the end).
fn report_modes(
    config: &RunConfig,
    trainer: &Trainer,
    device: &burn::tensor::Device,
) -> Result<(), String> {
    let DataConfig::Toy { distribution } = &config.data else {
        return Ok(());
    };
    let Some(modes) = distribution.modes() else {
        return Ok(());
    };
    let mut rng = Rng::new(config.run.seed.wrapping_add(7));
    let n = 2000;
    let latents = sample::latents(&config.model, n, None, &mut rng);
    let points = output::generate(
        &trainer.ema,
        &latents,
        config.model.latent_dim(),
        None,
        &device.clone(),
    )?;
    let stats = data::mode_stats(&points, &modes);
    println!(
        "mode coverage: {}/{} modes, {:.1}% of {n} samples within 3σ of a mode ({})",
        stats.covered,
        stats.total,
        stats.high_quality * 100.0,
        Toy::name(*distribution)
    );
    Ok(())
}
