//! A run: the whole TOML config (model, training, data, schedule) and the conversion between a
//! [`Trainer`] and a [`Checkpoint`]. The config travels inside every checkpoint.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::data::Toy;
use crate::model::named::{self, FitError, Flattened};
use crate::model::{Generator, ModelConfig};
use crate::rng::Rng;
use crate::train::{Adam, AugmentProbability, TrainConfig, TrainError, Trainer};

/// Everything a run needs, as written in `configs/*.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Short name of the run (default output folder `runs/<name>`).
    pub name: String,
    /// Network shapes.
    pub model: ModelConfig,
    /// Hyper-parameters.
    #[serde(default)]
    pub train: TrainConfig,
    /// Training data.
    pub data: DataConfig,
    /// Length, seed and reporting intervals.
    #[serde(default)]
    pub run: Schedule,
}

/// Where the training data comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DataConfig {
    /// Fresh points from a built-in 2-D distribution every batch.
    Toy {
        /// "gaussians8", "gaussians25", "ring", "spiral", "moons" or "swiss-roll".
        distribution: Toy,
    },
    /// An IDX data set of the MNIST family (raw or .gz files) in `dir`
    /// (`ganvas data fetch fashion-mnist` puts Fashion-MNIST in data/fashion-mnist).
    Idx {
        /// Folder holding train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz].
        dir: String,
        /// Names of the classes, in label order (optional, shown in the UI).
        #[serde(default)]
        class_names: Vec<String>,
    },
    /// A folder of PNG/JPEG images, resized and centre-cropped to the model's resolution;
    /// sub-folders, if any, are classes.
    Folder {
        /// The folder.
        dir: String,
    },
}

/// Length of the run and how often it reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Generator updates to train for.
    #[serde(default = "default_steps")]
    pub steps: u64,
    /// Seed of the weight initialisation and of every random draw in training.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Output folder; empty means `runs/<name>`.
    #[serde(default)]
    pub out_dir: String,
    /// Steps between sample grids from fixed latents (0 = never).
    #[serde(default = "default_every")]
    pub sample_every: u64,
    /// Steps between checkpoints (0 = only at the end).
    #[serde(default = "default_every")]
    pub checkpoint_every: u64,
    /// Steps between lines of the JSONL log.
    #[serde(default = "default_log_every")]
    pub log_every: u64,
    /// Samples in each grid.
    #[serde(default = "default_grid")]
    pub grid: usize,
}

fn default_steps() -> u64 {
    1000
}
fn default_seed() -> u64 {
    1
}
fn default_every() -> u64 {
    500
}
fn default_log_every() -> u64 {
    10
}
fn default_grid() -> usize {
    64
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            steps: default_steps(),
            seed: default_seed(),
            out_dir: String::new(),
            sample_every: default_every(),
            checkpoint_every: default_every(),
            log_every: default_log_every(),
            grid: default_grid(),
        }
    }
}

/// Why a config or checkpoint cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RunError {
    #[error("config: {0}")]
    Config(String),
    #[error("override `{0}`: expected KEY=VALUE with a dotted key such as train.lr_g=1e-4")]
    Override(String),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("checkpoint does not fit the model described in its config ({section}): {error}")]
    Fit {
        section: &'static str,
        error: FitError,
    },
    #[error(transparent)]
    Train(#[from] TrainError),
}

impl RunConfig {
    /// Parses TOML, applying `overrides` (`section.field=value`, value in TOML syntax or a bare
    /// string) first, then checks every value.
    pub fn from_toml(text: &str, overrides: &[String]) -> Result<Self, RunError> {
        let mut value: toml::Table =
            toml::from_str(text).map_err(|e| RunError::Config(toml_error(text, &e)))?;
        for item in overrides {
            apply_override(&mut value, item)?;
        }
        let config: RunConfig = value
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| RunError::Config(field_error(&value, &e)))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values the types cannot.
    pub fn validate(&self) -> Result<(), RunError> {
        self.model
            .validate()
            .map_err(|e| RunError::Config(e.to_string()))?;
        self.train
            .validate()
            .map_err(|e| RunError::Config(e.to_string()))?;
        crate::train::budget::check_training(&self.model, &self.train)
            .and_then(|()| {
                crate::limits::at_most(
                    "run.grid",
                    self.run.grid as u64,
                    crate::limits::GRID_SAMPLES as u64,
                )
            })
            .map_err(|e| RunError::Config(e.to_string()))?;
        if self.name.trim().is_empty() {
            return Err(RunError::Config("`name` must not be empty".into()));
        }
        Ok(())
    }

    /// The config as TOML (what is stored in checkpoints).
    pub fn to_toml(&self) -> Result<String, RunError> {
        toml::to_string(self).map_err(|e| RunError::Config(e.to_string()))
    }

    /// The output folder.
    pub fn out_dir(&self) -> String {
        if self.run.out_dir.is_empty() {
            format!("runs/{}", self.name)
        } else {
            self.run.out_dir.clone()
        }
    }
}

/// The key a TOML error names (`in \`model.width\``), if any.
fn error_key(e: &toml::de::Error) -> Option<String> {
    e.to_string().lines().find_map(|line| {
        line.trim()
            .strip_prefix("in `")
            .and_then(|rest| rest.strip_suffix('`'))
            .map(str::to_string)
    })
}

/// A syntax error as one line: `line L, column C: message`.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', "; ");
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// A value error as one line naming the key: `` `model.width`: invalid type: … ``. The model
/// is an internally tagged enum, through which serde loses the field's name, so a model error
/// is found again by reading the table as the family's own config.
fn field_error(table: &toml::Table, e: &toml::de::Error) -> String {
    let mut key = error_key(e);
    let mut message = e.message().trim().replace('\n', "; ");
    if key.as_deref() == Some("model")
        && let Some(toml::Value::Table(model)) = table.get("model")
    {
        let mut fields = model.clone();
        let kind = fields.remove("kind");
        let inner = match kind.as_ref().and_then(toml::Value::as_str) {
            Some("mlp") => toml::Value::Table(fields)
                .try_into::<crate::model::MlpConfig>()
                .err(),
            Some("dcgan") => toml::Value::Table(fields)
                .try_into::<crate::model::DcganConfig>()
                .err(),
            Some("text-dcgan") => toml::Value::Table(fields)
                .try_into::<crate::model::TextDcganConfig>()
                .err(),
            _ => None,
        };
        if let Some(inner) = inner {
            message = inner.message().trim().replace('\n', "; ");
            if let Some(field) = error_key(&inner) {
                key = Some(format!("model.{field}"));
            }
        }
    }
    match key {
        Some(key) => format!("`{key}`: {message}"),
        None => message,
    }
}

fn apply_override(table: &mut toml::Table, item: &str) -> Result<(), RunError> {
    let (key, raw) = item
        .split_once('=')
        .ok_or_else(|| RunError::Override(item.to_string()))?;
    let path: Vec<&str> = key.trim().split('.').collect();
    if path.iter().any(|p| p.is_empty()) {
        return Err(RunError::Override(item.to_string()));
    }
    let raw = raw.trim();
    let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()));
    let (last, parents) = path
        .split_last()
        .ok_or_else(|| RunError::Override(item.to_string()))?;
    let mut node = table;
    for part in parents {
        node = node
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| RunError::Config(format!("`{key}`: `{part}` is not a section")))?;
    }
    node.insert(last.to_string(), value);
    Ok(())
}

/// The model fields in which `a` and `b` differ, as `field (a vs b)` (`kind` when they are of
/// different families); empty when the architectures are the same.
pub fn model_differences(a: &ModelConfig, b: &ModelConfig) -> Vec<String> {
    let table = |m: &ModelConfig| match toml::Value::try_from(m) {
        Ok(toml::Value::Table(t)) => t,
        _ => toml::Table::new(),
    };
    let (ta, tb) = (table(a), table(b));
    let mut keys: Vec<&String> = ta.keys().chain(tb.keys()).collect();
    keys.sort();
    keys.dedup();
    let show = |v: Option<&toml::Value>| v.map_or("unset".to_string(), |v| v.to_string());
    keys.into_iter()
        .filter(|k| ta.get(*k) != tb.get(*k))
        .map(|k| format!("model.{k} ({} vs {})", show(ta.get(k)), show(tb.get(k))))
        .collect()
}

/// The config a resumed run continues with: `given` (from `--config`, with the command line's
/// overrides) when its model is the checkpoint's, otherwise an error naming the differing
/// fields. Training hyper-parameters (`train.*`), the schedule (`run.*`), the data and the
/// name may differ on purpose (fine-tuning, a longer run); the architecture may not.
pub fn resume_config(stored: &RunConfig, given: RunConfig) -> Result<RunConfig, RunError> {
    let differences = model_differences(&given.model, &stored.model);
    if differences.is_empty() {
        return Ok(given);
    }
    Err(RunError::Config(format!(
        "the config's architecture differs from the checkpoint's in {} (config vs checkpoint); \
         only train.*, run.*, data and name may change on resume",
        differences.join(", ")
    )))
}

/// A trainer's tensors gathered for one read from the device, plus its metadata.
pub struct Snapshot {
    parts: Vec<(&'static str, Flattened)>,
    checkpoint: Checkpoint,
}

impl Snapshot {
    /// Gathers the state of `trainer`, run with `config`.
    pub fn new(trainer: &Trainer, config: &RunConfig) -> Result<Self, RunError> {
        let mut checkpoint = Checkpoint::new();
        let meta = &mut checkpoint.metadata;
        meta.insert("config".into(), config.to_toml()?);
        meta.insert("step".into(), trainer.step.to_string());
        let words: Vec<String> = trainer
            .rng
            .state()
            .iter()
            .map(|w| format!("{w:016x}"))
            .collect();
        meta.insert("rng".into(), words.join(" "));
        meta.insert("opt_g.t".into(), trainer.opt_g.t.to_string());
        meta.insert("opt_d.t".into(), trainer.opt_d.t.to_string());
        let sections = [
            ("g", named::collect(&trainer.generator)),
            ("d", named::collect(&trainer.discriminator)),
            ("ema", named::collect(&trainer.ema)),
            ("opt_g", trainer.opt_g.tensors()),
            ("opt_d", trainer.opt_d.tensors()),
            ("ada", trainer.augment_p.tensors()),
        ];
        let parts = sections
            .into_iter()
            .filter_map(|(prefix, tensors)| Flattened::new(tensors).map(|f| (prefix, f)))
            .collect();
        Ok(Self { parts, checkpoint })
    }

    /// Reads the tensors (natively through [`crate::readback::block`]).
    pub async fn read(self) -> Result<Checkpoint, RunError> {
        let mut checkpoint = self.checkpoint;
        for (prefix, flat) in self.parts {
            let values = crate::readback::floats(flat.values.clone())
                .await
                .map_err(|e| RunError::Checkpoint(CheckpointError::Corrupt(e.to_string())))?;
            checkpoint.insert_section(prefix, flat.split(&values));
        }
        Ok(checkpoint)
    }
}

/// The run config stored in a checkpoint.
pub fn config_of(checkpoint: &Checkpoint) -> Result<RunConfig, RunError> {
    RunConfig::from_toml(checkpoint.meta("config")?, &[])
}

/// Rebuilds the trainer saved in `checkpoint` on `device`, exactly as it was.
pub fn restore(checkpoint: &Checkpoint, device: &Device) -> Result<(RunConfig, Trainer), RunError> {
    let config = config_of(checkpoint)?;
    let mut trainer = Trainer::new(
        config.model.clone(),
        config.train.clone(),
        config.run.seed,
        device,
    )?;
    let fit = |section| move |error| RunError::Fit { section, error };
    let g = checkpoint.generator_section();
    trainer.generator = named::load(trainer.generator, &checkpoint.section(g)).map_err(fit(g))?;
    trainer.discriminator =
        named::load(trainer.discriminator, &checkpoint.section("d")).map_err(fit("d"))?;
    trainer.ema = named::load(trainer.ema, &checkpoint.section("ema")).map_err(fit("ema"))?;
    let inner = device.clone().inner();
    trainer.opt_g = Adam::from_arrays(
        checkpoint.meta_parse("opt_g.t")?,
        &checkpoint.section("opt_g"),
        &inner,
    );
    trainer.opt_d = Adam::from_arrays(
        checkpoint.meta_parse("opt_d.t")?,
        &checkpoint.section("opt_d"),
        &inner,
    );
    trainer.augment_p =
        AugmentProbability::from_arrays(&trainer.config, &checkpoint.section("ada"), &inner);
    trainer.step = checkpoint.meta_parse("step")?;
    trainer.rng = parse_rng(checkpoint.meta("rng")?)
        .ok_or_else(|| CheckpointError::Metadata { key: "rng".into() })?;
    Ok((config, trainer))
}

fn parse_rng(text: &str) -> Option<Rng> {
    let words: Vec<u64> = text
        .split_whitespace()
        .map(|w| u64::from_str_radix(w, 16).ok())
        .collect::<Option<_>>()?;
    Some(Rng::from_state(words.try_into().ok()?))
}

/// Which generator weights to sample from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Weights {
    /// The moving average (smoother samples; the default).
    #[default]
    Ema,
    /// The raw generator as last updated (in an export, which keeps only the average, the
    /// average).
    Raw,
}

/// The generator of `checkpoint` in evaluation mode on `device`, with its run config.
pub fn load_generator(
    checkpoint: &Checkpoint,
    device: &Device,
    weights: Weights,
) -> Result<(RunConfig, Generator), RunError> {
    let config = config_of(checkpoint)?;
    let (generator, _) = config
        .model
        .init(device)
        .map_err(|e| RunError::Config(e.to_string()))?;
    let section = match weights {
        Weights::Ema => "ema",
        Weights::Raw => checkpoint.generator_section(),
    };
    let generator = named::load(generator, &checkpoint.section(section))
        .map_err(|error| RunError::Fit { section, error })?;
    use burn::module::Module;
    Ok((config, generator.valid()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOY: &str = "name = \"t\"\n[model]\nkind = \"mlp\"\nwidth = 32\n[data]\nkind = \"toy\"\ndistribution = \"ring\"\n";

    fn error(text: &str) -> String {
        RunConfig::from_toml(text, &[]).unwrap_err().to_string()
    }

    #[test]
    fn toml_errors_are_one_line_naming_the_key() {
        let msg = error(&TOY.replace("width = 32", "width = \"x\""));
        assert_eq!(
            msg,
            "config: `model.width`: invalid type: string \"x\", expected usize"
        );
        let msg = error(&TOY.replace("[data]", "[train]\nbatch = -3\n[data]"));
        assert!(msg.starts_with("config: `train.batch`: "), "{msg}");
        let msg = error(&TOY.replace("width = 32", "width = "));
        assert!(msg.starts_with("config: line 4, column "), "{msg}");
        for msg in [msg, error(&TOY.replace("width", "widht"))] {
            assert!(!msg.contains('\n'), "{msg}");
        }
    }

    #[test]
    fn resuming_with_another_architecture_names_the_fields() {
        let stored = RunConfig::from_toml(TOY, &[]).unwrap();
        let same = RunConfig::from_toml(TOY, &["train.lr_g=1e-3".into()]).unwrap();
        assert_eq!(resume_config(&stored, same.clone()), Ok(same));
        let wider =
            RunConfig::from_toml(TOY, &["model.width=48".into(), "model.depth=2".into()]).unwrap();
        let msg = resume_config(&stored, wider).unwrap_err().to_string();
        assert!(
            msg.contains("model.depth (2 vs 3), model.width (48 vs 32)"),
            "{msg}"
        );
        let dcgan = "name = \"t\"\n[model]\nkind = \"dcgan\"\nresolution = 32\nchannels = 1\n\
                     [data]\nkind = \"toy\"\ndistribution = \"ring\"\n";
        let other = RunConfig::from_toml(dcgan, &[]).unwrap();
        let msg = resume_config(&stored, other).unwrap_err().to_string();
        assert!(msg.contains("model.kind (\"dcgan\" vs \"mlp\")"), "{msg}");
    }
}
