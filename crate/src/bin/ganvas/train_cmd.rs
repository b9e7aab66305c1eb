//! `ganvas train`: the native training loop around the library's step.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::Args;
use ganvas::data::{self, ImageSet, Split, Toy};
use ganvas::files::{read_checkpoint, write_atomic, write_checkpoint};
use ganvas::model::SampleShape;
use ganvas::readback::block;
use ganvas::rng::Rng;
use ganvas::run::{self, DataConfig, RunConfig, Snapshot};
use ganvas::sample::{Classes, SampleRequest};
use ganvas::train::{CaptionedImages, Source, StepStats, ToySource, Trainer, vocabulary_of};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;
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
    /// Feature extractor of the evaluations: domain or inception (protocol domain2k, on
    /// --eval-n images per set; another extractor or N is recorded in the protocol's name).
    #[arg(long, default_value = "domain", value_parser = crate::extractors::parse_kind)]
    eval_extractor: ganvas::metrics::ExtractorKind,
}

/// Set by Ctrl-C: the loop saves a checkpoint and stops.
static STOP: AtomicBool = AtomicBool::new(false);

pub fn run(args: TrainArgs) -> Result<(), CliError> {
    ganvas::limits::at_most(
        "--eval-n",
        args.eval_n as u64,
        ganvas::limits::EVAL_SAMPLES as u64,
    )?;
    let device = crate::device::parse(&args.device)?;
    let mut overrides = args.overrides.clone();
    if let Some(steps) = args.steps {
        overrides.push(format!("run.steps={steps}"));
    }
    if let Some(out) = &args.out {
        overrides.push(format!("run.out_dir={:?}", out.display().to_string()));
    }

    let (config, mut trainer, last_good) = match &args.resume {
        Some(path) => {
            let (config, trainer, good) = resume(path, &args, &overrides, &device)?;
            (config, trainer, Some(good))
        }
        None => {
            let path = args
                .config
                .as_ref()
                .ok_or("give --config FILE (or --resume)")?;
            let config = with_vocabulary(RunConfig::load(path, &overrides)?)?;
            let trainer = Trainer::new(
                config.model.clone(),
                config.train.clone(),
                config.run.seed,
                &device,
            )
            .map_err(|e| CliError::file(&path, e))?;
            (config, trainer, None)
        }
    };

    let source = load_source(&config)?;
    trainer.check_source(source.as_ref())?;
    let out = PathBuf::from(config.out_dir());
    std::fs::create_dir_all(out.join("samples")).map_err(|e| CliError::file(&out, e))?;
    let toml = config.to_toml()?;
    write_atomic(&out.join("config.toml"), toml.as_bytes())?;

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
        last_good,
    )?;
    report_modes(&config, &trainer, &device)
}

/// A checkpoint this run can fall back to: the file and the step it holds.
struct GoodCheckpoint {
    path: PathBuf,
    step: u64,
}

/// What to say about the last good checkpoint when a run stops on a failure.
fn last_good_note(last_good: &Option<GoodCheckpoint>) -> String {
    match last_good {
        Some(good) => format!(
            "the last good checkpoint is {} (step {})",
            good.path.display(),
            good.step
        ),
        None => "no checkpoint of this run was written".into(),
    }
}

fn resume(
    path: &str,
    args: &TrainArgs,
    overrides: &[String],
    device: &burn::tensor::Device,
) -> Result<(RunConfig, Trainer, GoodCheckpoint), CliError> {
    let given = args
        .config
        .as_ref()
        .map(|config| {
            RunConfig::load(config, overrides)
                .map(|c| (config, c))
                .map_err(CliError::from)
        })
        .transpose()?;
    let path = if path.is_empty() {
        let out = match (&args.out, &given) {
            (Some(out), _) => out.clone(),
            (None, Some((_, config))) => PathBuf::from(config.out_dir()),
            (None, None) => return Err("--resume without a path needs --out or --config".into()),
        };
        out.join("checkpoint.safetensors")
    } else {
        PathBuf::from(path)
    };
    let checkpoint = read_checkpoint(&path)?;
    let (stored, mut trainer) =
        run::restore(&checkpoint, device).map_err(|e| CliError::file(&path, e))?;
    let config = match given {
        // The given config, if it describes the checkpoint's architecture.
        Some((file, config)) => run::resume_config(&stored, config)
            .map_err(|e| format!("{} does not fit {}: {e}", file.display(), path.display()))?,
        // The stored config, with this command line's overrides (e.g. more steps) on top.
        None => {
            let text = checkpoint.meta("config")?;
            RunConfig::from_toml(text, overrides).map_err(|e| CliError::file(&path, e))?
        }
    };
    if config.model != trainer.model {
        return Err("--set cannot change the model of a run being resumed".into());
    }
    trainer.config = config.train.clone();
    eprintln!("resuming {} at step {}", path.display(), trainer.step);
    let good = GoodCheckpoint {
        path,
        step: trainer.step,
    };
    Ok((config, trainer, good))
}

/// Drops the lines of `log.jsonl` after `step` (all of them for a fresh run, step 0), so that a
/// resumed run does not log the steps it replays twice. Written atomically.
fn truncate_log(path: &Path, step: u64) -> Result<(), CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(CliError::file(path, e)),
    };
    let kept: String = text
        .lines()
        .take_while(|line| {
            serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v.get("step").and_then(serde_json::Value::as_u64))
                .is_some_and(|s| s <= step)
        })
        .map(|line| format!("{line}\n"))
        .collect();
    if kept.len() == text.len() {
        return Ok(());
    }
    write_atomic(path, kept.as_bytes()).map_err(CliError::from)
}

/// `config` with a text model's empty vocabulary filled with the words of its training
/// captions (a fresh run only: a resumed run keeps the vocabulary its weights were made for).
fn with_vocabulary(mut config: RunConfig) -> Result<RunConfig, CliError> {
    let (ganvas::model::ModelConfig::TextDcgan(text), DataConfig::Folder { dir }) =
        (&mut config.model, &config.data)
    else {
        return Ok(config);
    };
    if text.vocabulary.is_empty() {
        let phrases = data::captions_files::training_phrases(Path::new(dir))?;
        text.vocabulary = vocabulary_of(&phrases);
        eprintln!("vocabulary: {} words from {dir}", text.vocabulary.len());
        config.validate()?;
    }
    Ok(config)
}

/// The training data of `config`.
pub fn load_source(config: &RunConfig) -> Result<Box<dyn Source>, CliError> {
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
            if let Some(text) = config.model.text() {
                let set = data::captions_files::load_captioned_folder(
                    Path::new(dir),
                    height,
                    Split::Train,
                )
                .map_err(|e| format!("{e}{}", fetch_hint(dir)))?;
                let source = CaptionedImages::new(set.images, &set.phrases, text)
                    .map_err(|e| format!("{dir}: {e}"))?;
                return Ok(Box::new(source));
            }
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
    request: SampleRequest,
    real: Vec<f32>,
}

impl Preview {
    fn new(config: &RunConfig) -> Self {
        let mut rng = Rng::new(config.run.seed ^ 0x9e37_79b9_7f4a_7c15);
        let n = match config.model.sample_shape() {
            SampleShape::Points { .. } => 1000,
            SampleShape::Image { .. } => config.run.grid,
        };
        let request = SampleRequest::grid(&config.model, n, None, Classes::InTurn, &mut rng);
        let real = match &config.data {
            DataConfig::Toy { distribution } => distribution.sample(1000, &mut rng),
            _ => Vec::new(),
        };
        Self { request, real }
    }

    fn write(&self, config: &RunConfig, trainer: &Trainer, path: &Path) -> Result<(), CliError> {
        let device = trainer.device().clone().inner();
        if config.model.text().is_some() {
            return output::write_prompt_grid(
                &trainer.ema,
                &config.model,
                &ganvas::prompt::PREVIEW_PROMPTS.map(String::from),
                ganvas::prompt::PREVIEW_PROMPTS.len(),
                &mut Rng::new(config.run.seed ^ 0x9e37_79b9_7f4a_7c15),
                path,
                &device,
            );
        }
        let values = output::generate(&trainer.ema, &self.request, &device)?;
        let columns = match config.model.classes() {
            0 => (config.run.grid as f64).sqrt().ceil() as usize,
            classes => classes,
        };
        let picture = output::picture(&values, config.model.sample_shape(), &self.real, columns);
        output::write_png(path, &picture)
    }
}

/// Writes `trainer`'s checkpoint to `path`. A checkpoint holding a NaN or an infinity is not
/// written (the previous file stays): the error says so and names the tensors.
fn save(trainer: &Trainer, config: &RunConfig, path: &Path) -> Result<(), SaveError> {
    let snapshot = Snapshot::new(trainer, config).map_err(|e| SaveError::Other(e.to_string()))?;
    let checkpoint = block(snapshot.read()).map_err(|e| SaveError::Other(e.to_string()))?;
    if let Err(e) = checkpoint.check_finite() {
        return Err(SaveError::Diverged(e.to_string()));
    }
    write_checkpoint(path, &checkpoint).map_err(|e| SaveError::Other(e.to_string()))
}

enum SaveError {
    /// Non-finite weights: the run diverged.
    Diverged(String),
    /// Anything else (disk full, permissions).
    Other(String),
}

fn train_loop(
    config: &RunConfig,
    trainer: &mut Trainer,
    source: &dyn Source,
    out: &Path,
    preview: &Preview,
    mut eval: Option<&mut TrainEval>,
    mut last_good: Option<GoodCheckpoint>,
) -> Result<(), CliError> {
    let total = config.run.steps;
    let checkpoint_path = out.join("checkpoint.safetensors");
    let log_path = out.join("log.jsonl");
    truncate_log(&log_path, trainer.step)?;
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| CliError::file(&out, e))?;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} ({eta} left) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(trainer.step);
    let interactive = !bar.is_hidden();
    let images_per_step = config.train.images_per_step() as f64;
    let started = Instant::now();
    let first_step = trainer.step;
    // Saves, or explains why not: a diverged run names the last good checkpoint.
    let save_or_stop = |trainer: &Trainer,
                        last_good: &mut Option<GoodCheckpoint>|
     -> Result<(), CliError> {
        match save(trainer, config, &checkpoint_path) {
            Ok(()) => {
                *last_good = Some(GoodCheckpoint {
                    path: checkpoint_path.clone(),
                    step: trainer.step,
                });
                Ok(())
            }
            Err(SaveError::Diverged(what)) => {
                bar.abandon();
                Err(format!(
                    "training diverged at step {}: {what}; checkpoint not written — {}",
                    trainer.step,
                    last_good_note(last_good)
                )
                .into())
            }
            Err(SaveError::Other(e)) => Err(format!("{e} — {}", last_good_note(last_good)).into()),
        }
    };

    while trainer.step < total {
        if STOP.load(Ordering::SeqCst) {
            save_or_stop(trainer, &mut last_good)?;
            bar.abandon();
            eprintln!(
                "interrupted: saved step {} to {}",
                trainer.step,
                checkpoint_path.display()
            );
            return Ok(());
        }
        let stats = block(trainer.step(source).read())?;
        if !stats.is_finite() {
            bar.abandon();
            let values: Vec<String> = stats
                .non_finite()
                .iter()
                .map(|(name, value)| format!("{name} = {value}"))
                .collect();
            return Err(format!(
                "training diverged at step {}: {} went non-finite; stopped without saving — {}",
                stats.step,
                values.join(", "),
                last_good_note(&last_good)
            )
            .into());
        }
        let elapsed = started.elapsed().as_secs_f64();
        let rate = (trainer.step - first_step) as f64 * images_per_step / elapsed.max(1e-9);
        bar.set_position(trainer.step);
        // The adaptive augmentation probability, when it adapts.
        let ada = if config.train.ada_target > 0.0 {
            format!(" p {:.3}", stats.augment_p)
        } else {
            String::new()
        };
        bar.set_message(format!(
            "D {:.3} G {:.3} D(x) {:.2} D(G(z)) {:.2}{ada} {:.0} img/s",
            stats.d_loss, stats.g_loss, stats.d_real, stats.d_fake, rate
        ));
        let step = trainer.step;
        if step % config.run.log_every.max(1) == 0 || step == total {
            write_log(&mut log, &stats, rate, elapsed)?;
            if !interactive && (step % (total / 10).max(1) == 0 || step == total) {
                eprintln!(
                    "step {step}/{total}: d_loss {:.4} g_loss {:.4} D(x) {:.3} D(G(z)) {:.3}{ada} {:.0} img/s",
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
            save_or_stop(trainer, &mut last_good)?;
        }
        if let Some(eval) = eval.as_deref_mut() {
            let snapshot = || -> Result<_, CliError> {
                Snapshot::new(trainer, config)
                    .and_then(|snapshot| block(snapshot.read()))
                    .map_err(CliError::from)
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
) -> Result<(), CliError> {
    let mut line = serde_json::to_value(stats)?;
    if let Some(map) = line.as_object_mut() {
        map.insert("images_per_s".into(), serde_json::json!(rate));
        map.insert("elapsed_s".into(), serde_json::json!(elapsed));
    }
    writeln!(log, "{line}").map_err(|e| format!("log.jsonl: {e}").into())
}

/// For mixtures of Gaussians: how many modes the generator covers (printed at the end).
fn report_modes(
    config: &RunConfig,
    trainer: &Trainer,
    device: &burn::tensor::Device,
) -> Result<(), CliError> {
    let DataConfig::Toy { distribution } = &config.data else {
        return Ok(());
    };
    let Some(modes) = distribution.modes() else {
        return Ok(());
    };
    let mut rng = Rng::new(config.run.seed.wrapping_add(7));
    let n = 2000;
    let request = SampleRequest::grid(&config.model, n, None, Classes::InTurn, &mut rng);
    let points = output::generate(&trainer.ema, &request, device)?;
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
