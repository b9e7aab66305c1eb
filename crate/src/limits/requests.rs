//! Sizes the browser API takes from JavaScript (sample counts, interpolation strips and frames,
//! teaching-view grids, training steps, images handed over, evaluation and benchmark sizes),
//! checked against the stated maxima before anything of that size is allocated. Each check is
//! named after the `Session` method and argument, so the page shows one line such as
//! `sample: n = 100000000 exceeds the limit of 10000`.
//!
//! A JavaScript number reaches these as `usize` (32 bits in wasm): a negative count arrives as
//! a huge one and is refused as too large, `NaN` arrives as 0 and is refused as too small.

use super::{
    EVAL_SAMPLES, FEATURE_DIM, FEATURE_ROWS, FRAMES, GRID_SAMPLES, LimitError, at_most, check_image,
};

/// Samples of one `sample` or `interpolate` call of a 2-D point model (`GRID_SAMPLES` is for
/// images; the page's point walks ask for 300 strips of up to 60 frames).
pub const POINT_SAMPLES: usize = 100_000;
/// Side of the teaching view's square grids (`discriminator_field`, `latent_grid`): at most
/// `GRID_SAMPLES` points (the page uses 48 and 15).
pub const GRID_SIDE: usize = 100;
/// Training steps of one `train` call (the page asks for at most 50 at a time, so that it can
/// report progress and abort between calls).
pub const STEPS_PER_CALL: usize = 10_000;
/// Bytes of the images handed to `use_images` once fitted to the model's resolution
/// (n × H × W × channels): 1 GiB. Small inputs can grow: a 1×1 image becomes 64×64×3.
pub const IMAGE_SET_BYTES: u64 = 1 << 30;
/// Values of one synthetic feature set of `bench_frechet` (n × dim): 128 M, 512 MB of f32, two
/// of which must fit in a 4 GB wasm32 memory next to the covariances.
pub const FEATURE_VALUES: u64 = 1 << 27;

/// A request size out of range.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum RequestError {
    #[error(transparent)]
    TooLarge(#[from] LimitError),
    #[error("{field} = {value} is below the minimum of {min}")]
    TooSmall { field: String, value: u64, min: u64 },
}

/// Checks `min <= value <= max` for `field`.
pub fn count(field: &str, value: usize, min: usize, max: usize) -> Result<(), RequestError> {
    if value < min {
        return Err(RequestError::TooSmall {
            field: field.to_string(),
            value: value as u64,
            min: min as u64,
        });
    }
    Ok(at_most(field, value as u64, max as u64)?)
}

/// Most samples of one picture or walk of a model drawing images (else 2-D points).
fn samples_of(images: bool) -> usize {
    if images { GRID_SAMPLES } else { POINT_SAMPLES }
}

/// `sample(n, …)` of a model drawing images (`images`) or points: 1 to `GRID_SAMPLES` images (`POINT_SAMPLES`
/// points).
pub fn sample(n: usize, images: bool) -> Result<(), RequestError> {
    count("sample: n", n, 1, samples_of(images))
}

/// `interpolate(strips, frames, …)` of a model drawing images (`images`) or points: at least one strip of at least
/// one frame, at most `FRAMES` frames, at most `GRID_SAMPLES` images (`POINT_SAMPLES` points)
/// in all.
pub fn interpolate(strips: usize, frames: usize, images: bool) -> Result<(), RequestError> {
    let max = samples_of(images);
    count("interpolate: strips", strips, 1, max)?;
    count("interpolate: frames", frames, 1, FRAMES)?;
    let samples = (strips as u64).saturating_mul(frames as u64);
    Ok(at_most(
        "interpolate: strips × frames",
        samples,
        max as u64,
    )?)
}

/// A teaching-view grid of `size × size` points (`call` is `discriminator_field` or
/// `latent_grid`): side 1 to `GRID_SIDE`.
pub fn grid(call: &str, size: usize) -> Result<(), RequestError> {
    count(&format!("{call}: size"), size, 1, GRID_SIDE)
}

/// `n` points of a teaching-view call (`fake_with_gradients`, `real_points`): 1 to
/// `GRID_SAMPLES`.
pub fn points(call: &str, n: usize) -> Result<(), RequestError> {
    count(&format!("{call}: n"), n, 1, GRID_SAMPLES)
}

/// `train(steps)`: 0 to `STEPS_PER_CALL` steps.
pub fn train_steps(steps: usize) -> Result<(), RequestError> {
    count("train: steps", steps, 0, STEPS_PER_CALL)
}

/// `use_images(rgba, n, width, height, …)` for a model whose images hold `fitted` bytes
/// (`H × W × channels`): at least one image, each within the image-header limits, and the
/// fitted set within `IMAGE_SET_BYTES`.
pub fn images(n: usize, width: usize, height: usize, fitted: usize) -> Result<(), RequestError> {
    count("use_images: n", n, 1, usize::MAX)?;
    count("use_images: width", width, 1, usize::MAX)?;
    count("use_images: height", height, 1, usize::MAX)?;
    check_image(width as u64, height as u64)?;
    let bytes = (n as u64).saturating_mul(fitted as u64);
    at_most("use_images: n × model image bytes", bytes, IMAGE_SET_BYTES).map_err(|e| {
        LimitError {
            hint: format!(" ({n} images of {fitted} bytes at the model's resolution)"),
            ..e
        }
        .into()
    })
}

/// `n` images per set of an evaluation call (`evaluate`, `evaluate_inception`): at most
/// `EVAL_SAMPLES` (the extractor states its own minimum).
pub fn evaluation(call: &str, n: usize) -> Result<(), RequestError> {
    count(&format!("{call}: n"), n, 0, EVAL_SAMPLES)
}

/// `bench_frechet(n, dim)`: 2 to `FEATURE_ROWS` rows of 1 to `FEATURE_DIM` features, at most
/// `FEATURE_VALUES` values per set.
pub fn bench_frechet(n: usize, dim: usize) -> Result<(), RequestError> {
    count("bench_frechet: n", n, 2, FEATURE_ROWS)?;
    count("bench_frechet: dim", dim, 1, FEATURE_DIM)?;
    let values = (n as u64).saturating_mul(dim as u64);
    Ok(at_most("bench_frechet: n × dim", values, FEATURE_VALUES)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model drawing images, and one drawing 2-D points.
    const IMAGE: bool = true;
    const POINT: bool = false;

    fn message(result: Result<(), RequestError>) -> String {
        result.err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn what_the_page_asks_for_passes() {
        // The front-end's own largest values (www/index.html and www/js: 256 samples, 16 walks
        // of 60 frames, 300 point walks, FIELD 48, MESH 15, chunks of up to 50 steps,
        // evaluations of 10000, bench 10000 × 2048).
        assert_eq!(sample(256, IMAGE), Ok(()));
        assert_eq!(interpolate(16, 60, IMAGE), Ok(()));
        assert_eq!(interpolate(300, 60, POINT), Ok(()));
        assert_eq!(grid("discriminator_field", 48), Ok(()));
        assert_eq!(grid("latent_grid", 15), Ok(()));
        assert_eq!(points("fake_with_gradients", 256), Ok(()));
        assert_eq!(train_steps(50), Ok(()));
        assert_eq!(train_steps(0), Ok(()));
        assert_eq!(images(10_000, 28, 28, 32 * 32), Ok(()));
        assert_eq!(evaluation("evaluate", 10_000), Ok(()));
        assert_eq!(bench_frechet(10_000, 2048), Ok(()));
    }

    #[test]
    fn over_limit_requests_name_the_argument_value_and_limit() {
        for (result, expected) in [
            (
                sample(100_000_000, IMAGE),
                "sample: n = 100000000 exceeds the limit of 10000",
            ),
            (
                sample(100_000_000, POINT),
                "sample: n = 100000000 exceeds the limit of 100000",
            ),
            (
                interpolate(1, 100_000_000, IMAGE),
                "interpolate: frames = 100000000 exceeds the limit of 1000",
            ),
            (
                interpolate(1000, 1000, IMAGE),
                "interpolate: strips × frames = 1000000 exceeds the limit of 10000",
            ),
            (
                interpolate(300, 60, IMAGE),
                "interpolate: strips × frames = 18000 exceeds the limit of 10000",
            ),
            (
                grid("latent_grid", 100_000),
                "latent_grid: size = 100000 exceeds the limit of 100",
            ),
            (
                points("real_points", 4_294_967_295),
                "real_points: n = 4294967295 exceeds the limit of 10000",
            ),
            (
                train_steps(1 << 31),
                "train: steps = 2147483648 exceeds the limit of 10000",
            ),
            (
                evaluation("evaluate_inception", 1_000_000),
                "evaluate_inception: n = 1000000 exceeds the limit of 100000",
            ),
            (
                bench_frechet(100_000, 8192),
                "bench_frechet: n × dim = 819200000 exceeds the limit of 134217728",
            ),
        ] {
            assert_eq!(message(result), expected);
        }
        for text in [
            message(sample(1 << 40, IMAGE)),
            message(bench_frechet(2, 1 << 20)),
        ] {
            assert!(!text.is_empty() && !text.contains('\n'), "{text}");
        }
    }

    #[test]
    fn empty_requests_are_refused_where_they_would_build_empty_tensors() {
        for (result, expected) in [
            (sample(0, POINT), "sample: n = 0 is below the minimum of 1"),
            (
                interpolate(3, 0, IMAGE),
                "interpolate: frames = 0 is below the minimum of 1",
            ),
            (
                interpolate(0, 5, POINT),
                "interpolate: strips = 0 is below the minimum of 1",
            ),
            (
                grid("discriminator_field", 0),
                "discriminator_field: size = 0 is below the minimum of 1",
            ),
            (
                bench_frechet(1, 8),
                "bench_frechet: n = 1 is below the minimum of 2",
            ),
            (
                images(0, 4, 4, 16),
                "use_images: n = 0 is below the minimum of 1",
            ),
        ] {
            assert_eq!(message(result), expected);
        }
    }

    #[test]
    fn handed_over_images_are_bounded_by_header_and_fitted_size() {
        assert_eq!(
            message(images(1, 2_000_000, 1, 64 * 64 * 3)),
            "image width = 2000000 exceeds the limit of 16384"
        );
        // 100 M one-pixel images (a 400 MB buffer) would become 1.2 TB at 64×64×3.
        let text = message(images(100_000_000, 1, 1, 64 * 64 * 3));
        assert!(
            text.starts_with(
                "use_images: n × model image bytes = 1228800000000 exceeds the limit of 1073741824"
            ),
            "{text}"
        );
        assert!(text.contains("100000000 images of 12288 bytes"), "{text}");
    }
}
