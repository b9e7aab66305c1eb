//! What a model config would cost — parameter counts and activations per sample, estimated
//! with checked arithmetic before anything is allocated — and the check of its sizes against
//! [`crate::limits`].

use crate::limits::{
    CLASSES, DATA_DIM, DCGAN_WIDTH, LABEL_DIM, LATENT_DIM, LimitError, MLP_DEPTH, MLP_WIDTH,
    PARAMETERS, at_most, overflow, size,
};
use crate::model::{DConditioning, DcganConfig, GConditioning, MlpConfig, ModelConfig};

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
        ModelConfig::TextDcgan(c) => {
            size("model.width", c.width, DCGAN_WIDTH)?;
            c.parameters()
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
pub(crate) fn mlp_parameters(c: &MlpConfig) -> Option<(u64, u64)> {
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

pub(crate) fn dcgan_parameters(c: &DcganConfig) -> Option<(u64, u64)> {
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
pub(crate) fn activations_per_sample(model: &ModelConfig) -> Option<u64> {
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
        ModelConfig::TextDcgan(c) => {
            // The image networks, plus the word vectors each encoder gathers.
            let words = (c.ids_per_text() as u64).checked_mul(c.embed_dim as u64)?;
            activations_per_sample(&ModelConfig::Dcgan(c.image()))?
                .checked_add(words.checked_mul(2)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn huge_models_are_named() {
        check_model(&dcgan(64, 64)).unwrap();
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
    }
}
