//! The mode-seeking term of MSGAN (Mao et al., 2019): a conditional generator that draws the
//! same image for every latent of one condition is penalised, in proportion to how little its
//! samples move when the latent does.

use burn::tensor::Tensor;

/// Smallest ratio the term divides by (MSGAN's ε).
const EPSILON: f64 = 1e-5;

/// `weight / (mean|x₁ − x₂| / mean|z₁ − z₂| + ε)` → `[1]`, from `[n, D]` samples and their
/// `[n, L]` latents, where sample `n − ⌊n/2⌋ + i` has the condition of sample `i` (pairs
/// `(i, n − ⌊n/2⌋ + i)` for `i < ⌊n/2⌋`; an odd batch leaves its middle sample unpaired).
pub fn mode_seeking(samples: &Tensor<2>, latents: &Tensor<2>, weight: f64) -> Tensor<1> {
    let [n, _] = samples.dims();
    let (pairs, second) = (n / 2, n - n / 2);
    let gap = |t: &Tensor<2>| {
        let a = t.clone().narrow(0, 0, pairs);
        let b = t.clone().narrow(0, second, pairs);
        (a - b).abs().mean() // [1]
    };
    let ratio = gap(samples) / gap(latents);
    ratio.add_scalar(EPSILON).recip().mul_scalar(weight)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, TensorData};

    use super::*;

    fn t(values: &[f32], rows: usize) -> Tensor<2> {
        let cols = values.len() / rows;
        Tensor::from_data(
            TensorData::new(values.to_vec(), [rows, cols]),
            &Device::flex(),
        )
    }

    fn value(x: Tensor<1>) -> f32 {
        x.into_data().try_to_vec::<f32>().unwrap()[0]
    }

    #[test]
    fn pairs_are_first_half_against_second_half() {
        // Pairs (0, 2) and (1, 3): sample gaps 1 and 3 → 2; latent gaps 2 and 2 → 2; ratio 1.
        let samples = t(&[0.0, 0.0, 1.0, 3.0], 4);
        let latents = t(&[0.0, 0.0, 2.0, -2.0], 4);
        let term = value(mode_seeking(&samples, &latents, 2.0));
        assert!((term - 2.0 / (1.0 + 1e-5)).abs() < 1e-4, "{term}");
    }

    #[test]
    fn a_collapsed_generator_pays_far_more_than_a_varied_one() {
        let latents = t(&[0.0, 1.0, 1.0, 0.0, 0.5, 0.5], 3);
        let collapsed = t(&[0.3, 0.3, 0.9, 0.3, 0.3, 0.3], 3); // sample 2 repeats sample 0
        let varied = t(&[0.3, 0.3, 0.9, 0.3, -0.6, 0.8], 3);
        let (c, v) = (
            value(mode_seeking(&collapsed, &latents, 1.0)),
            value(mode_seeking(&varied, &latents, 1.0)),
        );
        assert!(c > 1e4 && v < 2.0, "collapsed {c}, varied {v}");
    }
}
