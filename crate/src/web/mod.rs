//! The browser API: one `Session` object, created asynchronously with WebGPU preferred and the
//! CPU (WASM) backend as fallback. Thin by design: it converts between JavaScript values and
//! the library's types, delegates, and maps every error to an exception with a readable
//! message. Results that come from the GPU are read back asynchronously. Every count, size,
//! frame or step number taken from JavaScript is checked by [`crate::limits::requests`] before
//! anything of that size is allocated.

mod backend;
mod dto;
mod inception;
mod metrics;
mod project;
mod prompts;
mod rows;

use burn::tensor::{Device, Tensor};
use js_sys::{Float32Array, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::checkpoint::Checkpoint;
use crate::data::captions::phrases_from_path;
use crate::data::{ImageSet, Toy, fit_resolution};
use crate::limits::requests;
use crate::model::SampleShape;
use crate::rng::Rng;
use crate::run::{self, DataConfig, RunConfig, Snapshot};
use crate::sample::{self, Classes, Interpolation, SampleRequest};
use crate::train::{CaptionedImages, Source, StepStats, ToySource, TrainConfig, Trainer};

pub use backend::BackendInfo;
use dto::{RunInfo, to_js};
/// `initThreadPool(n)` of the threaded module: starts `n` Web Workers sharing this module's
/// memory as rayon's pool; the worker awaits it before creating a session.
#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

/// Installs a panic hook that reports panics to the console instead of silently killing the
/// module (the page stays usable; the failed call rejects).
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// How this worker's convolutions run on WebGPU from now on: "direct" (Burn's kernels, the
/// default) or "lowered" (matrix multiplies; see `CubeConvs`). The page passes `?convs=`.
#[wasm_bindgen(js_name = setCubeConvs)]
pub fn set_cube_convs(kind: &str) -> Result<(), JsError> {
    let convs: crate::model::ops::CubeConvs = kind.parse().map_err(js_error)?;
    crate::model::ops::set_cube_convs(convs);
    Ok(())
}

fn js_error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// A ganvas session: one device, at most one model (trainer) and one training set.
#[wasm_bindgen]
pub struct Session {
    device: Device,
    backend: BackendInfo,
    run: Option<(RunConfig, Trainer)>,
    source: Option<Box<dyn Source>>,
    /// The image data behind `source`, kept for the metrics' real features.
    images: Option<ImageSet>,
    extractor: Option<crate::metrics::domain::DomainExtractor>,
    /// Features of the first images of `images` on `extractor`, computed once.
    real_features: Option<crate::metrics::FeatureSet>,
    /// Inception-v3 for the on-demand standard FID, when the page was given its weights.
    inception: Option<crate::metrics::inception::Inception>,
    /// Inception features of the first images of `images`, computed once.
    real_inception: Option<crate::metrics::FeatureSet>,
    /// A projection in progress and its images' `[channels, height, width]`.
    projector: Option<(crate::project::Projector, [usize; 3])>,
    /// The text-image scorer of a text model's prompt grids, when the page loaded one.
    text_scorer: Option<crate::metrics::text_image::ScorerFile>,
}

#[wasm_bindgen]
impl Session {
    /// Creates a session on `prefer` ("webgpu" or "cpu"); WebGPU falls back to the CPU with
    /// the reason recorded in [`Session::backend`].
    pub async fn create(prefer: String) -> Result<Session, JsError> {
        let (device, backend) = backend::select(&prefer)
            .await
            .map_err(|e| JsError::new(&e))?;
        Ok(Session {
            device,
            backend,
            run: None,
            source: None,
            images: None,
            extractor: None,
            real_features: None,
            inception: None,
            real_inception: None,
            projector: None,
            text_scorer: None,
        })
    }

    /// `{ kind: "webgpu" | "cpu", adapter, fallback_reason, threads, convs, fusion }`.
    pub fn backend(&self) -> Result<JsValue, JsError> {
        to_js(&self.backend.now())
    }

    /// Loads a checkpoint written by `ganvas train` (or by [`Session::export`]); it can then be
    /// sampled and trained further. Returns the run's description.
    pub fn load_checkpoint(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let checkpoint = Checkpoint::from_bytes(bytes).map_err(js_error)?;
        let (config, trainer) = run::restore(&checkpoint, &self.device).map_err(js_error)?;
        self.forget_data();
        self.run = Some((config, trainer));
        self.info()
    }

    /// Starts a fresh model from a TOML run config (the same format as `configs/*.toml`).
    pub fn new_run(&mut self, config_toml: &str) -> Result<JsValue, JsError> {
        let config = RunConfig::from_toml(config_toml, &[]).map_err(js_error)?;
        let trainer = Trainer::new(
            config.model.clone(),
            config.train.clone(),
            config.run.seed,
            &self.device,
        )
        .map_err(js_error)?;
        self.forget_data();
        self.run = Some((config, trainer));
        self.info()
    }

    /// Describes the current run: config, step, sample shape, classes.
    pub fn info(&self) -> Result<JsValue, JsError> {
        let (config, trainer) = self.current()?;
        to_js(&RunInfo::new(config, trainer).map_err(js_error)?)
    }

    /// Replaces the training hyper-parameters (JSON of the `[train]` section).
    pub fn set_train_config(&mut self, train: JsValue) -> Result<(), JsError> {
        let train: TrainConfig = serde_wasm_bindgen::from_value(train).map_err(js_error)?;
        train.validate().map_err(js_error)?;
        let (config, trainer) = self.current_mut()?;
        config.train = train.clone();
        trainer.config = train;
        Ok(())
    }

    /// Trains on a built-in 2-D distribution ("gaussians8", "ring", …).
    pub fn use_toy_data(&mut self, name: &str) -> Result<(), JsError> {
        let toy: Toy = name.parse().map_err(js_error)?;
        let (config, trainer) = self.current_mut()?;
        let source = ToySource(toy);
        trainer.check_source(&source).map_err(js_error)?;
        config.data = DataConfig::Toy { distribution: toy };
        self.forget_data();
        self.source = Some(Box::new(source));
        Ok(())
    }

    /// Trains on `n` RGBA images of `width × height` (4 bytes per pixel, row-major, images one
    /// after another), composited on white and fitted to the model's resolution; `labels`
    /// (one per image) for conditional models; `paths` (one per image, e.g. `cats/tabby.png`)
    /// for text models, which are captioned from them ([`phrases_from_path`]).
    pub fn use_images(
        &mut self,
        rgba: &[u8],
        n: usize,
        width: usize,
        height: usize,
        labels: Option<Vec<u32>>,
        paths: Option<Vec<String>>,
    ) -> Result<(), JsError> {
        let (config, _) = self.current()?;
        let Some([channels, side, model_width]) = config.model.sample_shape().image() else {
            return Err(JsError::new(
                "this model draws 2-D points; choose a built-in distribution",
            ));
        };
        let fitted = side.saturating_mul(model_width).saturating_mul(channels);
        requests::images(n, width, height, fitted).map_err(js_error)?;
        let captions = match (config.model.text(), paths) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(JsError::new(
                    "this model is text-conditioned: its images need captions, taken from their file names",
                ));
            }
            (Some(_), Some(paths)) => Some(captions_of(&paths, n)?),
        };
        let set =
            ImageSet::from_rgba(rgba, n, width, height, channels, labels).map_err(js_error)?;
        match captions {
            None => self.use_image_set(set),
            Some(phrases) => self.use_captioned_set(set, &phrases),
        }
    }

    /// Runs `steps` training steps through the same step function as the CLI and returns
    /// their statistics (an array of objects). Stops early, with an error, on a NaN loss.
    pub async fn train(&mut self, steps: u32) -> Result<JsValue, JsError> {
        requests::train_steps(steps as usize).map_err(js_error)?;
        let source = self
            .source
            .as_deref()
            .ok_or_else(|| JsError::new("choose training data first"))?;
        let (_, trainer) = self.run.as_mut().ok_or_else(no_model)?;
        let mut all: Vec<StepStats> = Vec::with_capacity(steps as usize);
        for _ in 0..steps {
            let stats = trainer.step(source).read().await.map_err(js_error)?;
            if !stats.is_finite() {
                return Err(JsError::new(&format!(
                    "training diverged at step {} (d_loss {}, g_loss {}); export an earlier checkpoint or lower the learning rates",
                    stats.step, stats.d_loss, stats.g_loss
                )));
            }
            all.push(stats);
        }
        to_js(&all)
    }

    /// Half a step, for the teaching view's step-by-step mode: `phase` "discriminator" runs
    /// the discriminator updates and returns `[loss, D(real), D(fake), grad norm]`;
    /// "generator" runs the generator update and returns `[loss, grad norm]`.
    pub async fn train_phase(&mut self, phase: &str) -> Result<Float32Array, JsError> {
        let source = self
            .source
            .as_deref()
            .ok_or_else(|| JsError::new("choose training data first"))?;
        let (_, trainer) = self.run.as_mut().ok_or_else(no_model)?;
        let values = match phase {
            "discriminator" => trainer.update_discriminator(source),
            "generator" => trainer.update_generator(source),
            other => {
                return Err(JsError::new(&format!(
                    "unknown phase `{other}`: use discriminator or generator"
                )));
            }
        };
        read_f32(values).await
    }

    /// `n` samples for `seed`: RGBA bytes (`n × H × W × 4`) for image models, or interleaved
    /// x, y coordinates (as bytes of f32) for 2-D models. `truncation` ≤ 0 means none;
    /// `class` < 0 means classes in turn.
    pub async fn sample(
        &self,
        n: usize,
        seed: u64,
        truncation: f32,
        class: i32,
    ) -> Result<Uint8Array, JsError> {
        let request = self.grid_request(n, seed, truncation, class)?;
        self.render(&request).await
    }

    /// `strips` interpolation strips of `frames` images each between random latent pairs
    /// (`mode` "lerp" or "slerp"), as RGBA bytes, strip after strip.
    pub async fn interpolate(
        &self,
        strips: usize,
        frames: usize,
        seed: u64,
        mode: &str,
        class: i32,
    ) -> Result<Uint8Array, JsError> {
        let request = self.strips_request(strips, frames, seed, mode, class)?;
        self.render(&request).await
    }

    /// The current state as checkpoint bytes (loads in `ganvas sample`).
    pub async fn export(&self) -> Result<Uint8Array, JsError> {
        let (config, trainer) = self.current()?;
        let checkpoint = Snapshot::new(trainer, config)
            .map_err(js_error)?
            .read()
            .await
            .map_err(js_error)?;
        let bytes = checkpoint.to_bytes().map_err(js_error)?;
        Ok(Uint8Array::from(bytes.as_slice()))
    }

    /// Teaching view, 2-D models: the discriminator's score on a `size × size` grid over
    /// `[-extent, extent]²` (row-major from the top-left).
    pub async fn discriminator_field(
        &self,
        size: usize,
        extent: f32,
    ) -> Result<Float32Array, JsError> {
        requests::grid("discriminator_field", size).map_err(js_error)?;
        let (_, trainer) = self.current()?;
        read_f32(
            trainer
                .discriminator_field(size, extent)
                .reshape([size * size, 1]),
        )
        .await
    }

    /// Teaching view, 2-D models: generated points for an `size × size` grid of latents over
    /// `[-2, 2]²` in the first two latent dimensions (others 0), interleaved x, y.
    pub async fn latent_grid(&self, size: usize) -> Result<Float32Array, JsError> {
        requests::grid("latent_grid", size).map_err(js_error)?;
        let (config, trainer) = self.current()?;
        let request = SampleRequest::latent_plane(&config.model, size, 2.0);
        read_f32(trainer.generate_points(&request)).await
    }

    /// Teaching view, 2-D models: `n` generated points for `seed` and the generator's descent
    /// direction at each, as `[x, y, dx, dy]` per point.
    pub async fn fake_with_gradients(&self, n: usize, seed: u64) -> Result<Float32Array, JsError> {
        requests::points("fake_with_gradients", n).map_err(js_error)?;
        let (config, trainer) = self.current()?;
        let request =
            SampleRequest::grid(&config.model, n, None, Classes::InTurn, &mut Rng::new(seed));
        let points = read_vec(trainer.generate_points(&request)).await?;
        let grads = read_vec(trainer.point_gradients(points.clone())).await?;
        let mut out = Vec::with_capacity(n * 4);
        for (p, g) in points.chunks_exact(2).zip(grads.chunks_exact(2)) {
            out.extend([p[0], p[1], g[0], g[1]]);
        }
        Ok(Float32Array::from(out.as_slice()))
    }

    /// Teaching view: `n` points drawn from the training distribution (interleaved x, y).
    pub fn real_points(&self, n: usize, seed: u64) -> Result<Float32Array, JsError> {
        requests::points("real_points", n).map_err(js_error)?;
        let (config, _) = self.current()?;
        let DataConfig::Toy { distribution } = &config.data else {
            return Err(JsError::new(
                "real points exist for the built-in 2-D distributions only",
            ));
        };
        Ok(Float32Array::from(
            distribution.sample(n, &mut Rng::new(seed)).as_slice(),
        ))
    }

    /// Teaching view, 2-D models: trains on hand-drawn points (`points`: interleaved x, y),
    /// each draw blurred by a small Gaussian. The count is checked before the points are
    /// copied; then every value must be finite and within the drawing limits. The run's
    /// `[data]` section is left as it was (drawn points live in the page and its URL).
    pub fn use_points(&mut self, points: Float32Array) -> Result<(), JsError> {
        let values = points.length() as usize;
        requests::count(
            "use_points: values",
            values,
            2 * crate::data::points::MIN_DRAWN_POINTS,
            2 * crate::data::points::MAX_DRAWN_POINTS,
        )
        .map_err(js_error)?;
        let set = crate::data::PointSet::new(points.to_vec()).map_err(js_error)?;
        let (_, trainer) = self.current()?;
        trainer.check_source(&set).map_err(js_error)?;
        self.forget_data();
        self.source = Some(Box::new(set));
        Ok(())
    }

    /// Teaching view: `n` points drawn from the current 2-D training data (a built-in
    /// distribution or drawn points) with a generator seeded by `seed`, interleaved x, y.
    pub async fn training_points(&self, n: usize, seed: u64) -> Result<Float32Array, JsError> {
        requests::points("training_points", n).map_err(js_error)?;
        let source = self
            .source
            .as_deref()
            .ok_or_else(|| JsError::new("choose training data first"))?;
        if source.shape() != (SampleShape::Points { dim: 2 }) {
            return Err(JsError::new("training points exist for 2-D data only"));
        }
        let batch = source.batch(n, &mut Rng::new(seed), &self.device);
        read_f32(batch.samples).await
    }

    /// Teaching view: how well `fake` fits `real` (both interleaved x, y) on a grid over
    /// `[-extent, extent]²`: `{js_bits, kl_bits, bins, n_real, n_fake, modes}`, where `modes`
    /// (`{covered, total, high_quality}`) is given when `distribution` names a Gaussian mixture
    /// ("gaussians8", "gaussians25") and is null otherwise (e.g. "" for drawn points).
    pub fn plane_fit(
        &self,
        real: Float32Array,
        fake: Float32Array,
        extent: f32,
        distribution: &str,
    ) -> Result<JsValue, JsError> {
        let limit = 2 * requests::POINT_SAMPLES;
        requests::count("plane_fit: real values", real.length() as usize, 2, limit)
            .map_err(js_error)?;
        requests::count("plane_fit: fake values", fake.length() as usize, 2, limit)
            .map_err(js_error)?;
        let modes = match distribution {
            "" => None,
            name => name.parse::<Toy>().map_err(js_error)?.modes(),
        };
        let fit = crate::metrics::plane_fit(
            &real.to_vec(),
            &fake.to_vec(),
            crate::metrics::plane_fit::BINS,
            extent,
            modes.as_ref(),
        )
        .map_err(js_error)?;
        to_js(&fit)
    }
}

impl Session {
    /// Fits `set` to the model's resolution and makes it the training data.
    fn use_image_set(&mut self, set: ImageSet) -> Result<(), JsError> {
        let (config, trainer) = self.current_mut()?;
        let SampleShape::Image {
            channels,
            height: size,
            ..
        } = config.model.sample_shape()
        else {
            return Err(JsError::new(
                "this model draws 2-D points; choose a built-in distribution",
            ));
        };
        if set.channels != channels {
            return Err(JsError::new(&format!(
                "the data has {} channel(s) but the model makes {channels}",
                set.channels
            )));
        }
        let set = fit_resolution(&set, size);
        trainer.check_source(&set).map_err(js_error)?;
        self.forget_data();
        self.source = Some(Box::new(set.clone()));
        self.images = Some(set);
        Ok(())
    }

    /// Trains a text model on `set`, image `i` described by `phrases[i]`.
    fn use_captioned_set(&mut self, set: ImageSet, phrases: &[Vec<String>]) -> Result<(), JsError> {
        let (config, trainer) = self.current_mut()?;
        let (Some(text), Some([channels, size, _])) =
            (config.model.text(), config.model.sample_shape().image())
        else {
            return Err(JsError::new("captions need a text model"));
        };
        if set.channels != channels {
            return Err(JsError::new(&format!(
                "the data has {} channel(s) but the model makes {channels}",
                set.channels
            )));
        }
        let set = fit_resolution(&set, size);
        let captioned = CaptionedImages::new(set.clone(), phrases, text).map_err(js_error)?;
        trainer.check_source(&captioned).map_err(js_error)?;
        self.forget_data();
        self.source = Some(Box::new(captioned));
        self.images = Some(set);
        Ok(())
    }

    /// What [`Session::sample`] draws: `n` latents (and labels) for `seed`, after the limits.
    fn grid_request(
        &self,
        n: usize,
        seed: u64,
        truncation: f32,
        class: i32,
    ) -> Result<SampleRequest, JsError> {
        let (config, _) = self.current()?;
        requests::sample(n, is_images(config.model.sample_shape())).map_err(js_error)?;
        Ok(SampleRequest::grid(
            &config.model,
            n,
            (truncation > 0.0).then_some(truncation),
            classes(class),
            &mut Rng::new(seed),
        ))
    }

    /// What [`Session::interpolate`] draws: `strips × frames` latents for `seed`, after the
    /// limits.
    fn strips_request(
        &self,
        strips: usize,
        frames: usize,
        seed: u64,
        mode: &str,
        class: i32,
    ) -> Result<SampleRequest, JsError> {
        let (config, _) = self.current()?;
        requests::interpolate(strips, frames, is_images(config.model.sample_shape()))
            .map_err(js_error)?;
        let mode = match mode {
            "lerp" => Interpolation::Lerp,
            "slerp" => Interpolation::Slerp,
            other => {
                return Err(JsError::new(&format!(
                    "unknown interpolation `{other}`: use lerp or slerp"
                )));
            }
        };
        Ok(SampleRequest::strips(
            &config.model,
            strips,
            frames,
            None,
            mode,
            classes(class),
            &mut Rng::new(seed),
        ))
    }

    /// Drops the data and the real features computed from it.
    fn forget_data(&mut self) {
        self.source = None;
        self.images = None;
        self.real_features = None;
        self.real_inception = None;
        self.projector = None;
    }

    /// The data images and the model that metrics compare, or what is missing.
    fn metric_inputs(&self) -> Result<(&ImageSet, &RunConfig, &Trainer), JsError> {
        let images = self
            .images
            .as_ref()
            .ok_or_else(|| JsError::new("metrics need image data: choose a data set first"))?;
        let (config, trainer) = self.current()?;
        Ok((images, config, trainer))
    }

    fn current(&self) -> Result<(&RunConfig, &Trainer), JsError> {
        self.run.as_ref().map(|(c, t)| (c, t)).ok_or_else(no_model)
    }

    fn current_mut(&mut self) -> Result<(&mut RunConfig, &mut Trainer), JsError> {
        self.run.as_mut().map(|(c, t)| (c, t)).ok_or_else(no_model)
    }

    /// Runs the moving-average generator on `request`, converting images to RGBA and points
    /// to f32 bytes.
    async fn render(&self, request: &SampleRequest) -> Result<Uint8Array, JsError> {
        let (_, trainer) = self.current()?;
        let device = trainer.device().clone().inner();
        self.rgba(trainer.ema.generate(request, &device)).await
    }

    /// `[n, D]` generated samples as the page draws them: RGBA bytes for images, f32 bytes
    /// for points.
    async fn rgba(&self, samples: Tensor<2>) -> Result<Uint8Array, JsError> {
        let (config, _) = self.current()?;
        let values = read_vec(samples).await?;
        Ok(match config.model.sample_shape() {
            SampleShape::Image {
                channels,
                height,
                width,
            } => Uint8Array::from(
                sample::images_to_rgba(&values, channels, height, width).as_slice(),
            ),
            SampleShape::Points { .. } => {
                let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
                Uint8Array::from(bytes.as_slice())
            }
        })
    }
}

/// The page's class argument: a class, or a negative number for classes in turn.
fn classes(class: i32) -> Classes {
    usize::try_from(class).map_or(Classes::InTurn, Classes::Only)
}

/// Whether a model draws images (not 2-D points), for the request limits.
fn is_images(shape: SampleShape) -> bool {
    shape.image().is_some()
}

/// The phrases of `n` images from their paths, or an error naming the first without a word.
fn captions_of(paths: &[String], n: usize) -> Result<Vec<Vec<String>>, JsError> {
    if paths.len() != n {
        return Err(JsError::new(&format!(
            "{} file names for {n} images",
            paths.len()
        )));
    }
    paths
        .iter()
        .map(|path| {
            let phrases = phrases_from_path(path);
            if phrases.is_empty() {
                // At most 60 characters of the name, control characters escaped.
                let shown: String = path.chars().take(60).flat_map(char::escape_debug).collect();
                return Err(JsError::new(&format!(
                    "`{shown}` has no word in its name or folder to caption it: name images after \
                     what they show (smiling_cat.png, or a folder cats/)"
                )));
            }
            Ok(phrases)
        })
        .collect()
}

fn no_model() -> JsError {
    JsError::new("no model loaded: load a checkpoint or start a new run first")
}

async fn read_vec<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, JsError> {
    crate::readback::floats(tensor).await.map_err(js_error)
}

async fn read_f32<const D: usize>(tensor: Tensor<D>) -> Result<Float32Array, JsError> {
    Ok(Float32Array::from(read_vec(tensor).await?.as_slice()))
}
