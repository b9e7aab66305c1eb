//! Loads a folder of PNG/JPEG images into an [`ImageSet`]. Native only.
//!
//! Layout: either images directly in the folder (an unlabelled set), or one sub-folder per
//! class holding that class's images (a labelled set; class names are the sub-folder names,
//! sorted). Files are recognised by extension (`.png`, `.jpg`, `.jpeg`, any case) and read in
//! path order, so the same folder always gives the same set. Names starting with `.` are
//! skipped (hidden files, macOS `._*` companions).
//!
//! Each image is converted to RGBA8, composited onto white, resized so its shorter side is
//! `size` (triangle filter), centre-cropped to `size × size`, then reduced to 1 or 3 channels
//! ([`ImageSet::from_rgba`]). Compositing comes before resizing because the resampler assumes
//! premultiplied alpha: filtering straight RGBA would bleed the colour of invisible pixels
//! into edges.

use std::fs;
use std::path::{Path, PathBuf};

use image::imageops::{self, FilterType};
use std::io::Cursor;

use image::{ImageFormat, ImageReader, RgbaImage};

use super::images::over_white;
use super::{DataError, ImageSet};
use crate::limits;

/// Extensions (lower case) of the files that are loaded.
const EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// What happens to the alpha channel of an image with transparency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Alpha {
    /// Composited onto white (transparent pixels become white): what training sees, and what
    /// the browser does with dropped images.
    #[default]
    OverWhite,
    /// Dropped, keeping the colour stored under it, as PIL's `Image.convert("RGB")` does (the
    /// folder pipelines of pytorch-fid and torch-fidelity): for metrics on image folders.
    Drop,
}

/// Loads every image under `dir` (see the [module docs](self)) as `size × size` images with
/// `channels` 1 (grey, BT.601 luma) or 3 (RGB), alpha composited onto white.
pub fn load_image_folder(dir: &Path, size: usize, channels: usize) -> Result<ImageSet, DataError> {
    load_image_folder_with(dir, size, channels, Alpha::OverWhite)
}

/// [`load_image_folder`] with a choice of what happens to alpha.
pub fn load_image_folder_with(
    dir: &Path,
    size: usize,
    channels: usize,
    alpha: Alpha,
) -> Result<ImageSet, DataError> {
    check_request(size, channels)?;
    let (paths, labels, class_names) = folder_paths(dir)?;
    let mut set = decode(&paths, size, channels, labels, alpha)?;
    set.class_names = class_names;
    Ok(set)
}

/// The side of the images under `dir` if they are all square and of one size (read from the
/// file headers, nothing decoded); `None` otherwise. Metrics read such folders at their own
/// size, so that the only resize is the feature extractor's.
pub fn common_square_size(dir: &Path) -> Result<Option<usize>, DataError> {
    let (paths, _, _) = folder_paths(dir)?;
    let mut common = None;
    for path in &paths {
        let (w, h) = ImageReader::open(path)
            .and_then(|r| r.with_guessed_format())
            .map_err(|e| e.to_string())
            .and_then(|r| r.into_dimensions().map_err(|e| e.to_string()))
            .map_err(|reason| DataError::Image {
                path: path.clone(),
                reason: reason.split_whitespace().collect::<Vec<_>>().join(" "),
            })?;
        if w != h || common.is_some_and(|s| s != w) {
            return Ok(None);
        }
        common = Some(w);
    }
    Ok(common.map(|s| s as usize))
}

/// The image files under `dir` in load order, their labels (class sub-folders) and class names.
type FolderPaths = (Vec<PathBuf>, Option<Vec<u32>>, Vec<String>);

fn folder_paths(dir: &Path) -> Result<FolderPaths, DataError> {
    let (files, subdirs) = list(dir)?;
    let mut class_names = Vec::new();
    let mut class_files = Vec::new();
    for sub in subdirs {
        let (images, _) = list(&sub)?;
        if images.is_empty() {
            continue;
        }
        let name = sub
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        class_names.push(name);
        class_files.push(images);
    }
    let (paths, labels): (Vec<PathBuf>, Option<Vec<u32>>) = match (
        files.is_empty(),
        class_files.is_empty(),
    ) {
        (false, true) => (files, None),
        (true, false) => {
            let mut paths = Vec::new();
            let mut labels = Vec::new();
            for (label, images) in (0u32..).zip(class_files) {
                labels.extend(std::iter::repeat_n(label, images.len()));
                paths.extend(images);
            }
            (paths, Some(labels))
        }
        (false, false) => {
            return Err(DataError::Missing {
                path: dir.to_path_buf(),
                reason: format!(
                    "has both loose images ({} files) and class sub-folders ({}); put the loose \
                     images in a sub-folder too, or move the sub-folders out",
                    files.len(),
                    class_names.join(", ")
                ),
            });
        }
        (true, true) => {
            return Err(DataError::Missing {
                path: dir.to_path_buf(),
                reason: "no .png/.jpg/.jpeg images here or in its sub-folders".into(),
            });
        }
    };
    Ok((paths, labels, class_names))
}

/// Loads the image files `paths`, in that order, as [`load_image_folder`] loads a folder's,
/// with optional `labels` (one per path).
pub fn load_image_files(
    paths: &[PathBuf],
    size: usize,
    channels: usize,
    labels: Option<Vec<u32>>,
) -> Result<ImageSet, DataError> {
    check_request(size, channels)?;
    decode(paths, size, channels, labels, Alpha::OverWhite)
}

fn check_request(size: usize, channels: usize) -> Result<(), DataError> {
    if size == 0 {
        return Err(DataError::InvalidImages(format!(
            "image size {size} is not usable"
        )));
    }
    limits::at_most("image size", size as u64, limits::IMAGE_SIZE as u64)
        .map_err(|e| DataError::InvalidImages(e.to_string()))?;
    if channels != 1 && channels != 3 {
        return Err(DataError::InvalidImages(format!(
            "{channels} channels requested; only 1 (grey) and 3 (RGB) are supported"
        )));
    }
    Ok(())
}

/// Decodes `paths` to `size × size` squares and gathers them into a set.
fn decode(
    paths: &[PathBuf],
    size: usize,
    channels: usize,
    labels: Option<Vec<u32>>,
    alpha: Alpha,
) -> Result<ImageSet, DataError> {
    let mut rgba = Vec::with_capacity(paths.len() * size * size * 4);
    for path in paths {
        rgba.extend_from_slice(load_square(path, size as u32, alpha)?.as_raw());
    }
    ImageSet::from_rgba(&rgba, paths.len(), size, size, channels, labels)
}

/// The image files directly in `dir`, in the order [`load_image_folder`] reads a flat folder.
pub fn image_files(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    Ok(list(dir)?.0)
}

/// Image files (sorted) and non-hidden sub-folders (sorted) directly in `dir`.
fn list(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), DataError> {
    let io_err = |source| DataError::Io {
        action: "cannot list",
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let path = entry.map_err(io_err)?.path();
        let hidden = path
            .file_name()
            .is_none_or(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            dirs.push(path);
        } else if is_image_name(&path) {
            files.push(path);
        }
    }
    files.sort();
    dirs.sort();
    Ok((files, dirs))
}

fn is_image_name(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
}

/// The largest image file read (256 MiB).
const IMAGE_FILE_BYTES: u64 = 256 << 20;

/// The message of a bounded read's error without its path (the caller names the file).
fn invalid_reason(e: crate::file_io::FileError) -> String {
    match e {
        crate::file_io::FileError::Io { source, .. } => source.to_string(),
        crate::file_io::FileError::Invalid { message, .. } => message,
    }
}

/// Whether a JPEG stream ends its last scan: an end-of-image marker (`FF D9`) after the last
/// start-of-scan marker (`FF DA`). Entropy-coded data never holds `FF` followed by a marker
/// byte (it is stuffed as `FF 00`), so a file cut inside the scan has no `FF D9` after it;
/// decoders would fill the missing part with grey instead of failing.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    let last_end = bytes.windows(2).rposition(|w| w == [0xFF, 0xD9]);
    match (last_scan, last_end) {
        (Some(scan), Some(end)) => end > scan,
        _ => false,
    }
}

/// Decodes `path` and returns it opaque (on white, or with alpha dropped), shorter side resized
/// to `size`, centre-cropped.
fn load_square(path: &Path, size: u32, alpha: Alpha) -> Result<RgbaImage, DataError> {
    // Decoder messages may span lines; the error is one.
    let image_err = |reason: String| DataError::Image {
        path: path.to_path_buf(),
        reason: reason.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    let bytes = crate::file_io::read_bounded(path, IMAGE_FILE_BYTES, "image file")
        .map_err(|e| image_err(invalid_reason(e)))?;
    let reader = || {
        ImageReader::new(Cursor::new(bytes.as_slice()))
            .with_guessed_format()
            .map_err(|e| image_err(e.to_string()))
    };
    // The header's dimensions, checked before anything of that size is allocated.
    let (w, h) = reader()?
        .into_dimensions()
        .map_err(|e| image_err(e.to_string()))?;
    limits::check_image(u64::from(w), u64::from(h)).map_err(|e| image_err(e.to_string()))?;
    let mut reader = reader()?;
    if reader.format() == Some(ImageFormat::Jpeg) && !jpeg_is_complete(&bytes) {
        return Err(image_err(
            "truncated JPEG: no end-of-image marker after the last scan".into(),
        ));
    }
    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(w);
    decode_limits.max_image_height = Some(h);
    reader.limits(decode_limits);
    let decoded = reader.decode().map_err(|e| image_err(e.to_string()))?;
    let mut img = decoded.to_rgba8();
    for px in img.pixels_mut() {
        let [r, g, b, a] = px.0;
        px.0 = match alpha {
            Alpha::OverWhite => [over_white(r, a), over_white(g, a), over_white(b, a), 255],
            Alpha::Drop => [r, g, b, 255],
        };
    }
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Err(image_err("image has no pixels".into()));
    }
    // Scale so the shorter side becomes `size`; the longer side rounds to nearest, >= size.
    let scale = |long: u32, short: u32| {
        ((u64::from(long) * u64::from(size) + u64::from(short) / 2) / u64::from(short))
            .max(u64::from(size))
    };
    let (nw, nh) = if w <= h {
        (u64::from(size), scale(h, w))
    } else {
        (scale(w, h), u64::from(size))
    };
    limits::at_most(
        "resized image pixels",
        nw.saturating_mul(nh),
        limits::IMAGE_PIXELS,
    )
    .map_err(|e| image_err(format!("{e} ({w}×{h} is too elongated for {size}×{size})")))?;
    let (nw, nh) = (
        u32::try_from(nw).map_err(|_| image_err("too elongated to resize".into()))?,
        u32::try_from(nh).map_err(|_| image_err("too elongated to resize".into()))?,
    );
    if (nw, nh) != (w, h) {
        img = imageops::resize(&img, nw, nh, FilterType::Triangle);
    }
    let (x0, y0) = ((nw - size) / 2, (nh - size) / 2);
    Ok(imageops::crop_imm(&img, x0, y0, size, size).to_image())
}

#[cfg(test)]
mod tests {
    use image::{Rgba, RgbaImage};

    use super::*;

    /// A fresh, empty folder under the system temp dir, unique to this process and test.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ganvas-folder-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir is writable");
        dir
    }

    fn save(img: &RgbaImage, path: &Path) {
        img.save(path).expect("PNG encodes");
    }

    #[test]
    fn unlabelled_folder_with_alpha_and_non_square_images() -> Result<(), DataError> {
        let dir = temp_dir("flat");
        // 8×4: left half black, right half red; opaque.
        let wide = RgbaImage::from_fn(8, 4, |x, _| {
            if x < 4 {
                Rgba([0, 0, 0, 255])
            } else {
                Rgba([255, 0, 0, 255])
            }
        });
        save(&wide, &dir.join("a_wide.png"));
        // Fully transparent black: must come out white.
        save(
            &RgbaImage::from_pixel(4, 4, Rgba([0, 0, 0, 0])),
            &dir.join("b_clear.PNG"),
        );
        fs::write(dir.join("notes.txt"), "not an image").expect("write");
        fs::write(dir.join("._a_wide.png"), "macOS metadata").expect("write");

        let set = load_image_folder(&dir, 4, 3)?;
        assert_eq!(
            (set.len(), set.width, set.height, set.channels),
            (2, 4, 4, 3)
        );
        assert!(set.labels.is_none() && set.class_names.is_empty());
        // Centre crop of the 8×4 image keeps columns 2..6: black, black, red, red.
        let red_plane = &set.image(0)[..16];
        assert_eq!(&red_plane[..4], &[0, 0, 255, 255]);
        assert!(set.image(1).iter().all(|&v| v == 255));

        let grey = load_image_folder(&dir, 2, 1)?;
        assert_eq!((grey.len(), grey.width, grey.channels), (2, 2, 1));
        assert!(grey.image(1).iter().all(|&v| v == 255));
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn sub_folders_are_classes() -> Result<(), DataError> {
        let dir = temp_dir("classes");
        for (class, n) in [("dog", 2), ("cat", 1)] {
            fs::create_dir_all(dir.join(class)).expect("mkdir");
            for i in 0..n {
                let img = RgbaImage::from_pixel(6, 9, Rgba([10, 20, 30, 255]));
                save(&img, &dir.join(class).join(format!("{i}.png")));
            }
        }
        fs::create_dir_all(dir.join("empty")).expect("mkdir");
        let set = load_image_folder(&dir, 3, 3)?;
        assert_eq!(set.class_names, vec!["cat", "dog"]);
        assert_eq!(set.labels, Some(vec![0, 1, 1]));
        assert_eq!(set.image(0)[..9], [10; 9]);
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn garbage_png_names_the_file() {
        let dir = temp_dir("garbage");
        fs::write(dir.join("broken.png"), b"definitely not a PNG").expect("write");
        let err = load_image_folder(&dir, 4, 3).err();
        assert!(
            matches!(&err, Some(DataError::Image { path, .. }) if path.ends_with("broken.png"))
        );
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.starts_with("cannot read image ") && msg.contains("broken.png"),
            "{msg}"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    /// The error message of loading the one file of a fresh folder, resized to 64.
    fn load_error(name: &str, bytes: &[u8]) -> String {
        let dir = temp_dir(&format!("one-{name}"));
        fs::write(dir.join(name), bytes).expect("write");
        let msg = load_image_folder(&dir, 64, 3)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let _ = fs::remove_dir_all(&dir);
        msg
    }

    fn png(img: &RgbaImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png)
            .expect("PNG encodes");
        out.into_inner()
    }

    #[test]
    fn huge_or_elongated_images_are_refused_from_their_header() {
        // A PNG header declaring 2,000,000 × 1 pixels, and a small real one too wide to resize.
        let mut header = png(&RgbaImage::new(1, 1));
        header[16..20].copy_from_slice(&2_000_000u32.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&header[12..29]); // IHDR chunk type and data
        header[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        let msg = load_error("wide.png", &header);
        assert!(msg.contains("wide.png"), "{msg}");
        assert!(
            msg.contains("image width = 2000000 exceeds the limit of 16384"),
            "{msg}"
        );
        let msg = load_error("long.png", &png(&RgbaImage::new(16_000, 1)));
        assert!(
            msg.contains("resized image pixels = 65536000 exceeds"),
            "{msg}"
        );
    }

    #[test]
    fn alpha_can_be_dropped_and_common_sizes_are_read_from_headers() -> Result<(), DataError> {
        let dir = temp_dir("alpha");
        // Fully transparent, with a colour stored under the alpha.
        save(
            &RgbaImage::from_pixel(4, 4, Rgba([10, 20, 30, 0])),
            &dir.join("a.png"),
        );
        save(
            &RgbaImage::from_pixel(4, 4, Rgba([10, 20, 30, 255])),
            &dir.join("b.png"),
        );
        let white = load_image_folder(&dir, 4, 3)?;
        assert!(white.image(0).iter().all(|&v| v == 255));
        let dropped = load_image_folder_with(&dir, 4, 3, Alpha::Drop)?;
        assert_eq!(dropped.image(0), dropped.image(1));
        assert_eq!(&dropped.image(0)[..1], &[10]);
        assert_eq!(common_square_size(&dir)?, Some(4));
        save(&RgbaImage::new(8, 8), &dir.join("c.png"));
        assert_eq!(common_square_size(&dir)?, None);
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn a_truncated_jpeg_is_refused() {
        let img =
            image::RgbImage::from_fn(32, 32, |x, y| image::Rgb([x as u8 * 8, y as u8 * 8, 0]));
        let mut jpeg = Cursor::new(Vec::new());
        img.write_to(&mut jpeg, ImageFormat::Jpeg)
            .expect("JPEG encodes");
        let jpeg = jpeg.into_inner();
        assert!(jpeg_is_complete(&jpeg));
        // Cut inside the scan: decoders would fill the rest in; cut in the headers: they fail.
        let msg = load_error("cut.jpg", &jpeg[..jpeg.len() - 20]);
        assert!(
            msg.contains("cut.jpg") && msg.contains("truncated JPEG"),
            "{msg}"
        );
        let msg = load_error("short.jpg", &jpeg[..jpeg.len() / 3]);
        assert!(msg.contains("short.jpg"), "{msg}");
        assert_eq!(load_error("whole.jpg", &jpeg), "");
    }

    #[test]
    fn empty_or_mixed_folders_are_refused() {
        let dir = temp_dir("empty");
        let msg = load_image_folder(&dir, 4, 3)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("no .png/.jpg/.jpeg images"), "{msg}");
        let missing = load_image_folder(&dir.join("nope"), 4, 3)
            .err()
            .map(|e| e.to_string());
        assert!(missing.is_some_and(|m| m.starts_with("cannot list")));

        save(
            &RgbaImage::from_pixel(2, 2, Rgba([0, 0, 0, 255])),
            &dir.join("loose.png"),
        );
        fs::create_dir_all(dir.join("class")).expect("mkdir");
        save(
            &RgbaImage::from_pixel(2, 2, Rgba([0, 0, 0, 255])),
            &dir.join("class/x.png"),
        );
        let msg = load_image_folder(&dir, 4, 3)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("both loose images"), "{msg}");
        assert!(load_image_folder(&dir, 4, 2).is_err());
        let _ = fs::remove_dir_all(&dir);
    }
}
