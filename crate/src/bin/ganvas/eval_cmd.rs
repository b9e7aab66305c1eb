//! `ganvas eval`: metrics of a checkpoint against its data set's test split, or of one image
//! folder against another (as pytorch-fid does), on a named feature extractor.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use clap::{Args, ValueEnum};
use ganvas::data::{self, ImageSet, Split};
use ganvas::files::read_checkpoint;
use ganvas::metrics::protocol::parse_metrics;
use ganvas::metrics::{
    EvalSettings, Extractor, FeatureSet, ImageShape, MetricResult, MsSsimParams, evaluate,
    extract_set,
};
use ganvas::model::{Generator, SampleShape};
use ganvas::rng::Rng;
use ganvas::run::{self, DataConfig, RunConfig, Weights};
use ganvas::sample::{self, Classes, SampleRequest};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;
use crate::extractors;

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum ExtractorKind {
    /// The small classifier trained by `ganvas classifier` on the model's data set (fast;
    /// results are named `…@domain-<set>`).
    Domain,
    /// The TF Inception-v3 (2015-12-05, pool3) of standard FID.
    Inception,
}

#[derive(Args)]
pub struct EvalArgs {
    /// A checkpoint to sample the fake images from (its EMA generator).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// A folder of real images (default with --checkpoint: the test split of its data set).
    #[arg(long)]
    real: Option<PathBuf>,
    /// A folder of generated images (instead of --checkpoint).
    #[arg(long)]
    fake: Option<PathBuf>,
    /// The reference level: score the checkpoint's data set against itself instead of its
    /// samples — the training split in place of the generated images (for a folder, which has
    /// no split, its odd-numbered images against its even-numbered ones).
    #[arg(long, requires = "checkpoint", conflicts_with_all = ["real", "fake"])]
    real_vs_real: bool,
    /// Comma-separated: fid, kid, pr, dc, is, diversity.
    #[arg(long, default_value = "fid,kid,pr,dc")]
    metrics: String,
    /// Images per set (fewer if a folder or split holds fewer).
    #[arg(long, default_value_t = 10000)]
    n: usize,
    /// Feature extractor.
    #[arg(long, value_enum, default_value = "domain")]
    extractor: ExtractorKind,
    /// Extractor weights (default: www/models/domain-<set>.safetensors for domain,
    /// ~/.cache/ganvas/inception-2015-12-05.safetensors for inception).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Data set of the domain classifier when it cannot be told from a checkpoint
    /// (fashion-mnist or mnist).
    #[arg(long)]
    dataset: Option<String>,
    /// Side in pixels that folder images are resized to (default: the checkpoint's resolution,
    /// else the domain classifier's; with --extractor inception each folder's own size, so
    /// that Inception's resize to 299 is the only one).
    #[arg(long)]
    size: Option<usize>,
    /// Neighbours for precision/recall/density/coverage.
    #[arg(long, default_value_t = ganvas::metrics::prdc::DEFAULT_K)]
    k: usize,
    /// KID subsets and their size.
    #[arg(long, default_value_t = 100)]
    kid_subsets: usize,
    #[arg(long, default_value_t = 1000)]
    kid_subset_size: usize,
    /// Seed of the latents and of the KID subsets.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Images per extractor batch.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Write the results (with their protocols) as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// cpu, ndarray, wgpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
}

pub fn run(args: EvalArgs) -> Result<(), CliError> {
    let metrics = parse_metrics(&args.metrics)?;
    if args.n < 2 {
        return Err("--n must be at least 2".into());
    }
    let limit = |field: &str, value: usize, max: usize| {
        ganvas::limits::at_most(field, value as u64, max as u64).map_err(CliError::from)
    };
    limit("--n", args.n, ganvas::limits::EVAL_SAMPLES)?;
    limit(
        "--kid-subset-size",
        args.kid_subset_size,
        ganvas::limits::EVAL_SAMPLES,
    )?;
    limit("--kid-subsets", args.kid_subsets, 10_000)?;
    limit("--batch", args.batch, ganvas::limits::BATCH)?;
    if args.batch == 0 {
        return Err("--batch must be at least 1".into());
    }
    if let Some(size) = args.size {
        if size == 0 {
            return Err("--size must be at least 1".into());
        }
        limit("--size", size, ganvas::limits::IMAGE_SIZE)?;
    }
    let device = crate::device::parse(&args.device)?;
    let checkpoint = match &args.checkpoint {
        Some(path) => {
            let c = read_checkpoint(path)?;
            let config = run::config_of(&c).map_err(|e| CliError::file(&path, e))?;
            Some((path.clone(), c, config))
        }
        None => None,
    };
    if checkpoint.is_none() && (args.real.is_none() || args.fake.is_none()) {
        return Err("give --checkpoint, or both --real DIR and --fake DIR".into());
    }
    if checkpoint.is_some() && args.fake.is_some() {
        return Err("give either --checkpoint or --fake, not both".into());
    }
    let config = checkpoint.as_ref().map(|(_, _, c)| c);
    if let Some(c) = config {
        if !matches!(c.model.sample_shape(), SampleShape::Image { .. }) {
            return Err(format!(
                "{} is a 2-D point model: its metric is mode coverage, which `ganvas train` \
                 prints at the end of a run",
                c.name
            )
            .into());
        }
    }
    let dataset = args
        .dataset
        .clone()
        .or_else(|| config.and_then(dataset_of))
        .unwrap_or_default();
    let extractor = extractors::load(args.extractor, args.weights.as_deref(), &dataset, &device)?;
    let (channels, size) = match config.map(|c| c.model.sample_shape()) {
        Some(SampleShape::Image {
            channels, height, ..
        }) => (channels, height),
        _ => extractors::preferred_input(extractor.as_ref(), args.size),
    };
    let size = args.size.unwrap_or(size);
    // Inception resizes to 299 itself, with the reference's resize: a folder of equal square
    // images goes in at its own size (no intermediate --size shrink), with alpha dropped as
    // PIL's convert("RGB") does in the reference folder pipelines. --size still applies when
    // given, and domain extractors read folders at --size.
    let inception_folders =
        matches!(args.extractor, ExtractorKind::Inception) && args.size.is_none();
    let read_folder = |dir: &Path| -> Result<ImageSet, CliError> {
        if !inception_folders {
            return folder(dir, size, channels, args.n, data::Alpha::OverWhite);
        }
        let native = data::common_square_size(dir)?;
        let side = match native {
            Some(s) if s <= ganvas::limits::IMAGE_SIZE => s,
            _ => {
                eprintln!(
                    "note: the images in {} are not all square and of one size (at most {} px); \
                     reading them at {}×{} (resize and centre crop) before Inception",
                    dir.display(),
                    ganvas::limits::IMAGE_SIZE,
                    INCEPTION_SIDE,
                    INCEPTION_SIDE
                );
                INCEPTION_SIDE
            }
        };
        folder(dir, side, channels, args.n, data::Alpha::Drop)
    };

    let (real, fake) = match (config, args.real_vs_real) {
        (Some(c), true) => reference_sets(c, size, args.n)?,
        _ => {
            let real = match (&args.real, config) {
                (Some(dir), _) => read_folder(dir)?,
                (None, Some(c)) => test_split(c, size, args.n)?,
                (None, None) => unreachable!("checked above"),
            };
            let fake = match (&args.fake, &checkpoint) {
                (Some(dir), _) => read_folder(dir)?,
                (None, Some((path, c, _))) => generate(path, c, args.n, args.seed, &device)?,
                (None, None) => unreachable!("checked above"),
            };
            (real, fake)
        }
    };
    let size = real.height;
    eprintln!(
        "extractor {} ({} features{}); {} real and {} fake images at {size}×{size}",
        extractor.name(),
        extractor.dim(),
        match extractor.classes() {
            0 => String::new(),
            c => format!(", {c} classes"),
        },
        real.len(),
        fake.len()
    );
    // The cache key holds the files' names, sizes and modification times, so a folder whose
    // images changed is read again (a key on the path alone gave stale features).
    let real_source = match (&args.real, config) {
        (Some(dir), _) => format!("folder {} {}", dir.display(), fingerprint(dir)?),
        (None, Some(c)) => {
            let dir = data_dir(c);
            let part = match (&c.data, args.real_vs_real) {
                (DataConfig::Folder { .. }, true) => "even-numbered images",
                _ => "test split",
            };
            format!("{part} of {dir} {}", fingerprint(Path::new(&dir))?)
        }
        (None, None) => unreachable!("checked above"),
    };
    let weights_id = extractors::weights_id(args.extractor, args.weights.as_deref(), &dataset)?;
    let real_features = cached_features(
        &format!(
            "{} {weights_id} {real_source} n={} size={size} channels={channels}",
            extractor.name(),
            real.len()
        ),
        || features(extractor.as_ref(), &real, "real", args.batch, &device),
    )?;
    let fake_features = features(extractor.as_ref(), &fake, "fake", args.batch, &device)?;

    let mut settings = EvalSettings::new(&extractor.name());
    settings.k = args.k;
    settings.kid.subsets = args.kid_subsets;
    settings.kid.subset_size = args.kid_subset_size;
    settings.kid.seed = args.seed;
    let started = std::time::Instant::now();
    let mut results = evaluate(&real_features, &fake_features, &metrics, &settings)?;
    if metrics.iter().any(|m| m == "diversity") {
        results.extend(pixel_diversity(&real, &fake, args.seed)?);
    }
    eprintln!(
        "metrics computed in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    print_table(&results);
    if let Some(path) = &args.json {
        let report = serde_json::json!({
            "checkpoint": args.checkpoint,
            "real": args.real.as_ref().map_or_else(
                || format!("test split of {}", config.map(|c| data_dir(c)).unwrap_or_default()),
                |p| p.display().to_string()),
            "fake": match (&args.fake, args.real_vs_real) {
                (Some(p), _) => p.display().to_string(),
                (None, true) => "real images (the reference level, --real-vs-real)".to_string(),
                (None, false) => "samples of the EMA generator".to_string(),
            },
            "seed": args.seed,
            "results": results,
        });
        let text = serde_json::to_string_pretty(&report)?;
        ganvas::files::write_atomic(path, text.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// MS-SSIM of random pairs of fake images, and of real ones for reference.
fn pixel_diversity(
    real: &ImageSet,
    fake: &ImageSet,
    seed: u64,
) -> Result<Vec<MetricResult>, CliError> {
    if (real.width, real.height, real.channels) != (fake.width, fake.height, fake.channels) {
        return Err(format!(
            "MS-SSIM diversity needs real and fake images of one size ({}×{} vs {}×{}): give --size",
            real.width, real.height, fake.width, fake.height
        ).into());
    }
    let params = if real.height.min(real.width) > 160 {
        MsSsimParams::standard()
    } else {
        MsSsimParams::small()
    };
    ganvas::metrics::ms_ssim::diversity_results(
        &real.pixels,
        &fake.pixels,
        ImageShape {
            channels: real.channels,
            height: real.height,
            width: real.width,
        },
        MS_SSIM_PAIRS,
        seed,
        &params,
    )
    .map_err(CliError::from)
}

/// Random pairs for MS-SSIM diversity.
const MS_SSIM_PAIRS: usize = 1000;

fn print_table(results: &[MetricResult]) {
    let width = results.iter().map(|r| r.key.len()).max().unwrap_or(0);
    for r in results {
        match r.std {
            Some(std) => println!("{:<width$}  {:.6} ± {:.6}", r.key, r.value, std),
            None => println!("{:<width$}  {:.6}", r.key, r.value),
        }
    }
}

/// `fashion-mnist`, `mnist`, `emoji`… from the data folder's name.
pub fn dataset_of(config: &RunConfig) -> Option<String> {
    Path::new(&data_dir(config))
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
}

/// A digest of every file under `dir` (relative name, size, modification time in ns), in name
/// order: what the real-feature cache is keyed on besides the protocol.
fn fingerprint(dir: &Path) -> Result<String, CliError> {
    use sha2::{Digest, Sha256};
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, u64, u128)>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                walk(&entry.path(), out)?;
            } else {
                let modified = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                out.push((entry.path(), meta.len(), modified));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, &mut files).map_err(|e| CliError::file(&dir, e))?;
    files.sort();
    let mut hash = Sha256::new();
    for (path, len, modified) in &files {
        let name = path.strip_prefix(dir).unwrap_or(path);
        hash.update(format!("{}\0{len}\0{modified}\n", name.display()).as_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    Ok(format!("files={}:{hex}", files.len()))
}

fn data_dir(config: &RunConfig) -> String {
    match &config.data {
        DataConfig::Idx { dir, .. } | DataConfig::Folder { dir } => dir.clone(),
        DataConfig::Toy { .. } => String::new(),
    }
}

/// The Inception network's own input side.
const INCEPTION_SIDE: usize = ganvas::metrics::inception::INPUT_SIZE;

fn folder(
    dir: &Path,
    size: usize,
    channels: usize,
    n: usize,
    alpha: data::Alpha,
) -> Result<ImageSet, CliError> {
    let set = data::load_image_folder_with(dir, size, channels, alpha)?;
    Ok(first(set, n))
}

/// The held-out images of a run's data: the IDX test split, or for an image folder (which
/// has no split) the folder itself.
pub fn test_split(config: &RunConfig, size: usize, n: usize) -> Result<ImageSet, CliError> {
    match &config.data {
        DataConfig::Idx { dir, .. } => idx_split(dir, Split::Test, size, n),
        DataConfig::Folder { dir } => {
            eprintln!("note: {dir} has no test split; comparing against the training images");
            folder(
                Path::new(dir),
                size,
                config_channels(config),
                n,
                data::Alpha::OverWhite,
            )
        }
        DataConfig::Toy { .. } => unreachable!("point models are rejected before"),
    }
}

/// The first `n` images of one split of an IDX set at `size`.
fn idx_split(dir: &str, split: Split, size: usize, n: usize) -> Result<ImageSet, CliError> {
    let set = data::load_idx_dataset(Path::new(dir), split, None)
        .map_err(|e| format!("{e} (run `ganvas data fetch` for this set first)"))?;
    Ok(first(data::fit_resolution(&set, size), n))
}

/// The real-vs-real pair of `--real-vs-real`: (test split, training split) of an IDX set, each
/// cut to `n`; (even-numbered, odd-numbered images) of a folder, which has no split.
fn reference_sets(
    config: &RunConfig,
    size: usize,
    n: usize,
) -> Result<(ImageSet, ImageSet), CliError> {
    match &config.data {
        DataConfig::Idx { dir, .. } => Ok((
            idx_split(dir, Split::Test, size, n)?,
            idx_split(dir, Split::Train, size, n)?,
        )),
        DataConfig::Folder { dir } => {
            let all = folder(
                Path::new(dir),
                size,
                config_channels(config),
                usize::MAX,
                data::Alpha::OverWhite,
            )?;
            let half = |parity: usize| -> Vec<usize> {
                (0..all.len()).filter(|i| i % 2 == parity).take(n).collect()
            };
            Ok((all.subset(&half(0)), all.subset(&half(1))))
        }
        DataConfig::Toy { .. } => Err("a 2-D point model has no images to compare".into()),
    }
}

fn config_channels(config: &RunConfig) -> usize {
    match config.model.sample_shape() {
        SampleShape::Image { channels, .. } => channels,
        SampleShape::Points { .. } => 1,
    }
}

fn first(set: ImageSet, n: usize) -> ImageSet {
    if set.len() <= n {
        set
    } else {
        set.subset(&(0..n).collect::<Vec<_>>())
    }
}

/// `n` samples of the checkpoint's EMA generator.
fn generate(
    path: &Path,
    checkpoint: &ganvas::checkpoint::Checkpoint,
    n: usize,
    seed: u64,
    device: &Device,
) -> Result<ImageSet, CliError> {
    let (config, generator) = run::load_generator(checkpoint, device, Weights::Ema)
        .map_err(|e| CliError::file(&path, e))?;
    samples(&config, &generator, n, seed, device, true)
}

/// `n` samples of `generator` (classes in turn for conditional models), quantised to 8 bits
/// as if saved as PNG, so that a checkpoint and a folder of its saved samples score alike.
pub fn samples(
    config: &RunConfig,
    generator: &Generator,
    n: usize,
    seed: u64,
    device: &Device,
    show_progress: bool,
) -> Result<ImageSet, CliError> {
    let model = &config.model;
    let SampleShape::Image {
        channels,
        height,
        width,
    } = model.sample_shape()
    else {
        return Err("not an image model".into());
    };
    let request = SampleRequest::grid(model, n, None, Classes::InTurn, &mut Rng::new(seed));
    let bar = bar(if show_progress { n as u64 } else { 0 }, "generating");
    if !show_progress {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut pixels = Vec::with_capacity(n * channels * height * width);
    for part in request.batches(256) {
        let values = crate::output::generate(generator, &part, device)?;
        pixels.extend(values.iter().map(|&v| sample::to_byte(v)));
        bar.inc(part.len() as u64);
    }
    bar.finish_and_clear();
    Ok(ImageSet {
        width,
        height,
        channels,
        pixels,
        labels: request.labels,
        class_names: Vec::new(),
    })
}

pub fn features(
    extractor: &dyn Extractor,
    set: &ImageSet,
    what: &str,
    batch: usize,
    device: &Device,
) -> Result<FeatureSet, CliError> {
    let bar = bar(set.len() as u64, &format!("features of {what} images"));
    let started = std::time::Instant::now();
    let out = extract_set(extractor, set, batch, device, |done| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    eprintln!(
        "{what}: {} images in {:.1} s",
        set.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(out)
}

fn bar(total: u64, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg:>28} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}

/// The real set's features from `~/.cache/ganvas/features/<sha256 of the protocol>.safetensors`
/// when present (they do not change between evaluations of different models), else computed
/// and stored there.
fn cached_features(
    protocol: &str,
    compute: impl FnOnce() -> Result<FeatureSet, CliError>,
) -> Result<FeatureSet, CliError> {
    use sha2::{Digest, Sha256};
    let Some(home) = std::env::var_os("HOME") else {
        return compute();
    };
    let digest = Sha256::digest(protocol.as_bytes());
    let key: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let path = PathBuf::from(home).join(format!(".cache/ganvas/features/{key}.safetensors"));
    if let Ok(bytes) = std::fs::read(&path) {
        match FeatureSet::from_bytes(&bytes) {
            Ok(set) => {
                eprintln!(
                    "real features from the cache {} ({protocol})",
                    path.display()
                );
                return Ok(set);
            }
            Err(e) => eprintln!("ignoring the unreadable cache {}: {e}", path.display()),
        }
    }
    let set = compute()?;
    let metadata = [("protocol".to_string(), protocol.to_string())].into();
    let bytes = set.to_bytes(metadata)?;
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Err(e) = ganvas::files::write_atomic(&path, &bytes) {
        eprintln!("note: could not cache the real features: {e}");
    }
    Ok(set)
}
