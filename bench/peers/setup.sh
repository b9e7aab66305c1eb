#!/usr/bin/env bash
# The Python environment of the benchmark peers (PyTorch, ONNX Runtime, pytorch-fid): the same
# venv as scripts/inception/setup.sh (~/.cache/ganvas-py/venv), with bench/peers/requirements.txt.
# Quick when everything is installed already.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${GANVAS_PY:-$HOME/.cache/ganvas-py/venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c 'import torch, onnx, onnxruntime, scipy, pytorch_fid' 2>/dev/null; then
  "$venv/bin/pip" install --disable-pip-version-check -q -r bench/peers/requirements.txt
fi
"$venv/bin/python" bench/peers/onnx_export.py --all
echo "peers ready: $venv/bin/python"
