//! Scoring images against captions with a trained scorer: real held-out images (the reference
//! level) or a text model's samples of the same captions.

use burn::tensor::{Device, Tensor, TensorData};

use super::{EMBED, ScorerError, ScorerFile, TextImageScores, text_image_scores};
use crate::metrics::protocol::{MetricResult, Protocol};
use crate::model::{Generator, ModelConfig};
use crate::prompt::prompt_batch;
use crate::readback;
use crate::rng::Rng;

/// Candidates per image in R-precision (AttnGAN's 100: the own caption and 99 others).
pub const CANDIDATES: usize = 100;
/// Images embedded per forward pass.
const CHUNK: usize = 256;

/// `[N, C·R·R]` images in [-1, 1], image `i` belonging with `captions[i]`: the text-image
/// score and R-precision over [`CANDIDATES`] captions (fewer when there are fewer distinct
/// ones), candidates drawn from `seed`.
pub async fn score_images(
    file: &ScorerFile,
    images: Tensor<2>,
    captions: &[String],
    seed: u64,
    device: &Device,
) -> Result<TextImageScores, ScorerError> {
    let [n, len] = images.dims();
    let text = &file.config.text;
    let expected = text.channels * text.resolution * text.resolution;
    if len != expected {
        return Err(ScorerError::Config(format!(
            "images of {len} values, but this scorer reads {}×{res}×{res} ({expected})",
            text.channels,
            res = text.resolution
        )));
    }
    if n != captions.len() {
        return Err(ScorerError::Config(format!(
            "{n} images but {} captions",
            captions.len()
        )));
    }
    let mut distinct: Vec<String> = captions.to_vec();
    distinct.sort();
    distinct.dedup();
    let own: Vec<usize> = captions
        .iter()
        .map(|c| distinct.binary_search(c).unwrap_or(0))
        .collect();
    let tokenizer = file.config.tokenizer();
    let mut image_rows = Vec::with_capacity(n * EMBED);
    for start in (0..n).step_by(CHUNK) {
        let len = CHUNK.min(n - start);
        let part = file
            .scorer
            .embed_images(images.clone().narrow(0, start, len));
        image_rows.extend(read(part).await?);
    }
    let mut caption_rows = Vec::with_capacity(distinct.len() * EMBED);
    for part in distinct.chunks(CHUNK) {
        let embedded = file.scorer.embed_texts(&tokenizer, part, device)?;
        caption_rows.extend(read(embedded).await?);
    }
    Ok(text_image_scores(
        &image_rows,
        &caption_rows,
        &own,
        EMBED,
        CANDIDATES,
        seed,
    ))
}

/// One sample of `generator` per caption (latents from `seed`, untruncated), scored against
/// its caption like [`score_images`] scores real images: the text model's metrics.
pub async fn score_generator(
    file: &ScorerFile,
    generator: &Generator,
    model: &ModelConfig,
    captions: &[String],
    seed: u64,
    device: &Device,
) -> Result<TextImageScores, ScorerError> {
    let mut rng = Rng::new(seed);
    let mut parts = Vec::new();
    for chunk in captions.chunks(CHUNK) {
        let images = prompt_batch(generator, model, chunk, None, &mut rng, device)?;
        // Read each chunk back before the next, so that only one chunk's graph is alive.
        let [rows, len] = images.dims();
        let values = read(images).await?;
        parts.push(Tensor::from_data(
            TensorData::new(values, [rows, len]),
            device,
        ));
    }
    if parts.is_empty() {
        return Err(ScorerError::Config("no captions to sample".into()));
    }
    score_images(file, Tensor::cat(parts, 0), captions, seed, device).await
}

async fn read(t: Tensor<2>) -> Result<Vec<f32>, ScorerError> {
    readback::floats(t)
        .await
        .map_err(|e| ScorerError::Read(e.0))
}

/// The results of `scores` keyed like the other metrics (`text_image_score@scorer-emoji/NvN`,
/// `r_precision@…`), with `suffix` after the metric's name (`_real` for the reference level).
pub fn results(file: &ScorerFile, scores: &TextImageScores, suffix: &str) -> Vec<MetricResult> {
    let protocol = Protocol {
        name: String::new(),
        extractor: file.name(),
        n_real: scores.n,
        n_fake: scores.n,
        params: vec![("candidates".into(), scores.candidates.to_string())],
    };
    vec![
        MetricResult::new(
            &format!("text_image_score{suffix}"),
            scores.score,
            None,
            protocol.clone(),
        ),
        MetricResult::new(
            &format!("r_precision{suffix}"),
            scores.r_precision,
            None,
            protocol,
        ),
    ]
}
