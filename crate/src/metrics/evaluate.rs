//! From two feature sets to the requested metrics, each tagged with its protocol.

use serde::Serialize;

use super::protocol::{MetricResult, Protocol};
use super::{
    Gaussian, KidParams, MetricError, frechet_distance, inception_score_shuffled, kid,
    mean_pairwise_distance, prdc,
};

/// Features (and class logits, when the extractor has a classifier head) of one image set.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FeatureSet {
    /// Features per image.
    pub dim: usize,
    /// Row-major `n × dim`.
    pub features: Vec<f32>,
    /// Classes of the extractor's head (0 = none).
    pub classes: usize,
    /// Row-major `n × classes`; empty without a head.
    pub logits: Vec<f32>,
}

impl FeatureSet {
    /// An empty set for an extractor with `dim` features and `classes` logits.
    pub fn new(dim: usize, classes: usize) -> Self {
        Self {
            dim,
            classes,
            ..Self::default()
        }
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.features.len() / self.dim.max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a batch.
    pub fn extend(&mut self, features: &[f32], logits: &[f32]) {
        self.features.extend_from_slice(features);
        self.logits.extend_from_slice(logits);
    }
}

/// Settings shared by the metrics.
#[derive(Clone, Debug)]
pub struct EvalSettings {
    /// Name of the evaluation protocol the results are recorded under (may be empty).
    pub protocol: String,
    /// Extractor name, e.g. `inception-2015-12-05` or `domain-fashion-mnist`.
    pub extractor: String,
    /// Neighbours for precision/recall/density/coverage.
    pub k: usize,
    pub kid: KidParams,
    /// Splits for the Inception Score.
    pub splits: usize,
}

impl EvalSettings {
    pub fn new(extractor: &str) -> Self {
        Self {
            protocol: String::new(),
            extractor: extractor.into(),
            k: super::prdc::DEFAULT_K,
            kid: KidParams::default(),
            splits: super::inception_score::DEFAULT_SPLITS,
        }
    }
}

/// Computes `metrics` (names from [`super::protocol::METRICS`]) of `fake` against `real`.
pub fn evaluate(
    real: &FeatureSet,
    fake: &FeatureSet,
    metrics: &[String],
    settings: &EvalSettings,
) -> Result<Vec<MetricResult>, MetricError> {
    if real.dim != fake.dim {
        return Err(MetricError::Shape(format!(
            "real features have {} dimensions, fake {}",
            real.dim, fake.dim
        )));
    }
    let dim = real.dim;
    let protocol = |params: Vec<(String, String)>| Protocol {
        name: settings.protocol.clone(),
        extractor: settings.extractor.clone(),
        n_real: real.len(),
        n_fake: fake.len(),
        params,
    };
    let mut out = Vec::new();
    for metric in metrics {
        match metric.as_str() {
            "fid" => {
                let f = frechet_distance(
                    &Gaussian::of(&real.features, dim)?,
                    &Gaussian::of(&fake.features, dim)?,
                )?;
                out.push(MetricResult::new("fid", f.value, None, protocol(vec![])));
            }
            "kid" => {
                let k = kid(&real.features, &fake.features, dim, &settings.kid)?;
                let params = vec![
                    ("subsets".into(), k.subsets.to_string()),
                    ("subset_size".into(), k.subset_size.to_string()),
                    ("seed".into(), settings.kid.seed.to_string()),
                ];
                out.push(MetricResult::new(
                    "kid",
                    k.mean,
                    Some(k.std),
                    protocol(params),
                ));
            }
            "pr" | "dc" => {
                let p = prdc(&real.features, &fake.features, dim, settings.k)?;
                let params = vec![("k".to_string(), settings.k.to_string())];
                let pairs = if metric == "pr" {
                    [("precision", p.precision), ("recall", p.recall)]
                } else {
                    [("density", p.density), ("coverage", p.coverage)]
                };
                for (name, value) in pairs {
                    out.push(MetricResult::new(
                        name,
                        value,
                        None,
                        protocol(params.clone()),
                    ));
                }
            }
            "is" => {
                if fake.classes == 0 {
                    return Err(MetricError::Shape(format!(
                        "the Inception Score needs class logits, and extractor `{}` has none",
                        settings.extractor
                    )));
                }
                let seed = super::inception_score::TORCH_FIDELITY_SEED;
                let s =
                    inception_score_shuffled(&fake.logits, fake.classes, settings.splits, seed)?;
                let params = vec![
                    ("splits".to_string(), s.splits.to_string()),
                    ("shuffle_seed".to_string(), seed.to_string()),
                ];
                let mut p = protocol(params);
                p.n_real = 0;
                out.push(MetricResult::new("is", s.mean, Some(s.std), p));
                let coverage = class_coverage(&fake.logits, fake.classes)?;
                out.push(MetricResult::new(
                    "class_coverage",
                    coverage,
                    None,
                    protocol(vec![]),
                ));
            }
            "diversity" => {
                // All pairs of up to 2000 fakes: O(n²) distances.
                let n = fake.len().min(2000);
                let d = mean_pairwise_distance(&fake.features[..n * dim], dim)?;
                let mut p = protocol(vec![("pairs_of".into(), n.to_string())]);
                p.n_real = 0;
                out.push(MetricResult::new("diversity", d, None, p));
            }
            other => {
                return Err(MetricError::Unknown {
                    name: other.into(),
                    known: super::protocol::METRICS.map(|(n, _)| n).join(", "),
                });
            }
        }
    }
    Ok(out)
}

/// Fraction of classes that receive at least half of their uniform share of the argmax
/// predictions (`n / (2C)`): 1.0 when every class is generated about as often as the others
/// would have it, lower when classes are dropped (mode collapse across classes).
pub fn class_coverage(logits: &[f32], classes: usize) -> Result<f64, MetricError> {
    super::stats::check_rows(logits, classes)?;
    let n = logits.len() / classes;
    let mut counts = vec![0_usize; classes];
    for row in logits.chunks(classes) {
        let best = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i);
        counts[best] += 1;
    }
    let share = n as f64 / (2.0 * classes as f64);
    let covered = counts.iter().filter(|&&c| c as f64 >= share).count();
    Ok(covered as f64 / classes as f64)
}

impl FeatureSet {
    /// Safetensors bytes (through [`crate::tensor_file`]): `features` (`n × dim`) and, with a
    /// head, `logits` (`n × classes`), plus `metadata` (e.g. the protocol the features were
    /// computed under).
    pub fn to_bytes(
        &self,
        metadata: std::collections::HashMap<String, String>,
    ) -> Result<Vec<u8>, MetricError> {
        let n = self.len();
        let mut arrays = crate::model::named::Arrays::new();
        arrays.insert(
            "features".into(),
            (vec![n, self.dim], self.features.clone()),
        );
        if self.classes > 0 {
            arrays.insert(
                "logits".into(),
                (vec![n, self.classes], self.logits.clone()),
            );
        }
        crate::tensor_file::to_bytes(&arrays, metadata)
            .map_err(|e| MetricError::Shape(e.to_string()))
    }

    /// The inverse of [`FeatureSet::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MetricError> {
        let mut arrays = crate::tensor_file::arrays(bytes)
            .map_err(|e| MetricError::Shape(format!("not a feature file: {e}")))?;
        let mut take = |name: &str| -> Result<Option<(Vec<f32>, usize)>, MetricError> {
            match arrays.remove(name) {
                Some((shape, values)) if shape.len() == 2 => Ok(Some((values, shape[1]))),
                Some(_) => Err(MetricError::Shape(format!("`{name}` is not an f32 matrix"))),
                None => Ok(None),
            }
        };
        let (features, dim) =
            take("features")?.ok_or_else(|| MetricError::Shape("no `features` tensor".into()))?;
        let (logits, classes) = take("logits")?.unwrap_or_default();
        Ok(Self {
            dim,
            features,
            classes,
            logits,
        })
    }
}
