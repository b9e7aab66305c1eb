//! `ganvas scorer` and a text model's `ganvas eval` end to end on a small captioned folder of
//! flat colours: the scorer trains and states its real-image level, eval reports the
//! text-image score and R-precision, and the reference level it reports with --real-vs-real is
//! the one the scorer measured.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ganvas::data::captions::is_held_out;

const MODELS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/models");
const COLOURS: [(&str, [u8; 3]); 4] = [
    ("red", [220, 30, 30]),
    ("green", [30, 200, 40]),
    ("blue", [30, 40, 220]),
    ("yellow", [230, 220, 30]),
];

fn ganvas(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ganvas"))
        .args(args)
        .current_dir(cwd)
        .env("HOME", cwd)
        .output()
        .expect("runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A captioned folder: 48 training and 8 held-out 32×32 images, each a flat colour with a
/// lighter square whose place varies, captioned with its colour ("red", "red square").
fn captioned_folder(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let (mut train, mut held_out, mut tsv) = (0, 0, String::new());
    for i in 0u32.. {
        let name = format!("{:x}.png", 0x1f300 + i);
        let test = is_held_out(&name);
        if (test && held_out == 8) || (!test && train == 48) {
            if held_out == 8 && train == 48 {
                break;
            }
            continue;
        }
        let (word, rgb) = COLOURS[(train + held_out) % COLOURS.len()];
        let (x0, y0) = (((i * 7) % 20) as usize, ((i * 11) % 20) as usize);
        let img = image::RgbImage::from_fn(32, 32, |x, y| {
            let inside =
                (x0..x0 + 10).contains(&(x as usize)) && (y0..y0 + 10).contains(&(y as usize));
            image::Rgb(rgb.map(|c| if inside { c / 2 + 120 } else { c }))
        });
        img.save(dir.join(&name)).unwrap();
        tsv.push_str(&format!("{name}\t{word}\t{word} square\n"));
        if test {
            held_out += 1;
        } else {
            train += 1;
        }
    }
    std::fs::write(dir.join("captions.tsv"), tsv).unwrap();
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ganvas-text-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
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
fn the_scorer_trains_and_eval_reports_a_text_models_metrics_beside_its_reference() {
    let dir = scratch("eval");
    captioned_folder(&dir.join("colours"));
    let out = ganvas(
        &[
            "scorer",
            "--data",
            "colours",
            "--steps",
            "60",
            "--batch",
            "16",
            "--width",
            "8",
            "--out",
            "scorer.safetensors",
        ],
        &dir,
    );
    let stdout = ok(&out);
    assert!(
        stdout.contains("held-out real images (8): text-image score"),
        "{stdout}"
    );

    std::fs::write(
        dir.join("run.toml"),
        r#"name = "tiny-text"
[model]
kind = "text-dcgan"
resolution = 32
channels = 3
latent_dim = 8
width = 8
embed_dim = 8
text_dim = 16
max_words = 4
slots_per_word = 4
ngram_buckets = 32
[train]
loss = "hinge"
batch = 8
[data]
kind = "folder"
dir = "colours"
[run]
sample_every = 1000
checkpoint_every = 1000
"#,
    )
    .unwrap();
    ok(&ganvas(
        &[
            "train", "--config", "run.toml", "--steps", "3", "--out", "run",
        ],
        &dir,
    ));
    let domain = format!("{MODELS}/domain-emoji.safetensors");
    let eval = |extra: &[&str], json: &str| {
        let mut args = vec![
            "eval",
            "--checkpoint",
            "run/checkpoint.safetensors",
            "--scorer",
            "scorer.safetensors",
            "--weights",
            &domain,
            "--metrics",
            "fid,pr",
            "--n",
            "8",
            "--json",
            json,
        ];
        args.extend_from_slice(extra);
        ok(&ganvas(&args, &dir));
        let text = std::fs::read_to_string(dir.join(json)).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    let fake = eval(&[], "fake.json");
    let score = value(&fake, "text_image_score");
    let r = value(&fake, "r_precision");
    assert!((-1.0..=1.0).contains(&score), "{score}");
    assert!((0.0..=1.0).contains(&r), "{r}");
    let key = fake["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["metric"] == "r_precision")
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(key, "r_precision@scorer-colours/8v8");

    // The reference level eval reports is the one the scorer printed when it was trained.
    let real = eval(&["--real-vs-real"], "real.json");
    let real_score = value(&real, "text_image_score_real");
    let printed = stdout
        .split("text-image score ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .parse::<f64>()
        .unwrap();
    assert!(
        (real_score - printed).abs() < 1e-4,
        "{real_score} v {printed}"
    );
    // Real flat colours under their own captions score above an untrained generator's blur.
    assert!(real_score > score, "real {real_score} v fake {score}");

    // A scorer file that is not there: one line naming it.
    let out = ganvas(
        &[
            "eval",
            "--checkpoint",
            "run/checkpoint.safetensors",
            "--scorer",
            "missing.safetensors",
            "--weights",
            &domain,
            "--metrics",
            "fid",
            "--n",
            "8",
        ],
        &dir,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.trim().lines().last().unwrap_or_default();
    assert!(
        last.contains("missing.safetensors") && last.contains("no text-image scorer"),
        "{stderr}"
    );
}

#[test]
fn the_scorer_refuses_a_folder_without_captions_in_one_line() {
    let dir = scratch("missing");
    let out = ganvas(&["scorer", "--data", "nowhere", "--steps", "1"], &dir);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("ganvas data fetch emoji"), "{stderr}");
}
