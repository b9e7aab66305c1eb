//! Modules ↔ named, flat f32 tensors.
//!
//! A tensor's name is its module path joined with dots, e.g. `Dcgan.blocks.0.conv.weight`
//! (`Dcgan` is the family, `blocks.0` the first block, then the field names). Names are stable
//! across versions; a checkpoint stores each tensor under its name with a prefix (`g.`, `d.`, …).
//! Every float tensor is included: parameters, BatchNorm running statistics and spectral-norm
//! vectors.

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Gradients, Tensor, TensorData};

/// Named arrays as read from a device or a checkpoint: `name → (shape, values)`.
pub type Arrays = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// A set of tensors flattened and concatenated so they can be read back from the device in
/// one transfer (one `await` in the browser).
pub struct Flattened {
    /// `(name, shape)` in order; their sizes partition `values`.
    pub layout: Vec<(String, Vec<usize>)>,
    /// `[Σ sizes]` all values in `layout` order, without autodiff.
    pub values: Tensor<1>,
}

impl Flattened {
    /// Concatenates `(name, flat tensor, shape)` triples; `None` when there are none.
    pub fn new(parts: Vec<(String, Tensor<1>, Vec<usize>)>) -> Option<Self> {
        if parts.is_empty() {
            return None;
        }
        let mut layout = Vec::with_capacity(parts.len());
        let mut tensors = Vec::with_capacity(parts.len());
        for (name, tensor, shape) in parts {
            layout.push((name, shape));
            tensors.push(tensor);
        }
        Some(Self {
            layout,
            values: Tensor::cat(tensors, 0),
        })
    }

    /// Splits the values read back from [`Flattened::values`] into named arrays.
    pub fn split(&self, values: &[f32]) -> Arrays {
        let mut out = BTreeMap::new();
        let mut offset = 0;
        for (name, shape) in &self.layout {
            let end = (offset + shape.iter().product::<usize>()).min(values.len());
            out.insert(name.clone(), (shape.clone(), values[offset..end].to_vec()));
            offset = end;
        }
        out
    }
}

/// Every float tensor of `module` as `(name, [n] flat tensor without autodiff, shape)`.
pub fn collect<M: Module>(module: &M) -> Vec<(String, Tensor<1>, Vec<usize>)> {
    struct Collect(Vec<String>, Vec<(String, Tensor<1>, Vec<usize>)>);
    impl ModuleVisitor for Collect {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let tensor = param.val().inner();
            let shape = tensor.dims().to_vec();
            self.1
                .push((self.0.join("."), tensor.flatten(0, D - 1), shape));
        }
    }
    // BatchNorm keeps its latest running-statistics update pending until it is synchronised,
    // and visiting reads the synchronised value; `valid` synchronises (in place, for the
    // original module too) so that what we collect includes the latest update.
    let synced = module.valid();
    let mut visitor = Collect(Vec::new(), Vec::new());
    synced.visit(&mut visitor);
    visitor.1
}

/// Every float tensor of `module` as flat tensors by name.
pub fn by_name<M: Module>(module: &M) -> BTreeMap<String, Tensor<1>> {
    collect(module)
        .into_iter()
        .map(|(name, tensor, _)| (name, tensor))
        .collect()
}

/// The gradient of every parameter of `module` that has one, flattened, by name.
pub fn gradients<M: Module>(module: &M, grads: &mut Gradients) -> BTreeMap<String, Tensor<1>> {
    struct Grads<'a>(Vec<String>, &'a mut Gradients, BTreeMap<String, Tensor<1>>);
    impl ModuleVisitor for Grads<'_> {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(grad) = param.val().grad_remove(self.1) {
                self.2.insert(self.0.join("."), grad.flatten(0, D - 1));
            }
        }
    }
    let mut visitor = Grads(Vec::new(), grads, BTreeMap::new());
    module.visit(&mut visitor);
    visitor.2
}

/// Rewrites float tensors of `module`: `update(name, shape, flat)` returns the new flat values
/// (without autodiff) or `None` to keep the tensor. Each parameter keeps its id, device,
/// autodiff association and gradient setting.
pub fn update<M, F>(module: M, update: F) -> M
where
    M: Module,
    F: FnMut(&str, &[usize], Tensor<1>) -> Option<Tensor<1>>,
{
    struct Update<F>(Vec<String>, F);
    impl<F: FnMut(&str, &[usize], Tensor<1>) -> Option<Tensor<1>>> ModuleMapper for Update<F> {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.pop();
        }
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let name = self.0.join(".");
            let f = &mut self.1;
            param.map(|old| {
                let shape = old.dims();
                let flat = old.clone().inner().flatten(0, D - 1);
                match f(&name, &shape, flat) {
                    Some(new) => restore(&old, new.reshape(shape)),
                    None => old,
                }
            })
        }
    }
    module.map(&mut Update(Vec::new(), update))
}

/// `fresh` (without autodiff) with `like`'s autodiff association and gradient setting.
fn restore<const D: usize>(like: &Tensor<D>, fresh: Tensor<D>) -> Tensor<D> {
    let fresh = if like.is_autodiff() {
        Tensor::from_inner(fresh)
    } else {
        fresh
    };
    if like.is_require_grad() {
        fresh.require_grad()
    } else {
        fresh
    }
}

/// Why a set of named arrays does not fit a module.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FitError {
    #[error("tensor `{0}` is missing")]
    Missing(String),
    #[error("tensor `{name}` has shape {found:?} but the model expects {expected:?}")]
    Shape {
        name: String,
        found: Vec<usize>,
        expected: Vec<usize>,
    },
    #[error("tensor `{0}` is not part of this model")]
    Unexpected(String),
}

/// Replaces every float tensor of `module` by the array of the same name. Every name must be
/// present with the right shape, and every array must be used.
pub fn load<M: Module>(module: M, arrays: &Arrays) -> Result<M, FitError> {
    let expected = collect(&module);
    for (name, _, shape) in &expected {
        match arrays.get(name) {
            None => return Err(FitError::Missing(name.clone())),
            Some((found, values))
                if found != shape || values.len() != shape.iter().product::<usize>() =>
            {
                return Err(FitError::Shape {
                    name: name.clone(),
                    found: found.clone(),
                    expected: shape.clone(),
                });
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = arrays
        .keys()
        .find(|k| !expected.iter().any(|(n, _, _)| n == *k))
    {
        return Err(FitError::Unexpected(extra.clone()));
    }
    Ok(update(module, |name, shape, old| {
        let (_, values) = arrays.get(name)?;
        let data = TensorData::new(values.clone(), [shape.iter().product::<usize>()]);
        Some(Tensor::from_data(data, &old.device()))
    }))
}

/// The names of every float tensor of `module`, in visiting order.
pub fn names<M: Module>(module: &M) -> Vec<String> {
    collect(module)
        .into_iter()
        .map(|(name, _, _)| name)
        .collect()
}
