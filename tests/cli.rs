//! The `ganvas` program end to end: bad input gets one clear error line and a non-zero exit
//! (never a panic, never a half-written file); a run killed with SIGKILL resumes from its last
//! checkpoint.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ganvas(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ganvas"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ganvas-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Asserts a failure with a single `error:` line that contains `needle`.
fn assert_clear_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail: {stderr}");
    assert!(!stderr.contains("panicked"), "panicked: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line expected: {stderr}");
    assert!(
        errors[0].contains(needle),
        "`{needle}` not in: {}",
        errors[0]
    );
}

const TOY: &str = r#"
name = "cli-toy"
[model]
kind = "mlp"
width = 32
[train]
batch = 64
[data]
kind = "toy"
distribution = "gaussians8"
[run]
steps = 40
sample_every = 20
checkpoint_every = 20
log_every = 5
"#;

/// A trained toy checkpoint in `dir`.
fn toy_checkpoint(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("toy.toml"), TOY).unwrap();
    let out = ganvas(&["train", "--config", "toy.toml", "--out", "run"], dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("run/checkpoint.safetensors")
}

#[test]
fn train_sample_and_info_work_on_a_toy_run() {
    let dir = scratch("happy");
    let checkpoint = toy_checkpoint(&dir);
    assert!(dir.join("run/samples/step-000020.png").exists());
    let log = std::fs::read_to_string(dir.join("run/log.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 8, "{log}");
    assert!(log.lines().last().unwrap().contains("\"step\":40"));
    let out = ganvas(
        &[
            "sample",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--out",
            "s.png",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(image::open(dir.join("s.png")).is_ok());
    let out = ganvas(&["info", checkpoint.to_str().unwrap()], &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("step 40 of 40") && stdout.contains("cli-toy"),
        "{stdout}"
    );
}

#[test]
fn a_missing_or_corrupt_checkpoint_is_one_clear_error() {
    let dir = scratch("corrupt");
    let out = ganvas(
        &[
            "sample",
            "--checkpoint",
            "nope.safetensors",
            "--out",
            "x.png",
        ],
        &dir,
    );
    assert_clear_error(&out, "nope.safetensors");
    std::fs::write(
        dir.join("bad.safetensors"),
        b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}",
    )
    .unwrap();
    let out = ganvas(
        &[
            "sample",
            "--checkpoint",
            "bad.safetensors",
            "--out",
            "x.png",
        ],
        &dir,
    );
    assert_clear_error(&out, "not a safetensors file");
    let out = ganvas(&["info", "bad.safetensors"], &dir);
    assert_clear_error(&out, "bad.safetensors");
    let checkpoint = toy_checkpoint(&dir);
    let bytes = std::fs::read(&checkpoint).unwrap();
    std::fs::write(dir.join("cut.safetensors"), &bytes[..bytes.len() / 2]).unwrap();
    let out = ganvas(&["train", "--resume", "cut.safetensors"], &dir);
    assert_clear_error(&out, "cut.safetensors");
    assert!(!dir.join("x.png").exists(), "no output file on failure");
}

#[test]
fn config_mistakes_are_named() {
    let dir = scratch("config");
    std::fs::write(
        dir.join("typo.toml"),
        TOY.replace("width = 32", "widht = 32"),
    )
    .unwrap();
    assert_clear_error(&ganvas(&["train", "--config", "typo.toml"], &dir), "widht");
    std::fs::write(
        dir.join("neg.toml"),
        TOY.replace("batch = 64", "batch = 64\nlr_g = -1.0"),
    )
    .unwrap();
    assert_clear_error(&ganvas(&["train", "--config", "neg.toml"], &dir), "lr_g");
    std::fs::write(dir.join("ok.toml"), TOY).unwrap();
    let out = ganvas(
        &[
            "train",
            "--config",
            "ok.toml",
            "--set",
            "train.loss=wasserstein",
        ],
        &dir,
    );
    assert_clear_error(&out, "wasserstein");
    let out = ganvas(&["train", "--config", "ok.toml", "--set", "model"], &dir);
    assert_clear_error(&out, "KEY=VALUE");
    let out = ganvas(&["train", "--config", "ok.toml", "--device", "tpu"], &dir);
    assert_clear_error(&out, "unknown device");
    assert_clear_error(
        &ganvas(&["train", "--config", "missing.toml"], &dir),
        "missing.toml",
    );
}

#[test]
fn a_checkpoint_of_another_architecture_is_refused() {
    let dir = scratch("arch");
    let checkpoint = toy_checkpoint(&dir);
    let mut ckpt = ganvas::files::read_checkpoint(&checkpoint).unwrap();
    let config = ckpt.metadata["config"].replace("width = 32", "width = 48");
    ckpt.metadata.insert("config".into(), config);
    ganvas::files::write_checkpoint(&dir.join("other.safetensors"), &ckpt).unwrap();
    let out = ganvas(
        &[
            "sample",
            "--checkpoint",
            "other.safetensors",
            "--out",
            "x.png",
        ],
        &dir,
    );
    assert_clear_error(&out, "does not fit");
    assert!(!dir.join("x.png").exists());
}

#[test]
fn an_unreadable_image_is_named() {
    let dir = scratch("images");
    std::fs::create_dir_all(dir.join("pics")).unwrap();
    std::fs::write(dir.join("pics/broken.png"), b"this is not a png").unwrap();
    let config = r#"
name = "pics"
[model]
kind = "dcgan"
resolution = 32
channels = 3
width = 4
[data]
kind = "folder"
dir = "pics"
"#;
    std::fs::write(dir.join("pics.toml"), config).unwrap();
    assert_clear_error(
        &ganvas(&["train", "--config", "pics.toml"], &dir),
        "broken.png",
    );
}

#[test]
fn a_diverging_run_stops_and_keeps_its_last_good_checkpoint() {
    let dir = scratch("nan");
    let checkpoint = toy_checkpoint(&dir);
    let before = std::fs::read(&checkpoint).unwrap();
    // A learning rate of 1e30 overflows the weights within a few steps.
    let out = ganvas(
        &[
            "train",
            "--resume",
            "--out",
            "run",
            "--steps",
            "80",
            "--set",
            "train.lr_d=1e30",
            "--set",
            "train.lr_g=1e30",
        ],
        &dir,
    );
    assert_clear_error(&out, "diverged");
    assert_eq!(
        std::fs::read(&checkpoint).unwrap(),
        before,
        "the last good checkpoint is kept"
    );
}

/// The one `error:` line of a failed run.
fn error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail: {stderr}");
    assert!(!stderr.contains("panicked"), "panicked: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line expected: {stderr}");
    errors[0].to_string()
}

#[test]
fn non_finite_weights_on_a_checkpoint_step_never_overwrite_the_last_good_file() {
    let dir = scratch("nan-weights");
    let checkpoint = toy_checkpoint(&dir);
    let before = std::fs::read(&checkpoint).unwrap();
    // lr_g 1e39 is finite as f64 but infinite as f32: step 41's losses (computed before G's
    // update; D still learns normally) are finite, G's weights after it are not, and step 41
    // writes a checkpoint.
    let out = ganvas(
        &[
            "train",
            "--resume",
            "--out",
            "run",
            "--steps",
            "60",
            "--set",
            "train.lr_g=1e39",
            "--set",
            "run.checkpoint_every=1",
        ],
        &dir,
    );
    let line = error_line(&out);
    assert!(
        line.contains("training diverged at step 41: non-finite weights"),
        "{line}"
    );
    assert!(line.contains("checkpoint not written"), "{line}");
    assert!(
        line.contains("the last good checkpoint is run/checkpoint.safetensors (step 40)"),
        "{line}"
    );
    assert_eq!(
        std::fs::read(&checkpoint).unwrap(),
        before,
        "the good file is kept"
    );
    let names: Vec<_> = std::fs::read_dir(dir.join("run"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");

    // A fresh run that diverges before any checkpoint names none.
    std::fs::write(
        dir.join("toy.toml"),
        TOY.replace("checkpoint_every = 20", "checkpoint_every = 1"),
    )
    .unwrap();
    let out = ganvas(
        &[
            "train",
            "--config",
            "toy.toml",
            "--out",
            "fresh",
            "--set",
            "train.lr_g=1e39",
        ],
        &dir,
    );
    let line = error_line(&out);
    assert!(line.contains("training diverged at step 1"), "{line}");
    assert!(
        line.contains("no checkpoint of this run was written"),
        "{line}"
    );
    assert!(!dir.join("fresh/checkpoint.safetensors").exists());
}

#[test]
fn a_checkpoint_with_non_finite_weights_is_refused_by_every_command() {
    let dir = scratch("nan-load");
    let checkpoint = toy_checkpoint(&dir);
    let ckpt = ganvas::files::read_checkpoint(&checkpoint).unwrap();
    // Patch the bytes of one weight to NaN, as a foreign writer could.
    let (_, values) = &ckpt.arrays["ema.Mlp.out.weight"];
    let pattern = values[0].to_le_bytes();
    let mut bytes = std::fs::read(&checkpoint).unwrap();
    let hits: Vec<usize> = (0..bytes.len() - 3)
        .filter(|&i| bytes[i..i + 4] == pattern)
        .collect();
    assert!(!hits.is_empty());
    for &at in &hits {
        bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    }
    std::fs::write(dir.join("nan.safetensors"), &bytes).unwrap();
    for args in [
        vec![
            "sample",
            "--checkpoint",
            "nan.safetensors",
            "--out",
            "x.png",
        ],
        vec![
            "export",
            "--checkpoint",
            "nan.safetensors",
            "--out",
            "slim.safetensors",
        ],
        vec!["info", "nan.safetensors"],
        vec!["train", "--resume", "nan.safetensors"],
        vec!["eval", "--checkpoint", "nan.safetensors"],
    ] {
        let line = error_line(&ganvas(&args, &dir));
        assert!(line.contains("nan.safetensors"), "{args:?}: {line}");
        assert!(
            line.contains("non-finite weights (NaN or infinity) in `"),
            "{args:?}: {line}"
        );
    }
    assert!(!dir.join("x.png").exists() && !dir.join("slim.safetensors").exists());
}

#[test]
fn resuming_rewrites_the_log_from_the_checkpoint_step() {
    let dir = scratch("log");
    toy_checkpoint(&dir);
    // Lines a killed run logged after its last checkpoint (step 40), to be replayed.
    let log = dir.join("run/log.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"step\":45}\n{\"step\":50}\n");
    std::fs::write(&log, text).unwrap();
    let out = ganvas(
        &["train", "--resume", "--out", "run", "--steps", "50"],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps: Vec<u64> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["step"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(steps, (1..=10).map(|i| i * 5).collect::<Vec<u64>>());
}

#[test]
fn resume_with_a_config_of_another_architecture_names_the_fields() {
    let dir = scratch("resume-config");
    let checkpoint = toy_checkpoint(&dir);
    std::fs::write(
        dir.join("wide.toml"),
        TOY.replace("width = 32", "width = 48"),
    )
    .unwrap();
    let out = ganvas(
        &[
            "train",
            "--config",
            "wide.toml",
            "--resume",
            checkpoint.to_str().unwrap(),
        ],
        &dir,
    );
    let line = error_line(&out);
    assert!(line.contains("model.width (48 vs 32)"), "{line}");
    assert!(
        line.contains("only train.*, run.*, data and name may change"),
        "{line}"
    );
    // Hyper-parameters may differ: the config's are used.
    std::fs::write(
        dir.join("slow.toml"),
        TOY.replace("steps = 40", "steps = 45")
            .replace("batch = 64", "batch = 32"),
    )
    .unwrap();
    let out = ganvas(
        &["train", "--config", "slow.toml", "--resume", "--out", "run"],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resumed = ganvas::files::read_checkpoint(&checkpoint).unwrap();
    assert_eq!(resumed.meta("step").unwrap(), "45");
    assert!(resumed.meta("config").unwrap().contains("batch = 32"));
}

#[test]
fn sampling_arguments_are_bounded_and_never_hang() {
    let dir = scratch("sample-args");
    let checkpoint = toy_checkpoint(&dir);
    let ckpt = checkpoint.to_str().unwrap();
    let out = ganvas(
        &[
            "sample",
            "--checkpoint",
            ckpt,
            "--truncation",
            "1e-30",
            "--n",
            "16",
            "--out",
            "t.png",
        ],
        &dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("note: --truncation 1e-30 could not be met"),
        "{stderr}"
    );
    let line = error_line(&ganvas(
        &["sample", "--checkpoint", ckpt, "--truncation", "-1"],
        &dir,
    ));
    assert!(
        line.contains("--truncation must be a positive number, got -1"),
        "{line}"
    );
    let line = error_line(&ganvas(
        &["sample", "--checkpoint", ckpt, "--n", "100000000"],
        &dir,
    ));
    assert!(
        line.contains("--n = 100000000 exceeds the limit of 10000"),
        "{line}"
    );
    let line = error_line(&ganvas(
        &[
            "sample",
            "--checkpoint",
            ckpt,
            "--interpolate",
            "lerp",
            "--frames",
            "100000000",
        ],
        &dir,
    ));
    assert!(
        line.contains("--frames = 100000000 exceeds the limit of 1000"),
        "{line}"
    );
    let line = error_line(&ganvas(
        &["eval", "--real", ".", "--fake", ".", "--size", "100000"],
        &dir,
    ));
    assert!(
        line.contains("--size = 100000 exceeds the limit of 1024"),
        "{line}"
    );
    let line = error_line(&ganvas(&["bench-metrics", "--n", "0"], &dir));
    assert!(line.contains("--n must be at least 2"), "{line}");
}

#[cfg(unix)]
#[test]
fn a_killed_run_resumes_from_its_last_checkpoint() {
    let dir = scratch("kill");
    let config = TOY
        .replace("steps = 40", "steps = 100000")
        .replace("checkpoint_every = 20", "checkpoint_every = 50");
    std::fs::write(dir.join("long.toml"), config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ganvas"))
        .args(["train", "--config", "long.toml", "--out", "run"])
        .current_dir(&dir)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint = dir.join("run/checkpoint.safetensors");
    let started = std::time::Instant::now();
    while !checkpoint.exists() {
        assert!(started.elapsed().as_secs() < 120, "no checkpoint written");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let saved: u64 = ganvas::files::read_checkpoint(&checkpoint)
        .unwrap()
        .meta_parse("step")
        .unwrap();
    assert!(
        saved >= 50 && saved % 50 == 0,
        "checkpoints land on multiples of 50: {saved}"
    );
    let target = saved + 30;
    let out = ganvas(
        &[
            "train",
            "--resume",
            "--out",
            "run",
            "--steps",
            &target.to_string(),
        ],
        &dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("at step {saved}")), "{stderr}");
    let resumed: u64 = ganvas::files::read_checkpoint(&checkpoint)
        .unwrap()
        .meta_parse("step")
        .unwrap();
    assert_eq!(resumed, target);
}

#[test]
fn bench_prints_the_reference_table_and_names_a_missing_peer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // ganvas alone (no Python needed): one round of one sampling call on the smallest workload.
    let out = ganvas(
        &[
            "bench",
            "--peers",
            "",
            "--rounds",
            "1",
            "--steps",
            "1",
            "--workloads",
            "dcgan32-grey",
            "--tasks",
            "sample",
            "--threads",
            "1",
        ],
        &root,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("SGEMM 2048³ f32"), "{stdout}");
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("| dcgan32-grey | sample"))
        .collect();
    assert_eq!(rows.len(), 2, "batch 1 and 64: {stdout}");
    // Batch 64 is 64 × 0.0349 GFLOP = 2.23 GFLOP, from the model's layer geometry.
    assert!(rows[1].contains("| 2.23 |"), "{}", rows[1]);
    let ms: f64 = rows[1].split('|').nth(4).unwrap().trim().parse().unwrap();
    assert!(ms > 0.0 && ms.is_finite(), "{}", rows[1]);

    // A peer whose Python does not exist: one clear error that says how to make it.
    let out = ganvas(
        &["bench", "--python", "/nonexistent/python", "--rounds", "1"],
        &root,
    );
    assert_clear_error(&out, "bench/peers/setup.sh");
    // An unknown workload names its missing config file.
    let out = ganvas(&["bench", "--peers", "", "--workloads", "dcgan128"], &root);
    assert_clear_error(&out, "bench/configs/dcgan128.toml");
}

#[test]
fn project_writes_the_reconstruction_and_refuses_bad_input() {
    let dir = scratch("project");
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/models");
    let emoji = models.join("emoji-dcgan32.safetensors");
    let emoji = emoji.to_str().unwrap();
    let folder =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/inception-folders/64/real");
    let image = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a PNG fixture");
    let out = ganvas(
        &[
            "project",
            "--checkpoint",
            emoji,
            "--image",
            image.to_str().unwrap(),
            "--steps",
            "40",
            "--out",
            "p.png",
            "--latent-out",
            "z.json",
        ],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("MSE"), "{stdout}");
    let png = std::fs::read(dir.join("p.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let z: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("z.json")).unwrap()).unwrap();
    assert!(z["latent"].as_array().is_some_and(|l| !l.is_empty()));

    std::fs::write(dir.join("broken.png"), b"not a png").unwrap();
    assert_clear_error(
        &ganvas(
            &["project", "--checkpoint", emoji, "--image", "broken.png"],
            &dir,
        ),
        "broken.png",
    );
    let fashion = models.join("fashion-dcgan32.safetensors");
    assert_clear_error(
        &ganvas(
            &[
                "project",
                "--checkpoint",
                fashion.to_str().unwrap(),
                "--image",
                image.to_str().unwrap(),
                "--class",
                "12",
            ],
            &dir,
        ),
        "class 12",
    );
    assert_clear_error(
        &ganvas(
            &[
                "project",
                "--checkpoint",
                emoji,
                "--image",
                image.to_str().unwrap(),
                "--steps",
                "0",
            ],
            &dir,
        ),
        "steps",
    );
}
