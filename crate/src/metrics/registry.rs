//! Named evaluation protocols: which metrics, on how many images, with which KID settings, on
//! which extractor, registered under one name (as StyleGAN2-ADA registers `fid50k_full`).
//! `ganvas eval`, evaluation during `ganvas train` and the browser's metrics all start from an
//! entry here, so the same name means the same numbers in every shell.
//!
//! A shell may change a setting (`ganvas eval --n 60`, the page's image count); the protocol
//! then says so in its name (`domain500+n=200`), and every result records that name beside its
//! key (`fid@domain-fashion-mnist/200v200`).

use serde::Serialize;

use super::evaluate::{EvalSettings, FeatureSet, evaluate};
use super::extractor::{Extractor, ExtractorKind};
use super::protocol::{MetricResult, parse_metrics};
use super::{KidParams, MetricError};

/// One evaluation protocol.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalProtocol {
    /// The registered name, with `+setting=value` for each setting changed from it.
    pub name: String,
    /// Feature extractor family; the data set picks the domain classifier.
    pub extractor: ExtractorKind,
    /// Metric names of [`super::protocol::METRICS`], in report order.
    pub metrics: Vec<String>,
    /// Real images and generated images (each; fewer real when the data holds fewer).
    pub n: usize,
    /// KID: random subsets, and rows per subset (capped at the smaller set).
    pub kid_subsets: usize,
    pub kid_subset_size: usize,
    /// Neighbours for precision/recall/density/coverage.
    pub k: usize,
}

/// A registry entry: `(name, extractor, metrics, n, KID subsets, KID subset size, what for)`.
type Entry = (
    &'static str,
    ExtractorKind,
    &'static str,
    usize,
    usize,
    usize,
    &'static str,
);

/// The registered protocols. Precision/recall/density/coverage use k = 3 everywhere.
pub const PROTOCOLS: [Entry; 5] = [
    (
        "domain10k",
        ExtractorKind::Domain,
        "fid,kid,pr,dc",
        10_000,
        100,
        1000,
        "`ganvas eval` (domain classifier); the shipped models' cards",
    ),
    (
        "inception10k",
        ExtractorKind::Inception,
        "fid,kid,pr,dc",
        10_000,
        100,
        1000,
        "`ganvas eval --extractor inception`: standard FID on 10k v 10k",
    ),
    (
        "domain2k",
        ExtractorKind::Domain,
        "fid,kid,pr",
        2000,
        20,
        1000,
        "`ganvas train --eval-every`: quick enough to run every few thousand steps",
    ),
    (
        "domain500",
        ExtractorKind::Domain,
        "fid,kid,pr,dc",
        500,
        20,
        500,
        "the browser's live metrics card",
    ),
    (
        "inception500",
        ExtractorKind::Inception,
        "fid,kid",
        500,
        20,
        500,
        "the browser's on-demand Inception FID",
    ),
];

impl EvalProtocol {
    /// The registered protocol `name`, or an error listing the known ones.
    pub fn named(name: &str) -> Result<Self, MetricError> {
        let (name, extractor, metrics, n, kid_subsets, kid_subset_size, _) = PROTOCOLS
            .iter()
            .find(|entry| entry.0 == name)
            .copied()
            .ok_or_else(|| MetricError::UnknownName {
                what: "evaluation protocol",
                name: name.into(),
                known: PROTOCOLS.map(|entry| entry.0).join(", "),
            })?;
        Ok(Self {
            name: name.into(),
            extractor,
            metrics: parse_metrics(metrics)?,
            n,
            kid_subsets,
            kid_subset_size,
            k: super::prdc::DEFAULT_K,
        })
    }

    /// The same protocol with `n` images per set (the name says so when it changed).
    pub fn with_n(self, n: usize) -> Self {
        let current = self.n;
        self.changed("n", current, n, |p| p.n = n)
    }

    /// The same protocol with these metrics.
    pub fn with_metrics(mut self, metrics: Vec<String>) -> Self {
        if metrics != self.metrics {
            self.name = format!("{}+metrics={}", self.name, metrics.join(":"));
            self.metrics = metrics;
        }
        self
    }

    /// The same protocol with `subsets` KID subsets of at most `size` rows.
    pub fn with_kid(self, subsets: usize, size: usize) -> Self {
        let (current_subsets, current_size) = (self.kid_subsets, self.kid_subset_size);
        self.changed("kid_subsets", current_subsets, subsets, |p| {
            p.kid_subsets = subsets;
        })
        .changed("kid_subset_size", current_size, size, |p| {
            p.kid_subset_size = size;
        })
    }

    /// The same protocol with `k` neighbours.
    pub fn with_k(self, k: usize) -> Self {
        let current = self.k;
        self.changed("k", current, k, |p| p.k = k)
    }

    /// The same protocol on another extractor family.
    pub fn with_extractor(mut self, kind: ExtractorKind) -> Self {
        if kind != self.extractor {
            self.name = format!("{}+extractor={}", self.name, kind.as_str());
            self.extractor = kind;
        }
        self
    }

    fn changed(mut self, what: &str, from: usize, to: usize, set: impl FnOnce(&mut Self)) -> Self {
        if from != to {
            self.name = format!("{}+{what}={to}", self.name);
            set(&mut self);
        }
        self
    }

    /// How images reach the extractor's input size under this protocol.
    pub fn resize(&self) -> &'static str {
        match self.extractor {
            ExtractorKind::Domain => "centre crop or pad (black) to the classifier's side",
            ExtractorKind::Inception => "legacy-TF bilinear to 299×299 (the reference's)",
        }
    }

    /// Checks that `extractor` is of this protocol's family.
    pub fn check(&self, extractor: &dyn Extractor) -> Result<(), MetricError> {
        if extractor.kind() == self.extractor {
            return Ok(());
        }
        Err(MetricError::Shape(format!(
            "protocol {} runs on a {} extractor, not on {}",
            self.name,
            self.extractor.as_str(),
            extractor.name()
        )))
    }

    /// The protocol's metrics of `fake` against `real`, computed on `extractor`'s features;
    /// `seed` draws the KID subsets. Every result records the protocol's name.
    pub fn score(
        &self,
        extractor: &dyn Extractor,
        real: &FeatureSet,
        fake: &FeatureSet,
        seed: u64,
    ) -> Result<Vec<MetricResult>, MetricError> {
        self.check(extractor)?;
        let mut settings = EvalSettings::new(&extractor.name());
        settings.protocol.clone_from(&self.name);
        settings.k = self.k;
        settings.kid = KidParams {
            subsets: self.kid_subsets,
            subset_size: self.kid_subset_size,
            seed,
        };
        evaluate(real, fake, &self.metrics, &settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_parses_and_names_are_unique() {
        let mut names: Vec<&str> = PROTOCOLS.iter().map(|e| e.0).collect();
        for name in &names {
            let p = EvalProtocol::named(name).unwrap();
            assert_eq!(p.name, *name);
            assert!(p.n >= 2 && p.kid_subset_size >= 2 && !p.metrics.is_empty());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PROTOCOLS.len());
    }

    #[test]
    fn a_changed_setting_is_in_the_name_and_an_unchanged_one_is_not() {
        let p = EvalProtocol::named("domain500").unwrap();
        assert_eq!(p.clone().with_n(500).with_kid(20, 500).name, "domain500");
        let q = p.with_n(200).with_kid(20, 50);
        assert_eq!(q.name, "domain500+n=200+kid_subset_size=50");
        assert_eq!((q.n, q.kid_subsets, q.kid_subset_size), (200, 20, 50));
        let err = EvalProtocol::named("fid50k").unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown evaluation protocol `fid50k`; known: domain10k, inception10k, domain2k, \
             domain500, inception500"
        );
    }
}
