//! Features for `ganvas eval` and `ganvas train --eval-every`: the library's evaluation
//! pipeline run to completion with a progress bar, and real features through the cache.

use std::time::Instant;

use burn::tensor::Device;
use futures_lite::future::block_on;
use ganvas::data::ImageSet;
use ganvas::files::FeatureCache;
use ganvas::metrics::{Extractor, Fakes, FeatureSet, generator_features, image_features};
use ganvas::model::{Generator, ModelConfig};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::CliError;

/// Features of `set` (`what`: "real" or "fake"), with a progress bar when `show`.
pub fn of_images(
    extractor: &dyn Extractor,
    set: &ImageSet,
    what: &str,
    batch: usize,
    device: &Device,
    show: bool,
) -> Result<FeatureSet, CliError> {
    let bar = bar(set.len(), &format!("features of {what} images"), show);
    let started = Instant::now();
    let out = block_on(image_features(extractor, set, batch, device, &mut |done| {
        bar.set_position(done as u64)
    }))?;
    bar.finish_and_clear();
    if show {
        eprintln!(
            "{what}: {} images in {:.1} s",
            set.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(out)
}

/// Features of the real `set`, from the cache entry `key` when present (they do not change
/// between evaluations of different models), else computed and stored there.
pub fn of_real(
    extractor: &dyn Extractor,
    set: &ImageSet,
    key: &str,
    batch: usize,
    device: &Device,
) -> Result<FeatureSet, CliError> {
    let Some(cache) = FeatureCache::new(key) else {
        return of_images(extractor, set, "real", batch, device, true);
    };
    match cache.read() {
        Ok(Some(features)) if features.len() == set.len() => {
            eprintln!(
                "real features from the cache {} ({key})",
                cache.path().display()
            );
            return Ok(features);
        }
        Ok(_) => {}
        Err(e) => eprintln!("ignoring the unreadable cache: {e}"),
    }
    let features = of_images(extractor, set, "real", batch, device, true)?;
    if let Err(e) = cache.write(&features) {
        eprintln!("note: could not cache the real features: {e}");
    }
    Ok(features)
}

/// Features of `fakes.n` samples of `generator`, with a progress bar when `show`.
pub fn of_generator(
    extractor: &dyn Extractor,
    model: &ModelConfig,
    generator: &Generator,
    fakes: Fakes,
    device: &Device,
    show: bool,
) -> Result<(FeatureSet, Option<ImageSet>), CliError> {
    let bar = bar(fakes.n, "generated images", show);
    let started = Instant::now();
    let out = block_on(generator_features(
        extractor,
        model,
        generator,
        fakes,
        device,
        &mut |done| bar.set_position(done as u64),
    ))?;
    bar.finish_and_clear();
    if show {
        eprintln!(
            "fake: {} images generated and read in {:.1} s",
            fakes.n,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(out)
}

fn bar(total: usize, message: &str, show: bool) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    if !show {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{msg:>28} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}
