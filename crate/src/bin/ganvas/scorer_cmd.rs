//! `ganvas scorer`: trains the contrastive image–text scorer (the CLIP-score analogue of the
//! text models' metrics) on a captioned folder, measures the reference level on the held-out
//! images and writes its file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use ganvas::data::Split;
use ganvas::data::captions_files::training_phrases;
use ganvas::files::write_atomic;
use ganvas::metrics::domain::cosine_lr;
use ganvas::metrics::text_image::{
    Reference, ScorerConfig, ScorerFile, ScorerMeta, ScorerTrainer, score_images,
};
use ganvas::model::TextDcganConfig;
use ganvas::readback::block;
use ganvas::train::vocabulary_of;
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;
use crate::text_metrics::{captioned, captions_of, images_of};

/// Side of the scorer's input: the text GAN's resolution.
const SIDE: usize = 32;

#[derive(Args)]
pub struct ScorerArgs {
    /// A captioned image folder (with captions.tsv), as `ganvas data fetch emoji` writes.
    #[arg(long, default_value = "data/emoji")]
    data: PathBuf,
    /// Updates.
    #[arg(long, default_value_t = 3000)]
    steps: u64,
    /// Distinct images (and their captions) per update.
    #[arg(long, default_value_t = 128)]
    batch: usize,
    /// Peak Adam learning rate, cosine-annealed to 0.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Channels of the image tower's first convolution.
    #[arg(long, default_value_t = 32)]
    width: usize,
    /// Seed of the weights, batches and captions.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// cpu, ndarray, wgpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Where to write the scorer.
    #[arg(long, default_value = "runs/scorer-emoji.safetensors")]
    out: PathBuf,
}

pub fn run(args: ScorerArgs) -> Result<(), CliError> {
    let device = crate::device::parse(&args.device)?;
    let fetch = |e: ganvas::data::DataError| format!("{e} (run `ganvas data fetch emoji` first)");
    let phrases = training_phrases(&args.data).map_err(fetch)?;
    let config = ScorerConfig {
        text: TextDcganConfig {
            vocabulary: vocabulary_of(&phrases),
            ..TextDcganConfig::new(SIDE, 3)
        },
        width: args.width,
    };
    config.validate()?;
    let train = captioned(&args.data, Split::Train, SIDE, &config.text)?;
    let held_out = captioned(&args.data, Split::Test, SIDE, &config.text)?;
    eprintln!(
        "{} training images, {} held out; vocabulary {} words",
        train.len(),
        held_out.len(),
        config.text.vocabulary.len()
    );
    let mut trainer = ScorerTrainer::new(&config, args.seed, args.lr, &device)?;
    let bar = ProgressBar::new(args.steps);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} ({eta} left) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut recent = 0.0f64;
    for step in 0..args.steps {
        trainer.adam_config.lr = cosine_lr(args.lr, step, args.steps);
        let loss =
            block(ganvas::readback::floats(trainer.step(&train, args.batch))).map_err(|e| e.0)?[0];
        if !loss.is_finite() {
            bar.abandon();
            return Err(format!(
                "training diverged at step {step} (loss {loss}); try a smaller --lr"
            )
            .into());
        }
        recent = if step == 0 {
            f64::from(loss)
        } else {
            0.98 * recent + 0.02 * f64::from(loss)
        };
        bar.set_message(format!("loss {recent:.3}"));
        bar.inc(1);
        if bar.is_hidden() && (step + 1) % 250 == 0 {
            eprintln!("step {} loss {recent:.4}", step + 1);
        }
    }
    bar.finish();
    let seconds = started.elapsed().as_secs_f64();
    let mut file = ScorerFile {
        scorer: trainer.scorer(),
        config: config.clone(),
        meta: ScorerMeta {
            dataset: dataset_name(&args.data),
            reference: None,
            training: Some(
                serde_json::json!({
                    "steps": args.steps, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                    "width": args.width, "train_images": train.len(), "seconds": seconds,
                    "device": args.device,
                })
                .to_string(),
            ),
        },
    };
    let (images, captions) = (
        images_of(&held_out, &device),
        captions_of(&held_out, held_out.len(), args.seed),
    );
    let scores = block(score_images(&file, images, &captions, args.seed, &device))?;
    let (train_images, train_captions) = (
        images_of(&train, &device),
        captions_of(&train, train.len(), args.seed),
    );
    let seen = block(score_images(
        &file,
        train_images,
        &train_captions,
        args.seed,
        &device,
    ))?;
    println!(
        "held-out real images ({}): text-image score {:.4}, R-precision {:.4} over {} candidates (chance {:.4})",
        scores.n,
        scores.score,
        scores.r_precision,
        scores.candidates,
        1.0 / scores.candidates as f64
    );
    println!(
        "training images ({}): text-image score {:.4}, R-precision {:.4}",
        seen.n, seen.score, seen.r_precision
    );
    file.meta.reference = Some(Reference {
        text_image_score: scores.score,
        r_precision: scores.r_precision,
        candidates: scores.candidates,
        images: scores.n,
    });
    write_atomic(&args.out, &file.to_bytes()?)?;
    eprintln!(
        "wrote {} ({:.0} s of training)",
        args.out.display(),
        seconds
    );
    Ok(())
}

/// The set's name from its folder (`data/emoji` → `emoji`).
fn dataset_name(dir: &Path) -> String {
    dir.file_name()
        .map_or_else(|| "captions".into(), |n| n.to_string_lossy().into_owned())
}
