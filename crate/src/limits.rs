//! Stated maxima for every size that comes from outside: configs (and so checkpoint metadata,
//! which stores the config), command-line arguments and file headers. Each is checked before
//! anything of that size is allocated, with checked arithmetic, so that a 3 MB file cannot
//! ask for 100 GB; an over-limit request gets one line naming the field, the value and the
//! limit.
//!
//! The limits are generous for what ganvas is for (small GANs on one machine or in a browser):
//! the shipped presets use a tenth or less of each.

pub mod requests;

use crate::model::{DConditioning, DcganConfig, GConditioning, MlpConfig, ModelConfig};
use crate::train::TrainConfig;

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

fn size(field: &str, value: usize, limit: usize) -> Result<(), LimitError> {
    at_most(field, value as u64, limit as u64)
}

/// The overflow of an estimate (only possible past a field limit, which is checked first).
fn overflow(field: &str) -> LimitError {
    LimitError {
        field: field.to_string(),
        value: u64::MAX,
        limit: PARAMETERS,
        hint: " (overflows)".into(),
    }
}

/// Checks every size of `model` and its parameter count.
pub fn check_model(model: &ModelConfig) -> Result<(), LimitError> {
    size("model.latent_dim", model.latent_dim(), LATENT_DIM)?;
    let (g, d) = match model {
        ModelConfig::Mlp(c) => {
            size("model.data_dim", c.data_dim, DATA_DIM)?;
            size("model.depth", c.depth, MLP_DEPTH)?;
            size("model.width", c.width, MLP_WIDTH)?;
            mlp_parameters(c)
        }
        ModelConfig::Dcgan(c) => {
            size("model.width", c.width, DCGAN_WIDTH)?;
            size("model.classes", c.classes, CLASSES)?;
            size("model.label_dim", c.label_dim, LABEL_DIM)?;
            dcgan_parameters(c)
        }
    }
    .ok_or_else(|| overflow("model parameters"))?;
    for (field, count) in [("generator parameters", g), ("discriminator parameters", d)] {
        at_most(field, count, PARAMETERS).map_err(|e| LimitError {
            hint: " (estimated from model.width and the other model fields)".into(),
            ..e
        })?;
    }
    Ok(())
}

/// `(generator, discriminator)` parameter counts (weights and biases; an upper estimate).
fn mlp_parameters(c: &MlpConfig) -> Option<(u64, u64)> {
    let (w, depth) = (c.width as u64, c.depth as u64);
    let hidden = w
        .checked_mul(w)?
        .checked_add(w)?
        .checked_mul(depth.saturating_sub(1))?;
    let net = |input: u64, output: u64| -> Option<u64> {
        let first = input.checked_add(1)?.checked_mul(w)?;
        let last = w.checked_add(1)?.checked_mul(output)?;
        first.checked_add(hidden)?.checked_add(last)
    };
    let (latent, data) = (c.latent_dim as u64, c.data_dim as u64);
    Some((net(latent, data)?, net(data, 1)?))
}

/// `(base, ups)` of a DCGAN resolution (the first feature map is `base × base`, `ups` stride-2
/// layers follow); `None` for an unsupported resolution (which `validate` reports).
fn dcgan_plan(resolution: usize) -> Option<(u64, u32)> {
    match resolution {
        28 => Some((7, 2)),
        32 => Some((4, 3)),
        64 => Some((4, 4)),
        _ => None,
    }
}

/// Channels of each block, widest first: `width << (ups - 1 - i)`, overflow-checked.
fn dcgan_channels(width: u64, ups: u32) -> Option<Vec<u64>> {
    (0..ups)
        .map(|i| width.checked_mul(1u64.checked_shl(ups - 1 - i)?))
        .collect()
}

fn dcgan_parameters(c: &DcganConfig) -> Option<(u64, u64)> {
    let (base, ups) = dcgan_plan(c.resolution)?;
    let ch = dcgan_channels(c.width as u64, ups)?;
    let (label, affine) = match c.g_conditioning {
        _ if c.classes == 0 => (0, 0),
        GConditioning::Concat => (c.label_dim as u64, 0),
        // γ and β per class and channel of every G block
        GConditioning::BatchNorm => (
            0,
            ch.iter()
                .try_fold(0u64, |acc, &x| acc.checked_add(x.checked_mul(2)?))?,
        ),
    };
    let (classes, channels) = (c.classes as u64, c.channels as u64);
    // 4×4 kernels between consecutive blocks, plus BatchNorm scale and shift per channel.
    let mut middle = 0u64;
    for pair in ch.windows(2) {
        middle = middle.checked_add(pair[0].checked_mul(pair[1])?.checked_mul(16)?)?;
    }
    let per_channel: u64 = ch
        .iter()
        .try_fold(0u64, |acc, &x| acc.checked_add(x.checked_mul(4)?))?;
    let first = ch[0];
    let last = *ch.last()?;
    let g_in = (c.latent_dim as u64)
        .checked_add(label)?
        .checked_mul(first)?
        .checked_mul(base * base)?;
    let g_out = last.checked_mul(channels)?.checked_mul(16)?;
    let g_embed = classes.checked_mul(label)?;
    let g_affine = (c.classes as u64).checked_mul(affine)?;
    let g = g_in
        .checked_add(middle)?
        .checked_add(g_out)?
        .checked_add(g_embed)?
        .checked_add(per_channel)?
        .checked_add(g_affine)?;
    let (d_project, maps) = match c.d_conditioning {
        DConditioning::Projection => (classes.checked_mul(first)?, 0),
        DConditioning::Input => (0, classes),
    };
    let d_in = channels
        .checked_add(maps)?
        .checked_mul(last)?
        .checked_mul(16)?;
    let d_out = first.checked_mul(base * base)?;
    let d = d_in
        .checked_add(middle)?
        .checked_add(d_out)?
        .checked_add(d_project)?
        .checked_add(per_channel)?;
    Some((g, d))
}

/// Activations of one sample through G and D (values; feature maps of every block).
fn activations_per_sample(model: &ModelConfig) -> Option<u64> {
    match model {
        ModelConfig::Mlp(c) => {
            let hidden = (c.width as u64).checked_mul(c.depth as u64)?;
            hidden
                .checked_mul(2)?
                .checked_add(c.data_dim as u64 * 2 + c.latent_dim as u64)
        }
        ModelConfig::Dcgan(c) => {
            let (base, ups) = dcgan_plan(c.resolution)?;
            let ch = dcgan_channels(c.width as u64, ups)?;
            let mut side = base;
            let mut total = 0u64;
            for channels in ch {
                total = total.checked_add(channels.checked_mul(side * side)?)?;
                side *= 2;
            }
            let image = (c.channels * c.resolution * c.resolution) as u64;
            // G and D see the same feature maps, mirrored.
            total.checked_add(image)?.checked_mul(2)
        }
    }
}

/// Copies of each activation a training step keeps (layer output, normalised, activated, and
/// its gradient): an estimate, not a measurement.
const ACTIVATION_COPIES: u64 = 4;
/// Copies of each parameter during training: G, D, EMA-G, gradients, two Adam moments.
const PARAMETER_COPIES: u64 = 6;

/// Checks the training sizes of `train` and the memory a step of `model` would need.
pub fn check_training(model: &ModelConfig, train: &TrainConfig) -> Result<(), LimitError> {
    size("train.batch", train.batch, BATCH)?;
    size("train.accumulate", train.accumulate, ACCUMULATE)?;
    size("train.n_critic", train.n_critic, N_CRITIC)?;
    check_model(model)?;
    let estimate = || -> Option<u64> {
        let (g, d) = match model {
            ModelConfig::Mlp(c) => mlp_parameters(c)?,
            ModelConfig::Dcgan(c) => dcgan_parameters(c)?,
        };
        let weights = g.checked_add(d)?.checked_mul(PARAMETER_COPIES)?;
        let activations = activations_per_sample(model)?
            .checked_mul(train.batch as u64)?
            .checked_mul(ACTIVATION_COPIES)?;
        weights.checked_add(activations)?.checked_mul(4)
    };
    let bytes = estimate().ok_or_else(|| overflow("training memory"))?;
    at_most("estimated training memory (bytes)", bytes, TRAINING_BYTES).map_err(|e| LimitError {
        hint: format!(
            " (train.batch = {} with this model; lower the batch and use train.accumulate, or \
             lower model.width)",
            train.batch
        ),
        ..e
    })
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
    use crate::model::DcganConfig;

    fn dcgan(resolution: usize, width: usize) -> ModelConfig {
        ModelConfig::Dcgan(DcganConfig {
            width,
            ..DcganConfig::new(resolution, 3)
        })
    }

    #[test]
    fn the_pytorch_dcgan_parameter_count_is_estimated_closely() {
        // PyTorch's DCGAN at 64×64, ngf = ndf = 64: G 3,576,704 and D 2,765,568 parameters
        // (conv weights without biases + BatchNorm); the estimate counts BatchNorm in D too.
        let ModelConfig::Dcgan(c) = dcgan(64, 64) else {
            unreachable!()
        };
        let (g, d) = dcgan_parameters(&c).unwrap();
        assert!((3_576_704..3_700_000).contains(&g), "{g}");
        assert!((2_765_568..2_900_000).contains(&d), "{d}");
    }

    #[test]
    fn shipped_sizes_pass_and_huge_ones_are_named() {
        check_training(&dcgan(64, 64), &TrainConfig::default()).unwrap();
        let err = check_model(&dcgan(32, 65_536)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "model.width = 65536 exceeds the limit of 1024"
        );
        let err = check_model(&dcgan(64, 1024)).unwrap_err();
        assert!(
            err.to_string().starts_with("generator parameters = "),
            "{err}"
        );
        let mlp = |depth, width| {
            ModelConfig::Mlp(MlpConfig {
                depth,
                width,
                ..MlpConfig::default()
            })
        };
        assert_eq!(
            check_model(&mlp(100_000, 8)).unwrap_err().field,
            "model.depth"
        );
        assert_eq!(
            check_model(&mlp(3, 1_000_000)).unwrap_err().field,
            "model.width"
        );
        let train = TrainConfig {
            batch: 1_000_000_000,
            ..TrainConfig::default()
        };
        assert_eq!(
            check_training(&mlp(3, 128), &train).unwrap_err().field,
            "train.batch"
        );
        let big = TrainConfig {
            batch: 4096,
            ..TrainConfig::default()
        };
        let err = check_training(&dcgan(64, 128), &big).unwrap_err();
        assert!(err.to_string().contains("train.batch = 4096"), "{err}");
    }

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
