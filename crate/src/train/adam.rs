//! Adam (Kingma & Ba, 2015) over a module's named parameters.
//!
//! We keep our own Adam rather than Burn's so that its state is a set of named tensors: it goes
//! into the checkpoint under stable names (`opt_g.m.<param>`, `opt_g.v.<param>`) and a resumed
//! run continues bit for bit.

use std::collections::BTreeMap;

use burn::module::Module;
use burn::tensor::Tensor;

use crate::model::named::{self, Arrays};

/// Adam hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Step size.
    pub lr: f64,
    /// Decay of the first moment.
    pub beta1: f64,
    /// Decay of the second moment.
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub epsilon: f64,
}

/// Adam's moments for every parameter (flat, without autodiff) and its step counter.
#[derive(Clone, Debug, Default)]
pub struct Adam {
    /// Updates applied so far (for bias correction).
    pub t: u64,
    /// First moments by parameter name.
    pub m: BTreeMap<String, Tensor<1>>,
    /// Second moments by parameter name.
    pub v: BTreeMap<String, Tensor<1>>,
}

impl Adam {
    /// Applies one update with the flat gradients `grads` (by parameter name); parameters
    /// without a gradient are left alone.
    pub fn step<M: Module>(
        &mut self,
        config: &AdamConfig,
        module: M,
        grads: &BTreeMap<String, Tensor<1>>,
    ) -> M {
        self.t += 1;
        let t = self.t as i32;
        let correction1 = 1.0 - config.beta1.powi(t);
        let correction2 = 1.0 - config.beta2.powi(t);
        let step_size = config.lr / correction1;
        named::update(module, |name, _, param| {
            let grad = grads.get(name)?.clone();
            let m = match self.m.remove(name) {
                Some(m) => m.mul_scalar(config.beta1) + grad.clone().mul_scalar(1.0 - config.beta1),
                None => grad.clone().mul_scalar(1.0 - config.beta1),
            };
            let g2 = grad.powf_scalar(2.0).mul_scalar(1.0 - config.beta2);
            let v = match self.v.remove(name) {
                Some(v) => v.mul_scalar(config.beta2) + g2,
                None => g2,
            };
            let denom = v
                .clone()
                .div_scalar(correction2)
                .sqrt()
                .add_scalar(config.epsilon);
            let next = param - (m.clone() / denom).mul_scalar(step_size);
            self.m.insert(name.to_string(), m);
            self.v.insert(name.to_string(), v);
            Some(next)
        })
    }

    /// The moments as `(name, tensor, shape)` triples under `m.<param>` and `v.<param>`.
    pub fn tensors(&self) -> Vec<(String, Tensor<1>, Vec<usize>)> {
        let moment = |prefix: &str, map: &BTreeMap<String, Tensor<1>>| {
            map.iter()
                .map(|(name, t)| (format!("{prefix}.{name}"), t.clone(), t.dims().to_vec()))
                .collect::<Vec<_>>()
        };
        let mut out = moment("m", &self.m);
        out.extend(moment("v", &self.v));
        out
    }

    /// Rebuilds the state from arrays named as by [`Adam::tensors`].
    pub fn from_arrays(t: u64, arrays: &Arrays, device: &burn::tensor::Device) -> Self {
        let mut adam = Adam {
            t,
            ..Adam::default()
        };
        for (name, (shape, values)) in arrays {
            let tensor = Tensor::<1>::from_data(
                burn::tensor::TensorData::new(values.clone(), [shape.iter().product::<usize>()]),
                device,
            );
            if let Some(param) = name.strip_prefix("m.") {
                adam.m.insert(param.to_string(), tensor);
            } else if let Some(param) = name.strip_prefix("v.") {
                adam.v.insert(param.to_string(), tensor);
            }
        }
        adam
    }
}
