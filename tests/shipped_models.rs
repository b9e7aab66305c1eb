//! Every model listed in www/models/index.json still loads into the current architecture,
//! fits the size budget, and samples finite, varied output (as Burn's web example guards its
//! embedded weights). Catches a model change that would silently break the shipped files.

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};
use ganvas::checkpoint::Checkpoint;
use ganvas::rng::Rng;
use ganvas::run::{Weights, load_generator, restore};
use ganvas::sample;

const MODELS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/models");
/// The per-file budget of the issue that ships them.
const MAX_BYTES: usize = 8_000_000;

#[test]
fn every_shipped_model_loads_and_samples() {
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{MODELS}/index.json")).unwrap())
            .unwrap();
    let entries = index.as_array().expect("index.json is a list");
    assert!(
        entries.len() >= 2,
        "index.json lists {} models",
        entries.len()
    );
    let device = Device::flex();
    for entry in entries {
        let name = entry["name"].as_str().unwrap();
        let file = entry["file"].as_str().unwrap();
        let bytes = std::fs::read(format!("{MODELS}/{file}")).unwrap();
        assert!(
            bytes.len() <= MAX_BYTES,
            "{file} is {} bytes, over the {MAX_BYTES} budget",
            bytes.len()
        );
        let checkpoint = Checkpoint::from_bytes(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        // The whole trainer (G, D, EMA) restores, so the model can be fine-tuned.
        let (config, trainer) =
            restore(&checkpoint, &device).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(config.name, name, "{file}: run name");
        assert!(trainer.step > 0, "{file}: an untrained checkpoint");
        let (config, generator) = load_generator(&checkpoint, &device, Weights::Ema).unwrap();
        let model = &config.model;
        let n = 16;
        let z = sample::latents(model, n, None, &mut Rng::new(3));
        let z = Tensor::<2>::from_data(TensorData::new(z, [n, model.latent_dim()]), &device);
        let y = (model.classes() > 0).then(|| {
            let labels: Vec<i64> = (0..n).map(|i| (i % model.classes()) as i64).collect();
            Tensor::<1, Int>::from_data(TensorData::new(labels, [n]), &device)
        });
        let values: Vec<f32> = generator
            .valid()
            .forward(z, y)
            .into_data()
            .try_to_vec()
            .unwrap();
        assert!(
            values.iter().all(|v| v.is_finite()),
            "{file}: non-finite samples"
        );
        let per = values.len() / n;
        let spread = (0..per)
            .map(|j| {
                let column = (0..n).map(|i| values[i * per + j]);
                let (lo, hi) = column.fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)));
                hi - lo
            })
            .fold(0.0_f32, f32::max);
        assert!(
            spread > 0.1,
            "{file}: samples do not vary with the latent ({spread})"
        );
        println!(
            "{name}: {} bytes, step {}, {} values per sample, max spread {spread:.2}",
            bytes.len(),
            trainer.step,
            per
        );
    }
}
