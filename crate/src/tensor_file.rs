//! The one safetensors codec: named little-endian f32 arrays plus string metadata, written and
//! read the same way by every file ganvas makes (checkpoints, domain classifiers, feature
//! caches) and by the Inception weights it loads. Each format keeps its own metadata schema —
//! the value of its `format` key and the keys it needs — and checks it with [`expect_format`]
//! before reading any tensor, so a file of another kind is named as such rather than
//! misread.

use std::collections::{BTreeMap, HashMap};

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::model::named::Arrays;

/// Why bytes are not a usable tensor file.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum CodecError {
    /// Not safetensors at all, or truncated, or a header that does not add up.
    #[error("not a safetensors file ({0})")]
    Corrupt(String),
    /// A tensor of another element type than f32.
    #[error("tensor `{name}` has dtype {dtype}, expected F32")]
    Dtype { name: String, dtype: String },
    /// The `format` metadata names another kind of file.
    #[error(
        "metadata `format` is {}, expected \"{expected}\"",
        describe_format(found)
    )]
    Format {
        found: Option<String>,
        expected: &'static str,
    },
}

/// A `format` value as an error message shows it: quoted, or "missing".
pub fn describe_format(format: &Option<String>) -> String {
    match format {
        Some(f) => format!("\"{f}\""),
        None => "missing".into(),
    }
}

/// The string metadata of a safetensors file, read from its header alone (no tensor is
/// touched, so a foreign or truncated file costs nothing to refuse).
pub fn metadata(bytes: &[u8]) -> Result<BTreeMap<String, String>, CodecError> {
    let (_, header) =
        SafeTensors::read_metadata(bytes).map_err(|e| CodecError::Corrupt(e.to_string()))?;
    Ok(header
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect())
}

/// Checks that `metadata`'s `format` is `expected`.
pub fn expect_format(
    metadata: &BTreeMap<String, String>,
    expected: &'static str,
) -> Result<(), CodecError> {
    let found = metadata.get("format").cloned();
    if found.as_deref() == Some(expected) {
        Ok(())
    } else {
        Err(CodecError::Format { found, expected })
    }
}

/// Every tensor of a safetensors file as f32 arrays; any other dtype is refused.
pub fn arrays(bytes: &[u8]) -> Result<Arrays, CodecError> {
    let tensors =
        SafeTensors::deserialize(bytes).map_err(|e| CodecError::Corrupt(e.to_string()))?;
    let mut arrays = Arrays::new();
    for (name, view) in tensors.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(CodecError::Dtype {
                name,
                dtype: view.dtype().to_string(),
            });
        }
        let values = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        arrays.insert(name, (view.shape().to_vec(), values));
    }
    Ok(arrays)
}

/// Serialises `arrays` (f32, little-endian) with `metadata`.
pub fn to_bytes<'a>(
    arrays: impl IntoIterator<Item = (&'a String, &'a (Vec<usize>, Vec<f32>))>,
    metadata: HashMap<String, String>,
) -> Result<Vec<u8>, CodecError> {
    let bytes: Vec<(&String, &Vec<usize>, Vec<u8>)> = arrays
        .into_iter()
        .map(|(name, (shape, values))| {
            (
                name,
                shape,
                values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            )
        })
        .collect();
    let views = bytes
        .iter()
        .map(|(name, shape, data)| {
            TensorView::new(Dtype::F32, (*shape).clone(), data)
                .map(|view| ((*name).clone(), view))
                .map_err(|e| CodecError::Corrupt(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    safetensors::serialize(views, Some(metadata)).map_err(|e| CodecError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Arrays {
        Arrays::from([
            (
                "a".to_string(),
                (vec![2, 2], vec![1.0, -2.5, 3.25, f32::MIN_POSITIVE]),
            ),
            ("b.c".to_string(), (vec![3], vec![0.0, 1e-30, 7.0])),
        ])
    }

    #[test]
    fn round_trips_arrays_and_metadata_bit_for_bit() {
        let meta = HashMap::from([("format".to_string(), "x/1".to_string())]);
        let bytes = to_bytes(&sample(), meta).unwrap();
        assert_eq!(arrays(&bytes).unwrap(), sample());
        let read = metadata(&bytes).unwrap();
        assert_eq!(read.get("format").map(String::as_str), Some("x/1"));
        assert_eq!(expect_format(&read, "x/1"), Ok(()));
        assert_eq!(
            expect_format(&read, "y/1").unwrap_err().to_string(),
            "metadata `format` is \"x/1\", expected \"y/1\""
        );
    }

    #[test]
    fn garbage_truncation_and_other_dtypes_are_refused() {
        assert!(matches!(
            metadata(b"not safetensors"),
            Err(CodecError::Corrupt(_))
        ));
        let bytes = to_bytes(&sample(), HashMap::new()).unwrap();
        assert!(matches!(
            arrays(&bytes[..bytes.len() - 3]),
            Err(CodecError::Corrupt(_))
        ));
        let data = [0u8; 4];
        let view = TensorView::new(Dtype::I32, vec![1], &data).unwrap();
        let ints = safetensors::serialize([("i", view)], None).unwrap();
        assert_eq!(
            arrays(&ints),
            Err(CodecError::Dtype {
                name: "i".into(),
                dtype: "I32".into()
            })
        );
        assert_eq!(
            expect_format(&BTreeMap::new(), "x/1")
                .unwrap_err()
                .to_string(),
            "metadata `format` is missing, expected \"x/1\""
        );
    }
}
