//! The checkpoint container: named f32 arrays plus string metadata, as safetensors bytes.
//!
//! Tensor names (all little-endian f32):
//! - `g.<path>`, `d.<path>`, `ema.<path>`: generator, discriminator and generator average, with
//!   `<path>` the module path documented in [`crate::model::named`];
//! - `opt_g.m.<path>`, `opt_g.v.<path>`, `opt_d.…`: Adam moments, flattened.
//!
//! Metadata keys: `format` ([`FORMAT`]), `config` (the run config as TOML), `step`, `rng`
//! (RNG state, 4 hex words), `opt_g.t`, `opt_d.t` (Adam step counters), `ganvas` (version),
//! and, on a file exported without its Adam moments and raw generator, `optimizer` = `dropped`
//! and `generator` = `average`.
//! The same bytes load natively and in the browser.

use std::collections::{BTreeMap, HashMap};

use crate::model::named::Arrays;
pub(crate) use crate::tensor_file::describe_format;
use crate::tensor_file::{self, CodecError};

/// Metadata key saying where the raw generator is, and its value in an export without `g.*`.
const GENERATOR_KEY: &str = "generator";
const GENERATOR_FROM_AVERAGE: &str = "average";

/// Value of the `format` metadata key.
pub const FORMAT: &str = "ganvas-checkpoint/1";

/// Why bytes are not a usable checkpoint.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CheckpointError {
    #[error("not a safetensors file ({0})")]
    Corrupt(String),
    #[error("not a ganvas checkpoint (metadata `format` is {}, expected \"{FORMAT}\")", describe_format(.0))]
    Format(Option<String>),
    #[error("tensor `{name}` has dtype {dtype}, expected F32")]
    Dtype { name: String, dtype: String },
    #[error("checkpoint metadata `{key}` is missing or invalid")]
    Metadata { key: String },
    #[error("{}", non_finite_message(.tensors, *.total))]
    NonFinite {
        /// The first few tensors holding a NaN or an infinity.
        tensors: Vec<String>,
        /// How many tensors hold one.
        total: usize,
    },
}

/// Tensors named in a [`CheckpointError::NonFinite`] message before "and N more".
const NAMED_TENSORS: usize = 3;

fn non_finite_message(tensors: &[String], total: usize) -> String {
    let names: Vec<String> = tensors.iter().map(|t| format!("`{t}`")).collect();
    let more = total.saturating_sub(tensors.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "non-finite weights (NaN or infinity) in {}{more}",
        names.join(", ")
    )
}

impl From<CodecError> for CheckpointError {
    fn from(error: CodecError) -> Self {
        match error {
            CodecError::Corrupt(reason) => CheckpointError::Corrupt(reason),
            CodecError::Dtype { name, dtype } => CheckpointError::Dtype { name, dtype },
            CodecError::Format { found, .. } => CheckpointError::Format(found),
        }
    }
}

/// Named arrays and metadata.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checkpoint {
    /// `name → (shape, values)`.
    pub arrays: Arrays,
    /// String metadata.
    pub metadata: BTreeMap<String, String>,
}

impl Checkpoint {
    /// An empty checkpoint with its `format` key set.
    pub fn new() -> Self {
        let mut metadata = BTreeMap::new();
        metadata.insert("format".to_string(), FORMAT.to_string());
        metadata.insert("ganvas".to_string(), env!("CARGO_PKG_VERSION").to_string());
        Self {
            arrays: Arrays::new(),
            metadata,
        }
    }

    /// Adds `arrays` under `prefix.`.
    pub fn insert_section(&mut self, prefix: &str, arrays: Arrays) {
        for (name, array) in arrays {
            self.arrays.insert(format!("{prefix}.{name}"), array);
        }
    }

    /// The arrays under `prefix.`, with the prefix removed.
    pub fn section(&self, prefix: &str) -> Arrays {
        let start = format!("{prefix}.");
        self.arrays
            .range(start.clone()..)
            .take_while(|(name, _)| name.starts_with(&start))
            .map(|(name, array)| (name[start.len()..].to_string(), array.clone()))
            .collect()
    }

    /// A metadata value, or an error naming the key.
    pub fn meta(&self, key: &str) -> Result<&str, CheckpointError> {
        self.metadata
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| CheckpointError::Metadata {
                key: key.to_string(),
            })
    }

    /// A metadata value parsed as `T`, or an error naming the key.
    pub fn meta_parse<T: std::str::FromStr>(&self, key: &str) -> Result<T, CheckpointError> {
        self.meta(key)?
            .parse()
            .map_err(|_| CheckpointError::Metadata {
                key: key.to_string(),
            })
    }

    /// The same checkpoint without the Adam moments (`opt_g.*`, `opt_d.*`) and without the raw
    /// generator (`g.*`), with both Adam step counters reset to 0: what ships with the web app.
    /// It samples and resumes training like the full file, except that the optimisers start
    /// afresh (metadata `optimizer` = `dropped`) and the raw generator restarts from the
    /// average (metadata `generator` = `average`; [`Checkpoint::generator_section`]).
    pub fn without_optimizer(&self) -> Checkpoint {
        let mut slim = self.clone();
        slim.arrays.retain(|name, _| {
            !(name.starts_with("opt_g.") || name.starts_with("opt_d.") || name.starts_with("g."))
        });
        for key in ["opt_g.t", "opt_d.t"] {
            slim.metadata.insert(key.into(), "0".into());
        }
        slim.metadata.insert("optimizer".into(), "dropped".into());
        slim.metadata
            .insert(GENERATOR_KEY.into(), GENERATOR_FROM_AVERAGE.into());
        slim
    }

    /// The section holding the raw generator: `g`, or `ema` in an export that dropped `g`
    /// (fine-tuning such a file starts G from its average, the better of the two).
    pub fn generator_section(&self) -> &'static str {
        let from_average =
            self.metadata.get(GENERATOR_KEY).map(String::as_str) == Some(GENERATOR_FROM_AVERAGE);
        if from_average && !self.arrays.keys().any(|name| name.starts_with("g.")) {
            "ema"
        } else {
            "g"
        }
    }

    /// Checks that every value of every tensor is finite; the error names the tensors that are
    /// not (a diverged run must never overwrite a good checkpoint, nor be loaded silently).
    pub fn check_finite(&self) -> Result<(), CheckpointError> {
        let bad: Vec<&String> = self
            .arrays
            .iter()
            .filter(|(_, (_, values))| !values.iter().all(|v| v.is_finite()))
            .map(|(name, _)| name)
            .collect();
        if bad.is_empty() {
            return Ok(());
        }
        Err(CheckpointError::NonFinite {
            tensors: bad
                .iter()
                .take(NAMED_TENSORS)
                .map(|n| n.to_string())
                .collect(),
            total: bad.len(),
        })
    }

    /// Serialises to safetensors bytes; refuses tensors holding a NaN or an infinity.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CheckpointError> {
        self.check_finite()?;
        let metadata: HashMap<String, String> = self
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(tensor_file::to_bytes(&self.arrays, metadata)?)
    }

    /// Parses safetensors bytes written by [`Checkpoint::to_bytes`]; refuses tensors holding a
    /// NaN or an infinity.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CheckpointError> {
        let metadata = tensor_file::metadata(bytes)?;
        tensor_file::expect_format(&metadata, FORMAT)?;
        let arrays = tensor_file::arrays(bytes)?;
        let checkpoint = Self { arrays, metadata };
        checkpoint.check_finite()?;
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        let mut ckpt = Checkpoint::new();
        let mut g = Arrays::new();
        g.insert(
            "w".into(),
            (vec![2, 2], vec![1.0, -2.0, 3.5, f32::MIN_POSITIVE]),
        );
        ckpt.insert_section("g", g);
        ckpt.insert_section("gx", Arrays::from([("b".into(), (vec![1], vec![7.0]))]));
        ckpt.metadata.insert("step".into(), "12".into());
        ckpt
    }

    #[test]
    fn round_trips_bit_for_bit() {
        let ckpt = sample();
        let back = Checkpoint::from_bytes(&ckpt.to_bytes().unwrap()).unwrap();
        assert_eq!(back, ckpt);
        assert_eq!(back.meta_parse::<u64>("step").unwrap(), 12);
    }

    #[test]
    fn sections_do_not_leak_into_each_other() {
        let ckpt = sample();
        assert_eq!(ckpt.section("g").keys().collect::<Vec<_>>(), vec!["w"]);
        assert_eq!(ckpt.section("gx").keys().collect::<Vec<_>>(), vec!["b"]);
    }

    #[test]
    fn rejects_garbage_truncation_and_foreign_files() {
        assert!(matches!(
            Checkpoint::from_bytes(b"hello"),
            Err(CheckpointError::Corrupt(_))
        ));
        let bytes = sample().to_bytes().unwrap();
        let cut = &bytes[..bytes.len() - 3];
        assert!(matches!(
            Checkpoint::from_bytes(cut),
            Err(CheckpointError::Corrupt(_))
        ));
        let mut foreign = sample();
        foreign.metadata.remove("format");
        let err = Checkpoint::from_bytes(&foreign.to_bytes().unwrap()).unwrap_err();
        assert_eq!(err, CheckpointError::Format(None));
        assert_eq!(
            sample().meta("nope"),
            Err(CheckpointError::Metadata { key: "nope".into() })
        );
        let mut other = sample();
        other
            .metadata
            .insert("format".into(), "ganvas-checkpoint/2".into());
        let message = Checkpoint::from_bytes(&other.to_bytes().unwrap())
            .unwrap_err()
            .to_string();
        assert!(!message.contains("Some("), "{message}");
        assert!(message.contains("\"ganvas-checkpoint/2\""), "{message}");
    }

    #[test]
    fn non_finite_tensors_are_neither_written_nor_loaded() {
        let mut ckpt = sample();
        let good = ckpt.to_bytes().unwrap();
        ckpt.arrays.get_mut("g.w").unwrap().1[1] = f32::NAN;
        ckpt.arrays.get_mut("gx.b").unwrap().1[0] = f32::INFINITY;
        let err = ckpt.to_bytes().unwrap_err();
        assert_eq!(
            err,
            CheckpointError::NonFinite {
                tensors: vec!["g.w".into(), "gx.b".into()],
                total: 2
            }
        );
        assert_eq!(
            err.to_string(),
            "non-finite weights (NaN or infinity) in `g.w`, `gx.b`"
        );
        // The same bytes with a NaN patched in (as a foreign writer could produce).
        let mut bytes = good.clone();
        let one = 7.0f32.to_le_bytes();
        let at = bytes.windows(4).rposition(|w| w == one).unwrap();
        bytes[at..at + 4].copy_from_slice(&f32::NEG_INFINITY.to_le_bytes());
        assert!(matches!(
            Checkpoint::from_bytes(&bytes),
            Err(CheckpointError::NonFinite { total: 1, .. })
        ));
        assert!(Checkpoint::from_bytes(&good).is_ok());
    }
}
