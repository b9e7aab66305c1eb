//! The text models' metrics in `ganvas eval` (text-image score and R-precision on the held-out
//! emoji's captions, by a scorer `ganvas scorer` trained), and the captioned sets both commands
//! read.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use ganvas::data::ImageSet;
use ganvas::data::Split;
use ganvas::data::captions_files::{CaptionedSet, load_captioned_folder};
use ganvas::metrics::MetricResult;
use ganvas::metrics::text_image::{
    ScorerConfig, ScorerFile, results, score_generator, score_images,
};
use ganvas::model::Generator;
use ganvas::prompt::prompt_batch;
use ganvas::readback::{block, floats};
use ganvas::rng::Rng;
use ganvas::run::RunConfig;
use ganvas::sample::to_byte;
use ganvas::train::CaptionedImages;

use crate::error::CliError;

/// `dir`'s `split` at the scorer's side, tokenised for it.
pub fn captioned(
    dir: &Path,
    split: Split,
    config: &ScorerConfig,
) -> Result<CaptionedImages, CliError> {
    let set = load_captioned_folder(dir, config.text.resolution, split)
        .map_err(|e| format!("{e} (run `ganvas data fetch emoji` first)"))?;
    captioned_set(set, config)
}

pub fn captioned_set(
    set: CaptionedSet,
    config: &ScorerConfig,
) -> Result<CaptionedImages, CliError> {
    Ok(CaptionedImages::new(set.images, &set.phrases, &config.text).map_err(|e| e.to_string())?)
}

/// Every image of `set` as `[N, C·R·R]` with one caption each, drawn from `seed` (the captions
/// a text model is asked for in `ganvas eval`).
pub fn real_pairs(set: &CaptionedImages, seed: u64, device: &Device) -> (Tensor<2>, Vec<String>) {
    let mut rng = Rng::new(seed ^ 0xca97_10e5);
    let captions = (0..set.len())
        .map(|i| set.caption_text(i, &mut rng))
        .collect();
    let images = set.images();
    let all: Vec<usize> = (0..set.len()).collect();
    let values = images.batch_f32(&all);
    (
        Tensor::from_data(
            TensorData::new(values, [set.len(), images.image_len()]),
            device,
        ),
        captions,
    )
}

/// The text-image score and R-precision of `generator`'s samples of the held-out captions of
/// `config`'s data set (one sample per held-out image, for one of its captions drawn from
/// `seed`), or with no generator of the held-out images themselves (the reference level, keyed
/// `…_real`). The scorer's reference level, measured when it was trained, is printed beside.
pub fn text_metrics(
    scorer: &ScorerFile,
    config: &RunConfig,
    generator: Option<&Generator>,
    seed: u64,
    device: &Device,
) -> Result<Vec<MetricResult>, CliError> {
    let dir = crate::eval_data::data_dir(config);
    let held_out = captioned(Path::new(&dir), Split::Test, &scorer.config)?;
    let (images, captions) = real_pairs(&held_out, seed, device);
    let scores = match generator {
        Some(g) => block(score_generator(
            scorer,
            g,
            &config.model,
            &captions,
            seed,
            device,
        ))?,
        None => block(score_images(scorer, images, &captions, seed, device))?,
    };
    eprintln!(
        "{}: {} held-out captions, R-precision among {} (chance {:.4}){}",
        scorer.name(),
        scores.n,
        scores.candidates,
        1.0 / scores.candidates as f64,
        scorer
            .meta
            .reference
            .as_ref()
            .map_or_else(String::new, |r| format!(
                "; real images score {:.4}, R-precision {:.4}",
                r.text_image_score, r.r_precision
            ))
    );
    let suffix = if generator.is_some() { "" } else { "_real" };
    Ok(results(scorer, &scores, suffix))
}

/// `n` samples of a text model for captions of its held-out emoji (image `i % held-out` for
/// sample `i`, captions and latents drawn from `seed`): the fake set of a text model's FID, so
/// that it is measured on what the model draws when asked for the images it is compared with
/// (StyleGAN-T's FID on the captions of the evaluation set), never on an empty prompt.
pub fn caption_samples(
    config: &RunConfig,
    generator: &Generator,
    n: usize,
    seed: u64,
    device: &Device,
) -> Result<ImageSet, CliError> {
    let text = config
        .model
        .text()
        .ok_or("caption samples need a text model")?;
    let Some([channels, height, width]) = config.model.sample_shape().image() else {
        return Err("caption samples need an image model".into());
    };
    let dir = crate::eval_data::data_dir(config);
    let set = load_captioned_folder(Path::new(&dir), height, Split::Test)
        .map_err(|e| format!("{e} (run `ganvas data fetch emoji` first)"))?;
    let held_out =
        CaptionedImages::new(set.images, &set.phrases, text).map_err(|e| e.to_string())?;
    if held_out.is_empty() {
        return Err(format!("{dir} holds no held-out captioned image").into());
    }
    let mut rng = Rng::new(seed ^ 0xca97_10e5);
    let captions: Vec<String> = (0..n)
        .map(|i| held_out.caption_text(i % held_out.len(), &mut rng))
        .collect();
    let mut latents = Rng::new(seed);
    let mut pixels = Vec::with_capacity(n * channels * height * width);
    for chunk in captions.chunks(256) {
        let images = prompt_batch(generator, &config.model, chunk, None, &mut latents, device)
            .map_err(|e| e.to_string())?;
        let values = block(floats(images))?;
        pixels.extend(values.iter().map(|&v| to_byte(v)));
    }
    Ok(ImageSet::new(
        width,
        height,
        channels,
        pixels,
        None,
        Vec::new(),
    )?)
}
