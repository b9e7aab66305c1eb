//! Names and protocols of metric results.
//!
//! A result is keyed `metric@extractor/NrealvNfake`, e.g. `fid@inception-2015-12-05/10000v10000`
//! or `fid@domain-fashion-mnist/5000v5000`: the extractor is part of the name, so a FID on a
//! small domain classifier never reads as a standard Inception FID.

use serde::Serialize;

use super::MetricError;

/// The metrics `ganvas eval --metrics` accepts, with what each reports.
pub const METRICS: [(&str, &str); 6] = [
    (
        "fid",
        "Fréchet distance of feature Gaussians (lower is better)",
    ),
    (
        "kid",
        "kernel distance, cubic polynomial kernel, mean ± std over subsets (lower is better)",
    ),
    (
        "pr",
        "precision and recall from k-NN balls (higher is better)",
    ),
    (
        "dc",
        "density and coverage from k-NN balls (higher is better)",
    ),
    (
        "is",
        "Inception Score from the extractor's class logits (higher is better)",
    ),
    (
        "diversity",
        "mean pairwise feature distance among fakes (higher is more varied); with images, also mean MS-SSIM of random pairs, fake and real (lower is more varied)",
    ),
];

/// Parses a comma-separated list of metric names, rejecting unknown ones.
pub fn parse_metrics(list: &str) -> Result<Vec<String>, MetricError> {
    let known: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            if known.contains(&name) {
                Ok(name.to_string())
            } else {
                Err(MetricError::Unknown {
                    name: name.into(),
                    known: known.join(", "),
                })
            }
        })
        .collect()
}

/// What a number was computed on.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Protocol {
    /// The evaluation protocol's name (see [`super::registry`]), e.g. `domain10k` or
    /// `domain500+n=200`; empty for a result computed outside a registered protocol.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Feature extractor, e.g. `inception-2015-12-05` or `domain-fashion-mnist`.
    pub extractor: String,
    /// Real feature rows.
    pub n_real: usize,
    /// Generated feature rows.
    pub n_fake: usize,
    /// Metric-specific settings (k, subsets, splits), as `name=value` pairs.
    pub params: Vec<(String, String)>,
}

/// One reported number.
#[derive(Clone, Debug, Serialize)]
pub struct MetricResult {
    /// `metric@extractor/NrealvNfake`.
    pub key: String,
    /// What is measured: `fid`, `kid`, `precision`, `recall`, `density`, `coverage`, `is`,
    /// `diversity`.
    pub metric: String,
    pub value: f64,
    /// Spread where the metric has one (KID and IS over subsets/splits).
    pub std: Option<f64>,
    pub protocol: Protocol,
}

impl MetricResult {
    pub fn new(metric: &str, value: f64, std: Option<f64>, protocol: Protocol) -> Self {
        let key = format!(
            "{metric}@{}/{}v{}",
            protocol.extractor, protocol.n_real, protocol.n_fake
        );
        Self {
            key,
            metric: metric.into(),
            value,
            std,
            protocol,
        }
    }
}
