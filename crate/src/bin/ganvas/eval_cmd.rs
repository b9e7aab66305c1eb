//! `ganvas eval`: metrics of a checkpoint against its data set's test split, or of one image
//! folder against another (as pytorch-fid does), under a named evaluation protocol
//! (`ganvas::metrics::registry`). Arguments and printing; the images come from
//! [`crate::eval_data`], the features from the library's pipeline through [`crate::features`].

use std::path::PathBuf;

use clap::Args;
use ganvas::files::read_checkpoint;
use ganvas::metrics::ms_ssim::image_set_diversity;
use ganvas::metrics::protocol::parse_metrics;
use ganvas::metrics::{EvalProtocol, ExtractorKind, Fakes, MetricResult};
use ganvas::model::SampleShape;
use ganvas::run::{self, Weights};

use crate::error::CliError;
use crate::eval_data::{self, dataset_of, read_folder};
use crate::{extractors, features};

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
    /// Evaluation protocol: domain10k (fid,kid,pr,dc on 10k v 10k, KID 100×1000, the domain
    /// classifier), inception10k (the same on Inception), domain2k (training-time: fid,kid,pr,
    /// KID 20×1000), domain500 (the browser's live metrics, KID 20×500), inception500 (the
    /// browser's Inception FID: fid,kid, KID 20×500). Default: domain10k, or inception10k with
    /// --extractor inception. The flags below change one setting each, and the results' protocol
    /// name says so (domain10k+n=60).
    #[arg(long)]
    protocol: Option<String>,
    /// Comma-separated: fid, kid, pr, dc, is, diversity (default: the protocol's).
    #[arg(long)]
    metrics: Option<String>,
    /// Images per set (fewer if a folder or split holds fewer; default: the protocol's).
    #[arg(long)]
    n: Option<usize>,
    /// Feature extractor: domain (the small classifier trained by `ganvas classifier` on the
    /// model's data set; results are named `…@domain-<set>`) or inception (the TF Inception-v3,
    /// 2015-12-05, pool3, of standard FID). Default: the protocol's.
    #[arg(long, value_parser = extractors::parse_kind)]
    extractor: Option<ExtractorKind>,
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
    /// Neighbours for precision/recall/density/coverage (default: the protocol's, 3).
    #[arg(long)]
    k: Option<usize>,
    /// KID subsets and their size (default: the protocol's).
    #[arg(long)]
    kid_subsets: Option<usize>,
    #[arg(long)]
    kid_subset_size: Option<usize>,
    /// Score samples drawn with the truncation trick at this threshold (as `ganvas sample
    /// --truncation` and the page's slider draw them) instead of the full prior: precision rises
    /// and recall falls as it shrinks. The results' protocol name says so (…+truncation=1.5).
    #[arg(long)]
    truncation: Option<f32>,
    /// Seed of the latents and of the KID subsets.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Images per extractor batch.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Text models: the text-image scorer of their text-image score and R-precision (default:
    /// www/models/scorer-<set>.safetensors; skipped with a note when absent).
    #[arg(long)]
    scorer: Option<PathBuf>,
    /// Write the results (with their protocols) as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// cpu, ndarray, wgpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
}

/// The protocol the arguments ask for: a registered one, with each flag given changing one
/// setting.
fn protocol_of(args: &EvalArgs) -> Result<EvalProtocol, CliError> {
    let name = match (&args.protocol, args.extractor) {
        (Some(name), _) => name.as_str(),
        (None, Some(ExtractorKind::Inception)) => "inception10k",
        (None, _) => "domain10k",
    };
    let mut protocol = EvalProtocol::named(name)?;
    if let Some(kind) = args.extractor {
        protocol = protocol.with_extractor(kind);
    }
    if let Some(list) = &args.metrics {
        protocol = protocol.with_metrics(parse_metrics(list)?);
    }
    if let Some(n) = args.n {
        protocol = protocol.with_n(n);
    }
    if let Some(k) = args.k {
        protocol = protocol.with_k(k);
    }
    let subsets = args.kid_subsets.unwrap_or(protocol.kid_subsets);
    let size = args.kid_subset_size.unwrap_or(protocol.kid_subset_size);
    let mut protocol = protocol.with_kid(subsets, size);
    if let Some(t) = args.truncation {
        protocol.name = format!("{}+truncation={t}", protocol.name);
    }
    Ok(protocol)
}

/// Refuses settings out of range before any work.
fn check(args: &EvalArgs, protocol: &EvalProtocol) -> Result<(), CliError> {
    if protocol.n < 2 {
        return Err("--n must be at least 2".into());
    }
    let limit = |field: &str, value: usize, max: usize| {
        ganvas::limits::at_most(field, value as u64, max as u64).map_err(CliError::from)
    };
    limit("--n", protocol.n, ganvas::limits::EVAL_SAMPLES)?;
    limit(
        "--kid-subset-size",
        protocol.kid_subset_size,
        ganvas::limits::EVAL_SAMPLES,
    )?;
    limit("--kid-subsets", protocol.kid_subsets, 10_000)?;
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
    if args.checkpoint.is_none() && (args.real.is_none() || args.fake.is_none()) {
        return Err("give --checkpoint, or both --real DIR and --fake DIR".into());
    }
    if args.checkpoint.is_some() && args.fake.is_some() {
        return Err("give either --checkpoint or --fake, not both".into());
    }
    crate::sample_cmd::check_truncation(args.truncation)?;
    if args.truncation.is_some() && (args.checkpoint.is_none() || args.real_vs_real) {
        return Err(
            "--truncation applies to a checkpoint's samples: give --checkpoint \
                    (without --real-vs-real)"
                .into(),
        );
    }
    Ok(())
}

pub fn run(args: EvalArgs) -> Result<(), CliError> {
    let protocol = protocol_of(&args)?;
    check(&args, &protocol)?;
    let n = protocol.n;
    let device = crate::device::parse(&args.device)?;
    let checkpoint = match &args.checkpoint {
        Some(path) => {
            let c = read_checkpoint(path)?;
            let config = run::config_of(&c).map_err(|e| CliError::file(path, e))?;
            if !matches!(config.model.sample_shape(), SampleShape::Image { .. }) {
                return Err(format!(
                    "{} is a 2-D point model: its metric is mode coverage, which `ganvas train` \
                     prints at the end of a run",
                    config.name
                )
                .into());
            }
            Some((path, c, config))
        }
        None => None,
    };
    let config = checkpoint.as_ref().map(|(_, _, c)| c);
    let dataset = args
        .dataset
        .clone()
        .or_else(|| config.and_then(dataset_of))
        .unwrap_or_default();
    let loaded = extractors::load(
        protocol.extractor,
        args.weights.as_deref(),
        &dataset,
        &device,
    )?;
    let extractor = loaded.extractor.as_ref();
    let input = extractor.input();
    let (channels, default_size) = match config.map(|c| c.model.sample_shape()) {
        Some(SampleShape::Image {
            channels, height, ..
        }) => (channels, height),
        _ => (input.channels, input.size),
    };
    let size = args.size.unwrap_or(default_size);
    let folder = |dir: &PathBuf| {
        read_folder(
            dir,
            protocol.extractor,
            args.size,
            default_size,
            channels,
            n,
        )
    };

    // The real images, and the fake ones when they are images already.
    let (real, fake_images) = match (config, args.real_vs_real) {
        (Some(c), true) => {
            let (real, other) = eval_data::reference_sets(c, size, n)?;
            (real, Some(other))
        }
        (c, _) => {
            let real = match (&args.real, c) {
                (Some(dir), _) => folder(dir)?,
                (None, Some(c)) => eval_data::test_split(c, size, n)?,
                (None, None) => return Err("give --checkpoint or --real DIR".into()),
            };
            (real, args.fake.as_ref().map(folder).transpose()?)
        }
    };
    eprintln!(
        "protocol {}; extractor {} ({} features{}); {} real images at {side}×{side}",
        protocol.name,
        extractor.name(),
        extractor.dim(),
        match extractor.classes() {
            0 => String::new(),
            c => format!(", {c} classes"),
        },
        real.len(),
        side = real.height,
    );
    let key = format!(
        "{} {} {} n={} size={} channels={channels}",
        extractor.name(),
        loaded.weights_id,
        eval_data::real_source(args.real.as_deref(), config, args.real_vs_real)?,
        real.len(),
        real.height,
    );
    let real_features = features::of_real(extractor, &real, &key, args.batch, &device)?;
    let want_pixels = protocol.metrics.iter().any(|m| m == "diversity");
    let (fake_features, fake_images) = match (fake_images, &checkpoint) {
        (Some(images), _) => (
            features::of_images(extractor, &images, "fake", args.batch, &device, true)?,
            Some(images),
        ),
        (None, Some((path, c, _))) => {
            let (config, generator) = run::load_generator(c, &device, Weights::Ema)
                .map_err(|e| CliError::file(path, e))?;
            if config.model.text().is_some() {
                let images = crate::text_metrics::caption_samples(
                    &config,
                    &generator,
                    n,
                    args.seed,
                    args.truncation,
                    &device,
                )?;
                let features = features::of_images(
                    extractor,
                    &images,
                    "held-out captions' sample",
                    args.batch,
                    &device,
                    true,
                )?;
                (features, Some(images))
            } else {
                let fakes = Fakes {
                    n,
                    seed: args.seed,
                    batch: args.batch,
                    keep_images: want_pixels,
                    truncation: args.truncation,
                };
                features::of_generator(extractor, &config.model, &generator, fakes, &device, true)?
            }
        }
        (None, None) => return Err("give --checkpoint or --fake DIR".into()),
    };

    let started = std::time::Instant::now();
    let mut results = protocol.score(extractor, &real_features, &fake_features, args.seed)?;
    if let Some(fake) = fake_images.filter(|_| want_pixels) {
        let pixels = image_set_diversity(&real, &fake, args.seed)
            .map_err(|e| format!("{e}: give --size"))?;
        for mut r in pixels {
            r.protocol.name.clone_from(&protocol.name);
            results.push(r);
        }
    }
    if let (Some((path, c, config)), None) = (&checkpoint, &args.fake) {
        if config.model.text().is_some() {
            results.extend(text_model_metrics(
                &args, path, c, config, &dataset, &device,
            )?);
        }
    }
    eprintln!(
        "metrics computed in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    print_table(&results);
    if let Some(path) = &args.json {
        let report = serde_json::json!({
            "checkpoint": args.checkpoint,
            "protocol": protocol,
            "real": args.real.as_ref().map_or_else(
                || format!("test split of {}", config.map(eval_data::data_dir).unwrap_or_default()),
                |p| p.display().to_string()),
            "fake": match (&args.fake, args.real_vs_real) {
                (Some(p), _) => p.display().to_string(),
                (None, true) => "real images (the reference level, --real-vs-real)".to_string(),
                (None, false) => match args.truncation {
                    Some(t) => format!("samples of the EMA generator, truncation {t}"),
                    None => "samples of the EMA generator".to_string(),
                },
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

/// The text-image score and R-precision of a text model (of its held-out real images with
/// --real-vs-real), or none with a note when the default scorer file is absent.
fn text_model_metrics(
    args: &EvalArgs,
    path: &std::path::Path,
    checkpoint: &ganvas::checkpoint::Checkpoint,
    config: &ganvas::run::RunConfig,
    dataset: &str,
    device: &burn::tensor::Device,
) -> Result<Vec<MetricResult>, CliError> {
    let scorer_path = args
        .scorer
        .clone()
        .unwrap_or_else(|| ganvas::files::default_scorer_path(dataset));
    if args.scorer.is_none() && !scorer_path.exists() {
        eprintln!(
            "no text-image scorer at {}: text-image score and R-precision skipped (train one \
             with `ganvas scorer`, or give --scorer)",
            scorer_path.display()
        );
        return Ok(Vec::new());
    }
    let scorer = ganvas::files::load_scorer(&scorer_path, device)?;
    let generator = if args.real_vs_real {
        None
    } else {
        Some(
            run::load_generator(checkpoint, device, Weights::Ema)
                .map_err(|e| CliError::file(path, e))?
                .1,
        )
    };
    crate::text_metrics::text_metrics(&scorer, config, generator.as_ref(), args.seed, device)
}

fn print_table(results: &[MetricResult]) {
    let width = results.iter().map(|r| r.key.len()).max().unwrap_or(0);
    for r in results {
        match r.std {
            Some(std) => println!("{:<width$}  {:.6} ± {:.6}", r.key, r.value, std),
            None => println!("{:<width$}  {:.6}", r.key, r.value),
        }
    }
}
