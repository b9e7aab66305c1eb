//! The matching-aware discriminator objective of text-conditioned GANs (GAN-CLS, Reed et al.,
//! 2016): besides real images with their own captions (real) and generated images with theirs
//! (fake), real images paired with *another* image's caption count as fake, so that D must
//! check the text and not only realism.
//!
//! With `L(r, f) = ℓ_real(r) + ℓ_fake(f)` any of the [`Loss`] objectives, D minimises
//! `ℓ_real(D(x, t)) + ½ ℓ_fake(D(G(z, t'), t')) + ½ ℓ_fake(D(x, t'))`
//! `= ½ L(D(x, t), D(G(z, t'), t')) + ½ L(D(x, t), D(x, t'))`.

use burn::tensor::Tensor;

use super::Loss;

/// The matching-aware D loss from `[B]` logits on real pairs, generated pairs and real images
/// with mismatched captions → `[1]`.
pub fn matching_aware(
    loss: Loss,
    real: Tensor<1>,
    fake: Tensor<1>,
    mismatched: Tensor<1>,
) -> Tensor<1> {
    (loss.discriminator(real.clone(), fake) + loss.discriminator(real, mismatched)).mul_scalar(0.5)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, TensorData};

    use super::*;

    fn t(values: &[f32]) -> Tensor<1> {
        Tensor::from_data(
            TensorData::new(values.to_vec(), [values.len()]),
            &Device::flex(),
        )
    }

    fn value(x: Tensor<1>) -> f32 {
        x.into_data().try_to_vec::<f32>().unwrap()[0]
    }

    #[test]
    fn hinge_counts_mismatched_pairs_as_half_the_fake_term() {
        // real: relu(1-2)=0, relu(1-0)=1 → 0.5; fake: relu(1-2)=0, relu(1+0.5)=1.5 → 0.75;
        // mismatched: relu(1+1)=2, relu(1-1)=0 → 1; total 0.5 + ½(0.75 + 1) = 1.375.
        let loss = matching_aware(
            Loss::Hinge,
            t(&[2.0, 0.0]),
            t(&[-2.0, 0.5]),
            t(&[1.0, -1.0]),
        );
        assert!((value(loss) - 1.375).abs() < 1e-6);
    }

    #[test]
    fn a_discriminator_that_ignores_the_text_pays_for_it() {
        // D scores every real image +1 whatever the caption: mismatched pairs cost it 2 each.
        let blind = matching_aware(Loss::Hinge, t(&[1.0]), t(&[-1.0]), t(&[1.0]));
        let reading = matching_aware(Loss::Hinge, t(&[1.0]), t(&[-1.0]), t(&[-1.0]));
        assert!((value(blind) - 1.0).abs() < 1e-6);
        assert!(value(reading).abs() < 1e-6);
        // With matching pairs only it is the plain objective.
        let plain = Loss::NonSaturating.discriminator(t(&[0.3]), t(&[-0.2]));
        let same = matching_aware(Loss::NonSaturating, t(&[0.3]), t(&[-0.2]), t(&[-0.2]));
        assert!((value(plain) - value(same)).abs() < 1e-6);
    }
}
