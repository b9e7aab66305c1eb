//! Generated bad input, run against the library and the `ganvas` program: checkpoints cut at
//! every section boundary, random bytes and byte flips, extreme sizes in the stored config,
//! mutated configs and broken image files. Every one must be refused with one clear line
//! (the CLI: exit status 1, one `error:` line, under a 4 GB address-space limit so that an
//! oversized allocation aborts instead of swapping) and leave no file behind. Nothing may
//! panic or hang. Seeded, so a failure reproduces; about 1 s on 2 cores.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burn::tensor::Device;
use ganvas::checkpoint::Checkpoint;
use ganvas::data::load_image_folder;
use ganvas::readback::block;
use ganvas::rng::Rng;
use ganvas::run::{self, RunConfig, Snapshot, Weights};
use ganvas::train::Trainer;

const TOY: &str = r#"
name = "fuzz-toy"
[model]
kind = "mlp"
width = 8
depth = 2
[train]
batch = 16
[data]
kind = "toy"
distribution = "ring"
[run]
steps = 3
"#;

const DCGAN: &str = r#"
name = "fuzz-dcgan"
[model]
kind = "dcgan"
resolution = 28
channels = 1
latent_dim = 4
width = 2
classes = 3
[train]
batch = 4
[data]
kind = "toy"
distribution = "ring"
"#;

/// A folder for one test, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ganvas-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The checkpoint of a freshly initialised run of `text`.
fn checkpoint_of(text: &str) -> Checkpoint {
    let config = RunConfig::from_toml(text, &[]).unwrap();
    let trainer = Trainer::new(
        config.model.clone(),
        config.train.clone(),
        1,
        &Device::flex(),
    )
    .unwrap();
    block(Snapshot::new(&trainer, &config).unwrap().read()).unwrap()
}

/// Every way the library reads a checkpoint; each must return (not panic). Returns the first
/// error, if any, which must be one line.
fn load_everywhere(bytes: &[u8]) -> Option<String> {
    let checkpoint = match Checkpoint::from_bytes(bytes) {
        Ok(c) => c,
        Err(e) => return Some(e.to_string()),
    };
    let device = Device::flex();
    let errors = [
        run::restore(&checkpoint, &device)
            .err()
            .map(|e| e.to_string()),
        run::load_generator(&checkpoint, &device, Weights::Ema)
            .err()
            .map(|e| e.to_string()),
        run::config_of(&checkpoint).err().map(|e| e.to_string()),
    ];
    errors.into_iter().flatten().next()
}

fn one_line(message: &str, what: &str) {
    assert!(!message.is_empty(), "{what}: empty message");
    assert!(!message.contains('\n'), "{what}: several lines: {message}");
    for enum_name in [
        "Some(",
        "None",
        "HeaderTooLarge",
        "InvalidHeader",
        "Error {",
    ] {
        assert!(
            !message.contains(enum_name),
            "{what}: Rust names in the message: {message}"
        );
    }
}

/// Offsets where a safetensors file changes section: the length word, the JSON header and
/// each tensor's data, with a byte either side.
fn section_boundaries(bytes: &[u8]) -> Vec<usize> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let mut cuts = vec![0, 1, 4, 7, 8, 9, 8 + n / 2, 8 + n - 1, 8 + n];
    for (name, info) in header.as_object().unwrap() {
        if name == "__metadata__" {
            continue;
        }
        for offset in info["data_offsets"].as_array().unwrap() {
            let at = 8 + n + offset.as_u64().unwrap() as usize;
            cuts.extend([at.saturating_sub(1), at, at + 1]);
        }
    }
    cuts.retain(|&c| c < bytes.len());
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn checkpoints_cut_at_every_section_boundary_are_refused() {
    for text in [TOY, DCGAN] {
        let bytes = checkpoint_of(text).to_bytes().unwrap();
        assert_eq!(load_everywhere(&bytes), None, "the intact file loads");
        let cuts = section_boundaries(&bytes);
        assert!(cuts.len() > 20, "{}", cuts.len());
        for cut in cuts {
            let message = load_everywhere(&bytes[..cut])
                .unwrap_or_else(|| panic!("a file cut at {cut} of {} loaded", bytes.len()));
            one_line(&message, &format!("cut at {cut}"));
        }
    }
}

#[test]
fn random_bytes_and_byte_flips_never_panic() {
    let mut rng = Rng::new(12);
    for i in 0..300 {
        let len = rng.below(600);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
        if i % 3 == 0 && len >= 8 {
            // A plausible length word, so that the JSON parser is reached.
            bytes[..8].copy_from_slice(&((len as u64).saturating_sub(8)).to_le_bytes());
            bytes[8..].iter_mut().take(1).for_each(|b| *b = b'{');
        }
        let message = load_everywhere(&bytes).expect("random bytes never load");
        one_line(&message, &format!("random buffer {i}"));
    }
    let good = checkpoint_of(TOY).to_bytes().unwrap();
    for i in 0..300 {
        let mut bytes = good.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            bytes[at] ^= 1 << rng.below(8);
        }
        // A flip in the weights may load (a different but finite value); the rest must not
        // panic and must explain itself in one line.
        if let Some(message) = load_everywhere(&bytes) {
            one_line(&message, &format!("flip {i}"));
        }
    }
}

#[test]
fn extreme_sizes_in_checkpoint_metadata_are_named() {
    // At 28×28 and batch 4096, width 256 keeps the parameters small but not the activations.
    let wide = DCGAN.replace("width = 2", "width = 256");
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            TOY,
            "width = 8",
            "width = 65536",
            "model.width = 65536 exceeds the limit",
        ),
        (TOY, "width = 8", "width = 1000000", "model.width = 1000000"),
        (TOY, "depth = 2", "depth = 100000", "model.depth = 100000"),
        (
            TOY,
            "batch = 16",
            "batch = 1000000000",
            "train.batch = 1000000000",
        ),
        (
            TOY,
            "latent_dim = 8",
            "latent_dim = 4294967296",
            "model.latent_dim",
        ),
        (DCGAN, "width = 2", "width = 65536", "model.width = 65536"),
        // 2^61 << 3 wraps to 0 in unchecked arithmetic.
        (
            DCGAN,
            "width = 2",
            "width = 2305843009213693952",
            "model.width",
        ),
        (
            DCGAN,
            "width = 2",
            "width = 1025",
            "model.width = 1025 exceeds the limit of 1024",
        ),
        (
            DCGAN,
            "classes = 3",
            "classes = 2000000000",
            "model.classes = 2000000000",
        ),
        (
            DCGAN,
            "label_dim = 32",
            "label_dim = 100000",
            "model.label_dim",
        ),
        (
            &wide,
            "batch = 4",
            "batch = 4096",
            "estimated training memory",
        ),
        (TOY, "width = 8", "width = -1", "`model.width`"),
        (TOY, "width = 8", "width = \"wide\"", "`model.width`"),
    ];
    for (text, from, to, needle) in cases {
        let mut checkpoint = checkpoint_of(text);
        let config = checkpoint.metadata["config"].replace(from, to);
        assert_ne!(config, checkpoint.metadata["config"], "{from} not found");
        checkpoint.metadata.insert("config".into(), config);
        let message = load_everywhere(&checkpoint.to_bytes().unwrap())
            .unwrap_or_else(|| panic!("{to} loaded"));
        one_line(&message, to);
        assert!(message.contains(needle), "{to}: {message}");
    }
    for (key, value) in [
        ("step", "-1"),
        ("rng", "zz"),
        ("opt_g.t", "1e99"),
        ("format", "ganvas-checkpoint/2"),
    ] {
        let mut checkpoint = checkpoint_of(TOY);
        checkpoint.metadata.insert(key.into(), value.into());
        let message = load_everywhere(&checkpoint.to_bytes().unwrap())
            .unwrap_or_else(|| panic!("{key} = {value} loaded"));
        one_line(&message, key);
        assert!(
            message.contains(key) || message.contains(value),
            "{key}: {message}"
        );
    }
}

#[test]
fn mutated_configs_are_refused_in_one_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let values = [
        "0",
        "-1",
        "1e308",
        "-1e308",
        "nan",
        "inf",
        "18446744073709551616",
        "4294967297",
        "\"x\"",
        "[]",
        "{}",
        "true",
        "",
    ];
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("configs")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((key, _)) = line.split_once(" = ") else {
                continue;
            };
            for value in values {
                let mut mutated = lines.clone();
                let replaced = format!("{key} = {value}");
                mutated[i] = &replaced;
                // Ok or a one-line error, never a panic.
                if let Err(e) = RunConfig::from_toml(&mutated.join("\n"), &[]) {
                    one_line(&e.to_string(), &replaced);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

/// A PNG of `w × h` (one RGBA pixel body, header patched, CRC fixed).
fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbaImage::new(1, 1)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    let mut bytes = out.into_inner();
    bytes[16..20].copy_from_slice(&w.to_be_bytes());
    bytes[20..24].copy_from_slice(&h.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    bytes
}

fn encoded(format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(24, 24, |x, y| image::Rgb([x as u8 * 9, y as u8 * 9, 77]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// Broken image files: (name, bytes).
fn bad_images() -> Vec<(String, Vec<u8>)> {
    let png = encoded(image::ImageFormat::Png);
    let jpeg = encoded(image::ImageFormat::Jpeg);
    let mut cases = vec![
        ("wide.png".to_string(), png_declaring(2_000_000, 1)),
        ("tall.png".to_string(), png_declaring(1, 4_000_000_000)),
        ("huge.png".to_string(), png_declaring(16_000, 16_000)),
        ("zero.png".to_string(), png_declaring(0, 5)),
        ("empty.jpg".to_string(), Vec::new()),
        ("text.png".to_string(), b"not an image at all".to_vec()),
    ];
    for cut in [8, 16, 33, png.len() / 2, png.len() - 12] {
        cases.push((format!("cut{cut}.png"), png[..cut].to_vec()));
    }
    for cut in [2, 20, jpeg.len() / 2, jpeg.len() - 2] {
        cases.push((format!("cut{cut}.jpg"), jpeg[..cut].to_vec()));
    }
    let mut rng = Rng::new(4);
    for i in 0..20 {
        let len = 1 + rng.below(300);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
        // Real signatures, so the decoders get past format detection.
        let signature: &[u8] = if i % 2 == 0 { &png[..16] } else { &jpeg[..4] };
        bytes.splice(..0, signature.iter().copied());
        let ext = if i % 2 == 0 { "png" } else { "jpg" };
        cases.push((format!("random{i}.{ext}"), bytes));
    }
    cases
}

#[test]
fn broken_images_are_named_in_one_line() {
    let dir = scratch("images");
    for (name, bytes) in bad_images() {
        let folder = dir.join(name.replace('.', "_"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(&name), &bytes).unwrap();
        let message = match load_image_folder(&folder, 28, 1) {
            Ok(_) => panic!("{name} loaded"),
            Err(e) => e.to_string(),
        };
        one_line(&message, &name);
        assert!(message.contains(&name), "{name}: {message}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn ganvas(args: &[&str], cwd: &Path) -> Output {
    // 4 GB of address space: an allocation the limits missed aborts (exit 134) instead of
    // succeeding slowly, and the exit-status check below catches it.
    Command::new("prlimit")
        .arg("--as=4000000000")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_ganvas"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs")
}

/// Exit status 1, one `error:` line naming `needle`, nothing else on stderr, no panic.
fn assert_refused(out: &Output, needle: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: one line expected: {stderr}");
    assert!(lines[0].starts_with("error: "), "{what}: {stderr}");
    assert!(
        lines[0].contains(needle),
        "{what}: `{needle}` not in {stderr}"
    );
    one_line(lines[0], what);
}

/// Files in `dir` (recursively), as paths relative to it.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    let mut out: Vec<PathBuf> = out
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap_or(&p).to_path_buf())
        .collect();
    out.sort();
    out
}

#[cfg(unix)]
#[test]
fn the_cli_refuses_corrupt_checkpoints_configs_and_images_in_one_line() {
    let dir = scratch("cli");
    let good = checkpoint_of(TOY).to_bytes().unwrap();
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    let cuts = section_boundaries(&good);
    for cut in cuts.iter().step_by(3) {
        inputs.push((format!("cut{cut}.safetensors"), good[..*cut].to_vec()));
    }
    let mut rng = Rng::new(99);
    for i in 0..4 {
        let bytes = (0..1 + rng.below(200))
            .map(|_| rng.below(256) as u8)
            .collect();
        inputs.push((format!("random{i}.safetensors"), bytes));
    }
    for (from, to) in [
        ("width = 8", "width = 65536"),
        ("batch = 16", "batch = 1000000000"),
    ] {
        let mut checkpoint = checkpoint_of(TOY);
        let config = checkpoint.metadata["config"].replace(from, to);
        checkpoint.metadata.insert("config".into(), config);
        let name = format!("{}.safetensors", to.replace(" = ", "-"));
        inputs.push((name, checkpoint.to_bytes().unwrap()));
    }
    let mut nan = good.clone();
    let len = nan.len();
    nan[len - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
    inputs.push(("nan.safetensors".into(), nan));
    for (name, bytes) in &inputs {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let before = files_in(&dir);
    for (name, _) in &inputs {
        for args in [
            vec!["sample", "--checkpoint", name, "--out", "out.png"],
            vec!["info", name],
            vec!["export", "--checkpoint", name, "--out", "slim.safetensors"],
            vec!["train", "--resume", name, "--out", "run", "--steps", "5"],
        ] {
            assert_refused(&ganvas(&args, &dir), name, &args.join(" "));
        }
    }
    // Configs and argument sizes.
    let configs = [
        (
            "width.toml",
            TOY.replace("width = 8", "width = 1000000"),
            "model.width = 1000000",
        ),
        (
            "depth.toml",
            TOY.replace("depth = 2", "depth = 100000"),
            "model.depth",
        ),
        (
            "batch.toml",
            TOY.replace("batch = 16", "batch = 1000000000"),
            "train.batch",
        ),
        (
            "type.toml",
            TOY.replace("width = 8", "width = \"x\""),
            "`model.width`",
        ),
        (
            "shift.toml",
            DCGAN.replace("width = 2", "width = 2305843009213693952"),
            "model.width",
        ),
    ];
    for (name, text, needle) in &configs {
        std::fs::write(dir.join(name), text).unwrap();
        let args = ["train", "--config", name, "--out", "run"];
        assert_refused(&ganvas(&args, &dir), needle, name);
    }
    for (name, bytes) in bad_images().into_iter().step_by(4) {
        let folder = format!("pics-{}", name.replace('.', "_"));
        std::fs::create_dir_all(dir.join(&folder)).unwrap();
        std::fs::write(dir.join(&folder).join(&name), bytes).unwrap();
        let config = format!(
            "name = \"pics\"\n[model]\nkind = \"dcgan\"\nresolution = 28\nchannels = 1\nwidth = 2\n\
             [data]\nkind = \"folder\"\ndir = \"{folder}\"\n"
        );
        std::fs::write(dir.join("pics.toml"), config).unwrap();
        let args = ["train", "--config", "pics.toml", "--out", "run"];
        assert_refused(&ganvas(&args, &dir), &name, &name);
        std::fs::remove_file(dir.join("pics.toml")).unwrap();
    }
    // Nothing written: no output, no run folder, no temporary file.
    let mut after = files_in(&dir);
    after.retain(|p| {
        !p.to_string_lossy().starts_with("pics-")
            && !configs.iter().any(|(name, _, _)| p == Path::new(name))
    });
    assert_eq!(after, before);
    let _ = std::fs::remove_dir_all(&dir);
}
