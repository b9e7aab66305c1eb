"""Exports a reference workload's generator (bench/peers/dcgan_torch.py, seed 1, evaluation mode)
to ONNX for the ONNX Runtime peers (native and onnxruntime-web): input `z` [batch, 100, 1, 1],
output `images` [batch, C, R, R], dynamic batch, opset 17. Generated, never committed.

    python bench/peers/onnx_export.py --workload dcgan32-rgb [--out PATH]
    python bench/peers/onnx_export.py --all
"""

import argparse
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dcgan_torch  # noqa: E402


def default_path(name):
    return Path(os.path.expanduser("~/.cache/ganvas/bench")) / f"{name}-g.onnx"


def export(name, path):
    g, _ = dcgan_torch.build(name)
    g.eval()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.onnx.export(g, (torch.randn(1, dcgan_torch.NZ, 1, 1),), str(tmp), input_names=["z"],
                      output_names=["images"], dynamic_axes={"z": {0: "batch"}, "images": {0: "batch"}},
                      opset_version=17, dynamo=False)
    tmp.replace(path)
    print(f"wrote {path}", file=sys.stderr)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", choices=sorted(dcgan_torch.WORKLOADS))
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    names = sorted(dcgan_torch.WORKLOADS) if args.all else [args.workload]
    if names == [None]:
        parser.error("give --workload or --all")
    for name in names:
        export(name, args.out if args.out and not args.all else default_path(name))


if __name__ == "__main__":
    main()
