#!/usr/bin/env bash
# The main job: builds the browser package (pkg/) and serves the web app with the shipped
# pretrained models on 127.0.0.1, printing the URL. PORT=8080 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-web.sh
exec node scripts/serve.mjs --port "${PORT:-8080}"
