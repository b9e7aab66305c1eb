//! The browser side of projection ([`crate::project`]): start on a dropped image, then run a
//! few steps per call so the page can show progress and the reconstruction between calls.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::dto::to_js;
use super::{Session, js_error};
use crate::data::{ImageSet, fit_resolution};
use crate::limits::requests;
use crate::project::{ProjectOptions, Projection, Projector};
use crate::sample;

/// Where a projection stands, for the page.
#[derive(Serialize)]
struct ProjectionInfo {
    step: usize,
    steps: usize,
    mse: f32,
    start_mse: f32,
    psnr: f32,
    /// -1 for an unconditional model.
    class: i64,
    /// The reconstruction as RGBA bytes (`H × W × 4`).
    image: Vec<u8>,
    /// The target as the model sees it (resized, grey for one-channel models), RGBA; in the
    /// answer of `project_start` only (it does not change).
    target: Option<Vec<u8>>,
}

#[wasm_bindgen]
impl Session {
    /// Starts projecting an RGBA image (`width × height × 4`, composited on white and fitted to
    /// the model's resolution) into the latent space of the current model's moving-average
    /// generator: `class` < 0 searches every class; `steps` gradient steps follow, run by
    /// [`Session::project_steps`]. Returns the best random start.
    pub async fn project_start(
        &mut self,
        rgba: &[u8],
        width: usize,
        height: usize,
        class: i32,
        steps: usize,
        seed: u64,
    ) -> Result<JsValue, JsError> {
        self.projector = None;
        let (config, trainer) = self.current()?;
        let Some(shape @ [channels, side, model_width]) = config.model.sample_shape().image()
        else {
            return Err(JsError::new(
                "projection needs an image model; this one draws 2-D points",
            ));
        };
        requests::images(1, width, height, side * model_width * channels).map_err(js_error)?;
        let set = ImageSet::from_rgba(rgba, 1, width, height, channels, None).map_err(js_error)?;
        let target = fit_resolution(&set, side).batch_f32(&[0]);
        let options = ProjectOptions {
            steps,
            class: usize::try_from(class).ok(),
            seed,
            ..ProjectOptions::default()
        };
        let device = trainer.device().clone();
        let projector = Projector::new(&trainer.ema, &config.model, &target, options, &device)
            .await
            .map_err(js_error)?;
        let state = projector.read().await.map_err(js_error)?;
        let info = describe(&state, projector.steps(), shape, Some(&target))?;
        self.projector = Some((projector, shape));
        Ok(info)
    }

    /// Runs up to `k` more projection steps and returns where the projection stands.
    pub async fn project_steps(&mut self, k: usize) -> Result<JsValue, JsError> {
        requests::count("project_steps: k", k, 1, crate::project::MAX_STEPS).map_err(js_error)?;
        let Some((projector, shape)) = self.projector.as_mut() else {
            return Err(JsError::new(
                "no projection is running: drop an image first",
            ));
        };
        projector.run(k);
        let state = projector.read().await.map_err(js_error)?;
        describe(&state, projector.steps(), *shape, None)
    }
}

/// The page's view of `state` for images of `[channels, height, width]`.
fn describe(
    state: &Projection,
    steps: usize,
    [channels, height, width]: [usize; 3],
    target: Option<&[f32]>,
) -> Result<JsValue, JsError> {
    to_js(&ProjectionInfo {
        step: state.step,
        steps,
        mse: state.mse,
        start_mse: state.start_mse,
        psnr: state.psnr(),
        class: state.class.map_or(-1, i64::from),
        image: sample::images_to_rgba(&state.image, channels, height, width),
        target: target.map(|t| sample::images_to_rgba(t, channels, height, width)),
    })
}
