//! `ganvas eval` and `ganvas export` end to end, on the committed Fashion-MNIST fixture and the
//! shipped models (no data set download needed).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ganvas::data::idx::{parse_images, parse_labels};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/fashion-mnist"
);
const MODELS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/models");

fn ganvas(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ganvas"))
        .args(args)
        .current_dir(cwd)
        // A private cache, so that cached real features from other runs do not hide a bug.
        .env("HOME", cwd)
        .output()
        .expect("runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ganvas-eval-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes images `range` of the fixture as PNG files into `dir`; with `scramble` each image's
/// pixels are shuffled (same histogram, no garment shape left).
fn write_pngs(dir: &Path, range: std::ops::Range<usize>, scramble: bool) {
    let images =
        parse_images(&std::fs::read(format!("{FIXTURE}/t10k-images-idx3-ubyte.gz")).unwrap())
            .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    for i in range {
        let mut pixels = images.image(i).to_vec();
        if scramble {
            let mut rng = ganvas::rng::Rng::new(i as u64);
            rng.shuffle(&mut pixels);
        }
        let png = image::GrayImage::from_raw(28, 28, pixels).unwrap();
        png.save(dir.join(format!("{i:04}.png"))).unwrap();
    }
}

fn value(report: &serde_json::Value, metric: &str) -> f64 {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} in {report}"))["value"]
        .as_f64()
        .unwrap()
}

#[test]
fn eval_on_two_folders_tells_real_from_scrambled_images() {
    let labels =
        parse_labels(&std::fs::read(format!("{FIXTURE}/t10k-labels-idx1-ubyte.gz")).unwrap())
            .unwrap();
    let n = labels.len() / 2;
    let dir = scratch("folders");
    write_pngs(&dir.join("a"), 0..n, false);
    write_pngs(&dir.join("b"), n..2 * n, false);
    write_pngs(&dir.join("noise"), n..2 * n, true);
    let weights = format!("{MODELS}/domain-fashion-mnist.safetensors");
    let run = |fake: &str, json: &str| {
        let out = ganvas(
            &[
                "eval",
                "--real",
                "a",
                "--fake",
                fake,
                "--weights",
                &weights,
                "--metrics",
                "fid,kid,pr,dc",
                "--size",
                "28",
                "--kid-subset-size",
                "50",
                "--json",
                json,
            ],
            &dir,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        println!("{stdout}");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(json)).unwrap()).unwrap();
        (stdout, report)
    };
    let (table, same) = run("b", "same.json");
    assert!(
        table.contains(&format!("fid@domain-fashion-mnist/{n}v{n}")),
        "{table}"
    );
    let (_, noise) = run("noise", "noise.json");
    let (fid_same, fid_noise) = (value(&same, "fid"), value(&noise, "fid"));
    println!(
        "domain FID: two halves of the real fixture {fid_same:.2}, real vs scrambled {fid_noise:.2}"
    );
    assert!(
        fid_same > 0.0 && fid_noise > 5.0 * fid_same,
        "{fid_same} vs {fid_noise}"
    );
    assert!(value(&same, "coverage") > 0.8 && value(&noise, "coverage") < 0.2);
    // The second run read the real features from the cache.
    assert!(
        dir.join(".cache/ganvas/features")
            .read_dir()
            .unwrap()
            .count()
            == 1
    );
    // The same folder with other images: the cache must not answer (it used to, keyed on the
    // path). The real folder now holds the fake images, so FID is 0.
    std::fs::remove_dir_all(dir.join("a")).unwrap();
    write_pngs(&dir.join("a"), n..2 * n, false);
    let (_, changed) = run("b", "changed.json");
    assert!(value(&changed, "fid").abs() < 1e-4, "{changed}");
    assert_eq!(
        dir.join(".cache/ganvas/features")
            .read_dir()
            .unwrap()
            .count(),
        2
    );
}

#[test]
fn eval_of_a_shipped_checkpoint_needs_its_data_and_says_how_to_get_it() {
    let dir = scratch("checkpoint");
    let model = format!("{MODELS}/mnist-dcgan28.safetensors");
    let out = ganvas(
        &[
            "eval",
            "--checkpoint",
            &model,
            "--weights",
            &format!("{MODELS}/domain-mnist.safetensors"),
        ],
        &dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("ganvas data fetch"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // An image folder against a checkpoint works without any data set.
    write_pngs(&dir.join("real"), 0..60, false);
    let out = ganvas(
        &[
            "eval",
            "--checkpoint",
            &format!("{MODELS}/fashion-dcgan32.safetensors"),
            "--real",
            "real",
            "--weights",
            &format!("{MODELS}/domain-fashion-mnist.safetensors"),
            "--n",
            "60",
            "--metrics",
            "fid,is",
            "--kid-subset-size",
            "30",
        ],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("fid@domain-fashion-mnist/60v60"),
        "{stdout}"
    );
    assert!(stdout.contains("is@domain-fashion-mnist/0v60"), "{stdout}");
}

#[test]
fn export_drops_the_optimiser_and_raw_generator_and_the_result_resumes() {
    let dir = scratch("export");
    let full = format!("{MODELS}/toy-8gaussians.safetensors");
    let out = ganvas(
        &["export", "--checkpoint", &full, "--out", "slim.safetensors"],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let slim = std::fs::read(dir.join("slim.safetensors")).unwrap();
    assert!(slim.len() < std::fs::read(&full).unwrap().len() / 2);
    let checkpoint = ganvas::checkpoint::Checkpoint::from_bytes(&slim).unwrap();
    assert!(checkpoint.section("opt_g").is_empty() && checkpoint.section("opt_d").is_empty());
    assert_eq!(checkpoint.meta("optimizer").unwrap(), "dropped");
    // The raw G goes too; it restarts from the average, which stays.
    assert!(checkpoint.section("g").is_empty() && !checkpoint.section("ema").is_empty());
    assert_eq!(checkpoint.meta("generator").unwrap(), "average");
    let out = ganvas(
        &[
            "train",
            "--resume",
            "slim.safetensors",
            "--steps",
            "5010",
            "--out",
            "run",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn real_vs_real_scores_the_data_against_itself_far_below_an_untrained_generator() {
    let dir = scratch("real-vs-real");
    write_pngs(&dir.join("images"), 0..120, false);
    std::fs::write(
        dir.join("run.toml"),
        r#"name = "tiny"
[model]
kind = "dcgan"
resolution = 28
channels = 1
latent_dim = 8
width = 4
[data]
kind = "folder"
dir = "images"
[run]
steps = 1
sample_every = 0
"#,
    )
    .unwrap();
    let out = ganvas(&["train", "--config", "run.toml", "--out", "run"], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eval = |extra: &[&str], json: &str| {
        let mut args = vec![
            "eval",
            "--checkpoint",
            "run/checkpoint.safetensors",
            "--weights",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../www/models/domain-fashion-mnist.safetensors"
            ),
            "--dataset",
            "fashion-mnist",
            "--metrics",
            "fid,pr",
            "--kid-subset-size",
            "30",
            "--json",
            json,
        ];
        args.extend_from_slice(extra);
        let out = ganvas(&args, &dir);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(dir.join(json)).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    let reference = eval(&["--real-vs-real"], "reference.json");
    let samples = eval(&[], "samples.json");
    // Even- v odd-numbered images of the folder: 60 v 60.
    let keys: Vec<&str> = reference["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"fid@domain-fashion-mnist/60v60"), "{keys:?}");
    let (fid_ref, fid_fake) = (value(&reference, "fid"), value(&samples, "fid"));
    assert!(
        fid_ref * 5.0 < fid_fake,
        "real v real FID {fid_ref} v untrained samples {fid_fake}"
    );
    assert!(value(&reference, "recall") > 0.5, "{reference}");
    // --truncation scores other samples (the latents truncated), and the results say so.
    let truncated = eval(&["--truncation", "0.5"], "truncated.json");
    let name = |report: &serde_json::Value| report["results"][0]["protocol"]["name"].clone();
    assert_eq!(
        name(&truncated).as_str().unwrap(),
        format!("{}+truncation=0.5", name(&samples).as_str().unwrap()),
        "{truncated}"
    );
    assert_eq!(
        truncated["fake"], "samples of the EMA generator, truncation 0.5",
        "{truncated}"
    );
    assert_ne!(value(&truncated, "fid"), fid_fake, "{truncated}");
    for bad in ["0", "-1", "NaN", "inf"] {
        let out = ganvas(
            &[
                "eval",
                "--checkpoint",
                "run/checkpoint.safetensors",
                &format!("--truncation={bad}"),
            ],
            &dir,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("--truncation must be a positive number"),
            "{bad}: {err}"
        );
    }
    let out = ganvas(
        &[
            "eval",
            "--checkpoint",
            "run/checkpoint.safetensors",
            "--real-vs-real",
            "--truncation",
            "1",
        ],
        &dir,
    );
    assert!(
        !out.status.success(),
        "--truncation with --real-vs-real is refused"
    );
    // --real-vs-real needs a checkpoint (its data set) and excludes folders.
    let out = ganvas(
        &[
            "eval",
            "--real-vs-real",
            "--real",
            "images",
            "--fake",
            "images",
        ],
        &dir,
    );
    assert!(!out.status.success());
}

#[cfg(unix)]
#[test]
fn training_time_evaluation_runs_the_domain2k_protocol_and_logs_its_name() {
    let dir = scratch("train-eval");
    // A folder named for its data set, so that the default classifier is found under www/.
    write_pngs(&dir.join("fashion-mnist"), 0..60, false);
    std::os::unix::fs::symlink(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../www"),
        dir.join("www"),
    )
    .unwrap();
    std::fs::write(
        dir.join("run.toml"),
        r#"name = "tiny"
[model]
kind = "dcgan"
resolution = 28
channels = 1
latent_dim = 8
width = 4
[data]
kind = "folder"
dir = "fashion-mnist"
[run]
steps = 2
sample_every = 0
"#,
    )
    .unwrap();
    let out = ganvas(
        &[
            "train",
            "--config",
            "run.toml",
            "--out",
            "run",
            "--eval-every",
            "1",
            "--eval-n",
            "40",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(dir.join("run/log.jsonl")).unwrap();
    let evals: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l.get("eval").is_some())
        .collect();
    assert_eq!(evals.len(), 2, "{log}");
    for line in &evals {
        assert_eq!(line["protocol_name"], "domain2k+n=40", "{line}");
        assert_eq!(line["protocol"], "domain-fashion-mnist/40v40", "{line}");
        let eval = line["eval"].as_object().unwrap();
        let mut names: Vec<&str> = eval.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["fid", "kid", "precision", "recall"]);
        assert!(
            eval.values()
                .all(|v| v.as_f64().is_some_and(f64::is_finite))
        );
    }
    assert!(dir.join("run/best.safetensors").exists());
}
