//! The trainer: networks, optimiser states, RNG and the step. The step does no I/O; the native
//! loop and the browser's "train k steps" both call [`Trainer::step`].

use std::collections::BTreeMap;

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor};

use super::{
    Adam, AdamConfig, AugmentProbability, Optimizer, PendingStats, Source, TrainConfig,
    TrainConfigError, diff_augment, matching_aware, mode_seeking, sgd_step,
};
use crate::model::named;
use crate::model::{Discriminator, Generator, ModelConfig, ModelError, SampleShape};
use crate::rng::Rng;
use crate::sample;

/// Why training cannot start or go on.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TrainError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Config(#[from] TrainConfigError),
    #[error(transparent)]
    Limit(#[from] crate::limits::LimitError),
    #[error("the data has samples of shape {data:?} but the model makes {model:?}")]
    Shape {
        data: SampleShape,
        model: SampleShape,
    },
    #[error(
        "the model is conditioned on {model} classes but the data has {data} (set model.classes = {data}, or 0 for an unconditional model)"
    )]
    Classes { model: usize, data: usize },
    #[error(
        "the text model reads {model} token ids per caption but the data gives {data} (a text model needs a captioned image folder: data.kind = \"folder\" with a captions.tsv, as `ganvas data fetch emoji` writes)"
    )]
    Captions { model: usize, data: usize },
}

/// Everything that changes while training.
pub struct Trainer {
    /// Network shapes.
    pub model: ModelConfig,
    /// Hyper-parameters.
    pub config: TrainConfig,
    /// The generator being trained (autodiff on).
    pub generator: Generator,
    /// The discriminator being trained (autodiff on).
    pub discriminator: Discriminator,
    /// Exponential moving average of the generator, in evaluation mode (no autodiff).
    pub ema: Generator,
    /// Generator Adam state (untouched while `config.optimizer_g` is SGD, which has none).
    pub opt_g: Adam,
    /// Discriminator Adam state (untouched while `config.optimizer_d` is SGD).
    pub opt_d: Adam,
    /// Source of every random choice after initialisation (latents, batches, augmentation).
    pub rng: Rng,
    /// Probability of augmenting an image (adapted to D's overfitting when `ada_target` > 0).
    pub augment_p: AugmentProbability,
    /// Generator updates done.
    pub step: u64,
    device: Device,
}

impl Trainer {
    /// Fresh networks initialised from `seed` on `device`.
    pub fn new(
        model: ModelConfig,
        config: TrainConfig,
        seed: u64,
        device: &Device,
    ) -> Result<Self, TrainError> {
        config.validate()?;
        model.validate()?;
        super::budget::check_training(&model, &config)?;
        let device = device.clone().autodiff();
        let (generator, discriminator) = model.init_seeded(seed, &device)?;
        let ema = generator.valid();
        let augment_p = AugmentProbability::initial(&config, &device.clone().inner());
        Ok(Self {
            model,
            config,
            generator,
            discriminator,
            ema,
            opt_g: Adam::default(),
            opt_d: Adam::default(),
            rng: Rng::new(seed),
            augment_p,
            step: 0,
            device,
        })
    }

    /// The device the networks live on (with autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Checks that `source` produces what the model expects.
    pub fn check_source(&self, source: &dyn Source) -> Result<(), TrainError> {
        let (data, model) = (source.shape(), self.model.sample_shape());
        if data != model {
            return Err(TrainError::Shape { data, model });
        }
        let (data, model) = (source.classes(), self.model.classes());
        // Fewer classes than the model is fine (fine-tuning on some of them); more, or none, is not.
        if model > 0 && (data == 0 || data > model) {
            return Err(TrainError::Classes { model, data });
        }
        let model = self.model.text().map_or(0, |t| t.ids_per_text());
        let data = source.text_ids();
        if model != data {
            return Err(TrainError::Captions { model, data });
        }
        Ok(())
    }

    /// One round of training: `n_critic` discriminator updates, then one generator update,
    /// each over `accumulate` micro-batches; then the generator average. Returns the
    /// statistics still on the device.
    pub fn step(&mut self, data: &dyn Source) -> PendingStats {
        let d = self.update_discriminator(data); // [5]: loss, real, fake, grad norm, p
        let g = self.update_generator(data); // [2]: loss, grad norm
        let pick = |t: &Tensor<1>, i: usize| t.clone().slice(i..i + 1);
        let values = Tensor::cat(
            vec![
                pick(&d, 0),
                pick(&g, 0),
                pick(&d, 1),
                pick(&d, 2),
                pick(&d, 3),
                pick(&g, 1),
                pick(&d, 4),
            ],
            0,
        );
        PendingStats {
            step: self.step,
            values,
        }
    }

    /// The first half of a step: `n_critic` discriminator updates, each followed by an
    /// adjustment of the adaptive augmentation probability. A text model's D also sees real
    /// images with the captions drawn for the fakes, as fakes ([`matching_aware`]). Returns `[5]`: the last update's
    /// loss, mean score on real and on fake samples, gradient norm, and the probability after it.
    pub fn update_discriminator(&mut self, data: &dyn Source) -> Tensor<1> {
        let cfg = self.config.clone();
        let shape = self.model.sample_shape();
        let text = self.model.text().is_some();
        let conditional = self.model.classes() > 0 || text;
        let scale = 1.0 / cfg.accumulate as f64;
        let adam = AdamConfig {
            lr: cfg.lr_d,
            beta1: cfg.beta1,
            beta2: cfg.beta2,
            epsilon: cfg.epsilon,
        };
        let mut stats = None;
        for _ in 0..cfg.n_critic {
            let discriminator = self.discriminator.clone().power_iterate();
            let mut grads = BTreeMap::new();
            let (mut loss_sum, mut real_sum, mut fake_sum) = (None, None, None);
            for _ in 0..cfg.accumulate {
                let real = data.batch(cfg.batch, &mut self.rng, &self.device);
                let labels = if conditional {
                    real.labels.clone()
                } else {
                    None
                };
                let fake_labels = self.fake_labels(data, cfg.batch);
                let latents = self.latents(cfg.batch);
                let fake = self
                    .generator
                    .forward(latents, fake_labels.clone())
                    .detach(); // [B, D]
                let p = self.augment_p.for_augment(&cfg);
                let real_x = diff_augment(real.samples, shape, &cfg.augment, p, &mut self.rng);
                let fake_x = diff_augment(fake, shape, &cfg.augment, p, &mut self.rng);
                let real_logits = discriminator.forward(real_x.clone(), labels); // [B]
                let fake_logits = discriminator.forward(fake_x, fake_labels.clone()); // [B]
                let loss = if text {
                    // Real images with the fakes' (another image's) captions.
                    let mismatched = discriminator.forward(real_x, fake_labels); // [B]
                    matching_aware(
                        cfg.loss,
                        real_logits.clone(),
                        fake_logits.clone(),
                        mismatched,
                    )
                } else {
                    cfg.loss
                        .discriminator(real_logits.clone(), fake_logits.clone())
                };
                let mut backward = loss.clone().mul_scalar(scale).backward();
                accumulate(&mut grads, named::gradients(&discriminator, &mut backward));
                add(&mut loss_sum, loss.detach().inner().mul_scalar(scale));
                let score = |logits: Tensor<1>| cfg.loss.score(logits.detach().inner()).mean();
                add(&mut real_sum, score(real_logits.clone()).mul_scalar(scale));
                add(&mut fake_sum, score(fake_logits).mul_scalar(scale));
                self.augment_p.adjust(&cfg, real_logits.detach().inner());
            }
            let norm = grad_norm(&grads, &self.device);
            self.discriminator = match cfg.optimizer_d {
                Optimizer::Adam => self.opt_d.step(&adam, discriminator, &grads),
                Optimizer::Sgd => sgd_step(cfg.lr_d, discriminator, &grads),
            };
            let p = Some(self.augment_p.p.clone());
            stats = Some(vec![loss_sum, real_sum, fake_sum, Some(norm), p]);
        }
        self.pack(stats.unwrap_or_default(), 5)
    }

    /// The second half of a step: one generator update, the moving average, and the step
    /// counter. Returns `[2]`: the generator loss and gradient norm. `data` gives the captions
    /// of a text model's samples (other models draw their labels themselves).
    pub fn update_generator(&mut self, data: &dyn Source) -> Tensor<1> {
        let cfg = self.config.clone();
        let shape = self.model.sample_shape();
        let scale = 1.0 / cfg.accumulate as f64;
        let adam = AdamConfig {
            lr: cfg.lr_g,
            beta1: cfg.beta1,
            beta2: cfg.beta2,
            epsilon: cfg.epsilon,
        };
        let mut grads = BTreeMap::new();
        let mut g_loss = None;
        // D's weights are constants here: its gradients would be computed and thrown away.
        // (BatchNorm's running statistics are shared with `self.discriminator` and still update.)
        let discriminator = self.discriminator.clone().no_grad();
        let seeking = cfg.mode_seeking > 0.0 && cfg.batch >= 2;
        for _ in 0..cfg.accumulate {
            let labels = if seeking {
                self.paired_labels(data, cfg.batch)
            } else {
                self.fake_labels(data, cfg.batch)
            };
            let latents = self.latents(cfg.batch);
            let fake = self.generator.forward(latents.clone(), labels.clone());
            let spread = seeking.then(|| mode_seeking(&fake, &latents, cfg.mode_seeking));
            let p = self.augment_p.for_augment(&cfg);
            let fake = diff_augment(fake, shape, &cfg.augment, p, &mut self.rng);
            let loss = cfg.loss.generator(discriminator.forward(fake, labels));
            let total = match spread {
                Some(term) => loss.clone() + term,
                None => loss.clone(),
            };
            let mut backward = total.mul_scalar(scale).backward();
            accumulate(&mut grads, named::gradients(&self.generator, &mut backward));
            add(&mut g_loss, loss.detach().inner().mul_scalar(scale));
        }
        let norm = grad_norm(&grads, &self.device);
        let generator = self.generator.clone();
        self.generator = match cfg.optimizer_g {
            Optimizer::Adam => self.opt_g.step(&adam, generator, &grads),
            Optimizer::Sgd => sgd_step(cfg.lr_g, generator, &grads),
        };
        self.update_average(&grads);
        self.step += 1;
        self.pack(vec![g_loss, Some(norm)], 2)
    }

    /// Concatenates `[1]` statistics, NaN where missing, into `[len]`.
    fn pack(&self, parts: Vec<Option<Tensor<1>>>, len: usize) -> Tensor<1> {
        let device = self.device.clone().inner();
        let mut parts: Vec<Tensor<1>> = parts
            .into_iter()
            .map(|p| p.unwrap_or_else(|| Tensor::from_floats([f32::NAN], &device)))
            .collect();
        parts.resize_with(len, || Tensor::from_floats([f32::NAN], &device));
        Tensor::cat(parts, 0)
    }

    /// `[n, latent_dim]` latents for training, from the trainer's RNG.
    fn latents(&mut self, n: usize) -> Tensor<2> {
        let values = sample::latents(&self.model, n, None, &mut self.rng);
        Tensor::from_data(
            burn::tensor::TensorData::new(values, [n, self.model.latent_dim()]),
            &self.device,
        )
    }

    /// Conditions of `n` generated samples for the mode-seeking term: samples `n − ⌊n/2⌋ ..`
    /// repeat the conditions of samples `0..⌊n/2⌋` (None for unconditional models).
    fn paired_labels(&mut self, data: &dyn Source, n: usize) -> Option<Tensor<1, Int>> {
        let first = n - n / 2;
        let labels = self.fake_labels(data, first)?;
        let per_sample = labels.dims()[0] / first;
        let repeat = labels.clone().narrow(0, 0, (n / 2) * per_sample);
        Some(Tensor::cat(vec![labels, repeat], 0))
    }

    /// `[n]` uniformly drawn classes for conditional models; `[n·ids]` token ids of the
    /// captions of random training images for text models.
    fn fake_labels(&mut self, data: &dyn Source, n: usize) -> Option<Tensor<1, Int>> {
        if self.model.text().is_some() {
            return data.captions(n, &mut self.rng, &self.device);
        }
        let classes = self.model.classes();
        (classes > 0).then(|| {
            let labels: Vec<i64> = (0..n).map(|_| self.rng.below(classes) as i64).collect();
            Tensor::from_data(burn::tensor::TensorData::new(labels, [n]), &self.device)
        })
    }

    /// `ema ← β·ema + (1-β)·G` over the trained parameters; buffers (BatchNorm running
    /// statistics) are copied from G, as StyleGAN does: averaged statistics would lag behind
    /// the activations of the averaged weights (and start from their initial values), which
    /// washes the samples out early in training.
    /// `trained` holds the gradients of this update: its names are the trained parameters.
    fn update_average(&mut self, trained: &BTreeMap<String, Tensor<1>>) {
        let beta = self.config.ema_beta();
        let current = named::by_name(&self.generator);
        self.ema = named::update(self.ema.clone(), |name, _, old| {
            let new = current.get(name)?.clone();
            Some(if beta == 0.0 || !trained.contains_key(name) {
                new
            } else {
                old.mul_scalar(beta) + new.mul_scalar(1.0 - beta)
            })
        });
    }
}

fn add(sum: &mut Option<Tensor<1>>, value: Tensor<1>) {
    *sum = Some(match sum.take() {
        Some(s) => s + value,
        None => value,
    });
}

fn accumulate(into: &mut BTreeMap<String, Tensor<1>>, grads: BTreeMap<String, Tensor<1>>) {
    for (name, grad) in grads {
        let summed = match into.remove(&name) {
            Some(sum) => sum + grad,
            None => grad,
        };
        into.insert(name, summed);
    }
}

/// `[1]` L2 norm over all gradients.
fn grad_norm(grads: &BTreeMap<String, Tensor<1>>, device: &Device) -> Tensor<1> {
    grads
        .values()
        .map(|g| g.clone().powf_scalar(2.0).sum())
        .reduce(|a, b| a + b)
        .unwrap_or_else(|| Tensor::zeros([1], &device.clone().inner()))
        .sqrt()
}
