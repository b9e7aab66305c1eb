//! Stated maxima for every size that comes from outside: configs (and so checkpoint metadata,
//! which stores the config), command-line arguments and file headers. Each is checked before
//! anything of that size is allocated, with checked arithmetic, so that a 3 MB file cannot
//! ask for 100 GB; an over-limit request gets one line naming the field, the value and the
//! limit.
//!
//! The limits are generous for what ganvas is for (small GANs on one machine or in a browser):
//! the shipped presets use a tenth or less of each.

pub mod requests;

/// `model.width` of a DCGAN (channels of the widest-resolution block; the PyTorch DCGAN has 64).
pub const DCGAN_WIDTH: usize = 1024;
/// `model.width` of an MLP (units per hidden layer).
pub const MLP_WIDTH: usize = 16_384;
/// `model.depth` of an MLP (hidden layers).
pub const MLP_DEPTH: usize = 64;
/// `model.data_dim` of an MLP (dimension of a data point; the toy sets have 2).
pub const DATA_DIM: usize = 4096;
/// `model.latent_dim`.
pub const LATENT_DIM: usize = 4096;
/// `model.label_dim`.
pub const LABEL_DIM: usize = 4096;
/// `model.classes`.
pub const CLASSES: usize = 10_000;
/// Parameters of one network (generator or discriminator): 100 M, 400 MB of f32.
pub const PARAMETERS: u64 = 100_000_000;
/// `train.batch`.
pub const BATCH: usize = 4096;
/// `train.accumulate`.
pub const ACCUMULATE: usize = 1024;
/// `train.n_critic`.
pub const N_CRITIC: usize = 100;
/// Estimated memory of a training step (weights, optimiser state, gradients and the
/// activations of one micro-batch): 8 GiB.
pub const TRAINING_BYTES: u64 = 8 << 30;
/// Samples of one picture (`sample --n`, and `--n × --frames` for interpolation strips).
pub const GRID_SAMPLES: usize = 10_000;
/// Images per set of one evaluation (`eval --n`; the 50k protocols of papers fit).
pub const EVAL_SAMPLES: usize = 100_000;
/// Frames of one interpolation strip (`sample --frames`).
pub const FRAMES: usize = 1000;
/// Side of the square images a folder is resized to (`eval --size`).
pub const IMAGE_SIZE: usize = 1024;
/// Width or height of an image file, read from its header before decoding.
pub const IMAGE_SIDE: u64 = 16_384;
/// Pixels of an image file, or of its resized copy before cropping: 32 M (128 MB as RGBA).
pub const IMAGE_PIXELS: u64 = 32 << 20;
/// Bytes of an IDX file after decompression (the MNIST training images are 47 MB): 1 GiB.
pub const IDX_BYTES: u64 = 1 << 30;
/// Feature rows and dimension of `bench-metrics`.
pub const FEATURE_ROWS: usize = 100_000;
pub const FEATURE_DIM: usize = 8192;

/// A size over its stated maximum.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{field} = {value} exceeds the limit of {limit}{hint}")]
pub struct LimitError {
    /// The field, argument or header value (`model.width`, `--n`, `image width`).
    pub field: String,
    /// What was asked for.
    pub value: u64,
    /// The stated maximum.
    pub limit: u64,
    /// Empty, or what the value is an estimate of and how to lower it.
    pub hint: String,
}

/// Checks `value <= limit` for `field`.
pub fn at_most(field: &str, value: u64, limit: u64) -> Result<(), LimitError> {
    if value > limit {
        return Err(LimitError {
            field: field.to_string(),
            value,
            limit,
            hint: String::new(),
        });
    }
    Ok(())
}

pub(crate) fn size(field: &str, value: usize, limit: usize) -> Result<(), LimitError> {
    at_most(field, value as u64, limit as u64)
}

/// The overflow of an estimate (only possible past a field limit, which is checked first).
pub(crate) fn overflow(field: &str) -> LimitError {
    LimitError {
        field: field.to_string(),
        value: u64::MAX,
        limit: PARAMETERS,
        hint: " (overflows)".into(),
    }
}

/// Checks the pixel count `width × height` and each side of an image header.
pub fn check_image(width: u64, height: u64) -> Result<(), LimitError> {
    at_most("image width", width, IMAGE_SIDE)?;
    at_most("image height", height, IMAGE_SIDE)?;
    at_most("image pixels", width.saturating_mul(height), IMAGE_PIXELS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_headers_are_bounded() {
        check_image(64, 64).unwrap();
        assert_eq!(check_image(2_000_000, 1).unwrap_err().field, "image width");
        assert_eq!(
            check_image(16_384, 16_384).unwrap_err().field,
            "image pixels"
        );
    }
}
