//! Projection of an image into a generator's latent space: the latent (and, for a conditional
//! model, the class) whose sample comes closest to a target image, the way StyleGAN2's
//! projector inverts a generator.
//!
//! It starts from the best of many random latents (of every class, or of the class asked for),
//! then refines the few best starts at once by gradient descent on the pixel mean squared error
//! with Adam, the step size ramped up over the first 5 % of the steps and down (cosine) over
//! the last 25 %. Gaussian latents are kept on the sphere of radius √d where they typically lie,
//! so the refined latent stays one the generator was trained on; uniform latents stay in
//! [-1, 1]. The generator runs in evaluation mode and is never changed.
//!
//! [`Projector::step`] does no read-back, so a shell can run a few steps, read
//! ([`Projector::read`]) and show progress; both shells use the same async body (the CLI blocks
//! on it).

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::limits::{self, LimitError};
use crate::model::{Generator, ModelConfig, Noise};
use crate::rng::Rng;
use crate::sample::{Classes, SampleRequest};

/// Random latents scored before refining, at most.
pub const MAX_CANDIDATES: usize = 4096;
/// Refinement steps, at most.
pub const MAX_STEPS: usize = 100_000;
/// Latents refined side by side, at most.
pub const MAX_STARTS: usize = 64;
/// Candidates scored per generator call.
const CANDIDATE_BATCH: usize = 64;

/// How to project.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectOptions {
    /// Gradient steps (default 300).
    pub steps: usize,
    /// Random latents scored to choose the starts (default 256).
    pub candidates: usize,
    /// Best candidates refined side by side; the best of them wins (default 4).
    pub starts: usize,
    /// Adam's step size on the latent (default 0.05).
    pub lr: f64,
    /// The class to project into (conditional models); `None` searches every class.
    pub class: Option<usize>,
    /// Seed of the candidate latents.
    pub seed: u64,
}

impl Default for ProjectOptions {
    fn default() -> Self {
        Self {
            steps: 300,
            candidates: 256,
            starts: 4,
            lr: 0.05,
            class: None,
            seed: 1,
        }
    }
}

/// Why a projection cannot start or go on.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProjectError {
    #[error("projection needs an image model; this one draws 2-D points")]
    NotImages,
    #[error("the target has {got} values but this model's images have {expected}")]
    Target { expected: usize, got: usize },
    #[error("the target image holds a value that is not a finite number")]
    NotFinite,
    #[error("class {class} is out of range: this model has classes 0..{}", classes.saturating_sub(1))]
    Class { class: usize, classes: usize },
    #[error("a class needs a class-conditional model; this one is unconditional")]
    Unconditional,
    #[error("{field} must be {expected}, got {value}")]
    Option {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error(transparent)]
    Limit(#[from] LimitError),
    #[error("could not read the projection back from the device: {0}")]
    Read(String),
}

/// Where a projection stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// Gradient steps done.
    pub step: usize,
    /// Mean squared pixel error (values in [-1, 1]) of the best start.
    pub mse: f32,
    /// The best start's error when the refinement began (the best random candidate).
    pub start_mse: f32,
    /// The best start's latent.
    pub latent: Vec<f32>,
    /// Its class (conditional models).
    pub class: Option<u32>,
    /// Its image, `sample_dim` values in [-1, 1] (channel-major, as samples are).
    pub image: Vec<f32>,
}

impl Projection {
    /// Peak signal-to-noise ratio in dB for values in [-1, 1] (peak-to-peak 2).
    pub fn psnr(&self) -> f32 {
        10.0 * (4.0 / self.mse.max(1e-12)).log10()
    }
}

/// A projection in progress.
pub struct Projector {
    generator: Generator,
    options: ProjectOptions,
    noise: Noise,
    latent_dim: usize,
    /// `[1, sample_dim]`, without autodiff.
    target: Tensor<2>,
    /// `[starts, latent_dim]`, without autodiff.
    latents: Tensor<2>,
    labels: Option<Tensor<1, Int>>,
    classes: Vec<Option<u32>>,
    /// Adam's moments.
    m: Tensor<2>,
    v: Tensor<2>,
    start_mse: f32,
    step: usize,
}

impl Projector {
    /// Chooses the starts for `target` (`sample_dim` values in [-1, 1]) among random latents of
    /// `generator` (in evaluation mode), on `device` (autodiff is enabled on it for the
    /// refinement). Reads the candidates' errors back once.
    pub async fn new(
        generator: &Generator,
        model: &ModelConfig,
        target: &[f32],
        options: ProjectOptions,
        device: &Device,
    ) -> Result<Self, ProjectError> {
        check(model, target, &options)?;
        let inner = device.clone().inner();
        let autodiff = device.clone().autodiff();
        let dim = target.len();
        let target = Tensor::<2>::from_data(TensorData::new(target.to_vec(), [1, dim]), &inner);

        // Score random latents, a batch at a time.
        let which = options.class.map_or(Classes::InTurn, Classes::Only);
        let request = SampleRequest::grid(
            model,
            options.candidates,
            None,
            which,
            &mut Rng::new(options.seed),
        );
        let mut errors = Vec::with_capacity(request.len());
        for batch in request.batches(CANDIDATE_BATCH) {
            let images = generator.generate(&batch, &inner);
            errors.extend(read_vec(row_errors(images, &target)).await?);
        }
        let mut order: Vec<usize> = (0..errors.len()).collect();
        order.sort_by(|&a, &b| errors[a].total_cmp(&errors[b]));
        order.truncate(options.starts);
        let start_mse = errors[order[0]];

        let latent_dim = request.latent_dim;
        let values: Vec<f32> = order
            .iter()
            .flat_map(|&i| {
                request.latents[i * latent_dim..(i + 1) * latent_dim]
                    .iter()
                    .copied()
            })
            .collect();
        let starts = order.len();
        let latents = Tensor::<2>::from_data(TensorData::new(values, [starts, latent_dim]), &inner);
        let classes: Vec<Option<u32>> = order
            .iter()
            .map(|&i| request.labels.as_ref().map(|l| l[i]))
            .collect();
        let labels = request.labels.as_ref().map(|_| {
            let ids: Vec<i64> = classes.iter().map(|c| i64::from(c.unwrap_or(0))).collect();
            Tensor::<1, Int>::from_data(TensorData::new(ids, [starts]), &autodiff)
        });
        let generator = generator.clone().fork(&autodiff).freeze();
        Ok(Self {
            generator,
            noise: model.noise(),
            latent_dim,
            target,
            m: latents.zeros_like(),
            v: latents.zeros_like(),
            latents,
            labels,
            classes,
            start_mse,
            step: 0,
            options,
        })
    }

    /// Gradient steps asked for.
    pub fn steps(&self) -> usize {
        self.options.steps
    }

    /// Whether every step asked for is done.
    pub fn done(&self) -> bool {
        self.step >= self.options.steps
    }

    /// One Adam step on every start (nothing is read back).
    pub fn step(&mut self) {
        const BETA1: f64 = 0.9;
        const BETA2: f64 = 0.999;
        const EPSILON: f64 = 1e-8;
        let z = self.latents.clone().autodiff().require_grad();
        let images = self.generator.forward(z.clone(), self.labels.clone());
        let errors = row_errors(images, &self.target);
        let grads = errors.sum().backward();
        let Some(grad) = z.grad(&grads) else {
            return;
        };
        self.step += 1;
        let t = self.step as i32;
        self.m = self
            .m
            .clone()
            .mul_scalar(BETA1)
            .add(grad.clone().mul_scalar(1.0 - BETA1));
        self.v = self
            .v
            .clone()
            .mul_scalar(BETA2)
            .add(grad.powi_scalar(2).mul_scalar(1.0 - BETA2));
        let m_hat = self.m.clone().div_scalar(1.0 - BETA1.powi(t));
        let v_hat = self.v.clone().div_scalar(1.0 - BETA2.powi(t));
        let lr = self.options.lr * schedule(self.step, self.options.steps);
        let moved = self
            .latents
            .clone()
            .sub(m_hat.div(v_hat.sqrt().add_scalar(EPSILON)).mul_scalar(lr));
        self.latents = match self.noise {
            Noise::Gaussian => {
                let norms = moved
                    .clone()
                    .powi_scalar(2)
                    .sum_dim(1)
                    .sqrt()
                    .clamp_min(1e-12);
                moved.div(norms).mul_scalar((self.latent_dim as f64).sqrt())
            }
            Noise::Uniform => moved.clamp(-1.0, 1.0),
        };
    }

    /// Runs up to `k` more steps (never past the steps asked for).
    pub fn run(&mut self, k: usize) {
        for _ in 0..k {
            if self.done() {
                break;
            }
            self.step();
        }
    }

    /// Reads where the projection stands: the best start's latent, class, image and error.
    pub async fn read(&self) -> Result<Projection, ProjectError> {
        let generator = self.generator.valid();
        let images =
            generator.forward(self.latents.clone(), self.labels.clone().map(Tensor::inner));
        let errors = read_vec(row_errors(images.clone(), &self.target)).await?;
        let best = (0..errors.len())
            .min_by(|&a, &b| errors[a].total_cmp(&errors[b]))
            .unwrap_or(0);
        let d = self.latent_dim;
        let latents = read_vec(self.latents.clone().flatten::<1>(0, 1)).await?;
        let image = read_vec(images.slice([best..best + 1]).flatten::<1>(0, 1)).await?;
        Ok(Projection {
            step: self.step,
            mse: errors.get(best).copied().unwrap_or(f32::NAN),
            start_mse: self.start_mse,
            latent: latents
                .get(best * d..(best + 1) * d)
                .unwrap_or_default()
                .to_vec(),
            class: self.classes.get(best).copied().flatten(),
            image,
        })
    }
}

/// The step-size multiplier at `step` of `steps`: linear ramp-up over the first 5 %, cosine
/// ramp-down over the last 25 % (StyleGAN2's projector schedule).
fn schedule(step: usize, steps: usize) -> f64 {
    let t = step as f64 / steps.max(1) as f64;
    let down = ((1.0 - t) / 0.25).min(1.0);
    let down = 0.5 - 0.5 * (down * std::f64::consts::PI).cos();
    down * (t / 0.05).min(1.0)
}

/// Mean squared error of each row of `images` (`[n, d]`) against `target` (`[1, d]`) → `[n]`.
fn row_errors(images: Tensor<2>, target: &Tensor<2>) -> Tensor<1> {
    let target = target.clone().to_device(&images.device());
    images.sub(target).powi_scalar(2).mean_dim(1).flatten(0, 1)
}

async fn read_vec(values: Tensor<1>) -> Result<Vec<f32>, ProjectError> {
    crate::readback::floats(values)
        .await
        .map_err(|e| ProjectError::Read(e.0))
}

fn check(
    model: &ModelConfig,
    target: &[f32],
    options: &ProjectOptions,
) -> Result<(), ProjectError> {
    if model.sample_shape().image().is_none() {
        return Err(ProjectError::NotImages);
    }
    let expected = model.sample_dim();
    if target.len() != expected {
        return Err(ProjectError::Target {
            expected,
            got: target.len(),
        });
    }
    if target.iter().any(|v| !v.is_finite()) {
        return Err(ProjectError::NotFinite);
    }
    match (options.class, model.classes()) {
        (Some(_), 0) => return Err(ProjectError::Unconditional),
        (Some(class), classes) if class >= classes => {
            return Err(ProjectError::Class { class, classes });
        }
        _ => {}
    }
    let positive = |field: &'static str, value: usize| {
        if value == 0 {
            Err(ProjectError::Option {
                field,
                value: value.to_string(),
                expected: "at least 1",
            })
        } else {
            Ok(())
        }
    };
    positive("steps", options.steps)?;
    positive("candidates", options.candidates)?;
    positive("starts", options.starts)?;
    limits::at_most("steps", options.steps as u64, MAX_STEPS as u64)?;
    limits::at_most(
        "candidates",
        options.candidates as u64,
        MAX_CANDIDATES as u64,
    )?;
    limits::at_most("starts", options.starts as u64, MAX_STARTS as u64)?;
    if options.starts > options.candidates {
        return Err(ProjectError::Option {
            field: "starts",
            value: options.starts.to_string(),
            expected: "at most the number of candidates",
        });
    }
    if !(options.lr > 0.0 && options.lr.is_finite()) {
        return Err(ProjectError::Option {
            field: "lr",
            value: options.lr.to_string(),
            expected: "a positive number",
        });
    }
    Ok(())
}
