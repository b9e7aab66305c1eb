//! Looking inside a 2-D GAN for the teaching view: the discriminator's output over the plane,
//! the generator's image of a latent grid, and the gradient the generator receives at each
//! generated point. Values stay on the device; callers read them back (async in the browser).

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

use super::Trainer;
use crate::sample::{SampleRequest, plane};

impl Trainer {
    /// The discriminator's score (see [`super::Loss::score`]) on a `size × size` grid over
    /// `[-extent, extent]²`, row-major from the top-left corner → `[size²]`.
    pub fn discriminator_field(&self, size: usize, extent: f32) -> Tensor<1> {
        let device = self.device().clone().inner();
        let points: Vec<f32> = plane(size, extent).flatten().collect();
        let grid = Tensor::<2>::from_data(TensorData::new(points, [size * size, 2]), &device);
        let d = self.discriminator.valid();
        self.config.loss.score(d.forward(grid, None))
    }

    /// Generated points `[n, 2]` for `request` (e.g. [`SampleRequest::latent_plane`]), from
    /// the trained generator in evaluation mode.
    pub fn generate_points(&self, request: &SampleRequest) -> Tensor<2> {
        let device = self.device().clone().inner();
        self.generator.valid().generate(request, &device)
    }

    /// The gradient of the generator loss with respect to each point of `points` (`[n, 2]`):
    /// the direction the generator is pushed at each fake sample → `[n, 2]`.
    pub fn point_gradients(&self, points: Vec<f32>) -> Tensor<2> {
        let device: Device = self.device().clone();
        let n = points.len() / 2;
        let x = Tensor::<2>::from_data(TensorData::new(points, [n, 2]), &device).require_grad();
        let loss = self
            .config
            .loss
            .generator(self.discriminator.forward(x.clone(), None));
        let grads = loss.backward();
        match x.grad(&grads) {
            // Descent direction, scaled back from the mean to a per-point gradient.
            Some(grad) => grad.mul_scalar(-(n as f64)),
            None => Tensor::zeros([n, 2], &device.inner()),
        }
    }
}
