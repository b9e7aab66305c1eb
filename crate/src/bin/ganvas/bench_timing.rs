//! What every `ganvas bench` table is measured with: synthetic data of a config's shape (so no
//! data set is needed), timed training steps, the timed Fréchet maths, medians over rounds and
//! images per second.

use std::time::Instant;

use ganvas::data::ImageSet;
use ganvas::metrics::bench::FrechetTiming;
use ganvas::model::SampleShape;
use ganvas::readback::{ReadError, block};
use ganvas::rng::Rng;
use ganvas::run::RunConfig;
use ganvas::train::{Source, ToySource, Trainer};

use crate::error::CliError;

/// Random data of the model's sample shape (and classes).
pub fn synthetic(config: &RunConfig) -> Box<dyn Source> {
    match config.model.sample_shape() {
        SampleShape::Points { .. } => Box::new(ToySource(ganvas::data::Toy::Gaussians8)),
        SampleShape::Image {
            channels,
            height,
            width,
        } => Box::new(ImageSet::random(
            256,
            channels,
            height,
            width,
            config.model.classes(),
            &mut Rng::new(1),
        )),
    }
}

/// Milliseconds per training step over `steps` timed steps (after any warm-up by the caller).
pub fn time_steps(
    trainer: &mut Trainer,
    source: &dyn Source,
    steps: usize,
) -> Result<f64, ReadError> {
    let start = Instant::now();
    for _ in 0..steps {
        block(trainer.step(source).read())?;
    }
    Ok(start.elapsed().as_secs_f64() * 1000.0 / steps as f64)
}

/// Statistics + Fréchet distance of `n` vs `n` synthetic `dim`-d features, timed natively.
pub fn time_frechet(n: usize, dim: usize) -> Result<FrechetTiming, CliError> {
    let origin = Instant::now();
    let now = || origin.elapsed().as_secs_f64() * 1000.0;
    ganvas::metrics::bench::time_frechet(n, dim, 1, &now).map_err(CliError::from)
}

/// The median of `times` (the mean of the middle two for an even count; NaN when empty).
pub fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]),
    }
}

/// Images per second of a call that handles `images` in `ms` milliseconds (a training step:
/// [`ganvas::train::TrainConfig::images_per_step`]).
pub fn images_per_s(images: usize, ms: f64) -> f64 {
    images as f64 * 1000.0 / ms
}
