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
use image::{ImageReader, RgbaImage};

use super::images::over_white;
use super::{DataError, ImageSet};

/// Extensions (lower case) of the files that are loaded.
const EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// Loads every image under `dir` (see the [module docs](self)) as `size × size` images with
/// `channels` 1 (grey, BT.601 luma) or 3 (RGB).
pub fn load_image_folder(dir: &Path, size: usize, channels: usize) -> Result<ImageSet, DataError> {
    check_request(size, channels)?;
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
    let mut set = decode(&paths, size, channels, labels)?;
    set.class_names = class_names;
    Ok(set)
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
    decode(paths, size, channels, labels)
}

fn check_request(size: usize, channels: usize) -> Result<(), DataError> {
    if size == 0 || u32::try_from(size).is_err() {
        return Err(DataError::InvalidImages(format!(
            "image size {size} is not usable"
        )));
    }
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
) -> Result<ImageSet, DataError> {
    let mut rgba = Vec::with_capacity(paths.len() * size * size * 4);
    for path in paths {
        rgba.extend_from_slice(load_square(path, size as u32)?.as_raw());
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

/// Decodes `path` and returns it opaque on white, shorter side resized to `size`, centre-cropped.
fn load_square(path: &Path, size: u32) -> Result<RgbaImage, DataError> {
    let image_err = |reason: String| DataError::Image {
        path: path.to_path_buf(),
        reason,
    };
    let decoded = ImageReader::open(path)
        .map_err(|e| image_err(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| image_err(e.to_string()))?
        .decode()
        .map_err(|e| image_err(e.to_string()))?;
    let mut img = decoded.to_rgba8();
    for px in img.pixels_mut() {
        let [r, g, b, a] = px.0;
        px.0 = [over_white(r, a), over_white(g, a), over_white(b, a), 255];
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
