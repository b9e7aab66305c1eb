"""Reference values for ganvas's MS-SSIM (crate/src/metrics/ms_ssim.rs) from pytorch_msssim.

Run from the repository root, inside a venv holding tests/reference/requirements.txt:

    .venv/bin/python tests/reference/ms_ssim_fixtures.py

It (re)writes, deterministically:

    tests/fixtures/ms-ssim/images.safetensors   uint8 image pairs
    tests/fixtures/ms-ssim/expected.json        reference values + package versions

Two protocols:
* "standard": `pytorch_msssim.ms_ssim` itself (11-pixel window, σ 1.5, five scales) on two
  synthetic 168×170 image pairs (it needs sides above 160).
* "small": a 7-pixel window over three scales with renormalised weights, ganvas's protocol for
  28–64 pixel GAN images. `pytorch_msssim.ms_ssim` refuses these sides (it asserts five scales'
  worth of pixels whatever the weights), so `small_ms_ssim` below is its loop, verbatim in
  arithmetic, around the package's own `_ssim`, without that assert.
* Both pass the Gaussian window in float64 (`window`).
  Its images are real Fashion-MNIST test images from tests/fixtures/fashion-mnist (28×28) and
  colour pairs built from them (32×32, three channels).
"""

import gzip
import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from pytorch_msssim import ms_ssim
from pytorch_msssim.ssim import _ssim
from safetensors.numpy import save_file

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/fixtures/ms-ssim"
STANDARD = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
SMALL = [w / sum(STANDARD[:3]) for w in STANDARD[:3]]


def window(size, sigma, channels):
    """The package's Gaussian window computed in float64 (`_fspecial_gauss_1d` works in
    float32, a 1e-7 difference that would hide ours), in the shape it expects."""
    coords = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-(coords ** 2) / (2 * sigma ** 2))
    return (g / g.sum()).reshape(1, 1, 1, -1).repeat([channels, 1, 1, 1])


def small_ms_ssim(x, y, win_size=7, sigma=1.5, weights=SMALL):
    win = window(win_size, sigma, x.shape[1])
    w = x.new_tensor(weights)
    mcs = []
    for i in range(len(weights)):
        ssim_pc, cs = _ssim(x, y, win=win, data_range=255, size_average=False)
        if i < len(weights) - 1:
            mcs.append(torch.relu(cs))
            padding = [s % 2 for s in x.shape[2:]]
            x = F.avg_pool2d(x, kernel_size=2, padding=padding)
            y = F.avg_pool2d(y, kernel_size=2, padding=padding)
    stack = torch.stack(mcs + [torch.relu(ssim_pc)], dim=0)
    return torch.prod(stack ** w.view(-1, 1, 1), dim=0).mean(1)


def fashion(n):
    with gzip.open(ROOT / "tests/fixtures/fashion-mnist/t10k-images-idx3-ubyte.gz") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return data.reshape(-1, 1, 28, 28)[:n]


def smooth_pair(rng, h, w):
    """A smooth random RGB field and a noisy, shifted copy of it."""
    coarse = rng.uniform(0, 255, size=(1, 3, h // 8, w // 8)).astype(np.float32)
    base = F.interpolate(torch.from_numpy(coarse), size=(h, w), mode="bilinear", align_corners=False)
    a = base.numpy()[0]
    b = np.roll(a, 3, axis=2) + rng.normal(0, 20, size=a.shape)
    return np.clip(a, 0, 255).round().astype(np.uint8), np.clip(b, 0, 255).round().astype(np.uint8)


def main():
    rng = np.random.default_rng(0)
    torch.set_default_dtype(torch.float64)
    tensors, cases = {}, []

    def as_t(a):
        return torch.from_numpy(a.astype(np.float64))

    # Standard protocol through the package's public function.
    pairs = [smooth_pair(rng, 168, 170) for _ in range(2)]
    a = np.stack([p[0] for p in pairs])
    b = np.stack([p[1] for p in pairs])
    tensors["standard_a"], tensors["standard_b"] = a, b
    values = ms_ssim(as_t(a), as_t(b), data_range=255, size_average=False, win=window(11, 1.5, 3))
    cases.append({"name": "standard", "a": "standard_a", "b": "standard_b", "window": 11,
                  "sigma": 1.5, "weights": STANDARD, "values": values.tolist()})

    # Small protocol, grey: consecutive Fashion-MNIST test images, plus one image with itself.
    grey = fashion(17)
    a, b = grey[:8].copy(), grey[8:16].copy()
    b[7] = a[7]
    tensors["grey_a"], tensors["grey_b"] = a, b
    values = small_ms_ssim(as_t(a), as_t(b))
    cases.append({"name": "small-grey-28", "a": "grey_a", "b": "grey_b", "window": 7,
                  "sigma": 1.5, "weights": SMALL, "values": values.tolist()})

    # Small protocol, colour 32×32: three different garments as channels, padded by 2.
    def colour(start):
        imgs = fashion(40)[start:start + 12, 0]
        rgb = np.stack([imgs[0::3], imgs[1::3], imgs[2::3]], axis=1)  # 4 × 3 × 28 × 28
        return np.pad(rgb, ((0, 0), (0, 0), (2, 2), (2, 2)))
    a, b = colour(16), colour(28)
    tensors["rgb_a"], tensors["rgb_b"] = a, b
    values = small_ms_ssim(as_t(a), as_t(b))
    cases.append({"name": "small-rgb-32", "a": "rgb_a", "b": "rgb_b", "window": 7,
                  "sigma": 1.5, "weights": SMALL, "values": values.tolist()})

    OUT.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(OUT / "images.safetensors"))
    meta = {"packages": {p: version(p) for p in ("pytorch-msssim", "torch", "numpy")},
            "data_range": 255, "cases": cases}
    (OUT / "expected.json").write_text(json.dumps(meta, indent=1) + "\n")
    for c in cases:
        print(c["name"], ["%.6f" % v for v in c["values"]])


if __name__ == "__main__":
    main()
