//! The text-conditioned DCGAN end to end on small cases: shapes, determinism of the text
//! encoder, bad prompts, the step on captioned data (and its refusal of uncaptioned data), the
//! checkpoint round trip, and a toy caption set that the generator must learn to follow.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use ganvas::data::ImageSet;
use ganvas::model::text::PromptError;
use ganvas::model::{Generator, ModelConfig};
use ganvas::prompt::{PromptSampleError, prompt_grid, prompt_strips};
use ganvas::readback::block;
use ganvas::rng::Rng;
use ganvas::run::{self, RunConfig, Snapshot};
use ganvas::train::{CaptionedImages, TrainError, Trainer, vocabulary_of};

const TEXT: &str = r#"
name = "text"
[model]
kind = "text-dcgan"
resolution = 28
channels = 3
latent_dim = 8
width = 8
embed_dim = 8
text_dim = 16
max_words = 4
slots_per_word = 4
ngram_buckets = 32
vocabulary = ["blue", "red", "square"]
[train]
loss = "hinge"
batch = 16
lr_g = 1e-3
lr_d = 1e-3
ema_kimg = 0.0
[data]
kind = "folder"
dir = "unused"
"#;

fn config() -> RunConfig {
    RunConfig::from_toml(TEXT, &[]).unwrap()
}

/// 32 flat images, red (captions "red", "red square") or blue ("blue", "blue square") in turn.
fn red_and_blue(model: &ModelConfig) -> CaptionedImages {
    let side = 28 * 28;
    let mut pixels = Vec::new();
    let mut phrases = Vec::new();
    for i in 0..32 {
        let red = i % 2 == 0;
        let [r, b] = if red { [230u8, 20] } else { [20, 230] };
        pixels.extend(std::iter::repeat_n(r, side));
        pixels.extend(std::iter::repeat_n(20u8, side));
        pixels.extend(std::iter::repeat_n(b, side));
        let colour = if red { "red" } else { "blue" };
        phrases.push(vec![colour.to_string(), format!("{colour} square")]);
    }
    let images = ImageSet::new(28, 28, 3, pixels, None, Vec::new()).unwrap();
    CaptionedImages::new(images, &phrases, model.text().unwrap()).unwrap()
}

fn values(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn the_networks_take_token_ids_and_keep_their_shapes() {
    let model = config().model;
    let device = Device::flex();
    let (g, d) = model.init_seeded(1, &device).unwrap();
    let ids_per_text = model.text().unwrap().ids_per_text();
    assert_eq!(ids_per_text, 16);
    let ids = Tensor::from_data(
        TensorData::new(vec![1i64; 3 * ids_per_text], [3 * 16]),
        &device,
    );
    let z = Tensor::zeros([3, 8], &device);
    let images = g.forward(z, Some(ids.clone()));
    assert_eq!(images.dims(), [3, 3 * 28 * 28]);
    assert_eq!(d.forward(images, Some(ids)).dims(), [3]);
}

#[test]
fn the_same_prompt_gives_the_same_images_and_other_prompts_other_ones() {
    let config = config();
    let device = Device::flex();
    let mut trainer = Trainer::new(config.model.clone(), config.train.clone(), 3, &device).unwrap();
    let grid = |g: &Generator, prompts: &[&str], seed| {
        let prompts: Vec<String> = prompts.iter().map(|p| p.to_string()).collect();
        let grid = prompt_grid(
            g,
            &config.model,
            &prompts,
            2,
            None,
            &mut Rng::new(seed),
            &device,
        );
        values(grid.unwrap())
    };
    // FiLM starts at zero: an untrained generator draws the same images for every prompt.
    let a = grid(&trainer.generator.valid(), &["red square", "Blue!"], 5);
    assert_eq!(a[..2 * 2352], a[2 * 2352..], "FiLM is zero at the start");
    // Two steps on captioned data move γ and β off zero, and the text starts to matter.
    let data = red_and_blue(&config.model);
    for _ in 0..2 {
        block(trainer.step(&data).read()).unwrap();
    }
    let g = trainer.generator.valid();
    let a = grid(&g, &["red square", "Blue!"], 5);
    assert_eq!(a, grid(&g, &["red square", "Blue!"], 5));
    assert_eq!(a.len(), 4 * 3 * 28 * 28);
    assert_ne!(a[..2 * 2352], a[2 * 2352..], "two prompts, two rows");
    // Unknown words still condition the generator (through their n-grams).
    assert_ne!(grid(&g, &["reddish"], 5), grid(&g, &["bluish"], 5));
}

#[test]
fn bad_prompts_give_an_error_or_an_image_never_a_panic() {
    let model = config().model;
    let device = Device::flex();
    let (g, _) = model.init_seeded(1, &device).unwrap();
    let g = g.valid();
    let run = |prompt: &str| {
        prompt_grid(
            &g,
            &model,
            &[prompt.to_string()],
            1,
            None,
            &mut Rng::new(1),
            &device,
        )
        .map(values)
    };
    let long = "cat ".repeat(2560);
    for (prompt, expected) in [
        ("", PromptError::Empty),
        ("\u{0}\u{1b}[\u{7f}", PromptError::Empty),
        ("  ...  ", PromptError::Empty),
        (long.as_str(), PromptError::TooLong { bytes: 10_240 }),
        ("a b c d e", PromptError::TooManyWords { words: 5, max: 4 }),
    ] {
        match run(prompt) {
            Err(PromptSampleError::Prompt { error, .. }) => assert_eq!(error, expected),
            other => panic!("{prompt:?} gave {:?}", other.map(|v| v.len())),
        }
    }
    for prompt in ["🐱", "red\u{0}square", "猫 🍕", "\u{202e}red"] {
        let image = run(prompt).unwrap();
        assert!(image.iter().all(|v| v.is_finite()), "{prompt:?}");
    }
    // The message shows the prompt with its control characters escaped, on one line.
    let msg = run("\u{1b}[ \n")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        msg.contains("\\u{1b}") && !msg.chars().any(char::is_control),
        "{msg}"
    );
    // Strips need both prompts to be usable.
    let err = prompt_strips(&g, &model, "red", "", 1, 3, None, &mut Rng::new(1), &device);
    assert!(matches!(
        err,
        Err(PromptSampleError::Prompt {
            error: PromptError::Empty,
            ..
        })
    ));
    let strip = prompt_strips(
        &g,
        &model,
        "red",
        "blue",
        2,
        3,
        None,
        &mut Rng::new(1),
        &device,
    )
    .unwrap();
    assert_eq!(strip.dims(), [6, 3 * 28 * 28]);
}

#[test]
fn prompts_need_a_text_model() {
    let dcgan = RunConfig::from_toml(
        &TEXT
            .replace("text-dcgan", "dcgan")
            .lines()
            .filter(|l| {
                !["embed", "text_", "max_w", "slots", "ngram", "vocab"]
                    .iter()
                    .any(|k| l.starts_with(k))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        &[],
    )
    .unwrap();
    let device = Device::flex();
    let (g, _) = dcgan.model.init(&device).unwrap();
    let err = prompt_grid(
        &g,
        &dcgan.model,
        &["red".into()],
        1,
        None,
        &mut Rng::new(1),
        &device,
    );
    assert_eq!(err.err(), Some(PromptSampleError::NotText));
}

#[test]
fn the_step_needs_captions_and_the_checkpoint_round_trips() {
    let config = config();
    let device = Device::flex();
    let mut trainer = Trainer::new(config.model.clone(), config.train.clone(), 2, &device).unwrap();
    let plain = ImageSet::random(8, 3, 28, 28, 0, &mut Rng::new(1));
    assert_eq!(
        trainer.check_source(&plain),
        Err(TrainError::Captions { model: 16, data: 0 })
    );
    let data = red_and_blue(&config.model);
    trainer.check_source(&data).unwrap();
    for _ in 0..2 {
        let stats = block(trainer.step(&data).read()).unwrap();
        assert!(stats.is_finite(), "{stats:?}");
    }
    let checkpoint = block(Snapshot::new(&trainer, &config).unwrap().read()).unwrap();
    let (restored_config, mut restored) = run::restore(&checkpoint, &device).unwrap();
    assert_eq!(restored_config.model, config.model);
    let next = block(trainer.step(&data).read()).unwrap();
    let again = block(restored.step(&data).read()).unwrap();
    assert_eq!(
        next.d_loss, again.d_loss,
        "a restored run continues exactly"
    );
    assert_eq!(next.g_loss, again.g_loss);
}

#[test]
fn the_vocabulary_comes_from_the_captions() {
    let phrases = vec![vec!["Red square".to_string()], vec!["blue".to_string()]];
    assert_eq!(vocabulary_of(&phrases), ["blue", "red", "square"]);
    let bad = RunConfig::from_toml(TEXT, &["model.vocabulary=[\"red\", \"blue\"]".into()]);
    let msg = bad.unwrap_err().to_string();
    assert!(msg.contains("model.vocabulary must be sorted"), "{msg}");
}

/// Mean red minus mean blue of each `[3, 28, 28]` image.
fn redness(values: &[f32]) -> Vec<f32> {
    let side = 28 * 28;
    values
        .chunks(3 * side)
        .map(|img| {
            let r: f32 = img[..side].iter().sum();
            let b: f32 = img[2 * side..].iter().sum();
            (r - b) / side as f32
        })
        .collect()
}

/// Two captions, two colours: after a short training the generator must draw red for "red"
/// and blue for "blue" (the matching-aware D is what forces it to read the text).
#[test]
fn a_tiny_model_learns_which_colour_a_caption_asks_for() {
    let config = config();
    let device = Device::flex();
    let mut trainer =
        Trainer::new(config.model.clone(), config.train.clone(), 11, &device).unwrap();
    let data = red_and_blue(&config.model);
    for _ in 0..300 {
        block(trainer.step(&data).read()).unwrap();
    }
    let g: &Generator = &trainer.generator.valid();
    let mut rng = Rng::new(99);
    let prompts = ["red".to_string(), "blue square".to_string()];
    let samples = prompt_grid(g, &config.model, &prompts, 20, None, &mut rng, &device).unwrap();
    let red = redness(&values(samples));
    let right = red[..20].iter().filter(|&&x| x > 0.0).count()
        + red[20..].iter().filter(|&&x| x < 0.0).count();
    assert!(
        right >= 36,
        "{right} of 40 samples have the asked colour: {red:?}"
    );
}
