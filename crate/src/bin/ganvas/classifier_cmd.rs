//! `ganvas classifier`: trains a domain classifier (the feature extractor of the domain
//! metrics) on an MNIST-family set or on the emoji categories, measures it on the test split
//! and writes its weights file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use ganvas::data::{self, FASHION_MNIST_CLASSES, ImageSet, MNIST_CLASSES, Split};
use ganvas::files::write_atomic;
use ganvas::metrics::domain::{
    self, ClassifierTrainer, DomainConfig, DomainExtractor, DomainMeta, TrainingRecord,
};
use ganvas::readback::block;
use ganvas::rng::Rng;
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;

/// The sets a domain classifier can be trained on.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DomainSet {
    FashionMnist,
    Mnist,
    /// The emoji's Unicode categories, at 32×32 RGB (the shipped emoji GAN's size).
    Emoji,
}

impl DomainSet {
    /// The set's name as `ganvas data fetch` and the extractor name spell it.
    fn name(self) -> &'static str {
        match self {
            DomainSet::FashionMnist => "fashion-mnist",
            DomainSet::Mnist => "mnist",
            DomainSet::Emoji => "emoji",
        }
    }

    /// One split of the set, labelled.
    fn load(self, dir: &Path, split: Split) -> Result<ImageSet, CliError> {
        let loaded = match self {
            DomainSet::FashionMnist => {
                data::load_idx_dataset(dir, split, Some(&FASHION_MNIST_CLASSES))
            }
            DomainSet::Mnist => data::load_idx_dataset(dir, split, Some(&MNIST_CLASSES)),
            DomainSet::Emoji => data::emoji::load_emoji_categories(dir, EMOJI_SIDE, split),
        };
        Ok(loaded.map_err(|e| format!("{e} (run `ganvas data fetch {}` first)", self.name()))?)
    }
}

/// Side of the emoji classifier's input: the shipped emoji GAN's resolution.
const EMOJI_SIDE: usize = 32;

#[derive(Args)]
pub struct ClassifierArgs {
    /// The data set to learn.
    #[arg(long, value_enum)]
    data: DomainSet,
    /// Folder holding <set>/ as written by `ganvas data fetch <set>`.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// Passes over the training images.
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    /// Images per step.
    #[arg(long, default_value_t = 128)]
    batch: usize,
    /// Peak Adam learning rate, cosine-annealed to 0 over the run.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Channels of the first convolution (the file grows with its square: 16 ≈ 0.7 MB).
    #[arg(long, default_value_t = 16)]
    width: usize,
    /// Seed of the initial weights and of the batch order.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// cpu, ndarray, wgpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Output file (default www/models/domain-<set>.safetensors).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: ClassifierArgs) -> Result<(), CliError> {
    if args.epochs == 0 || args.batch == 0 || args.width == 0 {
        return Err("--epochs, --batch and --width must be at least 1".into());
    }
    use ganvas::limits::{BATCH, DCGAN_WIDTH, at_most};
    at_most("--batch", args.batch as u64, BATCH as u64)
        .and_then(|()| at_most("--width", args.width as u64, DCGAN_WIDTH as u64))
        .and_then(|()| at_most("--epochs", args.epochs as u64, 10_000))?;
    let device = crate::device::parse(&args.device)?;
    let set_name = args.data.name();
    let dir = args.data_dir.join(set_name);
    let train = args.data.load(&dir, Split::Train)?;
    let test = args.data.load(&dir, Split::Test)?;
    let config = DomainConfig {
        resolution: train.height,
        channels: train.channels,
        classes: train.num_classes(),
        width: args.width,
    };
    domain::check_set(&train, &config)?;
    eprintln!(
        "training {} on {} {} training images ({} classes), {} epochs of batch {}, on {}",
        domain::extractor_name(set_name),
        train.len(),
        set_name,
        config.classes,
        args.epochs,
        args.batch,
        args.device
    );

    let mut trainer = ClassifierTrainer::new(&config, args.seed, args.lr, &device)?;
    let started = Instant::now();
    train_loop(&args, &train, &mut trainer)?;
    let seconds = started.elapsed().as_secs_f64();

    let classifier = trainer.classifier();
    let accuracy = block(domain::accuracy(&classifier, &test, 500))?;
    println!(
        "test accuracy: {:.2} % ({} of {} test images) after {} epochs in {:.0} s",
        accuracy.rate() * 100.0,
        accuracy.correct,
        accuracy.total,
        args.epochs,
        seconds
    );

    let meta = DomainMeta {
        dataset: set_name.to_string(),
        class_names: test.class_names.clone(),
        test_accuracy: accuracy.rate(),
        test_images: accuracy.total,
        training: Some(TrainingRecord {
            epochs: args.epochs,
            batch: args.batch,
            lr: args.lr,
            seed: args.seed,
            train_images: train.len(),
            seconds: (seconds * 10.0).round() / 10.0,
            device: args.device.clone(),
        }),
    };
    let extractor = DomainExtractor::new(classifier, meta)?;
    let bytes = extractor.to_bytes()?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("www/models").join(format!("domain-{set_name}.safetensors")));
    write_atomic(&out, &bytes)?;
    println!(
        "wrote {} ({:.0} KB, extractor {})",
        out.display(),
        bytes.len() as f64 / 1024.0,
        extractor.name()
    );
    Ok(())
}

/// `epochs` passes over `train` in a fresh random order each, batch by batch.
fn train_loop(
    args: &ClassifierArgs,
    train: &ImageSet,
    trainer: &mut ClassifierTrainer,
) -> Result<(), CliError> {
    let steps_per_epoch = train.len().div_ceil(args.batch);
    let total = (steps_per_epoch * args.epochs) as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} ({eta} left) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let interactive = !bar.is_hidden();
    let mut rng = Rng::new(args.seed ^ 0x5eed_c1a5_51f1_e500);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let started = Instant::now();
    let mut images_done = 0usize;
    for epoch in 1..=args.epochs {
        rng.shuffle(&mut order);
        let (mut loss_sum, mut correct_sum, mut seen) = (0.0f64, 0.0f64, 0usize);
        for indices in order.chunks(args.batch) {
            trainer.adam_config.lr = domain::cosine_lr(args.lr, trainer.steps, total);
            let stats = trainer
                .step(train, indices)
                .and_then(|pending| block(pending.read()))?;
            if !stats.loss.is_finite() {
                bar.abandon();
                return Err(format!(
                    "training diverged at step {} (loss {}); try a smaller --lr",
                    trainer.steps, stats.loss
                )
                .into());
            }
            loss_sum += f64::from(stats.loss) * stats.batch as f64;
            correct_sum += f64::from(stats.accuracy) * stats.batch as f64;
            seen += stats.batch;
            images_done += stats.batch;
            let rate = images_done as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.set_position(trainer.steps);
            bar.set_message(format!(
                "epoch {epoch}/{} loss {:.4} acc {:.2} % {:.0} img/s",
                args.epochs,
                loss_sum / seen as f64,
                correct_sum / seen as f64 * 100.0,
                rate
            ));
        }
        let line = format!(
            "epoch {epoch}/{}: train loss {:.4}, train accuracy {:.2} %, {:.0} s",
            args.epochs,
            loss_sum / seen.max(1) as f64,
            correct_sum / seen.max(1) as f64 * 100.0,
            started.elapsed().as_secs_f64()
        );
        if interactive {
            bar.println(line);
        } else {
            eprintln!("{line}");
        }
    }
    bar.finish();
    Ok(())
}
