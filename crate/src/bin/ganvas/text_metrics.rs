//! The text models' metrics in `ganvas eval` (text-image score and R-precision on the held-out
//! emoji's captions, by a scorer `ganvas scorer` trained), and the captioned sets both commands
//! read.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use ganvas::data::ImageSet;
use ganvas::data::Split;
use ganvas::data::captions_files::load_captioned_folder;
use ganvas::metrics::MetricResult;
use ganvas::metrics::text_image::{ScorerFile, results, score_generator, score_images};
use ganvas::model::{Generator, TextDcganConfig};
use ganvas::prompt::prompt_batch;
use ganvas::readback::{block, floats};
use ganvas::rng::Rng;
use ganvas::run::RunConfig;
use ganvas::sample::to_byte;
use ganvas::train::CaptionedImages;

use crate::error::CliError;

/// `dir`'s `split` at `side`, tokenised for `text` (a scorer's or a text model's encoder).
pub fn captioned(
    dir: &Path,
    split: Split,
    side: usize,
    text: &TextDcganConfig,
) -> Result<CaptionedImages, CliError> {
    let set = load_captioned_folder(dir, side, split)
        .map_err(|e| format!("{e} (run `ganvas data fetch emoji` first)"))?;
    Ok(CaptionedImages::new(set.images, &set.phrases, text).map_err(|e| e.to_string())?)
}

/// One caption per image of `set`, drawn from `seed` (the captions a text model is asked for
/// in `ganvas eval`; image `i % len` for caption `i` when `n` exceeds the set).
pub fn captions_of(set: &CaptionedImages, n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed ^ 0xca97_10e5);
    (0..n)
        .map(|i| set.caption_text(i % set.len(), &mut rng))
        .collect()
}

/// Every image of `set` as `[N, C·R·R]` in [-1, 1].
pub fn images_of(set: &CaptionedImages, device: &Device) -> Tensor<2> {
    let images = set.images();
    let all: Vec<usize> = (0..set.len()).collect();
    Tensor::from_data(
        TensorData::new(images.batch_f32(&all), [set.len(), images.image_len()]),
        device,
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
    let text = &scorer.config.text;
    let held_out = captioned(Path::new(&dir), Split::Test, text.resolution, text)?;
    let captions = captions_of(&held_out, held_out.len(), seed);
    let scores = match generator {
        Some(g) => block(score_generator(
            scorer,
            g,
            &config.model,
            &captions,
            seed,
            device,
        ))?,
        None => {
            let images = images_of(&held_out, device);
            block(score_images(scorer, images, &captions, seed, device))?
        }
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
/// (StyleGAN-T's FID on the captions of the evaluation set), never on an empty prompt. The
/// latents are truncated at `truncation` when it is given.
pub fn caption_samples(
    config: &RunConfig,
    generator: &Generator,
    n: usize,
    seed: u64,
    truncation: Option<f32>,
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
    let held_out = captioned(Path::new(&dir), Split::Test, height, text)?;
    if held_out.is_empty() {
        return Err(format!("{dir} holds no held-out captioned image").into());
    }
    let captions = captions_of(&held_out, n, seed);
    let mut latents = Rng::new(seed);
    let mut pixels = Vec::with_capacity(n * channels * height * width);
    for chunk in captions.chunks(256) {
        let images = prompt_batch(
            generator,
            &config.model,
            chunk,
            truncation,
            &mut latents,
            device,
        )
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
