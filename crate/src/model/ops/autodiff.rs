//! Backward nodes for [`GanOps`] under autodiff. Each node keeps the forward inputs it needs and
//! calls the inner backend's backward ops, so the CPU backend's gradients run our kernels while
//! other backends' gradients run Burn's (through the trait's defaults).

use burn::backend::Backend;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};

use super::GanOps;

#[derive(Debug)]
struct Conv2dBackward;

impl<B: Backend + GanOps> Backward<B, 2> for Conv2dBackward {
    /// `(x, weight, options)` of the forward pass.
    type State = (FloatTensor<B>, FloatTensor<B>, ConvOptions<2>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_weight] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, weight, options) = ops.state;
        if let Some(node) = node_x {
            let dx =
                B::gan_conv2d_x_backward(x.clone(), weight.clone(), grad.clone(), options.clone());
            grads.register::<B>(node.id, dx);
        }
        if let Some(node) = node_weight {
            grads.register::<B>(
                node.id,
                B::gan_conv2d_weight_backward(x, weight, grad, options),
            );
        }
    }
}

#[derive(Debug)]
struct ConvTranspose2dBackward;

impl<B: Backend + GanOps> Backward<B, 2> for ConvTranspose2dBackward {
    /// `(x, weight, options)` of the forward pass.
    type State = (FloatTensor<B>, FloatTensor<B>, ConvTransposeOptions<2>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_weight] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, weight, options) = ops.state;
        if let Some(node) = node_x {
            let dx =
                B::gan_conv_transpose2d_x_backward(weight.clone(), grad.clone(), options.clone());
            grads.register::<B>(node.id, dx);
        }
        if let Some(node) = node_weight {
            let dw = B::gan_conv_transpose2d_weight_backward(x, weight, grad, options);
            grads.register::<B>(node.id, dw);
        }
    }
}

#[derive(Debug)]
struct LeakyReluBackward;

impl<B: Backend + GanOps> Backward<B, 1> for LeakyReluBackward {
    /// `(x, slope)` of the forward pass.
    type State = (FloatTensor<B>, f64);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, slope) = ops.state;
        if let Some(node) = node_x {
            grads.register::<B>(node.id, B::gan_leaky_relu_backward(x, grad, slope));
        }
    }
}

#[derive(Debug)]
struct BatchNormBackward;

impl<B: Backend + GanOps> Backward<B, 3> for BatchNormBackward {
    /// `(x, gamma, batch mean, batch variance, epsilon)` of the forward pass.
    type State = (
        FloatTensor<B>,
        FloatTensor<B>,
        FloatTensor<B>,
        FloatTensor<B>,
        f64,
    );

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, gamma, mean, variance, epsilon) = ops.state;
        let (dx, dgamma, dbeta) =
            B::gan_batch_norm_train_backward(x, gamma, mean, variance, epsilon, grad);
        for (node, g) in [(node_x, dx), (node_gamma, dgamma), (node_beta, dbeta)] {
            if let Some(node) = node {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

impl<B: Backend + GanOps, C: CheckpointStrategy> GanOps for Autodiff<B, C> {
    fn gan_batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        // The statistics leave as constants (the running averages are updated outside the graph).
        match BatchNormBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (x, gamma) = (x.primitive().clone(), gamma.primitive().clone());
                let (y, mean, variance) = B::gan_batch_norm_train(
                    x.clone(),
                    gamma.clone(),
                    beta.into_primitive(),
                    epsilon,
                );
                let state = (x, gamma, mean.clone(), variance.clone(), epsilon);
                let y = prep.finish(state, y);
                (
                    y,
                    <FloatTensor<Self>>::new(mean),
                    <FloatTensor<Self>>::new(variance),
                )
            }
            OpsKind::UnTracked(prep) => {
                let (y, mean, variance) = B::gan_batch_norm_train(
                    x.into_primitive(),
                    gamma.into_primitive(),
                    beta.into_primitive(),
                    epsilon,
                );
                (
                    prep.finish(y),
                    <FloatTensor<Self>>::new(mean),
                    <FloatTensor<Self>>::new(variance),
                )
            }
        }
    }

    fn gan_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        match Conv2dBackward
            .prepare::<C>([x.node(), weight.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (x, weight) = (x.primitive().clone(), weight.primitive().clone());
                let y = B::gan_conv2d(x.clone(), weight.clone(), options.clone());
                prep.finish((x, weight, options), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::gan_conv2d(
                x.into_primitive(),
                weight.into_primitive(),
                options,
            )),
        }
    }

    fn gan_conv_transpose2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvTransposeOptions<2>,
    ) -> FloatTensor<Self> {
        match ConvTranspose2dBackward
            .prepare::<C>([x.node(), weight.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (x, weight) = (x.primitive().clone(), weight.primitive().clone());
                let y = B::gan_conv_transpose2d(x.clone(), weight.clone(), options.clone());
                prep.finish((x, weight, options), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::gan_conv_transpose2d(
                x.into_primitive(),
                weight.into_primitive(),
                options,
            )),
        }
    }

    fn gan_leaky_relu(x: FloatTensor<Self>, slope: f64) -> FloatTensor<Self> {
        match LeakyReluBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let x = x.primitive().clone();
                let y = B::gan_leaky_relu(x.clone(), slope);
                prep.finish((x, slope), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::gan_leaky_relu(x.into_primitive(), slope)),
        }
    }
}
