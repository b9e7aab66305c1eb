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
            "bench", "--peers", "", "--rounds", "1", "--steps", "1", "--workloads",
            "dcgan32-grey", "--tasks", "sample", "--threads", "1",
        ],
        &root,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
