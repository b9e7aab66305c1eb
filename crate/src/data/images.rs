//! An in-memory set of equally sized 8-bit images, with optional class labels, and its
//! conversion to the `[-1, 1]` floats the models take.
//!
//! Pure computation (no I/O), so it builds for `wasm32`: the browser hands over canvas RGBA
//! through [`ImageSet::from_rgba`]; native loaders live in `idx_files` and `folder`.

use std::fmt;

use super::DataError;

/// Equally sized images stored as one `N×C×H×W` byte buffer (channel-planar, rows top to
/// bottom), with optional labels.
///
/// The fields are public for cheap hand-over; [`ImageSet::new`] checks that they fit together.
/// Accessors that take an image index treat an index `>= len()` as a caller bug and panic,
/// like slice indexing.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ImageSet {
    /// Image width in pixels.
    pub width: usize,
    /// Image height in pixels.
    pub height: usize,
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// `len() × channels × height × width` bytes.
    pub pixels: Vec<u8>,
    /// One class index per image, if the set is labelled.
    pub labels: Option<Vec<u32>>,
    /// Names of the classes, indexed by label; may be empty.
    pub class_names: Vec<String>,
}

impl ImageSet {
    /// `n` images of uniform random pixels, labelled `i % classes` when `classes > 0`: data of
    /// the right shape for benchmarks and tests, without a data set.
    pub fn random(
        n: usize,
        channels: usize,
        height: usize,
        width: usize,
        classes: usize,
        rng: &mut crate::rng::Rng,
    ) -> ImageSet {
        ImageSet {
            width,
            height,
            channels,
            pixels: (0..n * channels * height * width)
                .map(|_| (rng.uniform() * 255.0) as u8)
                .collect(),
            labels: (classes > 0).then(|| (0..n).map(|i| (i % classes) as u32).collect()),
            class_names: (0..classes).map(|c| c.to_string()).collect(),
        }
    }

    /// Builds a set after checking that the shape is valid, `pixels` holds a whole number of
    /// images, there is one label per image and every label names a class (when
    /// `class_names` is not empty).
    pub fn new(
        width: usize,
        height: usize,
        channels: usize,
        pixels: Vec<u8>,
        labels: Option<Vec<u32>>,
        class_names: Vec<String>,
    ) -> Result<Self, DataError> {
        let image_len = checked_image_len(width, height, channels)?;
        if !pixels.len().is_multiple_of(image_len) {
            return Err(DataError::InvalidImages(format!(
                "{} pixel bytes is not a whole number of {width}×{height}×{channels} images \
                 ({image_len} bytes each)",
                pixels.len()
            )));
        }
        let n = pixels.len() / image_len;
        if let Some(labels) = &labels {
            if labels.len() != n {
                return Err(DataError::InvalidImages(format!(
                    "{} labels for {n} images",
                    labels.len()
                )));
            }
            if !class_names.is_empty()
                && let Some(bad) = labels.iter().find(|&&l| l as usize >= class_names.len())
            {
                return Err(DataError::InvalidImages(format!(
                    "label {bad} but only {} class names",
                    class_names.len()
                )));
            }
        }
        Ok(Self {
            width,
            height,
            channels,
            pixels,
            labels,
            class_names,
        })
    }

    /// Converts `n` RGBA images (`N×H×W×4`, interleaved, as from a canvas or a decoder) to a
    /// set with `channels` 1 or 3.
    ///
    /// Alpha is composited onto a white background (transparent pixels become white). For one
    /// channel, grey is the ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B of the composited
    /// colour, rounded. `labels`, if given, must hold `n` entries.
    pub fn from_rgba(
        rgba: &[u8],
        n: usize,
        width: usize,
        height: usize,
        channels: usize,
        labels: Option<Vec<u32>>,
    ) -> Result<ImageSet, DataError> {
        let image_len = checked_image_len(width, height, channels)?;
        let plane = width * height;
        let expected = n.checked_mul(plane * 4).ok_or_else(|| {
            DataError::InvalidImages(format!("{n} images of {width}×{height} overflow memory"))
        })?;
        if rgba.len() != expected {
            return Err(DataError::InvalidImages(format!(
                "RGBA buffer holds {} bytes, expected {expected} for {n} images of \
                 {width}×{height}×4",
                rgba.len()
            )));
        }
        let mut pixels = vec![0u8; n * image_len];
        for (src, dst) in rgba
            .chunks_exact(plane * 4)
            .zip(pixels.chunks_exact_mut(image_len))
        {
            let colours = src.chunks_exact(4).map(|px| match *px {
                [r, g, b, a] => [over_white(r, a), over_white(g, a), over_white(b, a)],
                _ => [255; 3],
            });
            let mut planes = dst.chunks_exact_mut(plane);
            match (planes.next(), planes.next(), planes.next()) {
                (Some(rp), Some(gp), Some(bp)) => {
                    let planar = rp.iter_mut().zip(gp.iter_mut()).zip(bp.iter_mut());
                    for ([r, g, b], ((rd, gd), bd)) in colours.zip(planar) {
                        (*rd, *gd, *bd) = (r, g, b);
                    }
                }
                (Some(grey), None, None) => {
                    for ([r, g, b], d) in colours.zip(grey.iter_mut()) {
                        *d = luma601(r, g, b);
                    }
                }
                _ => {}
            }
        }
        ImageSet::new(width, height, channels, pixels, labels, Vec::new())
    }

    /// Bytes per image: `channels × height × width`.
    pub fn image_len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        match self.image_len() {
            0 => 0,
            l => self.pixels.len() / l,
        }
    }

    /// Whether the set holds no image.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of classes: the number of class names if any, else one more than the largest
    /// label, else 0 for an unlabelled set.
    pub fn num_classes(&self) -> usize {
        if !self.class_names.is_empty() {
            return self.class_names.len();
        }
        self.labels
            .as_ref()
            .and_then(|l| l.iter().max())
            .map_or(0, |&max| max as usize + 1)
    }

    /// The bytes of image `i` (`C×H×W`).
    ///
    /// # Panics
    /// If `i >= len()`; use [`ImageSet::get`] for a checked access.
    pub fn image(&self, i: usize) -> &[u8] {
        let l = self.image_len();
        &self.pixels[i * l..(i + 1) * l]
    }

    /// The bytes of image `i`, or `None` if there is no such image.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let l = self.image_len();
        self.pixels
            .get(i.checked_mul(l)?..i.checked_add(1)?.checked_mul(l)?)
    }

    /// The images at `indices` as floats in [-1, 1] (`x / 127.5 - 1`), laid out
    /// `[indices.len(), channels, height, width]`.
    ///
    /// # Panics
    /// If an index is `>= len()`.
    pub fn batch_f32(&self, indices: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(indices.len() * self.image_len());
        for &i in indices {
            out.extend(self.image(i).iter().map(|&v| f32::from(v) / 127.5 - 1.0));
        }
        out
    }

    /// The labels at `indices`, or `None` for an unlabelled set.
    ///
    /// # Panics
    /// If the set is labelled and an index is `>= len()`.
    pub fn labels_of(&self, indices: &[usize]) -> Option<Vec<u32>> {
        self.labels
            .as_ref()
            .map(|labels| indices.iter().map(|&i| labels[i]).collect())
    }

    /// A new set holding copies of the images (and labels) at `indices`, in that order;
    /// class names are kept.
    ///
    /// # Panics
    /// If an index is `>= len()`.
    pub fn subset(&self, indices: &[usize]) -> ImageSet {
        let mut pixels = Vec::with_capacity(indices.len() * self.image_len());
        for &i in indices {
            pixels.extend_from_slice(self.image(i));
        }
        ImageSet {
            width: self.width,
            height: self.height,
            channels: self.channels,
            pixels,
            labels: self.labels_of(indices),
            class_names: self.class_names.clone(),
        }
    }
}

/// Summarises instead of printing every byte.
impl fmt::Debug for ImageSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageSet")
            .field("len", &self.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("channels", &self.channels)
            .field("labelled", &self.labels.is_some())
            .field("class_names", &self.class_names)
            .finish()
    }
}

/// `channels × height × width`, after checking channels is 1 or 3 and the sides are non-zero.
fn checked_image_len(width: usize, height: usize, channels: usize) -> Result<usize, DataError> {
    if channels != 1 && channels != 3 {
        return Err(DataError::InvalidImages(format!(
            "{channels} channels requested; only 1 (grey) and 3 (RGB) are supported"
        )));
    }
    if width == 0 || height == 0 {
        return Err(DataError::InvalidImages(format!(
            "empty image size {width}×{height}"
        )));
    }
    width
        .checked_mul(height)
        .and_then(|p| p.checked_mul(4))
        .map(|_| width * height * channels)
        .ok_or_else(|| DataError::InvalidImages(format!("image size {width}×{height} too large")))
}

/// Colour value `c` with alpha `a` composited onto white: `(c·a + 255·(255 − a)) / 255`,
/// rounded to nearest.
pub(crate) fn over_white(c: u8, a: u8) -> u8 {
    let (c, a) = (u32::from(c), u32::from(a));
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

/// ITU-R BT.601 luma of an RGB colour, rounded to nearest.
fn luma601(r: u8, g: u8, b: u8) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 2×1 RGBA images: opaque (10, 20, 30) | transparent, and opaque red | half-black.
    const RGBA: [u8; 16] = [10, 20, 30, 255, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 0, 128];

    #[test]
    fn from_rgba_makes_planar_rgb_on_white() -> Result<(), DataError> {
        let set = ImageSet::from_rgba(&RGBA, 2, 2, 1, 3, Some(vec![1, 0]))?;
        assert_eq!(set.len(), 2);
        assert_eq!(set.image(0), &[10, 255, 20, 255, 30, 255]);
        // Half-transparent black over white: 255·127/255 = 127.
        assert_eq!(set.image(1), &[255, 127, 0, 127, 0, 127]);
        assert_eq!(set.labels, Some(vec![1, 0]));
        Ok(())
    }

    #[test]
    fn from_rgba_grey_uses_bt601_luma() -> Result<(), DataError> {
        let set = ImageSet::from_rgba(&RGBA, 2, 2, 1, 1, None)?;
        // 0.299·10 + 0.587·20 + 0.114·30 = 18.16; white stays 255; red 76.245; 127.
        assert_eq!(set.pixels, vec![18, 255, 76, 127]);
        assert_eq!(set.num_classes(), 0);
        Ok(())
    }

    #[test]
    fn from_rgba_rejects_bad_input() {
        let msg =
            |r: Result<ImageSet, DataError>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg(ImageSet::from_rgba(&RGBA, 3, 2, 1, 3, None)).contains("expected 24"));
        assert!(msg(ImageSet::from_rgba(&RGBA, 2, 2, 1, 2, None)).contains("2 channels"));
        assert!(msg(ImageSet::from_rgba(&RGBA, 2, 0, 1, 3, None)).contains("empty image"));
        assert!(msg(ImageSet::from_rgba(&RGBA, 2, 2, 1, 3, Some(vec![0]))).contains("1 labels"));
    }

    #[test]
    fn new_checks_labels_against_class_names() {
        let r = ImageSet::new(
            1,
            1,
            1,
            vec![0, 1],
            Some(vec![0, 2]),
            vec!["a".into(), "b".into()],
        );
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("label 2"), "{msg}");
        assert!(ImageSet::new(2, 1, 1, vec![0, 1, 2], None, vec![]).is_err());
    }

    #[test]
    fn batch_scales_to_minus_one_one_in_index_order() -> Result<(), DataError> {
        let set = ImageSet::new(2, 1, 1, vec![0, 255, 51, 204], Some(vec![0, 1]), vec![])?;
        let batch = set.batch_f32(&[1, 0]);
        let expected = [-0.6f32, 0.6, -1.0, 1.0];
        assert_eq!(batch.len(), 4);
        // One rounding in the division and one in the subtraction: within 2 ulp of 1.
        assert!(
            batch
                .iter()
                .zip(expected)
                .all(|(a, b)| (a - b).abs() < 2.5e-7),
            "{batch:?}"
        );
        assert_eq!(set.labels_of(&[1, 1]), Some(vec![1, 1]));
        assert_eq!(set.num_classes(), 2);
        Ok(())
    }

    #[test]
    fn subset_copies_images_labels_and_names() -> Result<(), DataError> {
        let set = ImageSet::new(
            1,
            1,
            1,
            vec![5, 6, 7],
            Some(vec![0, 1, 0]),
            vec!["x".into(), "y".into()],
        )?;
        let sub = set.subset(&[2, 1]);
        assert_eq!(sub.pixels, vec![7, 6]);
        assert_eq!(sub.labels, Some(vec![0, 1]));
        assert_eq!(sub.class_names, set.class_names);
        assert_eq!(set.get(3), None);
        assert_eq!(set.get(2), Some(&[7u8][..]));
        assert!(format!("{set:?}").contains("len: 3"));
        Ok(())
    }
}
