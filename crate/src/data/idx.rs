//! Parser for the IDX files of the MNIST family (MNIST, Fashion-MNIST), from bytes in memory.
//!
//! An IDX file is a big-endian header — the magic number `0x00000803` (unsigned bytes,
//! 3 dimensions) for images or `0x00000801` (1 dimension) for labels, then one `u32` per
//! dimension — followed by the raw bytes. Gzip-compressed input (first bytes `1f 8b`) is
//! decompressed transparently. No file access here, so this builds for `wasm32` too; the
//! native loader is `idx_files`.

use std::borrow::Cow;
use std::io::Read;

use flate2::read::GzDecoder;

use super::{DataError, ImageSet};

/// Magic number of an IDX file of unsigned bytes with 3 dimensions (N × rows × cols).
const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with 1 dimension (N).
const LABELS_MAGIC: u32 = 0x0000_0801;
/// The two bytes that open every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Parses an IDX image file (raw or gzipped) into a grey-scale, unlabelled [`ImageSet`]
/// (width = columns, height = rows).
pub fn parse_images(bytes: &[u8]) -> Result<ImageSet, DataError> {
    const WHAT: &str = "IDX image file";
    let (dims, data) = read_idx::<3>(bytes, IMAGES_MAGIC, WHAT)?;
    let [n, rows, cols] = dims;
    if rows == 0 || cols == 0 {
        return Err(DataError::Idx(format!(
            "{WHAT} declares empty images of {rows}×{cols}"
        )));
    }
    if n == 0 {
        return Err(DataError::Idx(format!("{WHAT} holds no images")));
    }
    let header = 4 + 4 * dims.len();
    let mut pixels = data.into_owned();
    pixels.drain(..header);
    ImageSet::new(cols, rows, 1, pixels, None, Vec::new())
}

/// Parses an IDX label file (raw or gzipped) into one class index per image.
pub fn parse_labels(bytes: &[u8]) -> Result<Vec<u32>, DataError> {
    const WHAT: &str = "IDX label file";
    let (dims, data) = read_idx::<1>(bytes, LABELS_MAGIC, WHAT)?;
    let header = 4 + 4 * dims.len();
    Ok(data
        .get(header..)
        .unwrap_or_default()
        .iter()
        .map(|&b| u32::from(b))
        .collect())
}

/// The dimensions and the whole file (header and body, decompressed if it starts with the gzip
/// magic), after checking the magic number, that the declared size is at most
/// [`crate::limits::IDX_BYTES`] and that the file holds exactly that many bytes. A gzip stream
/// is decompressed header first, and then only up to the declared size, so a small file
/// cannot expand to more than the limit.
fn read_idx<'a, const D: usize>(
    bytes: &'a [u8],
    magic: u32,
    what: &'static str,
) -> Result<([usize; D], Cow<'a, [u8]>), DataError> {
    let header = 4 + 4 * D;
    if !bytes.starts_with(&GZIP_MAGIC) {
        let dims = read_header::<D>(bytes, magic, what)?;
        check_declared(header, &dims, what)?;
        check_length(bytes.len(), header, &dims, what)?;
        return Ok((dims, Cow::Borrowed(bytes)));
    }
    let gzip = |source| DataError::Gzip { what, source };
    let mut stream = GzDecoder::new(bytes);
    let mut head = Vec::with_capacity(header);
    (&mut stream)
        .take(header as u64)
        .read_to_end(&mut head)
        .map_err(gzip)?;
    let dims = read_header::<D>(&head, magic, what)?;
    let expected = check_declared(header, &dims, what)?;
    let mut data = head;
    data.reserve_exact(expected - header);
    // One byte more than declared, to tell trailing bytes from an exact fit.
    stream
        .take((expected - header) as u64 + 1)
        .read_to_end(&mut data)
        .map_err(gzip)?;
    check_length(data.len(), header, &dims, what)?;
    Ok((dims, Cow::Owned(data)))
}

/// The declared file size (header plus the product of `dims`), if at most the limit.
fn check_declared(header: usize, dims: &[usize], what: &str) -> Result<usize, DataError> {
    let body = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let Some(expected) = body.and_then(|b| b.checked_add(header)) else {
        return Err(DataError::Idx(format!(
            "{what} declares an impossible size {dims:?}"
        )));
    };
    crate::limits::at_most(
        &format!("{what} size"),
        expected as u64,
        crate::limits::IDX_BYTES,
    )
    .map_err(|e| DataError::Idx(format!("{e} bytes (dimensions {dims:?})")))?;
    Ok(expected)
}

/// Checks the magic number and returns the `D` dimension sizes that follow it.
fn read_header<const D: usize>(
    data: &[u8],
    magic: u32,
    what: &str,
) -> Result<[usize; D], DataError> {
    let header = 4 + 4 * D;
    let word = |i: usize| -> Option<u32> {
        Some(u32::from_be_bytes(
            data.get(4 * i..4 * i + 4)?.try_into().ok()?,
        ))
    };
    let too_short = || {
        DataError::Idx(format!(
            "{what} too short: expected a {header}-byte header, found {} bytes",
            data.len()
        ))
    };
    let found = word(0).ok_or_else(too_short)?;
    if found != magic {
        let hint = match found {
            IMAGES_MAGIC => " (this is an IDX image file)",
            LABELS_MAGIC => " (this is an IDX label file)",
            _ => "",
        };
        return Err(DataError::Idx(format!(
            "not an {what}: magic number 0x{found:08x}, expected 0x{magic:08x}{hint}"
        )));
    }
    if data.len() < header {
        return Err(too_short());
    }
    let mut dims = [0usize; D];
    for (i, d) in dims.iter_mut().enumerate() {
        *d = word(i + 1).map_or(0, |v| v as usize);
    }
    Ok(dims)
}

/// Checks that `len` is exactly the header plus the product of `dims`.
fn check_length(len: usize, header: usize, dims: &[usize], what: &str) -> Result<(), DataError> {
    let body = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let Some(expected) = body.and_then(|b| b.checked_add(header)) else {
        return Err(DataError::Idx(format!(
            "{what} declares an impossible size {dims:?}"
        )));
    };
    if len < expected {
        return Err(DataError::Idx(format!(
            "{what} truncated: expected {expected} bytes, found {len}"
        )));
    }
    if len > expected {
        return Err(DataError::Idx(format!(
            "{what} has {} trailing bytes: expected {expected} bytes for dimensions {dims:?}, \
             found {len}",
            len - expected
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn idx(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
        let mut out = magic.to_be_bytes().to_vec();
        for d in dims {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(body);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).expect("writing to a Vec cannot fail");
        enc.finish().expect("writing to a Vec cannot fail")
    }

    fn err_text<T>(r: Result<T, DataError>) -> String {
        r.err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "no error".into())
    }

    /// Two 2-row × 3-column images.
    fn two_images() -> Vec<u8> {
        idx(
            IMAGES_MAGIC,
            &[2, 2, 3],
            &[0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15],
        )
    }

    #[test]
    fn parses_raw_images() -> Result<(), DataError> {
        let set = parse_images(&two_images())?;
        assert_eq!(
            (set.len(), set.width, set.height, set.channels),
            (2, 3, 2, 1)
        );
        assert_eq!(set.image(1), &[10, 11, 12, 13, 14, 15]);
        assert!(set.labels.is_none());
        Ok(())
    }

    #[test]
    fn parses_gzipped_images_and_labels() -> Result<(), DataError> {
        assert_eq!(
            parse_images(&gzip(&two_images()))?,
            parse_images(&two_images())?
        );
        let labels = idx(LABELS_MAGIC, &[3], &[9, 0, 4]);
        assert_eq!(parse_labels(&gzip(&labels))?, vec![9, 0, 4]);
        assert_eq!(parse_labels(&labels)?, vec![9, 0, 4]);
        Ok(())
    }

    #[test]
    fn truncated_and_padded_files_are_rejected() {
        let bytes = two_images();
        let msg = err_text(parse_images(&bytes[..bytes.len() - 1]));
        assert_eq!(msg, "IDX image file truncated: expected 28 bytes, found 27");
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(err_text(parse_images(&padded)).contains("1 trailing bytes"));
        let labels = idx(LABELS_MAGIC, &[3], &[9, 0]);
        assert_eq!(
            err_text(parse_labels(&labels)),
            "IDX label file truncated: expected 11 bytes, found 10"
        );
        assert!(err_text(parse_images(&bytes[..5])).contains("too short"));
        assert!(err_text(parse_labels(&[])).contains("too short"));
    }

    #[test]
    fn wrong_magic_is_named() {
        let labels = idx(LABELS_MAGIC, &[1], &[3]);
        let msg = err_text(parse_images(&labels));
        assert!(
            msg.contains("magic number 0x00000801, expected 0x00000803"),
            "{msg}"
        );
        assert!(msg.contains("label file"), "{msg}");
        let msg = err_text(parse_labels(&two_images()));
        assert!(msg.contains("image file"), "{msg}");
        let msg = err_text(parse_images(b"PNG image, not IDX at all"));
        assert!(msg.starts_with("not an IDX image file"), "{msg}");
    }

    #[test]
    fn empty_images_and_huge_sizes_are_rejected() {
        assert!(err_text(parse_images(&idx(IMAGES_MAGIC, &[1, 0, 3], &[]))).contains("empty"));
        let huge = idx(IMAGES_MAGIC, &[u32::MAX, u32::MAX, u32::MAX], &[]);
        let msg = err_text(parse_images(&huge));
        assert!(
            msg.contains("impossible size") || msg.contains("truncated"),
            "{msg}"
        );
    }

    #[test]
    fn no_images_and_oversized_declarations_are_rejected_before_decompression() {
        let none = idx(IMAGES_MAGIC, &[0, 28, 28], &[]);
        assert_eq!(
            err_text(parse_images(&none)),
            "IDX image file holds no images"
        );
        assert_eq!(
            err_text(parse_images(&gzip(&none))),
            "IDX image file holds no images"
        );
        // A 10 GB declaration in a gzip of a few bytes: refused from the header alone.
        let huge = gzip(&idx(IMAGES_MAGIC, &[10_000, 1000, 1000], &[]));
        let msg = err_text(parse_images(&huge));
        assert!(
            msg.starts_with("IDX image file size = 10000000016 exceeds the limit of 1073741824"),
            "{msg}"
        );
        // A small declaration followed by 8 MB of zeros: decompression stops one byte past it.
        let bomb = gzip(&idx(IMAGES_MAGIC, &[1, 2, 3], &vec![0u8; 8 << 20]));
        assert_eq!(
            err_text(parse_images(&bomb)),
            "IDX image file has 1 trailing bytes: expected 22 bytes for dimensions [1, 2, 3], found 23"
        );
    }

    #[test]
    fn corrupt_gzip_is_reported() {
        let gz = gzip(&two_images());
        let msg = err_text(parse_images(&gz[..gz.len() / 2]));
        assert!(
            msg.starts_with("could not decompress gzip IDX image file"),
            "{msg}"
        );
        let mut bad = gz.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0xff;
        bad[mid + 1] ^= 0xff;
        assert!(parse_images(&bad).is_err());
    }
}
