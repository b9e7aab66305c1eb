//! Fitting an image set to a model's resolution.

use super::ImageSet;

/// `set` at `size × size`: centred and padded with black when it is smaller (28×28 MNIST
/// digits in a 32×32 frame, as is customary), bilinearly resampled when it is larger.
pub fn fit_resolution(set: &ImageSet, size: usize) -> ImageSet {
    let (h, w, c) = (set.height, set.width, set.channels);
    if h == size && w == size {
        return set.clone();
    }
    let mut pixels = Vec::with_capacity(set.len() * c * size * size);
    for i in 0..set.len() {
        let image = set.image(i);
        for ch in 0..c {
            let plane = &image[ch * h * w..(ch + 1) * h * w];
            if h <= size && w <= size {
                let (top, left) = ((size - h) / 2, (size - w) / 2);
                for y in 0..size {
                    for x in 0..size {
                        let inside = (top..top + h).contains(&y) && (left..left + w).contains(&x);
                        pixels.push(if inside {
                            plane[(y - top) * w + (x - left)]
                        } else {
                            0
                        });
                    }
                }
            } else {
                for y in 0..size {
                    for x in 0..size {
                        pixels.push(bilinear(plane, h, w, y, x, size));
                    }
                }
            }
        }
    }
    ImageSet {
        width: size,
        height: size,
        channels: c,
        pixels,
        labels: set.labels.clone(),
        class_names: set.class_names.clone(),
    }
}

fn bilinear(plane: &[u8], h: usize, w: usize, y: usize, x: usize, size: usize) -> u8 {
    let sy = ((y as f32 + 0.5) * h as f32 / size as f32 - 0.5).clamp(0.0, (h - 1) as f32);
    let sx = ((x as f32 + 0.5) * w as f32 / size as f32 - 0.5).clamp(0.0, (w - 1) as f32);
    let (y0, x0) = (sy.floor() as usize, sx.floor() as usize);
    let (y1, x1) = ((y0 + 1).min(h - 1), (x0 + 1).min(w - 1));
    let (fy, fx) = (sy - y0 as f32, sx - x0 as f32);
    let at = |yy: usize, xx: usize| plane[yy * w + xx] as f32;
    let top = at(y0, x0) * (1.0 - fx) + at(y0, x1) * fx;
    let bottom = at(y1, x0) * (1.0 - fx) + at(y1, x1) * fx;
    (top * (1.0 - fy) + bottom * fy).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(side: usize, value: u8) -> ImageSet {
        ImageSet {
            width: side,
            height: side,
            channels: 1,
            pixels: vec![value; side * side],
            labels: Some(vec![3]),
            class_names: vec!["a".into(); 4],
        }
    }

    #[test]
    fn pads_smaller_images_with_black_in_the_centre() {
        let out = fit_resolution(&set(28, 200), 32);
        assert_eq!((out.width, out.height, out.len()), (32, 32, 1));
        assert_eq!(out.pixels[0], 0);
        assert_eq!(out.pixels[2 * 32 + 2], 200);
        assert_eq!(out.pixels[29 * 32 + 29], 200);
        assert_eq!(out.pixels[30 * 32 + 30], 0);
        assert_eq!(out.labels, Some(vec![3]));
    }

    #[test]
    fn resamples_larger_images() {
        let out = fit_resolution(&set(64, 90), 32);
        assert_eq!(out.pixels.len(), 32 * 32);
        assert!(out.pixels.iter().all(|&p| p == 90));
    }
}
